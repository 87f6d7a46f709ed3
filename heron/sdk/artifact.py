"""``heron.Artifact``: a versioned dataset or model, built by a run and read back anywhere.

An Artifact starts as a draft: ``add_file``, ``add_dir``, ``new_file``, ``add_reference`` and
``add`` (a Table) collect paths. ``run.log_artifact(artifact)`` hashes every file (a thread pool,
plus a cache of unchanged files' digests), writes only blobs the store lacks, and commits the
version, its manifest, aliases and lineage in one transaction; the same object then *is* the
logged version. ``run.use_artifact("name:alias")`` and ``heron.Api().artifact(...)`` return
logged versions: ``download``, ``verify``, ``get``, ``files``, ``manifest`` and the lineage
helpers work on them, fully offline.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from heron.errors import ArtifactError, ConfigError, NotFoundError, UsageError
from heron.sdk.artifact_files import (
    VerifyReport,
    hash_and_store,
    hash_cache,
    materialise,
    store_files,
    verify_tree,
)
from heron.sdk.interfaces import RunContext, StoreReader
from heron.sdk.lineage import lineage_graph
from heron.sdk.logged_table import LoggedTable, open_artifact_table
from heron.sdk.table import Table
from heron.sdk.values import text_problem, to_storable
from heron.store import artifacts as artifact_store
from heron.store import lineage as store_lineage
from heron.store.artifact_edits import delete_version, update_version
from heron.store.artifacts import VersionRecord
from heron.store.filehash import FileChangedError, HashCache, hash_files
from heron.store.jsonvalues import dumps, loads
from heron.store.manifest import (
    ManifestEntry,
    check_alias,
    check_name,
    check_path,
    check_paths,
    manifest_digest,
)
from heron.store.references import list_reference
from heron.store.table_format import artifact_table_path
from heron.sync.settings import settings_from_env

logger = logging.getLogger("heron.sync")

if TYPE_CHECKING:
    from heron.sdk.api import ApiRun
    from heron.store.store import Store


@dataclass(slots=True)
class _Draft:
    """What a draft artifact holds at one path before it is logged, other than a local file
    (held as its absolute path, a plain str: a directory can add a great many)."""

    entry: ManifestEntry | None = None  # a reference, already identified
    table: Table | None = None


class _DraftView(Mapping[str, "str | ManifestEntry | None"]):
    """A draft's paths and what each holds, read from the draft as it is now."""

    def __init__(self, drafts: dict[str, _Draft | str]) -> None:
        self._drafts = drafts

    def __getitem__(self, path: str) -> str | ManifestEntry | None:
        draft = self._drafts[path]
        return draft if isinstance(draft, str) else draft.entry

    def __contains__(self, path: object) -> bool:
        return path in self._drafts

    def __iter__(self) -> Iterator[str]:
        return iter(self._drafts)

    def __len__(self) -> int:
        return len(self._drafts)


def _walk_files(root: str) -> tuple[list[str], list[str]]:
    """The relative and the absolute paths of every file under ``root``, each directory in
    name order, following links to files but not into linked directories."""
    relatives: list[str] = []
    paths: list[str] = []
    _walk_into(root, "", relatives, paths)
    return relatives, paths


_by_name = attrgetter("name")


def _walk_into(directory: str, relative: str, relatives: list[str], paths: list[str]) -> None:
    # Appending to lists: nested generators cost a resume per level per file, and a tuple per
    # file would add to the allocations that trigger garbage collections.
    with os.scandir(directory) as scan:
        entries = sorted(scan, key=_by_name)
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            _walk_into(entry.path, f"{relative}{entry.name}/", relatives, paths)
        elif entry.is_file():
            relatives.append(relative + entry.name)
            paths.append(entry.path)


def _clean_path(name: str) -> str:
    """A manifest path (see :func:`heron.store.manifest.check_path`), or ArtifactError."""
    return check_path(name)


