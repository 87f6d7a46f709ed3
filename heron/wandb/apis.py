"""``wandb.Api()``: W&B's public read API over a heron store.

``api.run("entity/project/run_id")``, ``api.runs("project", filters={...}, order=...)``,
``api.artifact("project/name:alias")``, ``api.artifacts(type, name)``, ``api.artifact_type``,
``api.project`` and ``api.projects`` read what heron stored, with W&B's names and return types.
Entity parts of paths are accepted and ignored. Run filters take the MongoDB-style forms W&B
users write (see :mod:`heron.wandb.run_filters`); a run reads back as
:class:`heron.wandb.api_runs.Run`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from heron.errors import NotFoundError, UsageError
from heron.sdk.api import Api as HeronApi
from heron.store import artifacts as artifact_store
from heron.wandb import env
from heron.wandb.api_runs import Run, RunSummary, iso_time, run_document
from heron.wandb.artifacts import Artifact
from heron.wandb.errors import UnsupportedError, ignored_arguments, say_once, unsupported
from heron.wandb.places import LOCAL_ENTITY, store_location, strip_entity
from heron.wandb.run_filters import matches, sort_key

if TYPE_CHECKING:
    pass


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
        return Run(self._heron, self._heron.run(self._run_path(path)))

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
        runs = [Run(self._heron, run) for run in self._heron.runs(project)]
        if filters:
            runs = [run for run in runs if matches(run_document(run), filters)]
        descending = order.startswith("-")
        field = order.lstrip("+-") or "created_at"
        keyed = [(sort_key(run_document(run), field), index, run) for index, run in enumerate(runs)]
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
        return Artifact.from_heron(self._heron.artifact(self._artifact_ref(name), type=type))

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
            return [Artifact.from_heron(version) for version in versions]
        return [Artifact.from_heron(version) for version in reversed(versions)]

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
        self.created_at = iso_time(found.get("created_at"))

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
