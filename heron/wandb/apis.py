"""``wandb.Api()``: W&B's public read API over a heron store.

``api.run("entity/project/run_id")``, ``api.runs("project", filters={...}, order=...)``,
``api.artifact("project/name:alias")``, ``api.artifacts(type, name)``, ``api.artifact_type``,
``api.project`` and ``api.projects`` read what heron stored, with W&B's names and return types.
Entity parts of paths are accepted and ignored. Run filters take the MongoDB-style forms W&B
users write (see :mod:`heron.wandb.run_filters`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from heron.errors import ArtifactError, NotFoundError, UsageError
from heron.sdk.api import Api as HeronApi
from heron.sdk.api import ApiRun
from heron.sdk.lineage import run_artifacts
from heron.sdk.run_files import FILES_ARTIFACT_TYPE
from heron.store import artifacts as artifact_store
from heron.store import lineage as store_lineage
from heron.store import runs as run_store
from heron.store.jsonvalues import dumps
from heron.store.store import Store
from heron.wandb import env
from heron.wandb.artifact_entries import ArtifactFile
from heron.wandb.artifacts import LOCAL_ENTITY, Artifact, store_location, strip_entity
from heron.wandb.errors import UnsupportedError, ignored_arguments, say_once, unsupported
from heron.wandb.run_filters import matches, sort_key

if TYPE_CHECKING:
    import pandas


def _iso(stamp: float | None) -> str | None:
    if stamp is None:
        return None
    return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _project_name(path: str) -> str:
    """``entity/project`` or ``project`` -> ``project`` (saying once that entities are ignored)."""
    parts = path.strip("/").split("/")
    if len(parts) > 2:
        raise UsageError(f"a project path is 'entity/project' or 'project', got {path!r}")
    if len(parts) == 2:
        say_once(
            "entity",
            f"the entity {parts[0]!r} in project path {path!r} is ignored: a heron store has no "
            "entities, only projects",
        )
    return parts[-1]


def _api_for(store: Store) -> Api:
    """An Api on an already open store."""
    api = Api.__new__(Api)
    api._heron = HeronApi._for_store(store)
    api._project = None
    return api


class Api:
    """``wandb.Api(overrides=None)``: read runs, artifacts and projects from the heron store
    (``$HERON_DIR``, else ``$WANDB_DIR/heron-data``, else ``./heron-data``, as ``wandb.init``). ``overrides`` may name a
    default ``project``; an ``entity`` there is ignored."""

    def __init__(
        self,
        overrides: Mapping[str, Any] | None = None,
        timeout: int | None = None,
        api_key: str | None = None,
    ) -> None:
        del timeout  # nothing goes over a network
        if api_key is not None:
            ignored_arguments("wandb.Api", ["api_key"])
        overrides = dict(overrides or {})
        self._project: str | None = overrides.get("project") or env.project()
        self._heron = HeronApi(store_location())

    @property
    def heron_api(self) -> HeronApi:
        """heron's own :class:`heron.Api` on the same store."""
        return self._heron

    @property
    def default_entity(self) -> str:
        """Always ``local``: a heron store has no entities."""
        return LOCAL_ENTITY

    # -- runs -----------------------------------------------------------------------------------

    def _run_path(self, path: str) -> str:
        path = path.strip("/")
        parts = path.split("/")
        if len(parts) >= 2 and parts[-2] == "runs":  # W&B URLs: entity/project/runs/id
            parts = parts[:-2] + parts[-1:]
        path = strip_entity("/".join(parts), "run path")
        if "/" not in path and self._project is not None:
            path = f"{self._project}/{path}"
        return path

    def run(self, path: str = "") -> Run:
        """One run by ``entity/project/run_id``, ``project/run_id`` or ``run_id``."""
        if not path:
            raise UsageError("Api.run() needs a path: 'project/run_id' or 'entity/project/run_id'")
        return Run(self, self._heron.run(self._run_path(path)))

    def runs(
        self,
        path: str | None = None,
        filters: Mapping[str, Any] | None = None,
        order: str = "+created_at",
        per_page: int = 50,
        include_sweeps: bool = False,
        lazy: bool = True,
    ) -> list[Run]:
        """The runs of a project (``entity/project`` or ``project``), filtered with MongoDB-style
        ``filters`` (``{"config.lr": 0.1}``, ``{"state": "finished"}``, ``{"tags": {"$in":
        [...]}}``, ``$and``/``$or``/``$gt``...) and sorted by ``order`` (``+created_at``,
        ``-summary_metrics.acc``...)."""
        del per_page, include_sweeps, lazy  # one local list, no pages, no sweeps
        project = _project_name(path) if path else self._project
        runs = [Run(self, run) for run in self._heron.runs(project)]
        if filters:
            runs = [run for run in runs if matches(run._document(), filters)]
        descending = order.startswith("-")
        field = order.lstrip("+-") or "created_at"
        keyed = [(sort_key(run._document(), field), index, run) for index, run in enumerate(runs)]
        keyed.sort(key=lambda item: (item[0], item[1]), reverse=descending)
        return [run for _, _, run in keyed]

    # -- artifacts --------------------------------------------------------------------------

    def _artifact_ref(self, name: str) -> str:
        ref = strip_entity(name, "artifact name")
        body = ref.partition(":")[0]
        if "/" not in body and self._project is not None:
            try:
                artifact_store.find_collection(self._heron.store.engine, body, self._project)
            except NotFoundError:
                return ref  # let the store's own search (and error) speak
            ref = f"{self._project}/{ref}"
        return ref

    def artifact(self, name: str, type: str | None = None) -> Artifact:
        """One version: ``[entity/][project/]name:alias`` or ``name:vN`` (``latest`` when no
        version is given)."""
        return Artifact._wrap(self._heron.artifact(self._artifact_ref(name), type=type))

    def artifact_exists(self, name: str, type: str | None = None) -> bool:
        """Whether ``name`` resolves to a version (of ``type``, if given)."""
        try:
            self.artifact(name, type=type)
        except (NotFoundError, UsageError):
            return False
        return True

    def artifacts(
        self,
        type_name: str,
        name: str,
        order: str | None = None,
        per_page: int = 50,
        tags: list[str] | None = None,
    ) -> list[Artifact]:
        """Every version of the collection ``[entity/][project/]name``, newest first."""
        del per_page
        if tags:
            unsupported("artifact tags", result_needed=False, hint="tags= is ignored")
        collection = strip_entity(name, "artifact name").partition(":")[0]
        versions = self._heron.artifact_versions(collection, project=self._project_of(collection))
        versions = [version for version in versions if version.type == type_name]
        if order not in (None, "-createdAt", "+createdAt", "createdAt"):
            ignored_arguments("Api.artifacts", ["order"])
        if order in ("+createdAt", "createdAt"):
            return [Artifact._wrap(version) for version in versions]
        return [Artifact._wrap(version) for version in reversed(versions)]

    def artifact_versions(self, type_name: str, name: str, per_page: int = 50) -> list[Artifact]:
        """Deprecated in W&B: the same as ``artifacts(type_name, name)``."""
        return self.artifacts(type_name, name, per_page=per_page)

    def _project_of(self, collection: str) -> str | None:
        if "/" in collection:
            return None
        if self._project is None:
            return None
        try:
            artifact_store.find_collection(self._heron.store.engine, collection, self._project)
        except NotFoundError:
            return None
        return self._project

    def artifact_collection(self, type_name: str, name: str) -> ArtifactCollection:
        """The collection ``[entity/][project/]name`` of type ``type_name``."""
        collection = strip_entity(name, "artifact name").partition(":")[0]
        project, bare = artifact_store.find_collection(
            self._heron.store.engine, collection, self._project_of(collection)
        )
        for found in self._heron.artifact_collections(project=project, type=type_name):
            if found["name"] == bare:
                return ArtifactCollection(self, found)
        raise NotFoundError(f"artifact {project}/{bare} is not of type {type_name!r}")

    def artifact_collection_exists(self, name: str, type: str) -> bool:
        """Whether the collection exists with that type."""
        try:
            self.artifact_collection(type, name)
        except (NotFoundError, UsageError):
            return False
        return True

    def artifact_collections(self, project_name: str, type_name: str) -> list[ArtifactCollection]:
        """The collections of ``type_name`` in a project."""
        project = _project_name(project_name)
        return [
            ArtifactCollection(self, found)
            for found in self._heron.artifact_collections(project=project, type=type_name)
        ]

    def artifact_type(self, type_name: str, project: str | None = None) -> ArtifactType:
        """The artifact type ``type_name`` of a project (default: the Api's project, or all)."""
        project_name = _project_name(project) if project else self._project
        found = self._heron.artifact_collections(project=project_name, type=type_name)
        if not found:
            where = f" in project {project_name!r}" if project_name else ""
            raise NotFoundError(f"no artifacts of type {type_name!r}{where}")
        return ArtifactType(self, type_name, project_name)

    def artifact_types(self, project: str | None = None) -> list[ArtifactType]:
        """The artifact types used in a project (default: the Api's project, or all)."""
        project_name = _project_name(project) if project else self._project
        names = sorted({c["type"] for c in self._heron.artifact_collections(project=project_name)})
        return [ArtifactType(self, name, project_name) for name in names]

    # -- projects -----------------------------------------------------------------------------

    def projects(self, entity: str | None = None, per_page: int = 200) -> list[Project]:
        """Every project in the store."""
        del entity, per_page
        return [Project(self, found) for found in self._heron.projects()]

    def project(self, name: str, entity: str | None = None) -> Project:
        """One project by name."""
        del entity
        name = _project_name(name)
        for found in self._heron.projects():
            if found["name"] == name:
                return Project(self, found)
        known = ", ".join(p["name"] for p in self._heron.projects()) or "none"
        raise NotFoundError(f"no project named {name!r}; projects: {known}")

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        raise UnsupportedError(f"heron.wandb does not support Api.{name} (W&B server feature)")