class Artifact:
    """A versioned collection of files (a dataset, a model), with metadata, aliases and lineage.

    ``heron.Artifact(name, type, description=None, metadata=None)`` makes a draft; log it with
    ``run.log_artifact``. Names use letters, digits, '_', '.' and '-'.
    """

    def __init__(
        self,
        name: str,
        type: str,
        description: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        *,
        settings: Mapping[str, Any] | None = None,
    ) -> None:
        check_name(name)
        if not isinstance(type, str) or not type.strip() or len(type) > 128:
            raise ArtifactError(
                f"artifact type must be a non-empty string of at most 128 characters, got {type!r}"
            )
        problem = text_problem(type)
        if problem is not None:
            raise ArtifactError(f"artifact type {type!r} {problem}")
        self._name = name
        self._type = type
        self._description = description or ""
        self._metadata: dict[str, Any] = dict(metadata or {})
        self._check_metadata()
        self._settings = dict(settings or {})
        self._drafts: dict[str, _Draft | str] = {}
        self._temp_dir: str | None = None
        self._reader: StoreReader | None = None
        self._record: VersionRecord | None = None
        self._manifest: list[ManifestEntry] | None = None

    def _check_metadata(self) -> None:
        """Refuse metadata (and a description) the store cannot hold: not JSON-like, text that
        is not valid UTF-8, nested too deep or holding itself."""
        problem = text_problem(self._description)
        if problem is not None:
            raise ArtifactError(f"the description of artifact {self._name!r} {problem}")
        try:
            # numpy and torch scalars and arrays become plain numbers and lists, as in a config.
            self._metadata = to_storable(self._metadata, "artifact metadata")
            dumps(self._metadata)
        except ConfigError as error:
            raise ArtifactError(
                f"artifact metadata must be JSON-compatible: {error.message}"
            ) from None
        except (TypeError, ValueError) as error:
            raise ArtifactError(f"artifact metadata must be JSON-compatible: {error}") from None

    @classmethod
    def from_version(cls, reader: StoreReader, record: VersionRecord) -> Artifact:
        """The logged version ``record`` of ``reader``'s store (``heron.Api().artifact(ref)``
        is the usual way to get one)."""
        artifact = cls(record.name, record.type, record.description, record.metadata)
        artifact._bind(reader, record)
        return artifact

    def _bind(self, reader: StoreReader, record: VersionRecord) -> None:
        self._reader = reader
        self._record = record
        self._description = record.description
        self._metadata = dict(record.metadata)
        self._manifest = None
        self._drafts = {}
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None

    # -- identity -------------------------------------------------------------------------

    @property
    def name(self) -> str:
        """The collection name (the same for every version)."""
        return self._name

    @property
    def type(self) -> str:
        """The artifact type, e.g. ``raw_data``, ``balanced_data``, ``model``."""
        return self._type

    @property
    def description(self) -> str:
        """Free-text description; editable (on a logged version, kept by :meth:`save`)."""
        return self._description

    @description.setter
    def description(self, description: str | None) -> None:
        if description is not None and not isinstance(description, str):
            raise ArtifactError(
                f"the description of artifact {self._name!r} must be a string, got "
                f"{type(description).__name__}"
            )
        problem = text_problem(description) if description else None
        if problem is not None:
            raise ArtifactError(f"the description of artifact {self._name!r} {problem}")
        self._description = description or ""

    @property
    def metadata(self) -> dict[str, Any]:
        """Metadata, a dict; editable (on a logged version, kept by :meth:`save`)."""
        return self._metadata

    @metadata.setter
    def metadata(self, metadata: Mapping[str, Any] | None) -> None:
        if metadata is not None and not isinstance(metadata, Mapping):
            raise ArtifactError(
                f"the metadata of artifact {self._name!r} must be a dict, got "
                f"{type(metadata).__name__}"
            )
        previous = self._metadata
        self._metadata = dict(metadata or {})
        try:
            self._check_metadata()
        except ArtifactError:
            self._metadata = previous
            raise

    @property
    def is_logged(self) -> bool:
        """Whether this object is a committed version (False for a draft)."""
        return self._record is not None

    def _committed(self) -> VersionRecord:
        if self._record is None:
            raise ArtifactError(
                f"artifact {self._name!r} is a draft: log it with run.log_artifact() first"
            )
        return self._record

    def _bound_store(self) -> Store:
        self._committed()
        assert self._reader is not None
        return self._reader.store

    @property
    def id(self) -> str:
        """The version's id, unique in the store."""
        return self._committed().id

    @property
    def project(self) -> str:
        """The project the version belongs to."""
        return self._committed().project

    @property
    def version(self) -> str:
        """``v0``, ``v1``, ..."""
        return f"v{self._committed().version}"

    @property
    def qualified_name(self) -> str:
        """``project/name:vN``, accepted by ``Api().artifact`` and ``use_artifact``."""
        return self._committed().qualified_name

    @property
    def digest(self) -> str:
        """sha256 over the sorted manifest: equal digests mean equal content."""
        if self._record is not None:
            return self._record.digest
        return manifest_digest(self._draft_manifest(HashCache(None)))

    @property
    def aliases(self) -> list[str]:
        """The version's aliases now (``latest`` moves as new versions are logged)."""
        record = self._committed()
        self._record = artifact_store.get_version(self._bound_store().engine, record.id)
        return list(self._record.aliases)

    @property
    def size(self) -> int:
        """Total bytes of every path in the manifest."""
        if self._record is not None:
            return self._record.size
        return sum(e.size for e in self._draft_manifest(HashCache(None)))

    @property
    def created_at(self) -> float:
        """When the version was committed (Unix time)."""
        return self._committed().created_at

    @property
    def manifest(self) -> dict[str, ManifestEntry]:
        """Path -> entry (sha256, size; reference URI and ETag; table id), sorted by path."""
        return {e.path: e for e in self.files()}

    def files(self) -> list[ManifestEntry]:
        """The manifest entries, sorted by path."""
        if self._record is None:
            return self._draft_manifest(HashCache(None))
        if self._manifest is None:
            self._manifest = artifact_store.read_manifest(
                self._bound_store().engine, self._record.id
            )
        return list(self._manifest)

    def __repr__(self) -> str:
        if self._record is None:
            return f"<heron.Artifact {self._name} type={self._type} draft, {len(self._drafts)} path(s)>"
        return f"<heron.Artifact {self._record.qualified_name} type={self._type} aliases={list(self._record.aliases)}>"

    # -- building a draft ---------------------------------------------------------------------

    def _require_draft(self) -> None:
        if self._record is not None:
            raise ArtifactError(
                f"{self._record.qualified_name} is committed and cannot change; "
                f"make a new heron.Artifact({self._name!r}, ...) for the next version"
            )

    def _put(self, path: str, draft: _Draft | str) -> None:
        self._put_checked(_clean_path(path), draft)

    def _put_checked(self, path: str, draft: _Draft | str) -> None:
        existing = self._drafts.get(path)
        if existing is not None and existing != draft:
            raise ArtifactError(
                f"{path!r} is already in artifact {self._name!r} with other content"
            )
        self._drafts[path] = draft
        self._manifest = None

    def add_file(
        self, local_path: str | os.PathLike[str], name: str | None = None
    ) -> ManifestEntry | None:
        """Add one local file at ``name`` (default: its file name). It is hashed when logged."""
        self._require_draft()
        path = Path(local_path).expanduser()
        if not path.is_file():
            raise NotFoundError(
                f"{path} is not a file" if path.exists() else f"{path} does not exist"
            )
        self._put(name if name is not None else path.name, str(path.resolve()))
        return None

    def add_dir(self, local_path: str | os.PathLike[str], name: str | None = None) -> None:
        """Add every file under a local directory, keeping relative paths (under ``name/``)."""
        self._require_draft()
        root = Path(local_path).expanduser()
        if not root.is_dir():
            raise NotFoundError(
                f"{root} is not a directory" if root.exists() else f"{root} does not exist"
            )
        root = root.resolve()
        prefix = "" if not name else _clean_path(name.strip("/")) + "/"
        relatives, sources = _walk_files(str(root))
        try:
            check_paths(relatives, prefix)  # one pass over all names; per name only if one fails
        except ArtifactError as error:
            raise ArtifactError(f"cannot add directory {str(root)!r}: {error.message}") from None
        added: dict[str, _Draft | str] = dict(
            zip([prefix + r for r in relatives] if prefix else relatives, sources, strict=True)
        )
        # Nothing is added if any path already holds other content.
        for path in self._drafts.keys() & added.keys():
            if self._drafts[path] != added[path]:
                self._put_checked(path, added[path])  # raises, naming the path
        self._drafts.update(added)
        self._manifest = None

    @contextmanager
    def new_file(
        self, name: str, mode: str = "w", encoding: str | None = "utf-8"
    ) -> Iterator[IO[Any]]:
        """Write a new file into the artifact: ``with art.new_file("classes.json") as f: ...``."""
        self._require_draft()
        name = _clean_path(name)
        if self._temp_dir is None:
            self._temp_dir = tempfile.mkdtemp(prefix="heron-artifact-")
            weakref.finalize(self, shutil.rmtree, self._temp_dir, True)
        target = Path(self._temp_dir) / str(len(os.listdir(self._temp_dir))) / Path(name).name
        target.parent.mkdir(parents=True)
        with open(target, mode, encoding=None if "b" in mode else encoding) as handle:
            yield handle
        self.add_file(target, name=name)

    def add_reference(
        self,
        uri: str,
        name: str | None = None,
        *,
        checksum: bool = True,
        max_objects: int | None = None,
    ) -> list[ManifestEntry]:
        """Track a ``file://`` or ``s3://`` object or prefix without copying it.

        Objects are listed now: a prefix adds one path per object (under ``name/`` if given); a
        single object goes to ``name`` or its base name. Local files are hashed (``checksum``);
        S3 objects keep their ETag and version id. Settings for S3 come from
        ``settings={"s3": {"endpoint": ..., "key": ..., "secret": ...}}`` or the environment.
        """
        self._require_draft()
        found = list_reference(
            uri, checksum=checksum, max_objects=max_objects, s3=self._settings.get("s3")
        )
        added = []
        for item in found:
            if item.relative:
                path = f"{name.strip('/')}/{item.relative}" if name else item.relative
            else:
                path = name or item.uri.rstrip("/").rsplit("/", 1)[-1]
            entry = ManifestEntry(
                path=_clean_path(path),
                size=item.size,
                sha256=item.sha256,
                ref_uri=item.uri,
                ref_etag=item.etag,
                ref_version=item.version,
            )
            self._put(entry.path, _Draft(entry=entry))
            added.append(entry)
        return added

    def add_entry(self, entry: ManifestEntry, name: str | None = None) -> ManifestEntry:
        """Add a path of a logged version (``other.manifest[path]``) at ``name`` (default: its
        path). Its content is already stored, so nothing is read or copied."""
        self._require_draft()
        if not isinstance(entry, ManifestEntry):
            raise ArtifactError(
                f"add_entry() takes an entry of a logged artifact's manifest, got {type(entry).__name__}"
            )
        path = _clean_path(name) if name is not None else entry.path
        added = ManifestEntry(
            path=path,
            size=entry.size,
            sha256=entry.sha256,
            ref_uri=entry.ref_uri,
            ref_etag=entry.ref_etag,
            ref_version=entry.ref_version,
            table_id=entry.table_id,
        )
        self._put_checked(path, _Draft(entry=added))
        return added

    def add(self, obj: Any, name: str) -> None:
        """Add a :class:`heron.Table` as ``name``: stored as ``name.table.parquet`` (a plain
        Parquet file when downloaded) and read back with ``get(name)`` as a logged table."""
        self._require_draft()
        if not isinstance(obj, Table):
            raise ArtifactError(
                f"artifact.add() takes a heron.Table, got {type(obj).__name__}; add files with "
                "add_file / add_dir / new_file"
            )
        if "/" in name:
            raise ArtifactError(f"table name {name!r} cannot hold '/'")
        self._put(artifact_table_path(name), _Draft(table=obj))

    def remove(self, name: str) -> None:
        """Remove a path (or, for a table, its name, or every path under a directory) from the
        draft."""
        self._require_draft()
        for candidate in (name, artifact_table_path(name) if "/" not in name else name):
            if self._drafts.pop(candidate, None) is not None:
                self._manifest = None
                return
        prefix = name.strip("/") + "/"
        inside = [path for path in self._drafts if path.startswith(prefix)]
        if inside:
            for path in inside:
                del self._drafts[path]
            self._manifest = None
            return
        raise NotFoundError(f"{name!r} is not in artifact {self._name!r}")

    def draft_entries(self) -> Mapping[str, str | ManifestEntry | None]:
        """A draft's paths, in the order added, each with what it will hold: the local file it
        is read from when logged, the manifest entry it already has (a reference, or a path of
        another version), or None for a table (written when logged). A live, read-only view:
        nothing is hashed or copied. A logged version is refused (its paths are :meth:`files`)."""
        self._require_draft()
        return _DraftView(self._drafts)

    def new_draft(self) -> Artifact:
        """A draft holding this logged version's files, metadata and description: add or
        remove paths and log it as the next version (only what changed is stored again)."""
        self._committed()
        draft = Artifact(
            self._name, self._type, self._description, self._metadata, settings=self._settings
        )
        for entry in self.files():
            draft._drafts[entry.path] = _Draft(entry=entry)
        return draft

    def _draft_manifest(
        self, cache: HashCache, run: RunContext | None = None
    ) -> list[ManifestEntry]:
        """The draft's entries: local files hashed (cache-assisted), tables written to Parquet."""
        if self._manifest is not None:
            return self._manifest
        _check_no_file_dir_clash(self._drafts)
        # In the order added (deterministic, as a directory is walked in name order).
        sources = list(dict.fromkeys(d for d in self._drafts.values() if isinstance(d, str)))
        try:
            if run is not None:
                digests, fingerprints = hash_and_store(run.store, sources, cache)
            else:
                hashed = hash_files(sources, cache)
                digests = {path: digest for path, (digest, _) in hashed.items()}
                fingerprints = {path: fingerprint for path, (_, fingerprint) in hashed.items()}
        except FileChangedError as error:
            raise ArtifactError(
                f"{error.args[0]} changed while it was being hashed; add it once nothing writes to it"
            ) from None
        except FileNotFoundError as error:
            raise NotFoundError(
                f"{error.filename} was added to artifact {self._name!r} but is gone"
            ) from None
        entries = []
        drafts = self._drafts
        for path in sorted(drafts):
            draft = drafts[path]
            if isinstance(draft, str):
                size = fingerprints[draft].size
                entries.append(ManifestEntry(path=path, size=size, sha256=digests[draft]))
            elif draft.table is not None:
                entries.append(_table_entry(path, draft.table, run))
            elif draft.entry is not None:
                entries.append(draft.entry)
        self._manifest = entries
        return entries

    def _sources(self) -> dict[str, str]:
        return {path: d for path, d in self._drafts.items() if isinstance(d, str)}

    # -- reading a logged version -------------------------------------------------------------

    def download(
        self,
        root: str | os.PathLike[str] | None = None,
        *,
        overwrite: bool = False,
        link: bool = True,
        path_prefix: str | None = None,
    ) -> Path:
        """Materialise the version under ``root`` and return it, every byte verified.

        Default root: ``$HERON_ARTIFACT_DIR/<name>-vN``, else ``./artifacts/<name>-vN``. Files
        already present and correct are skipped; a different file in the way is refused unless
        ``overwrite``. Large blobs are reflinked or copied; with ``link`` they are hard-linked
        only where this process provably cannot write the store's file (never as root or as the
        store's owner: docs/store.md), so editing a download never changes the store.
        With ``path_prefix``, only paths starting with it are written.
        """
        record = self._committed()
        self._copy_files_here()
        target = Path(root).expanduser() if root is not None else default_root(record)
        target = target.resolve()
        target.mkdir(parents=True, exist_ok=True)
        entries = self.files()
        if path_prefix:
            entries = [entry for entry in entries if entry.path.startswith(path_prefix)]
        materialise(
            self._bound_store(),
            entries,
            target,
            label=record.qualified_name,
            overwrite=overwrite,
            link=link,
            s3=self._settings.get("s3"),
        )
        return target

    def verify(self, root: str | os.PathLike[str] | None = None) -> VerifyReport:
        """Compare a directory (default: the default download root) with the manifest:
        report missing, extra and changed files. Hashes every byte."""
        record = self._committed()
        target = Path(root).expanduser() if root is not None else default_root(record)
        return verify_tree(self._bound_store(), self.files(), target.resolve())

    def get_path(self, name: str, root: str | os.PathLike[str] | None = None) -> Path:
        """Download one path of the version (verified) and return where it is."""
        entry = self._entry(name)
        self._copy_files_here()
        record = self._committed()
        target = Path(root).expanduser() if root is not None else default_root(record)
        target = target.resolve()
        materialise(
            self._bound_store(),
            [entry],
            target,
            label=record.qualified_name,
            overwrite=False,
            link=True,
            s3=self._settings.get("s3"),
        )
        return target / entry.path

    def get(self, name: str) -> LoggedTable:
        """The object added under ``name``: a table added with ``add(table, name)`` reads back
        as the same object ``ApiRun.table`` returns."""
        entry = self._entry(
            artifact_table_path(name) if artifact_table_path(name) in self.manifest else name
        )
        if entry.table_id is None:
            raise ArtifactError(
                f"{entry.path!r} in {self.qualified_name} is a file, not a table: use get_path({entry.path!r}) "
                "or download()"
            )
        return open_artifact_table(self._bound_store(), self.qualified_name, entry.path)

    def _entry(self, name: str) -> ManifestEntry:
        manifest = self.manifest
        if name in manifest:
            return manifest[name]
        names = sorted(manifest)
        shown = ", ".join(names[:20]) + (", ..." if len(names) > 20 else "")
        raise NotFoundError(f"{self.qualified_name} has no path {name!r}; it has: {shown}")

    # -- editing a logged version -------------------------------------------------------------

    def save(self) -> Artifact:
        """Store edits of a logged version's ``description`` and ``metadata``; returns self.

        The files of a version never change: for new content log a new version (see
        :meth:`new_draft`). A draft is saved by ``run.log_artifact``.
        """
        record = self._committed()
        self._check_metadata()
        update_version(
            self._bound_store().engine,
            record,
            description=self._description,
            metadata=loads(dumps(self._metadata)),
        )
        self._record = artifact_store.get_version(self._bound_store().engine, record.id)
        return self

    def delete(self, *, delete_aliases: bool = False) -> None:
        """Delete this version (manifest, aliases, lineage edges); its bytes stay in the store
        until ``heron gc``. Refused while it has aliases (``latest`` too) unless
        ``delete_aliases``; ``latest`` then moves to the newest version left."""
        record = self._committed()
        delete_version(self._bound_store().engine, record, delete_aliases=delete_aliases)

    # -- aliases and lineage ------------------------------------------------------------------

    def add_alias(self, alias: str, *, unique: bool = False) -> None:
        """Point ``alias`` at this version (moved from another version, or refused if ``unique``)."""
        for message in artifact_store.set_alias(
            self._bound_store().engine, self._committed(), alias, unique=unique
        ):
            print(f"heron: {self._name}: {message}", file=sys.stderr)
        self._record = artifact_store.get_version(self._bound_store().engine, self._committed().id)

    def remove_alias(self, alias: str) -> None:
        """Remove ``alias`` from this version."""
        record = artifact_store.get_version(self._bound_store().engine, self._committed().id)
        artifact_store.remove_alias(self._bound_store().engine, record, alias)
        self._record = artifact_store.get_version(self._bound_store().engine, record.id)

    def logged_by(self) -> ApiRun | None:
        """The run that logged this version first (None if it was logged without a run)."""
        runs = self._runs("output")
        return runs[0] if runs else None

    def used_by(self) -> list[ApiRun]:
        """Runs that used this version, oldest first."""
        return self._runs("input")

    def _runs(self, direction: str) -> list[ApiRun]:
        store = self._bound_store()
        assert self._reader is not None
        self._pull_lineage()
        ids = store_lineage.runs_of_version(store.engine, self._committed().id, direction)
        return [self._reader.run(run_id) for run_id in ids]

    def _copy_files_here(self) -> None:
        """In remote mode, copy from the server the files of a version the spool lists without
        them (a listing copies versions, not their bytes)."""
        record = self._committed()
        # Asked of the reader, not by type: heron.sdk.api imports this module.
        if not getattr(self._reader, "_remote", False):
            return
        store = self._bound_store()
        if artifact_store.missing_blob_counts(store.engine, [record.id]):
            version_from_server(store, record.qualified_name, None)

    def _pull_lineage(self) -> None:
        """In remote mode, copy the server's lineage of this version's project first."""
        # Asked of the reader, not by type: heron.sdk.api imports this module.
        pull = getattr(self._reader, "_pull_artifacts", None)
        if pull is not None:
            pull(self._committed().project)

    def lineage(self, depth: int = 2) -> dict[str, Any]:
        """The lineage graph around this version (see ``heron.Api().lineage``)."""
        self._pull_lineage()
        return lineage_graph(self._bound_store(), version_ids=[self._committed().id], depth=depth)


