"""heron: track ML runs, log datasets and predictions as tables, explore them in the browser.

::

    import heron
    with heron.init(project="nature", config={"lr": 1e-3}) as run:
        run.log({"loss": 0.25})
"""

from __future__ import annotations

from heron.errors import HeronError
from heron.sdk.api import Api, ApiRun
from heron.sdk.artifact import Artifact
from heron.sdk.charts import Chart
from heron.sdk.init import finish, init, log
from heron.sdk.media import Histogram, Image
from heron.sdk.run import Run
from heron.sdk.table import Table

__version__ = "0.1.0"

run: Run | None = None
"""The active run (set by :func:`init`, cleared by :func:`finish`)."""

__all__ = [
    "Api",
    "ApiRun",
    "Artifact",
    "Chart",
    "HeronError",
    "Histogram",
    "Image",
    "Run",
    "Table",
    "__version__",
    "finish",
    "init",
    "log",
    "run",
]