class RunSummary(dict[str, Any]):
    """A read-back run's summary: a dict (edit it, then ``run.update()`` to store it), with
    ``_json_dict`` as W&B's summary has, which run-export scripts read."""

    @property
    def _json_dict(self) -> dict[str, Any]:
        return dict(self)


class Run:
    """A stored run as ``wandb.Api().run(...)`` returns it."""

    def __init__(self, api: Api, run: ApiRun) -> None:
        self._api = api
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
        return _iso(self._run.record.created_at)

    @property
    def heartbeat_at(self) -> str | None:
        """The run's last sign of life (ISO 8601, UTC)."""
        return _iso(self._run.record.heartbeat_at)

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
        from heron.sdk.config import Config

        config = Config(self.config, lambda _: None).as_dict()
        summary = Config(self.summary, lambda _: None).as_dict()
        run_store.update_run(
            self._api._heron.store.engine,
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
            Artifact._wrap(found)
            for found in run_artifacts(self._api._heron.store, self.id, "output")
        ]

    def used_artifacts(self, per_page: int = 100) -> list[Artifact]:
        """The artifact versions this run used, oldest first."""
        del per_page
        return [
            Artifact._wrap(found)
            for found in run_artifacts(self._api._heron.store, self.id, "input")
        ]

    def use_artifact(self, artifact: Artifact, use_as: str | None = None) -> Artifact:
        """Record that this run used ``artifact`` (a logged version)."""
        if use_as is not None:
            ignored_arguments("Run.use_artifact", ["use_as"])
        if artifact.id is None:
            raise ArtifactError(
                f"artifact {artifact.name!r} is a draft: log it before recording its use"
            )
        store_lineage.add_lineage(self._api._heron.store.engine, self.id, artifact.id, "input")
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

    def _document(self) -> dict[str, Any]:
        """The run as the fields filters and ``order`` name."""
        record = self._run.record
        return {
            "name": self.id,
            "id": self.id,
            "displayName": self.name,
            "display_name": self.name,
            "state": self.state,
            "tags": list(self.tags),
            "group": self.group,
            "jobType": self.job_type,
            "job_type": self.job_type,
            "createdAt": record.created_at,
            "created_at": record.created_at,
            "host": record.host,
            "config": self.config,
            "summary_metrics": self.summary,
            "summary": self.summary,
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


class ArtifactType:
    """An artifact type of a project: ``name``, ``collections()``, ``collection(name)``."""

    def __init__(self, api: Api, name: str, project: str | None) -> None:
        self._api = api
        self.name = name
        self.type = name
        self.project = project

    def collections(self, per_page: int = 50) -> list[ArtifactCollection]:
        """The collections of this type."""
        del per_page
        found = self._api._heron.artifact_collections(project=self.project, type=self.name)
        return [ArtifactCollection(self._api, item) for item in found]

    def collection(self, name: str) -> ArtifactCollection:
        """One collection of this type by name."""
        for item in self.collections():
            if item.name == name:
                return item
        raise NotFoundError(f"no artifact {name!r} of type {self.name!r}")

    def __repr__(self) -> str:
        return f"<ArtifactType {self.name}>"


class ArtifactCollection:
    """A collection (all versions of one artifact name): ``name``, ``type``, ``artifacts()``."""

    def __init__(self, api: Api, found: Mapping[str, Any]) -> None:
        self._api = api
        self.name: str = found["name"]
        self.type: str = found["type"]
        self.project: str = found["project"]
        self.entity = LOCAL_ENTITY
        self.description: str = found.get("description") or ""

    def artifacts(self, per_page: int = 50) -> list[Artifact]:
        """Every version, newest first."""
        del per_page
        return self._api.artifacts(self.type, f"{self.project}/{self.name}")

    def versions(self, per_page: int = 50) -> list[Artifact]:
        """The same as :meth:`artifacts`."""
        return self.artifacts(per_page)

    @property
    def aliases(self) -> list[str]:
        """Every alias any version of the collection has."""
        return sorted({alias for version in self.artifacts() for alias in version.aliases})

    def __repr__(self) -> str:
        return f"<ArtifactCollection {self.project}/{self.name} ({self.type})>"


class Project:
    """A project: ``name``, ``entity``, ``runs()``, ``artifacts_types()``."""

    def __init__(self, api: Api, found: Mapping[str, Any]) -> None:
        self._api = api
        self.name: str = found["name"]
        self.entity = LOCAL_ENTITY
        self.created_at = _iso(found.get("created_at"))

    @property
    def path(self) -> list[str]:
        """``[entity, project]``."""
        return [LOCAL_ENTITY, self.name]

    def runs(self) -> list[Run]:
        """The project's runs, oldest first."""
        return self._api.runs(self.name)

    def artifacts_types(self, per_page: int = 50) -> list[ArtifactType]:
        """The artifact types used in the project."""
        del per_page
        return self._api.artifact_types(self.name)

    def __repr__(self) -> str:
        return f"<Project {LOCAL_ENTITY}/{self.name}>"


__all__ = ["Api", "ArtifactCollection", "ArtifactType", "Project", "Run", "RunSummary"]