# -- tables ----------------------------------------------------------------------------------


def _table_entry(path: str, table: Table, run: RunContext | None) -> ManifestEntry:
    """Commit a table in ``run``'s store and describe it: its Parquet form is the content."""
    if run is None:
        raise ArtifactError(
            f"{path!r} is a table: the artifact's manifest and digest are known once it is logged"
        )
    from heron.store import tables as table_store

    _, payload = table.log_to(run, path, 0).result()
    record = table_store.get_table(run.store.engine, payload["table_id"])
    if len(record.parts) == 1:
        parquet = table_store.part_paths(run.store.root, record)[0]
        digest = run.store.blobs.put_file(parquet)
        size = parquet.stat().st_size
    else:  # an incremental table: one file of its parts, so the download is one Parquet file
        import pyarrow.parquet as pq

        with tempfile.TemporaryDirectory(prefix="heron-table-") as directory:
            parquet = Path(directory) / "table.parquet"
            pq.write_table(
                table_store.read_arrow(run.store.root, record), parquet, compression="zstd"
            )
            digest = run.store.blobs.put_file(parquet)
            size = parquet.stat().st_size
    return ManifestEntry(path=path, size=size, sha256=digest, table_id=record.id)


def _check_no_file_dir_clash(drafts: Mapping[str, object]) -> None:
    paths = set(drafts)
    # Many files share a parent: collect parents first, then their ancestors once each.
    parents = {path.rpartition("/")[0] for path in paths}
    parents.discard("")
    directories = set()
    for parent in parents:
        directories.add(parent)
        cut = parent.find("/")
        while cut != -1:
            directories.add(parent[:cut])
            cut = parent.find("/", cut + 1)
    clashes = sorted(directories & paths)
    if clashes:
        inside = next(p for p in sorted(paths) if p.startswith(clashes[0] + "/"))
        raise ArtifactError(
            f"{clashes[0]!r} is both a file and the directory of {inside!r} in the artifact"
        )


