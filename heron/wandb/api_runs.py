"""A run read back by ``wandb.Api()``: W&B's public ``Run``, over heron's :class:`heron.ApiRun`.

``config``, ``summary`` (a dict with W&B's ``_json_dict``), ``history(samples=, keys=,
pandas=)``, ``scan_history(keys=, min_step=, max_step=)``, ``logged_artifacts()``,
``used_artifacts()``, ``files()`` (what ``wandb.save`` kept), ``path`` as ``[entity, project,
id]``, and ``update()`` to store edits, as W&B's public API has them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from heron.errors import ArtifactError, NotFoundError, UsageError
from heron.sdk.api import Api as HeronApi
from heron.sdk.api import ApiRun, run_artifacts
from heron.sdk.config import Config
from heron.sdk.run_files import FILES_ARTIFACT_TYPE
from heron.store import lineage as store_lineage
from heron.store import runs as run_store
from heron.store.jsonvalues import dumps
from heron.wandb.artifact_entries import ArtifactFile
from heron.wandb.artifacts import Artifact
from heron.wandb.errors import UnsupportedError, ignored_arguments, unsupported
from heron.wandb.places import LOCAL_ENTITY

if TYPE_CHECKING:
    import pandas


def iso_time(stamp: float | None) -> str | None:
    """A Unix time as W&B writes times: ISO 8601 in UTC (None stays None)."""
    if stamp is None:
        return None
    return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class RunSummary(dict[str, Any]):
    """A read-back run's summary: a dict (edit it, then ``run.update()`` to store it), with
    ``_json_dict`` as W&B's summary has, which run-export scripts read."""

    @property
    def _json_dict(self) -> dict[str, Any]:
        return dict(self)


