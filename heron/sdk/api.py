"""The read API: ``heron.Api()`` looks at everything a store holds."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from heron.errors import UsageError
from heron.store import runs as run_store
from heron.store.store import Store

if TYPE_CHECKING:
    import pandas


class Api:
    """Read access to a store: projects, runs and their history, tables, artifacts.

    ``Api()`` opens the same store ``heron.init`` would (``dir``, else ``$HERON_DIR``, else
    ``./heron-data``); it never creates one.
    """

    def __init__(self, dir: str | os.PathLike[str] | None = None, *, database_url: str | None = None) -> None:
        self.store = Store.open(dir, database_url=database_url, create=False)

    def projects(self) -> list[dict[str, Any]]:
        """Every project with its number of runs and artifacts and its last activity."""
        return run_store.list_projects(self.store.engine)

    def runs(self, project: str | None = None) -> list[ApiRun]:
        """Runs of ``project`` (or of every project), newest first."""
        return [ApiRun(self, record) for record in run_store.list_runs(self.store.engine, project)]

    def run(self, path: str) -> ApiRun:
        """One run by ``project/id``, ``id``, or a unique ``project/name``."""
        return ApiRun(self, run_store.find_run(self.store.engine, path))


class ApiRun:
    """A stored run, as read back: identity, config, summary, state, history."""

    def __init__(self, api: Api, record: run_store.RunRecord) -> None:
        self._api = api
        self._record = record

    @property
    def id(self) -> str:
        """The run id, unique in the store."""
        return self._record.id

    @property
    def name(self) -> str:
        """The run's display name."""
        return self._record.name

    @property
    def project(self) -> str:
        """The project the run belongs to."""
        return self._record.project

    @property
    def path(self) -> str:
        """``project/id``."""
        return self._record.path

    @property
    def state(self) -> str:
        """``running``, ``finished``, ``failed`` or ``crashed``."""
        return self._record.state

    @property
    def config(self) -> dict[str, Any]:
        """The run's config as a plain dict."""
        return dict(self._record.config)

    @property
    def summary(self) -> dict[str, Any]:
        """Last value of each metric, or the value set explicitly."""
        return dict(self._record.summary)

    @property
    def tags(self) -> list[str]:
        """The run's tags."""
        return list(self._record.tags)

    @property
    def group(self) -> str | None:
        """The run's group, if any."""
        return self._record.group

    @property
    def job_type(self) -> str | None:
        """The run's job type, if any."""
        return self._record.job_type

    @property
    def notes(self) -> str:
        """Free-text notes."""
        return self._record.notes

    @property
    def record(self) -> run_store.RunRecord:
        """Every stored field (host, pid, git commit, timestamps, ...)."""
        return self._record

    def refresh(self) -> ApiRun:
        """Re-read the run from the store (state and summary change while it runs)."""
        self._record = run_store.get_run(self._api.store.engine, self.id)
        return self

    def metric_keys(self) -> list[str]:
        """Every metric key the run has logged."""
        return run_store.metric_keys(self._api.store.engine, self.id)

    def scan_history(self, keys: Iterable[str] | None = None) -> Iterator[dict[str, Any]]:
        """History rows as dicts ``{"_step": n, key: value, ...}``, ordered by step."""
        current: dict[str, Any] | None = None
        for step, key, value in run_store.read_history(self._api.store.engine, self.id, keys):
            if current is None or current["_step"] != step:
                if current is not None:
                    yield current
                current = {"_step": step}
            current[key] = value
        if current is not None:
            yield current

    def history(self, keys: Iterable[str] | None = None) -> pandas.DataFrame:
        """History as a pandas DataFrame: one row per step, a ``_step`` column and one per key."""
        try:
            import pandas
        except ImportError:
            raise UsageError(
                "pandas is required for history(); install it (pip install pandas) "
                "or use scan_history(), which needs nothing"
            ) from None
        rows = list(self.scan_history(keys))
        columns = ["_step", *sorted({k for row in rows for k in row} - {"_step"})]
        return pandas.DataFrame(rows, columns=columns)

    def __repr__(self) -> str:
        return f"<heron.ApiRun {self.path} name={self.name!r} state={self.state}>"