def default_root(record: VersionRecord) -> Path:
    """Where ``download()`` puts a version when no root is given."""
    base = os.environ.get("HERON_ARTIFACT_DIR")
    parent = Path(base).expanduser() if base else Path.cwd() / "artifacts"
    return parent / f"{record.name}-v{record.version}"


# -- logging and using -----------------------------------------------------------------------


def log_artifact(
    run: RunContext,
    artifact: Artifact,
    aliases: Iterable[str] | None = None,
    *,
    unique_aliases: bool = False,
    as_output: bool = True,
) -> Artifact:
    """Store and commit a draft for ``run`` (see :meth:`heron.Run.log_artifact`).

    With ``as_output=False`` the version is committed without recording ``run`` as its
    producer (for a draft a run only uses, as ``wandb``'s ``use_artifact(draft)`` does)."""
    if not isinstance(artifact, Artifact):
        raise UsageError(f"log_artifact() takes a heron.Artifact, got {type(artifact).__name__}")
    if artifact.is_logged:
        raise ArtifactError(
            f"{artifact.qualified_name} is already logged; use add_alias() to label it, or make a new "
            "heron.Artifact for a new version"
        )
    if isinstance(aliases, str):
        raise UsageError("aliases must be a list of strings, e.g. aliases=['best']")
    alias_list = [check_alias(a) if a != artifact_store.LATEST else a for a in (aliases or [])]
    artifact._check_metadata()  # the user may have changed it since it was made
    store = run.store
    entries = artifact._draft_manifest(hash_cache(store), run)
    if not entries:
        raise ArtifactError(
            f"artifact {artifact.name!r} is empty: add files, a directory, a reference or a table"
        )
    digest = manifest_digest(entries)
    existing = artifact_store.find_by_digest(store.engine, run.project, artifact.name, digest)
    if existing is None:
        sources = artifact._sources()
        files = [
            (sources[e.path], e.sha256, e.size) for e in entries if e.path in sources and e.sha256
        ]
        store_files(store, files)
    result = _commit(run, artifact, entries, alias_list, unique_aliases, digest, as_output)
    for message in result.messages:
        print(f"heron: {artifact.name}: {message}", file=sys.stderr)
    artifact._bind(run.api, result.record)
    return artifact


