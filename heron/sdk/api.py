"""The read API: ``heron.Api()`` looks at everything a store holds."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from heron.errors import UsageError
from heron.sdk.logged_table import LoggedTable, open_run_table, quick_run_table
from heron.sdk.values import check_step
from heron.store.run_record import RunRecord
from heron.store.store import (
    MARKER_NAME,
    Store,
    check_marker,
    marker_blobs_url,
    resolve_store_dir,
)

if TYPE_CHECKING:
    import pandas

    from heron.sdk.artifact import Artifact
    from heron.sdk.lineage import Direction
    from heron.store.sqlite_reader import SqliteReader
    from heron.sync.pull_runs import RunPuller

# The store modules below import SQLAlchemy; they are imported where used, so reading a table of a
# SQLite store (Api(...).run(path).table(key)) goes through heron.store.sqlite_reader without it.
# Remote mode's settings (heron.sync.settings) are imported only where no store is named: they
# take longer to import than the lookups of such a read.


class Api:
    """Read access to a store: projects, runs and their history, tables, artifacts.

    ``Api()`` opens the same store ``heron.init`` would (``dir``, else ``$HERON_DIR``, else
    ``./heron-data``); it never creates one. A SQLite store is opened in full (SQLAlchemy,
    schema upgrade, crashed runs marked) the first time something needs more than a run and its
    tables; until then those are read through the standard library's sqlite3.

    In remote mode (``HERON_URL`` set, no ``dir``) it opens this machine's spool, as
    ``heron.init`` does (made empty if new), and copies from the server what each read needs
    before reading the spool (runs, history, objects, tables and their images; see
    heron.sync.pull_runs); :meth:`artifact` with a ``project/name`` ref asks the server which
    version it means, copying it into the spool when missing.
    """

    def __init__(
        self, dir: str | os.PathLike[str] | None = None, *, database_url: str | None = None
    ) -> None:
        # Remote mode (HERON_URL): the spool this machine's runs log into, and artifacts are
        # asked of the server (see artifact()).
        remote = None
        if dir is None and database_url is None:
            from heron.sync.settings import settings_from_env, spool_dir

            remote = settings_from_env()
            if remote is not None:
                dir = spool_dir(remote.url)
                if not (resolve_store_dir(dir) / MARKER_NAME).exists():
                    Store.open(dir).close()  # a machine's first read: its spool starts empty
        self._remote = remote is not None
        self._dir = dir
        self._database_url = database_url
        self._puller: RunPuller | None = None
        self._store: Store | None = None
        self._reader: SqliteReader | None = None
        self._root = root = resolve_store_dir(dir)
        if (
            database_url
            or os.environ.get("HERON_DATABASE_URL")
            or os.environ.get("HERON_BLOBS_URL")
            or not (root / MARKER_NAME).exists()
        ):
            self._store = Store.open(dir, database_url=database_url, create=False)
            return
        check_marker(root / MARKER_NAME)
        if marker_blobs_url(root) is not None:
            # The directory only caches an object store's parts (one may have been evicted):
            # the full store fetches what is missing.
            self._store = Store.open(dir, database_url=database_url, create=False)
            return
        from heron.store.sqlite_reader import SqliteReader

        self._reader = SqliteReader.open(root)
        if self._reader is None:
            self._store = Store.open(dir, database_url=database_url, create=False)

    @property
    def store(self) -> Store:
        """The open store (opened in full on first use)."""
        if self._store is None:
            self._store = Store.open(self._dir, database_url=self._database_url, create=False)
            self._reader = None
        return self._store

    def _pull(self) -> RunPuller | None:
        """In remote mode, what copies the server's runs into the spool before a read (None in
        local mode): reads then go through the local code (heron.sync.pull_runs)."""
        if not self._remote:
            return None
        if self._puller is None:
            from heron.sync.pull_runs import RunPuller
            from heron.sync.settings import settings_from_env

            settings = settings_from_env()
            if settings is None:
                return None
            self._puller = RunPuller.for_settings(self.store, settings)
        return self._puller

    def _pull_artifacts(self, project: str | None) -> None:
        """In remote mode, copy the server's artifact versions and lineage of ``project``
        (every readable project if None) into the spool before a read; nothing locally."""
        if (puller := self._pull()) is not None:
            puller.artifacts(project)

    def _quick(self) -> SqliteReader | None:
        """The sqlite3 reader while the store is not open in full (None once it is)."""
        return self._reader if self._store is None else None

    def projects(self) -> list[dict[str, Any]]:
        """Every project with its number of runs and artifacts and its last activity."""
        from heron.store import runs as run_store

        if (puller := self._pull()) is not None:
            puller.projects()
        return run_store.list_projects(self.store.engine)

    def runs(self, project: str | None = None) -> list[ApiRun]:
        """Runs of ``project`` (or of every project), newest first."""
        from heron.store import runs as run_store

        if (puller := self._pull()) is not None:
            if project is None:
                puller.projects()
            else:
                puller.project(project)
        return [ApiRun(self, record) for record in run_store.list_runs(self.store.engine, project)]

    def run(self, path: str) -> ApiRun:
        """One run by ``project/id``, ``id``, or a unique ``project/name``."""
        if (puller := self._pull()) is not None:
            puller.find(path)
        reader = self._quick()
        record = None if reader is None else reader.find_run(path)
        if record is None:
            from heron.store import runs as run_store

            record = run_store.find_run(self.store.engine, path)
        return ApiRun(self, record)

    @classmethod
    def from_store(cls, store: Store) -> Api:
        """An Api on an already open store (a live run's, a server's), without opening it again."""
        api = cls.__new__(cls)
        api._dir = api._root = store.root
        api._database_url = None
        api._store = store
        api._reader = None
        api._remote = False
        api._puller = None
        return api

    # -- artifacts ----------------------------------------------------------------------------

    def artifact(self, ref: str, *, type: str | None = None) -> Artifact:
        """One artifact version: ``project/name:alias``, ``project/name:vN``, or ``name:alias``
        when the name exists in one project only. Errors list what exists."""
        from heron.sdk.artifact import Artifact
        from heron.store import artifacts as artifact_store

        record = None
        if self._remote:  # the server says which version the ref means now
            from heron.sdk.artifact import version_from_server

            record = version_from_server(self.store, ref, None)
        record = record or artifact_store.resolve(self.store.engine, ref)
        if type is not None and record.type != type:
            raise UsageError(f"{record.qualified_name} has type {record.type!r}, not {type!r}")
        return Artifact.from_version(self, record)

    def artifacts(self, project: str | None = None, type: str | None = None) -> list[Artifact]:
        """Every artifact version (of ``project``, of ``type``), by project, name and version."""
        from heron.sdk.artifact import Artifact
        from heron.store import artifacts as artifact_store

        self._pull_artifacts(project)
        records = artifact_store.list_versions(self.store.engine, project=project, type=type)
        return [Artifact.from_version(self, record) for record in records]

    def artifact_versions(self, name: str, project: str | None = None) -> list[Artifact]:
        """The versions of one collection, oldest first (``name`` may be ``project/name``)."""
        from heron.sdk.artifact import Artifact
        from heron.store import artifacts as artifact_store

        self._pull_artifacts(name.rpartition("/")[0] or project)
        project, name = artifact_store.find_collection(self.store.engine, name, project)
        records = artifact_store.list_versions(self.store.engine, project=project, name=name)
        return [Artifact.from_version(self, r) for r in records]

    def artifact_collections(
        self, project: str | None = None, type: str | None = None
    ) -> list[dict[str, Any]]:
        """Collections with their type, description, number of versions and latest version."""
        from heron.store import artifacts as artifact_store

        self._pull_artifacts(project)
        return artifact_store.list_collections(self.store.engine, project=project, type=type)

    def lineage(
        self,
        artifact_or_run: Artifact | ApiRun | str,
        *,
        depth: int = 2,
        direction: Direction = "both",
    ) -> dict[str, Any]:
        """The lineage graph around a version or a run: ``{"nodes": [...], "edges": [{"source",
        "target", "kind"}]}``; ``kind`` is ``output`` (run -> version it logged) or ``input``
        (version -> run that used it). A string is an artifact reference if it holds ':',
        else a run path. ``direction``: ``both``, ``upstream`` or ``downstream``."""
        from heron.sdk.artifact import Artifact
        from heron.sdk.lineage import lineage_graph

        if isinstance(artifact_or_run, str):
            artifact_or_run = (
                self.artifact(artifact_or_run)
                if ":" in artifact_or_run
                else self.run(artifact_or_run)
            )
        if isinstance(artifact_or_run, Artifact | ApiRun):
            self._pull_artifacts(artifact_or_run.project)
        if isinstance(artifact_or_run, Artifact):
            return lineage_graph(
                self.store, version_ids=[artifact_or_run.id], depth=depth, direction=direction
            )
        if isinstance(artifact_or_run, ApiRun):
            return lineage_graph(
                self.store, run_ids=[artifact_or_run.id], depth=depth, direction=direction
            )
        raise UsageError(
            f"lineage() takes an artifact, a run or a reference, got {type(artifact_or_run).__name__}"
        )


class ApiRun:
    """A stored run, as read back: identity, config, summary, state, history."""

    def __init__(self, api: Api, record: RunRecord) -> None:
        self._api = api
        self._record = record

    @property
    def api(self) -> Api:
        """The :class:`Api` this run was read through."""
        return self._api

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
    def record(self) -> RunRecord:
        """Every stored field (host, pid, git commit, timestamps, ...)."""
        return self._record

    def refresh(self) -> ApiRun:
        """Re-read the run from the store (state and summary change while it runs)."""
        from heron.store import runs as run_store

        if (puller := self._api._pull()) is not None:
            puller.run(self.project, self.id)
        self._record = run_store.get_run(self._api.store.engine, self.id)
        return self

    def metric_keys(self) -> list[str]:
        """Every metric key the run has logged."""
        from heron.store import runs as run_store

        if (puller := self._api._pull()) is not None:
            puller.history(self.project, self.id)
        return run_store.metric_keys(self._api.store.engine, self.id)

    def scan_history(self, keys: Iterable[str] | None = None) -> Iterator[dict[str, Any]]:
        """History rows as dicts ``{"_step": n, key: value, ...}``, ordered by step."""
        from heron.store import runs as run_store

        if (puller := self._api._pull()) is not None:
            puller.history(self.project, self.id)
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

    def metric_definitions(self) -> dict[str, dict[str, Any]]:
        """What ``define_metric`` said per metric name: ``step_metric``, ``summary``, ``hidden``."""
        from heron.store import runs as run_store

        if (puller := self._api._pull()) is not None:
            puller.objects(self.project, self.id)
        return {
            key: payload
            for _, key, _, payload in run_store.read_objects(
                self._api.store.engine, self.id, kind="metric"
            )
        }

    def tables(self) -> dict[str, list[int]]:
        """Every table key the run logged, with the steps it was logged at (ascending)."""
        from heron.store import runs as run_store

        if (puller := self._api._pull()) is not None:
            puller.objects(self.project, self.id)
        out: dict[str, list[int]] = {}
        for step, key, _, _ in run_store.read_objects(
            self._api.store.engine, self.id, kind="table"
        ):
            out.setdefault(key, []).append(step)
        return out

    def table(self, key: str, step: int | None = None) -> LoggedTable:
        """The table logged under ``key`` at ``step`` (the latest step when omitted)."""
        at = None if step is None else check_step(step)
        if (puller := self._api._pull()) is not None:
            puller.table(self.project, self.id, key, at)
        reader = self._api._quick()
        if reader is not None:
            found = quick_run_table(
                reader, lambda: self._api.store, self._api._root, self._record, key, at
            )
            if found is not None:
                return found
        return open_run_table(self._api.store, self.id, key, at)

    def charts(self) -> dict[str, list[int]]:
        """Every key the run logged a chart under (a table with a chart description), with its steps."""
        from heron.store import runs as run_store

        if (puller := self._api._pull()) is not None:
            puller.objects(self.project, self.id)
        out: dict[str, list[int]] = {}
        for step, key, _, payload in run_store.read_objects(
            self._api.store.engine, self.id, kind="table"
        ):
            if payload.get("chart") is not None:
                out.setdefault(key, []).append(step)
        return out

    def histograms(self, key: str | None = None) -> dict[str, dict[int, dict[str, Any]]]:
        """Logged histograms (of ``key``, or all): key -> step -> ``{"bins", "counts"}``.

        ``bins`` are the edges, one more than ``counts``.
        """
        from heron.store import runs as run_store

        if (puller := self._api._pull()) is not None:
            puller.objects(self.project, self.id)
        out: dict[str, dict[int, dict[str, Any]]] = {}
        for step, name, _, payload in run_store.read_objects(
            self._api.store.engine, self.id, key=key, kind="histogram"
        ):
            out.setdefault(name, {})[step] = payload
        return out

    def logged_artifacts(self) -> list[Artifact]:
        """The artifact versions this run logged, oldest first."""
        self._api._pull_artifacts(self.project)
        return _run_artifacts(self._api, self.id, "output")

    def used_artifacts(self) -> list[Artifact]:
        """The artifact versions this run used, oldest first."""
        self._api._pull_artifacts(self.project)
        return _run_artifacts(self._api, self.id, "input")

    def __repr__(self) -> str:
        return f"<heron.ApiRun {self.path} name={self.name!r} state={self.state}>"


def run_artifacts(store: Store, run_id: str, direction: str) -> list[Artifact]:
    """The versions run ``run_id`` logged (``output``) or used (``input``), oldest first."""
    return _run_artifacts(Api.from_store(store), run_id, direction)


def _run_artifacts(api: Api, run_id: str, direction: str) -> list[Artifact]:
    from heron.sdk.artifact import Artifact
    from heron.store import artifacts as artifact_store
    from heron.store.lineage import lineage_edges

    if direction not in ("input", "output"):
        raise ValueError(f"direction must be 'input' or 'output', got {direction!r}")
    version_ids = [
        version_id
        for _, version_id, kind in lineage_edges(api.store.engine, run_ids=[run_id])
        if kind == direction
    ]
    records = artifact_store.get_versions(api.store.engine, version_ids)
    records.sort(key=lambda record: (record.created_at, record.qualified_name))
    return [Artifact.from_version(api, record) for record in records]
