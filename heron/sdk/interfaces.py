"""What SDK objects need to know of each other, below all of them.

A table, an image or a chart logged with ``run.log`` needs the run's store and thread pool, not
the whole :class:`heron.Run`; a logged artifact version needs a way to find the runs that logged
and used it, not :class:`heron.Api` itself. These protocols say so, so that the modules which
define values (table, media, charts, artifact) sit below the modules that use them (run, api)
and nothing imports upward.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from heron.sdk.api import ApiRun
    from heron.store.store import Store

ObjectResult = tuple[str, Any]
"""What logging a non-scalar value stores: its kind (``table``, ``image``, ``histogram``...)
and the JSON payload kept under its key and step."""


class StoreReader(Protocol):
    """Read access to one open store, as :class:`heron.Api` gives it."""

    @property
    def store(self) -> Store:
        """The open store."""
        ...

    def run(self, path: str) -> ApiRun:
        """A stored run by ``project/id`` or ``id``."""
        ...


class RunContext(Protocol):
    """What a value logged to a run, or an artifact it logs or uses, needs of the run."""

    @property
    def id(self) -> str:
        """The run id."""
        ...

    @property
    def project(self) -> str:
        """The run's project."""
        ...

    @property
    def path(self) -> str:
        """``project/id``."""
        ...

    @property
    def store(self) -> Store:
        """The store the run writes to."""
        ...

    @property
    def api(self) -> StoreReader:
        """Read access to that store (artifact versions the run logs or uses read through it)."""
        ...

    @property
    def executor(self) -> ThreadPoolExecutor:
        """The run's thread pool, where media are encoded off the training loop."""
        ...


class Loggable(Protocol):
    """A value ``run.log`` stores as an object (a table, an image, a histogram, a chart...)."""

    def log_to(self, run: RunContext, key: str, step: int) -> ObjectResult | Future[ObjectResult]:
        """Store the value as ``key`` at ``step`` of ``run``: the kind and payload to record,
        or a Future of them when the work runs in the run's thread pool."""
        ...