def _commit(
    run: RunContext,
    artifact: Artifact,
    entries: Sequence[ManifestEntry],
    aliases: list[str],
    unique: bool,
    digest: str,
    as_output: bool = True,
) -> artifact_store.CommitResult:
    store = run.store
    arguments: dict[str, Any] = {
        "project": run.project,
        "name": artifact.name,
        "type": artifact.type,
        "description": artifact.description,
        "metadata": loads(dumps(artifact.metadata)),
        "entries": entries,
        "aliases": aliases,
        "run_id": run.id if as_output else None,
        "unique_aliases": unique,
        "digest": digest,
    }
    try:
        return artifact_store.commit_version(store.engine, **arguments)
    except artifact_store.MissingBlobsError as error:
        # gc removed a blob this process believed stored: write those again, then commit.
        store.blobs.forget(error.digests)
        sources = artifact._sources()
        files = [
            (sources[e.path], e.sha256, e.size)
            for e in entries
            if e.sha256 in error.digests and e.path in sources
        ]
        store_files(store, files)
        return artifact_store.commit_version(store.engine, **arguments)


def version_from_server(store: Store, ref: str, project: str | None) -> VersionRecord | None:
    """In remote mode, the version the server means by ``ref`` now (in ``project`` unless the
    ref names one), copied into the spool ``store`` if it lacks it. None in local mode, for a ref
    without a project, or when the server cannot be reached (the spool's own copy is used then,
    and a warning says so) or does not have it."""
    remote = settings_from_env()
    if remote is None:
        return None
    # Here, not at the top: the copy reads and writes tables (pyarrow), remote mode only.
    from heron.sync.http import ApiClient, ServerRefused, ServerUnavailable
    from heron.sync.pull import pull_version

    project = artifact_store.parse_ref(ref)[0] or project
    if project is None:
        return None
    client = ApiClient(remote.url, remote.api_key)
    try:
        return pull_version(store, client, project, ref)
    except ServerUnavailable as error:
        logger.warning("heron: %s; using the spool's copy of %s", error.message, ref)
        return None
    except ServerRefused as error:
        if error.status != 404:
            raise
        return None  # not on the server (yet): logged into this spool and not sent so far
    finally:
        client.close()


def use_artifact(run: RunContext, ref: str | Artifact, *, type: str | None = None) -> Artifact:
    """Resolve ``ref`` for ``run`` and record the input edge (see :meth:`heron.Run.use_artifact`)."""
    if isinstance(ref, Artifact):
        record = ref._committed()
        if ref._bound_store().root != run.store.root:
            record = artifact_store.resolve(run.store.engine, record.qualified_name)
    else:
        record = version_from_server(run.store, ref, run.project) or artifact_store.resolve(
            run.store.engine, ref, project=run.project
        )
    if type is not None and record.type != type:
        raise ArtifactError(f"{record.qualified_name} has type {record.type!r}, not {type!r}")
    store_lineage.add_lineage(run.store.engine, run.id, record.id, "input")
    settings = ref._settings if isinstance(ref, Artifact) else None
    artifact = Artifact.from_version(run.api, record)
    if settings:
        artifact._settings = dict(settings)
    return artifact