class Run:
    """A stored run as ``wandb.Api().run(...)`` returns it."""

    def __init__(self, api: HeronApi, run: ApiRun) -> None:
        self._heron = api
        self._run = run
        self._load()

    def _load(self) -> None:
        record = self._run.record
        self.id: str = record.id
        self.name: str = record.name
        self.config: dict[str, Any] = dict(record.config)
        self.summary: RunSummary = RunSummary(record.summary)
        self.tags: list[str] = list(record.tags)
        self.notes: str = record.notes
        self.group: str | None = record.group
        self.job_type: str | None = record.job_type

    @property
    def heron_run(self) -> ApiRun:
        """heron's own read view of the run."""
        return self._run

    @property
    def display_name(self) -> str:
        """The run's name (W&B's display name)."""
        return self.name

    @property
    def entity(self) -> str:
        """Always ``local``."""
        return LOCAL_ENTITY

    @property
    def project(self) -> str:
        """The run's project."""
        return self._run.project

    @property
    def path(self) -> list[str]:
        """``[entity, project, run_id]``, as W&B gives it."""
        return [LOCAL_ENTITY, self.project, self.id]

    @property
    def url(self) -> str:
        """Where ``heron ui`` shows the run (a path on the UI's address)."""
        return f"/projects/{self.project}/runs/{self.id}"

    @property
    def state(self) -> str:
        """``running``, ``finished``, ``failed`` or ``crashed``."""
        return self._run.state

    @property
    def summary_metrics(self) -> dict[str, Any]:
        """The summary as a plain dict."""
        return dict(self.summary)

    @property
    def created_at(self) -> str | None:
        """When the run started (ISO 8601, UTC)."""
        return iso_time(self._run.record.created_at)

    @property
    def heartbeat_at(self) -> str | None:
        """The run's last sign of life (ISO 8601, UTC)."""
        return iso_time(self._run.record.heartbeat_at)

    @property
    def lastHistoryStep(self) -> int:
        """The last step with history (-1 if none)."""
        return int(self._run.record.last_step)

    def load(self, force: bool = False) -> None:
        """Re-read the run from the store."""
        del force
        self._run.refresh()
        self._load()

    def update(self) -> None:
        """Store edits of ``name``, ``notes``, ``group``, ``job_type``, ``tags``, ``config``
        and ``summary`` made on this object."""
        config = Config(self.config, lambda _: None).as_dict()
        summary = Config(self.summary, lambda _: None).as_dict()
        run_store.update_run(
            self._heron.store.engine,
            self.id,
            name=self.name,
            notes=self.notes or "",
            group_name=self.group,
            job_type=self.job_type,
            tags=dumps(list(self.tags)),
            config=dumps(config),
            summary=dumps(summary),
        )
        self.load()

    def scan_history(
        self,
        keys: list[str] | None = None,
        page_size: int = 1000,
        min_step: int = 0,
        max_step: int | None = None,
        use_cache: bool = True,
    ) -> Iterator[dict[str, Any]]:
        """Every history row as a dict (``_step`` and the metrics logged at that step); with
        ``keys``, only rows holding all of them, with only those keys."""
        del page_size, use_cache
        if keys is not None and (
            not isinstance(keys, list) or not all(isinstance(k, str) for k in keys)
        ):
            raise UsageError("scan_history(keys=...) takes a list of metric names")
        return self._rows(keys, min_step, max_step)

    def _rows(
        self, keys: list[str] | None, min_step: int, max_step: int | None
    ) -> Iterator[dict[str, Any]]:
        for row in self._run.scan_history(keys):
            step = row["_step"]
            if step < min_step or (max_step is not None and step >= max_step):
                continue
            if keys and not all(key in row for key in keys):
                continue
            yield row

    def history(
        self,
        samples: int = 500,
        keys: list[str] | None = None,
        x_axis: str = "_step",
        pandas: bool = True,
        stream: Literal["default", "system"] = "default",
    ) -> pandas.DataFrame | list[dict[str, Any]]:
        """At most ``samples`` history rows, evenly spread and always with the first and the
        last; with ``keys``, rows holding all of them (plus ``x_axis``). A pandas DataFrame, or
        a list of dicts with ``pandas=False``."""
        if stream != "default":
            unsupported("system metrics history (stream='system')", result_needed=False)
            rows: list[dict[str, Any]] = []
        else:
            wanted = (
                None if not keys else [k for k in dict.fromkeys([x_axis, *keys]) if k != "_step"]
            )
            rows = list(self._rows(None, 0, None))
            if wanted is not None:
                rows = [
                    {k: row[k] for k in ("_step", *wanted) if k in row}
                    for row in rows
                    if all(key in row for key in wanted)
                ]
            rows = _spread(rows, samples)
        if not pandas:
            return rows
        try:
            import pandas as pd
        except ImportError:
            raise UsageError(
                "pandas is required for history(); install it, or call history(pandas=False)"
            ) from None
        return pd.DataFrame.from_records(rows)

    def logged_artifacts(self, per_page: int = 100) -> list[Artifact]:
        """The artifact versions this run logged, oldest first."""
        del per_page
        return [
            Artifact.from_heron(found)
            for found in run_artifacts(self._heron.store, self.id, "output")
        ]

    def used_artifacts(self, per_page: int = 100) -> list[Artifact]:
        """The artifact versions this run used, oldest first."""
        del per_page
        return [
            Artifact.from_heron(found)
            for found in run_artifacts(self._heron.store, self.id, "input")
        ]

    def use_artifact(self, artifact: Artifact, use_as: str | None = None) -> Artifact:
        """Record that this run used ``artifact`` (a logged version)."""
        if use_as is not None:
            ignored_arguments("Run.use_artifact", ["use_as"])
        if artifact.id is None:
            raise ArtifactError(
                f"artifact {artifact.name!r} is a draft: log it before recording its use"
            )
        store_lineage.add_lineage(self._heron.store.engine, self.id, artifact.id, "input")
        return artifact

    def log_artifact(self, artifact: Artifact, aliases: Iterable[str] | None = None) -> Artifact:
        """Not supported on a finished run: log artifacts from the live run instead."""
        del artifact, aliases
        raise UnsupportedError(
            "heron.wandb does not support logging an artifact to a run read back with Api(): "
            "log it with run.log_artifact() while the run is live"
        )

    def files(self, names: list[str] | None = None, per_page: int = 50) -> list[ArtifactFile]:
        """The files saved with the run (``wandb.save``), which heron keeps as the run's
        ``run-<id>-files`` artifact (only ``names`` if given)."""
        del per_page
        found: list[ArtifactFile] = []
        for artifact in self.logged_artifacts():
            if artifact.type == FILES_ARTIFACT_TYPE:
                found.extend(artifact.files(names))
        return found

    def file(self, name: str) -> ArtifactFile:
        """One file from :meth:`files` by name."""
        for item in self.files([name]):
            return item
        raise NotFoundError(f"run {self.project}/{self.id} has no file {name!r}")

    def __repr__(self) -> str:
        return f"<Run {LOCAL_ENTITY}/{self.project}/{self.id} ({self.state})>"


def run_document(run: Run) -> dict[str, Any]:
    """``run`` as the fields ``wandb.Api().runs(filters=, order=)`` name (W&B's spellings and
    heron's: ``displayName`` and ``display_name``, ``summary_metrics``...)."""
    record = run.heron_run.record
    return {
        "name": run.id,
        "id": run.id,
        "displayName": run.name,
        "display_name": run.name,
        "state": run.state,
        "tags": list(run.tags),
        "group": run.group,
        "jobType": run.job_type,
        "job_type": run.job_type,
        "createdAt": record.created_at,
        "created_at": record.created_at,
        "host": record.host,
        "config": run.config,
        "summary_metrics": run.summary,
        "summary": run.summary,
    }


def _spread(rows: list[dict[str, Any]], samples: int) -> list[dict[str, Any]]:
    """At most ``samples`` rows, evenly spaced, first and last included."""
    if samples <= 0 or len(rows) <= samples:
        return rows
    if samples == 1:
        return rows[-1:]
    last = len(rows) - 1
    picked = sorted({round(i * last / (samples - 1)) for i in range(samples)})
    return [rows[i] for i in picked]


__all__ = ["Run", "RunSummary", "iso_time", "run_document"]
