"""``wandb.Artifact`` and ``run.use_artifact`` / ``run.log_artifact`` with W&B's semantics.

A thin layer over :class:`heron.Artifact`: the same store, versions, aliases and lineage, with
W&B's names and return types. Where W&B and heron differ:

- ``download()``, ``checkout()``, ``file()`` and ``entry.download()`` return ``str`` paths;
  the default folder is ``$WANDB_ARTIFACT_DIR`` (else ``./artifacts``) ``/<name>:vN``, and a
  changed file there is replaced by the artifact's (files not in the artifact are left alone).
- ``name`` is ``name:vN`` once logged; ``qualified_name`` is ``entity/project/name:vN`` with
  the entity ``local``: a heron store has no entities, so entity parts of names are ignored.
- ``description``, ``metadata`` and ``aliases`` of a logged version are edited in place and
  kept by ``save()``; files of a logged version never change (``new_draft()`` makes the next).
- ``add(obj, name)`` takes tables (and joined tables), images and classes; ``get(name)``
  reads them back.
- Digests are sha256 (hex), not MD5; files are read when the artifact is logged, not copied at
  ``add_file`` (a file that changes while it is read is refused).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import IO, TYPE_CHECKING, Any

import heron.sdk.artifact as core
from heron.errors import ArtifactError, NotFoundError, UsageError
from heron.sdk import active
from heron.sdk.api import Api as HeronApi
from heron.sdk.init import init
from heron.store import artifacts as artifact_store
from heron.store.filehash import hash_file
from heron.store.store import Store
from heron.wandb import artifact_downloads as downloads
from heron.wandb import artifact_objects as objects
from heron.wandb import env
from heron.wandb.artifact_entries import (
    HERON_ARTIFACT_SCHEME,
    ArtifactFile,
    ArtifactManifest,
    ArtifactManifestEntry,
    EntryNotFoundError,
)
from heron.wandb.errors import ignored_arguments, say_once, unsupported
from heron.wandb.places import LOCAL_ENTITY, store_location, strip_entity

if TYPE_CHECKING:
    from heron.sdk.run import Run as HeronRun
    from heron.store.store import Store
    from heron.wandb.api_runs import Run as ApiRun


class Artifact:
    """``wandb.Artifact(name, type, description=None, metadata=None)``: a dataset or model
    version, built by adding files, directories, references, tables and images, then logged
    with ``run.log_artifact``."""

    def __init__(
        self,
        name: str,
        type: str,
        description: str | None = None,
        metadata: dict[str, Any] | None = None,
        incremental: bool = False,
        use_as: str | None = None,
        storage_region: str | None = None,
    ) -> None:
        if metadata is not None and not isinstance(metadata, Mapping):
            raise ArtifactError(f"artifact metadata must be a dict, got {type_name(metadata)}")
        self._core = core.Artifact(name, type, description, metadata)
        self._incremental = bool(incremental)
        if incremental:
            unsupported(
                "incremental artifacts",
                result_needed=False,
                hint="each version is logged whole; files that did not change are not stored again",
            )
        if storage_region is not None:
            ignored_arguments("wandb.Artifact", ["storage_region"])
        self._use_as = use_as
        self._aliases: list[str] | None = None  # as edited by the script, kept by save()
        self._alias_snapshot: list[str] = []  # as stored when the list was read
        # name -> object added with add(), for a draft's get()
        self._added: dict[str, objects.ArtifactObject] = {}

    @classmethod
    def from_heron(cls, logged: core.Artifact) -> Artifact:
        """The W&B view of a :class:`heron.Artifact` (a logged version or a draft)."""
        artifact = cls.__new__(cls)
        artifact._core = logged
        artifact._incremental = False
        artifact._use_as = None
        artifact._aliases = None
        artifact._alias_snapshot = []
        artifact._added = {}
        return artifact

    @property
    def heron_artifact(self) -> core.Artifact:
        """The :class:`heron.Artifact` underneath (heron's native API)."""
        return self._core

    # -- identity ---------------------------------------------------------------------------

    def is_draft(self) -> bool:
        """True until the artifact is logged."""
        return not self._core.is_logged

    def _logged(self, what: str) -> core.Artifact:
        return downloads.require_logged(self._core, what)

    @property
    def id(self) -> str | None:
        """The version's id (None for a draft)."""
        return self._core.id if self._core.is_logged else None

    @property
    def entity(self) -> str:
        """Always ``local``: a heron store has no entities."""
        self._logged("entity")
        return LOCAL_ENTITY

    @property
    def project(self) -> str:
        """The project the version belongs to."""
        return self._logged("project").project

    @property
    def name(self) -> str:
        """``name`` for a draft, ``name:vN`` once logged."""
        if self._core.is_logged:
            return f"{self._core.name}:{self._core.version}"
        return self._core.name

    @property
    def source_name(self) -> str:
        """The same as ``name`` (heron has no linked artifacts)."""
        return self.name

    @property
    def qualified_name(self) -> str:
        """``entity/project/name:vN``."""
        return f"{self.entity}/{self.project}/{self.name}"

    @property
    def source_qualified_name(self) -> str:
        """The same as ``qualified_name``."""
        return self.qualified_name

    @property
    def source_entity(self) -> str:
        """The same as ``entity``."""
        return self.entity

    @property
    def source_project(self) -> str:
        """The same as ``project``."""
        return self.project

    @property
    def version(self) -> str:
        """``vN``."""
        return self._logged("version").version

    @property
    def source_version(self) -> str:
        """The same as ``version``."""
        return self.version

    @property
    def type(self) -> str:
        """The artifact type."""
        return self._core.type

    @property
    def state(self) -> str:
        """``PENDING`` for a draft, ``COMMITTED`` once logged."""
        return "COMMITTED" if self._core.is_logged else "PENDING"

    @property
    def is_link(self) -> bool:
        """Always False: heron has no registry links."""
        return False

    @property
    def incremental(self) -> bool:
        """Whether ``incremental=True`` was asked for (heron logs every version whole)."""
        return self._incremental

    @property
    def use_as(self) -> str | None:
        """Deprecated in W&B; kept for scripts that read it."""
        return self._use_as

    @property
    def digest(self) -> str:
        """A digest of the manifest: equal digests mean equal content."""
        return self._core.digest

    @property
    def size(self) -> int:
        """Total bytes."""
        return self._core.size

    @property
    def file_count(self) -> int:
        """Number of paths."""
        return len(self._logged("file_count").files())

    @property
    def created_at(self) -> str:
        """When the version was committed (ISO 8601, UTC)."""
        stamp = self._logged("created_at").created_at
        return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    @property
    def updated_at(self) -> str:
        """The same as ``created_at`` (heron keeps no edit times)."""
        return self.created_at

    @property
    def description(self) -> str | None:
        """Free text; editable (on a logged version, kept by ``save()``)."""
        return self._core.description

    @description.setter
    def description(self, description: str | None) -> None:
        self._core.description = description

    @property
    def metadata(self) -> dict[str, Any]:
        """A dict; editable in place or by assignment (on a logged version, kept by ``save()``)."""
        return self._core.metadata

    @metadata.setter
    def metadata(self, metadata: dict[str, Any]) -> None:
        if not isinstance(metadata, Mapping):
            raise ArtifactError(f"artifact metadata must be a dict, got {type_name(metadata)}")
        self._core.metadata = metadata

    @property
    def aliases(self) -> list[str]:
        """The version's aliases; edit the list and ``save()`` to move aliases to it."""
        logged = self._logged("aliases")
        if self._aliases is None:
            self._alias_snapshot = logged.aliases
            self._aliases = list(self._alias_snapshot)
        return self._aliases

    @aliases.setter
    def aliases(self, aliases: list[str]) -> None:
        self._alias_snapshot = self._logged("aliases").aliases
        self._aliases = _alias_list(aliases)

    @property
    def tags(self) -> list[str]:
        """Always empty: heron has no artifact tags (setting them warns)."""
        return []

    @tags.setter
    def tags(self, tags: list[str]) -> None:
        if tags:
            unsupported("artifact tags", result_needed=False, hint="use aliases or metadata")

    @property
    def ttl(self) -> None:
        """Always None: heron never deletes a version on a timer."""
        return None

    @ttl.setter
    def ttl(self, ttl: Any) -> None:
        if ttl is not None:
            unsupported("artifact time-to-live (ttl)", result_needed=False)

    @property
    def manifest(self) -> ArtifactManifest:
        """``manifest.entries``: path -> :class:`ArtifactManifestEntry`."""
        return ArtifactManifest(self._entries())

    def __repr__(self) -> str:
        return f"<Artifact {self.name}>"

    # -- building a draft -------------------------------------------------------------------

    @contextmanager
    def new_file(
        self,
        name: str,
        mode: str = "x",
        encoding: str | None = None,
        policy: str | None = None,
    ) -> Iterator[IO[Any]]:
        """Open a new file to write into the artifact at ``name``; added when closed. With mode
        ``"x"`` (the default) a name already in the artifact is refused, with ``"w"`` replaced."""
        del policy  # the file is heron's own temporary copy, never changed after it is closed
        exists = name in self._core.draft_entries()
        if exists and "x" in mode:
            raise ArtifactError(f"a file named {name!r} is already in artifact {self._core.name!r}")
        if exists:
            self._core.remove(name)
        with self._core.new_file(name, mode=mode.replace("x", "w"), encoding=encoding) as handle:
            yield handle

    def add_file(
        self,
        local_path: str | os.PathLike[str],
        name: str | None = None,
        is_tmp: bool | None = False,
        skip_cache: bool | None = False,
        policy: str | None = None,
        overwrite: bool = False,
    ) -> ArtifactManifestEntry:
        """Add a local file at ``name`` (default: its base name); returns its entry."""
        del skip_cache  # no cache to skip: bytes go straight into the store when logged
        _note_policy(policy)
        path = os.fspath(local_path)
        target = name if name is not None else os.path.basename(path)
        if is_tmp and os.path.isfile(path):
            folder, _, base = target.rpartition("/")
            parts = base.split(".")
            parts[0] = hash_file(path)[0][:20]
            target = f"{folder}/{'.'.join(parts)}" if folder else ".".join(parts)
        if overwrite and target in self._core.draft_entries():
            self._core.remove(target)
        self._core.add_file(path, name=target)  # checks that the file exists
        added = self._core.draft_entries()[target]
        return ArtifactManifestEntry(
            self, target, local_path=added if isinstance(added, str) else None
        )

    def add_dir(
        self,
        local_path: str | os.PathLike[str],
        name: str | None = None,
        skip_cache: bool | None = False,
        policy: str | None = None,
        merge: bool = False,
    ) -> None:
        """Add every file under a local directory (under ``name/`` if given). A path already
        added with other content is refused unless ``merge`` (then the directory's file wins)."""
        del skip_cache
        _note_policy(policy)
        root = os.fspath(local_path)
        if not os.path.isdir(root):
            raise NotFoundError(
                f"{root} is not a directory" if os.path.exists(root) else f"{root} does not exist"
            )
        if merge:
            prefix = f"{name.strip('/')}/" if name else ""
            drafted = self._core.draft_entries()
            for directory, _, files in os.walk(root, followlinks=True):
                for file_name in files:
                    relative = os.path.relpath(os.path.join(directory, file_name), root)
                    path = prefix + relative.replace(os.sep, "/")
                    if path in drafted:
                        self._core.remove(path)
        self._core.add_dir(root, name=name)

    def add_reference(
        self,
        uri: ArtifactManifestEntry | str,
        name: str | None = None,
        checksum: bool = True,
        max_objects: int | None = None,
    ) -> Sequence[ArtifactManifestEntry]:
        """Track ``file://`` or ``s3://`` objects (or an entry of another logged artifact)
        without copying them; returns the added entries."""
        if isinstance(uri, ArtifactManifestEntry):
            uri = uri.ref_url()
        if not isinstance(uri, str):
            raise ArtifactError(f"add_reference() takes a URI string, got {type_name(uri)}")
        if uri.startswith(HERON_ARTIFACT_SCHEME):
            return [self._add_stored(uri, name)]
        if "://" not in uri:
            raise ArtifactError(
                f"references must be URIs, got {uri!r}: to reference a local file use file://"
            )
        scheme = uri.split("://", 1)[0].lower()
        if scheme not in ("file", "s3"):
            unsupported(
                f"{scheme}:// references",
                result_needed=False,
                hint=f"heron tracks file:// and s3:// references; {uri} was not added",
            )
            return []
        added = self._core.add_reference(uri, name, checksum=checksum, max_objects=max_objects)
        return [ArtifactManifestEntry(self, entry.path, entry=entry) for entry in added]

    def _add_stored(self, uri: str, name: str | None) -> ArtifactManifestEntry:
        version_id, _, path = uri[len(HERON_ARTIFACT_SCHEME) :].partition("/")
        store = _store_for_draft()
        record = artifact_store.get_version(store.engine, version_id)
        source = core.Artifact.from_version(HeronApi.from_store(store), record)
        entry = source.manifest.get(path)
        if entry is None:
            raise NotFoundError(f"{source.qualified_name} has no path {path!r} (from {uri})")
        added = self._core.add_entry(entry, name if name is not None else path.rsplit("/", 1)[-1])
        return ArtifactManifestEntry(self, added.path, entry=added)

    def add(self, obj: Any, name: str, overwrite: bool = False) -> ArtifactManifestEntry:
        """Add a Table (a JoinedTable too), an Image or Classes, read back with ``get(name)``;
        returns its entry. Other objects warn and are not added."""
        self._core.draft_entries()  # a logged version is refused here, before anything changes
        if name in self._added and not overwrite:
            return ArtifactManifestEntry(self, objects.object_path(name, self._added[name]))
        if not objects.can_add(obj):
            unsupported(
                f"adding {type(obj).__name__} objects to an artifact",
                result_needed=False,
                hint="tables, images and classes can be added; it was not added",
            )
            return ArtifactManifestEntry(self, name)
        if name in self._added:
            self._core.remove(objects.object_path(name, self._added.pop(name)))
        objects.add_object(self._core, name, obj)
        self._added[name] = obj
        return ArtifactManifestEntry(self, objects.object_path(name, obj))

    def remove(self, item: str | ArtifactManifestEntry) -> None:
        """Remove a path, a table or image by the name it was added under, or a directory."""
        path = item.path if isinstance(item, ArtifactManifestEntry) else str(item)
        if path in self._added:
            self._core.remove(objects.object_path(path, self._added.pop(path)))
            return
        self._core.remove(path)

    # -- reading a logged version -------------------------------------------------------------

    def _entries(self) -> dict[str, ArtifactManifestEntry]:
        if self._core.is_logged:
            return {
                e.path: ArtifactManifestEntry(self, e.path, entry=e) for e in self._core.files()
            }
        found: dict[str, ArtifactManifestEntry] = {}
        for path, held in sorted(self._core.draft_entries().items()):
            if isinstance(held, str):
                found[path] = ArtifactManifestEntry(self, path, local_path=held)
            else:
                found[path] = ArtifactManifestEntry(self, path, entry=held)
        return found

    def get_entry(self, name: str) -> ArtifactManifestEntry:
        """The entry at ``name`` (a path, or the name a table or image was added under)."""
        logged = self._logged("get_entry")
        manifest = logged.manifest
        for path in objects.object_paths(name, manifest):
            return ArtifactManifestEntry(self, path, entry=manifest[path])
        raise EntryNotFoundError(f"path not contained in artifact {self.name}: {name}")

    def get_path(self, name: str) -> ArtifactManifestEntry:
        """Deprecated in W&B: the same as ``get_entry(name)``."""
        return self.get_entry(name)

    def get(self, name: str) -> objects.ArtifactObject | None:
        """The Table, Image or Classes added under ``name`` (None if there is none)."""
        if not self._core.is_logged:
            return self._added.get(name)
        return objects.read_object(self._core, name, lambda path: self._download_path(path, None))

    def _download_path(self, path: str, root: str | os.PathLike[str] | None) -> str:
        return downloads.download_path(self._logged("download"), path, root)

    def download(
        self,
        root: str | os.PathLike[str] | None = None,
        allow_missing_references: bool = False,
        skip_cache: bool | None = None,
        path_prefix: str | None = None,
        multipart: bool | None = None,
    ) -> str:
        """Write the version's files under ``root`` (default ``./artifacts/<name>:vN``) and
        return that folder as a str. Changed files there are replaced; others are left alone."""
        del skip_cache, multipart  # heron reads its store directly, in one pass
        return downloads.download(
            self._logged("download"),
            root,
            allow_missing_references=allow_missing_references,
            path_prefix=path_prefix,
        )

    def checkout(self, root: str | None = None) -> str:
        """Make ``root`` (default ``./artifacts/<name>``) hold exactly this version's files:
        files not in the artifact are deleted, then the artifact is downloaded there."""
        return downloads.checkout(self._logged("checkout"), root)

    def verify(self, root: str | None = None) -> None:
        """Check that ``root`` (default: the download folder) holds exactly this version's files,
        every byte hashed; raises ArtifactError naming what differs."""
        downloads.verify(self._logged("verify"), root)

    def file(self, root: str | None = None) -> str:
        """Download the single file of a one-file artifact and return its path."""
        logged = self._logged("file")
        entries = logged.files()
        if len(entries) != 1:
            raise ArtifactError(
                f"artifact {self.name} holds {len(entries)} files: call download() for all of "
                'them, or get_entry("name").download() for one'
            )
        return self._download_path(entries[0].path, root)

    def files(self, names: list[str] | None = None, per_page: int = 50) -> list[ArtifactFile]:
        """The version's files (only ``names`` if given)."""
        del per_page  # everything is local: one list, no pages
        logged = self._logged("files")
        wanted = set(names) if names is not None else None
        return [
            ArtifactFile(self, entry)
            for entry in logged.files()
            if wanted is None or entry.path in wanted
        ]

    # -- saving, lineage, deleting ------------------------------------------------------------

    def save(self, project: str | None = None, settings: Any = None) -> None:
        """Log a draft (with the active run, else a run of job type ``auto``), or keep the
        edited description, metadata and aliases of a logged version."""
        if settings is not None:
            ignored_arguments("Artifact.save", ["settings"])
        if self.is_draft():
            run = active.current()
            if run is not None:
                log_artifact(run, self)
                return
            with init(
                project=project or env.project(), job_type="auto", dir=store_location()
            ) as auto_run:
                log_artifact(auto_run, self)
            return
        self._core.save()
        if self._aliases is not None:
            # Apply what changed since the list was read; 'latest' is heron's to move.
            before, wanted = set(self._alias_snapshot), set(self._aliases)
            for alias in self._aliases:
                if alias not in before and alias != artifact_store.LATEST:
                    self._core.add_alias(alias)
            current = set(self._core.aliases)
            for alias in (before - wanted) & current - {artifact_store.LATEST}:
                self._core.remove_alias(alias)
            self._aliases = None

    def wait(self, timeout: int | None = None) -> Artifact:
        """Return self once logged (logging is synchronous in heron)."""
        del timeout
        self._logged("wait")
        return self

    def logged_by(self) -> ApiRun | None:
        """The run that logged this version."""
        from heron.wandb.api_runs import Run

        run = self._logged("logged_by").logged_by()
        return None if run is None else Run(run.api, run)

    def used_by(self) -> list[ApiRun]:
        """The runs that used this version."""
        from heron.wandb.api_runs import Run

        runs = self._logged("used_by").used_by()
        return [Run(run.api, run) for run in runs]

    def delete(self, delete_aliases: bool = False) -> None:
        """Delete this version; refused while it has aliases unless ``delete_aliases``."""
        self._logged("delete").delete(delete_aliases=delete_aliases)

    def new_draft(self) -> Artifact:
        """A draft with this version's files and metadata, to change and log as the next."""
        return Artifact.from_heron(self._logged("new_draft").new_draft())

    def link(self, target_path: str, aliases: Iterable[str] | None = None) -> None:
        """Registry links are not supported: warns and does nothing."""
        del target_path, aliases
        unsupported("linking artifacts to a registry (Artifact.link)", result_needed=False)

    def unlink(self) -> None:
        """Registry links are not supported: warns and does nothing."""
        unsupported("registry links (Artifact.unlink)", result_needed=False)

    def finalize(self) -> None:
        """Nothing to do: a heron draft becomes immutable when it is logged."""


# -- run.use_artifact / run.log_artifact --------------------------------------------------------


def use_artifact(
    run: HeronRun,
    artifact_or_name: str | Artifact,
    *,
    type: str | None = None,
    aliases: Iterable[str] | None = None,
    use_as: str | None = None,
) -> Artifact:
    """``run.use_artifact``: the named version (``name:alias``, ``name:vN``,
    ``[entity/]project/name:alias``), recorded as an input of ``run``. An Artifact object that
    was logged is used as it is; a draft is logged first (with ``aliases``), as W&B does."""
    if use_as is not None:
        ignored_arguments("use_artifact", ["use_as"])
    if isinstance(artifact_or_name, Artifact):
        if artifact_or_name.is_draft():
            # W&B commits a used draft with no producing run: the run is only its user.
            core.log_artifact(run, artifact_or_name._core, _alias_list(aliases), as_output=False)
        elif type is not None and artifact_or_name.type != type:
            raise ArtifactError(
                f"{artifact_or_name.name} has type {artifact_or_name.type!r}, not {type!r}"
            )
        core.use_artifact(run, artifact_or_name._core)
        return artifact_or_name
    if isinstance(artifact_or_name, core.Artifact):
        return Artifact.from_heron(core.use_artifact(run, artifact_or_name, type=type))
    if not isinstance(artifact_or_name, str):
        raise UsageError(
            "use_artifact() takes an artifact name (e.g. 'dataset:v1') or an Artifact, got "
            f"{type_name(artifact_or_name)}"
        )
    ref = strip_entity(artifact_or_name, "artifact name")
    return Artifact.from_heron(core.use_artifact(run, ref, type=type))


def log_artifact(
    run: HeronRun,
    artifact_or_path: Artifact | str | os.PathLike[str],
    *,
    name: str | None = None,
    type: str | None = None,
    aliases: Iterable[str] | None = None,
    tags: Iterable[str] | None = None,
) -> Artifact:
    """``run.log_artifact``: commit an Artifact (the same object, now ``name:vN``), or a file,
    directory or ``s3://``/``file://`` URI as a new artifact (``name`` default
    ``run-<id>-<base name>``, ``type`` default ``unspecified``)."""
    if tags:
        unsupported("artifact tags", result_needed=False, hint="use aliases or metadata")
    if isinstance(artifact_or_path, str | os.PathLike):
        path = os.fspath(artifact_or_path)
        artifact = Artifact(
            name or f"run-{run.id}-{os.path.basename(path.rstrip('/'))}", type or "unspecified"
        )
        if os.path.isfile(path):
            artifact.add_file(path)
        elif os.path.isdir(path):
            artifact.add_dir(path)
        elif "://" in path:
            artifact.add_reference(path)
        else:
            raise NotFoundError(
                f"log_artifact(): {path!r} is not a file, a directory or a URI like s3://bucket/path"
            )
    elif isinstance(artifact_or_path, Artifact):
        artifact = artifact_or_path
    else:
        raise UsageError(
            "log_artifact() takes a wandb.Artifact or a path, got " + type_name(artifact_or_path)
        )
    if not artifact.is_draft():
        # W&B accepts an artifact it already logged; heron labels it rather than refusing.
        for alias in _alias_list(aliases):
            if alias != artifact_store.LATEST:  # 'latest' stays on the newest version
                artifact._core.add_alias(alias)
        return artifact
    core.log_artifact(run, artifact._core, _alias_list(aliases))
    return artifact


def link_artifact(run: HeronRun, artifact: Artifact, target_path: str, aliases: Any = None) -> None:
    """``run.link_artifact``: registry links are not supported; warns and carries on."""
    del run, artifact, target_path, aliases
    unsupported("linking artifacts to a registry (link_artifact)", result_needed=False)


# -- helpers --------------------------------------------------------------------------------


def type_name(value: object) -> str:
    """The name of ``value``'s type, for messages."""
    return type(value).__name__


def _alias_list(aliases: Iterable[str] | str | None) -> list[str]:
    if aliases is None:
        return []
    if isinstance(aliases, str):
        return [aliases]
    return list(dict.fromkeys(aliases))


def _note_policy(policy: str | None) -> None:
    if policy not in (None, "mutable", "immutable"):
        raise ArtifactError(f"policy must be 'mutable' or 'immutable', got {policy!r}")
    if policy == "mutable":
        say_once(
            "policy",
            "policy='mutable': heron does not copy added files; it reads them when the artifact "
            "is logged and refuses a file that changes while it is read",
        )


def _store_for_draft() -> Store:
    run = active.current()
    if run is not None:
        return run.store

    return Store.open(store_location(), create=False)
