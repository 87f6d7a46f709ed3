"""heron: track ML runs, log datasets and predictions as tables, explore them in the browser.

::

    import heron
    with heron.init(project="nature", config={"lr": 1e-3}) as run:
        run.log({"loss": 0.25})

The SDK's classes and functions load on first use (``heron.init``, ``heron.Table``...), so
``import heron`` itself costs next to nothing: the store and its database driver load only once
a run or the read API needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from heron.errors import HeronError

if TYPE_CHECKING:
    # What type checkers and IDEs see; at run time these load through ``__getattr__`` below.
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

# Public name -> the module defining it, imported the first time the name is read.
_LAZY: dict[str, str] = {
    "Api": "heron.sdk.api",
    "ApiRun": "heron.sdk.api",
    "Artifact": "heron.sdk.artifact",
    "Chart": "heron.sdk.charts",
    "finish": "heron.sdk.init",
    "init": "heron.sdk.init",
    "log": "heron.sdk.init",
    "Histogram": "heron.sdk.media",
    "Image": "heron.sdk.media",
    "Run": "heron.sdk.run",
    "Table": "heron.sdk.table",
}


def __getattr__(name: str) -> object:
    """Load a public SDK name on first use and keep it, so later reads are plain lookups."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'heron' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The module's names, the not yet loaded SDK ones included (for ``dir(heron)`` and REPLs)."""
    return sorted({*globals(), *_LAZY})


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
"""What user code touches: runs, tables, media, artifacts and the read API."""
