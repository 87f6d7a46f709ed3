"""Artifact collections, versions, manifests, aliases and lineage in the metadata database.

A version is committed in one write transaction (:func:`commit_version`): the version row, its
manifest, its aliases and the run's output edge appear together or not at all. The blobs a
manifest points at are written before that transaction, so a process killed at any point leaves
either nothing visible or a complete version (plus, at worst, unreferenced blobs for ``gc``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, and_, exists, func, select

from heron.errors import ArtifactError, NotFoundError
from heron.store import blob_rows, schema
from heron.store.database import insert_ignoring_duplicates, write
from heron.store.jsonvalues import dumps, loads
from heron.store.lineage import add_edge
from heron.store.manifest import (
    ALIAS_PATTERN,
    VERSION_PATTERN,
    ManifestEntry,
    check_alias,
    check_name,
    manifest_digest,
)
from heron.store.runs import project_id

LATEST = "latest"

# PostgreSQL advisory lock shared by commits and taken exclusively by gc --delete, so a blob
# that a commit is about to reference cannot be deleted under it.
GC_LOCK_KEY = 7423002
_CHUNK = 500


@dataclass(frozen=True)
class VersionRecord:
    """One committed artifact version as stored."""

    id: str
    project: str
    name: str
    type: str
    collection_id: int
    version: int
    digest: str
    description: str
    metadata: dict[str, Any]
    size: int
    file_count: int
    created_by_run_id: str | None
    created_at: float
    aliases: tuple[str, ...] = field(default=())

    @property
    def qualified_name(self) -> str:
        """``project/name:vN``."""
        return f"{self.project}/{self.name}:v{self.version}"


@dataclass(frozen=True)
class CommitResult:
    """What :func:`commit_version` did: the version, whether it is new, and alias moves."""

    record: VersionRecord
    created: bool
    messages: list[str]


class MissingBlobsError(ArtifactError):
    """A commit found blobs of its manifest missing from the index (deleted by gc meanwhile)."""

    def __init__(self, digests: set[str]) -> None:
        super().__init__(f"{len(digests)} blob(s) of the manifest are not in the store")
        self.digests = digests


# -- reading ---------------------------------------------------------------------------------


def _versions_query() -> Any:
    v, c, p = schema.artifact_versions, schema.artifact_collections, schema.projects
    return (
        select(
            v,
            c.c.name.label("collection_name"),
            c.c.type.label("collection_type"),
            p.c.name.label("project_name"),
        )
        .join(c, c.c.id == v.c.collection_id)
        .join(p, p.c.id == c.c.project_id)
    )


def _aliases_of(connection: Connection, version_ids: Sequence[str]) -> dict[str, list[str]]:
    a = schema.artifact_aliases
    found: dict[str, list[str]] = {vid: [] for vid in version_ids}
    for start in range(0, len(version_ids), _CHUNK):
        chunk = list(version_ids[start : start + _CHUNK])
        rows = connection.execute(
            select(a.c.version_id, a.c.alias).where(a.c.version_id.in_(chunk))
        )
        for version_id, alias in rows:
            found[version_id].append(alias)
    # "latest" first, then the others by name: what a person wants to read.
    return {vid: sorted(names, key=lambda n: (n != LATEST, n)) for vid, names in found.items()}


def _records(connection: Connection, rows: Sequence[Any]) -> list[VersionRecord]:
    aliases = _aliases_of(connection, [row._mapping["id"] for row in rows])
    records = []
    for row in rows:
        m = row._mapping
        records.append(
            VersionRecord(
                id=m["id"],
                project=m["project_name"],
                name=m["collection_name"],
                type=m["collection_type"],
                collection_id=int(m["collection_id"]),
                version=int(m["version"]),
                digest=m["digest"],
                description=m["description"],
                metadata=loads(m["metadata"]),
                size=int(m["size"]),
                file_count=int(m["file_count"]),
                created_by_run_id=m["created_by_run_id"],
                created_at=float(m["created_at"]),
                aliases=tuple(aliases[m["id"]]),
            )
        )
    return records


def get_version(engine: Engine, version_id: str) -> VersionRecord:
    """One version by its id."""
    with engine.connect() as connection:
        rows = connection.execute(
            _versions_query().where(schema.artifact_versions.c.id == version_id)
        ).fetchall()
        if not rows:
            raise NotFoundError(f"no artifact version with id {version_id!r}")
        return _records(connection, rows)[0]


def get_versions(engine: Engine, version_ids: Sequence[str]) -> list[VersionRecord]:
    """Several versions by id (unknown ids are left out)."""
    records: list[VersionRecord] = []
    with engine.connect() as connection:
        for start in range(0, len(version_ids), _CHUNK):
            chunk = list(version_ids[start : start + _CHUNK])
            rows = connection.execute(
                _versions_query().where(schema.artifact_versions.c.id.in_(chunk))
            ).fetchall()
            records.extend(_records(connection, rows))
    return records


def missing_blob_counts(engine: Engine, version_ids: Sequence[str]) -> dict[str, int]:
    """Per version (only those missing any), how many stored files have no blob in the store.

    External references are not counted: their bytes were never in the store.
    """
    f = schema.artifact_files
    ids = sorted(set(version_ids))
    counts: dict[str, int] = {}
    with engine.connect() as connection:
        for start in range(0, len(ids), _CHUNK):
            files = connection.execute(
                select(f.c.version_id, f.c.sha256).where(
                    and_(
                        f.c.version_id.in_(ids[start : start + _CHUNK]),
                        f.c.ref_uri.is_(None),
                        f.c.sha256.is_not(None),
                    )
                )
            ).fetchall()
            stored = blob_rows.present(connection, {str(digest) for _, digest in files})
            for version_id, digest in files:
                if digest not in stored:
                    counts[str(version_id)] = counts.get(str(version_id), 0) + 1
    return counts


def parse_ref(ref: str) -> tuple[str | None, str, str]:
    """``[project/]name[:alias|:vN]`` as (project or None, name, alias-or-version)."""
    if not isinstance(ref, str) or not ref:
        raise ArtifactError(
            f"an artifact reference is 'name:alias', 'name:vN' or 'project/name:alias', got {ref!r}"
        )
    body, _, selector = ref.partition(":")
    project, _, name = body.rpartition("/")
    check_name(name)
    if project:
        check_name(project, "project name")
    selector = selector or LATEST
    if not ALIAS_PATTERN.match(selector):
        raise ArtifactError(f"{selector!r} in {ref!r} is neither an alias nor a version like v3")
    return project or None, name, selector


def resolve(engine: Engine, ref: str, *, project: str | None = None) -> VersionRecord:
    """The version ``ref`` names; ``project`` is used when ``ref`` has none.

    Without a project anywhere, the name must exist in exactly one project. Errors list what
    exists: other artifact names, or the versions and aliases of the collection.
    """
    ref_project, name, selector = parse_ref(ref)
    with engine.connect() as connection:
        collection_id, project_name = _find_collection(connection, name, ref_project or project)
        v = schema.artifact_versions
        number = VERSION_PATTERN.match(selector)
        if number:
            condition = and_(
                v.c.collection_id == collection_id, v.c.version == int(number.group(1))
            )
        else:
            a = schema.artifact_aliases
            alias_target = select(a.c.version_id).where(
                and_(a.c.collection_id == collection_id, a.c.alias == selector)
            )
            condition = v.c.id.in_(alias_target.scalar_subquery())
        rows = connection.execute(_versions_query().where(condition)).fetchall()
        if not rows:
            raise NotFoundError(
                _no_such_version(connection, collection_id, f"{project_name}/{name}", selector)
            )
        return _records(connection, rows)[0]


def _has_versions() -> Any:
    """A condition on ``artifact_collections``: the collection has at least one version.

    A collection whose versions were all deleted keeps its row (and its version counter) but
    is shown and resolved as if it did not exist.
    """
    c, v = schema.artifact_collections, schema.artifact_versions
    return exists().where(v.c.collection_id == c.c.id)


def _find_collection(connection: Connection, name: str, project: str | None) -> tuple[int, str]:
    c, p = schema.artifact_collections, schema.projects
    query = (
        select(c.c.id, p.c.name)
        .join(p, p.c.id == c.c.project_id)
        .where(c.c.name == name, _has_versions())
    )
    if project is not None:
        query = query.where(p.c.name == project)
    found = connection.execute(query).fetchall()
    if not found:
        raise NotFoundError(_no_such_artifact(connection, name, project))
    if len(found) > 1:
        projects = ", ".join(sorted(f"{row[1]}/{name}" for row in found))
        raise NotFoundError(
            f"artifact name {name!r} exists in several projects: say which ({projects})"
        )
    return int(found[0][0]), str(found[0][1])


def find_collection(engine: Engine, name: str, project: str | None = None) -> tuple[str, str]:
    """(project, name) of a collection given as ``name`` or ``project/name``."""
    ref_project, _, bare = name.rpartition("/")
    check_name(bare)
    with engine.connect() as connection:
        _, project_name = _find_collection(connection, bare, ref_project or project)
    return project_name, bare


def _no_such_artifact(connection: Connection, name: str, project: str | None) -> str:
    c, p = schema.artifact_collections, schema.projects
    emptied = select(p.c.name, c.c.next_version).join(p, p.c.id == c.c.project_id)
    emptied = emptied.where(c.c.name == name, ~_has_versions())
    if project is not None:
        emptied = emptied.where(p.c.name == project)
    gone = connection.execute(emptied.order_by(p.c.name)).first()
    if gone is not None:
        return (
            f"artifact {gone[0]}/{name} has no versions: all were deleted (the next one logged "
            f"will be v{gone[1]}; deleted numbers are not reused)"
        )
    query = (
        select(p.c.name, c.c.name)
        .join(p, p.c.id == c.c.project_id)
        .where(_has_versions())
        .order_by(p.c.name, c.c.name)
    )
    if project is not None:
        query = query.where(p.c.name == project)
    existing = [f"{proj}/{coll}" for proj, coll in connection.execute(query.limit(51))]
    where = f" in project {project!r}" if project else ""
    if not existing:
        return f"no artifact named {name!r}{where}: there are no artifacts{where} yet"
    shown = ", ".join(existing[:50]) + (", ..." if len(existing) > 50 else "")
    return f"no artifact named {name!r}{where}; artifacts: {shown}"


def _no_such_version(connection: Connection, collection_id: int, label: str, selector: str) -> str:
    v, a = schema.artifact_versions, schema.artifact_aliases
    versions = [
        f"v{n}"
        for (n,) in connection.execute(
            select(v.c.version).where(v.c.collection_id == collection_id).order_by(v.c.version)
        )
    ]
    aliases = [
        f"{alias} -> v{n}"
        for alias, n in connection.execute(
            select(a.c.alias, v.c.version)
            .join(v, v.c.id == a.c.version_id)
            .where(a.c.collection_id == collection_id)
            .order_by(a.c.alias)
        )
    ]
    what = "version" if VERSION_PATTERN.match(selector) else "alias"
    return (
        f"{label} has no {what} {selector!r}; versions: {', '.join(versions) or 'none'}; "
        f"aliases: {', '.join(aliases) or 'none'}"
    )


def find_by_digest(engine: Engine, project: str, name: str, digest: str) -> VersionRecord | None:
    """The version of ``project/name`` whose manifest digest is ``digest``, if any."""
    c, p, v = schema.artifact_collections, schema.projects, schema.artifact_versions
    with engine.connect() as connection:
        rows = connection.execute(
            _versions_query()
            .where(and_(p.c.name == project, c.c.name == name, v.c.digest == digest))
            .order_by(v.c.version)
        ).fetchall()
        return _records(connection, rows)[0] if rows else None


def list_collections(
    engine: Engine, project: str | None = None, type: str | None = None
) -> list[dict[str, Any]]:
    """Collections (project, name, type, description, versions, latest version, created_at)."""
    c, p, v = schema.artifact_collections, schema.projects, schema.artifact_versions
    counts = (
        select(
            v.c.collection_id,
            func.count().label("versions"),
            func.max(v.c.version).label("latest"),
            func.max(v.c.created_at).label("updated_at"),
        )
        .group_by(v.c.collection_id)
        .subquery()
    )
    query = (
        select(
            p.c.name,
            c.c.name,
            c.c.type,
            c.c.description,
            counts.c.versions,
            counts.c.latest,
            c.c.created_at,
            counts.c.updated_at,
        )
        .join(p, p.c.id == c.c.project_id)
        .join(counts, counts.c.collection_id == c.c.id)
        .order_by(p.c.name, c.c.name)
    )
    if project is not None:
        query = query.where(p.c.name == project)
    if type is not None:
        query = query.where(c.c.type == type)
    with engine.connect() as connection:
        return [
            {
                "project": proj,
                "name": name,
                "type": kind,
                "description": description,
                "versions": int(n),
                "latest_version": int(latest),
                "created_at": float(created),
                "updated_at": float(updated),
            }
            for proj, name, kind, description, n, latest, created, updated in connection.execute(
                query
            )
        ]


def list_versions(
    engine: Engine, *, project: str | None = None, name: str | None = None, type: str | None = None
) -> list[VersionRecord]:
    """Versions, optionally of one project / collection / type, by project, name, version."""
    c, p, v = schema.artifact_collections, schema.projects, schema.artifact_versions
    query = _versions_query().order_by(p.c.name, c.c.name, v.c.version)
    if project is not None:
        query = query.where(p.c.name == project)
    if name is not None:
        query = query.where(c.c.name == name)
    if type is not None:
        query = query.where(c.c.type == type)
    with engine.connect() as connection:
        return _records(connection, connection.execute(query).fetchall())


def read_manifest(engine: Engine, version_id: str) -> list[ManifestEntry]:
    """The manifest of a version, sorted by path."""
    f = schema.artifact_files
    with engine.connect() as connection:
        rows = connection.execute(
            select(f.c.path, f.c.size, f.c.sha256, f.c.ref_uri, f.c.ref_etag, f.c.table_id)
            .where(f.c.version_id == version_id)
            .order_by(f.c.path)
        ).fetchall()
    return [_entry(*row) for row in rows]


def manifest_entry(engine: Engine, version_id: str, path: str) -> ManifestEntry | None:
    """One path of a version's manifest, or None: a lookup, not a read of the whole manifest."""
    f = schema.artifact_files
    with engine.connect() as connection:
        row = connection.execute(
            select(f.c.path, f.c.size, f.c.sha256, f.c.ref_uri, f.c.ref_etag, f.c.table_id).where(
                f.c.version_id == version_id, f.c.path == path
            )
        ).first()
    return None if row is None else _entry(*row)


def _entry(
    path: str,
    size: int,
    sha256: str | None,
    uri: str | None,
    etag: str | None,
    table_id: str | None,
) -> ManifestEntry:
    ref_etag = ref_version = None
    if etag:
        decoded = loads(etag)
        ref_etag, ref_version = decoded.get("etag"), decoded.get("version")
    return ManifestEntry(
        path=path,
        size=int(size),
        sha256=sha256,
        ref_uri=uri,
        ref_etag=ref_etag,
        ref_version=ref_version,
        table_id=table_id,
    )


def _entry_row(version_id: str, entry: ManifestEntry) -> dict[str, Any]:
    etag = None
    if entry.ref_etag is not None or entry.ref_version is not None:
        etag = dumps({"etag": entry.ref_etag, "version": entry.ref_version})
    return {
        "version_id": version_id,
        "path": entry.path,
        "sha256": entry.sha256,
        "size": entry.size,
        "ref_uri": entry.ref_uri,
        "ref_etag": etag,
        "table_id": entry.table_id,
    }


# -- writing ---------------------------------------------------------------------------------


def commit_version(
    engine: Engine,
    *,
    project: str,
    name: str,
    type: str,
    description: str,
    metadata: dict[str, Any],
    entries: Sequence[ManifestEntry],
    aliases: Sequence[str],
    run_id: str | None,
    unique_aliases: bool = False,
    digest: str | None = None,
) -> CommitResult:
    """Commit a version in one transaction, or return the existing one with the same digest.

    ``latest`` moves to a new version automatically. Other aliases move from the version that
    had them (a message says so) unless ``unique_aliases``, which refuses instead. Raises
    :class:`MissingBlobsError` if a stored file's blob is not in the index.
    """
    check_name(name)
    wanted = [check_alias(a) for a in dict.fromkeys(a for a in aliases if a != LATEST)]
    digest = digest or manifest_digest(entries)
    messages: list[str] = []
    with write(engine) as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(select(func.pg_advisory_xact_lock_shared(GC_LOCK_KEY)))
        collection_id, next_number = _collection(connection, project, name, type, description)
        v = schema.artifact_versions
        existing = connection.execute(
            select(v.c.id)
            .where(and_(v.c.collection_id == collection_id, v.c.digest == digest))
            .order_by(v.c.version)
            .limit(1)
        ).first()
        if existing is not None:
            version_id = str(existing[0])
            # Identical content: no version, no files, no edge; only the aliases asked for.
            for alias in wanted:
                _set_alias(connection, collection_id, alias, version_id, unique_aliases, messages)
            created = False
        else:
            needed = {e.sha256 for e in entries if e.is_stored_blob and e.sha256}
            absent = _absent_blobs(connection, needed)
            if absent:
                raise MissingBlobsError(absent)
            # The collection row is locked, so this number is ours; it is never handed out
            # again, even if this version is deleted later.
            number = next_number
            c = schema.artifact_collections
            connection.execute(
                c.update().where(c.c.id == collection_id).values(next_version=number + 1)
            )
            version_id = os.urandom(16).hex()
            connection.execute(
                v.insert().values(
                    id=version_id,
                    collection_id=collection_id,
                    version=int(number),
                    digest=digest,
                    description=description,
                    metadata=dumps(metadata),
                    size=sum(e.size for e in entries),
                    file_count=len(entries),
                    created_by_run_id=run_id,
                    created_at=time.time(),
                )
            )
            file_rows = [_entry_row(version_id, e) for e in entries]
            for start in range(0, len(file_rows), 5000):
                connection.execute(schema.artifact_files.insert(), file_rows[start : start + 5000])
            _set_alias(connection, collection_id, LATEST, version_id, False, [])
            for alias in wanted:
                _set_alias(connection, collection_id, alias, version_id, unique_aliases, messages)
            if run_id is not None:
                add_edge(connection, run_id, version_id, "output")
            created = True
        rows = connection.execute(_versions_query().where(v.c.id == version_id)).fetchall()
        record = _records(connection, rows)[0]
    return CommitResult(record=record, created=created, messages=messages)


def _collection(
    connection: Connection, project: str, name: str, type: str, description: str
) -> tuple[int, int]:
    """The locked collection row for a commit: (its id, the number its next version takes)."""
    c = schema.artifact_collections
    pid = project_id(connection, project, create=True)
    query = select(c.c.id, c.c.type, c.c.next_version).where(
        and_(c.c.project_id == pid, c.c.name == name)
    )
    row = connection.execute(query).first()
    if row is None:
        insert_ignoring_duplicates(
            connection,
            c,
            [
                {
                    "project_id": pid,
                    "name": name,
                    "type": type,
                    "description": description,
                    "created_at": time.time(),
                }
            ],
        )
    # Lock the collection row (PostgreSQL) so two writers cannot take the same version number.
    row = connection.execute(query.with_for_update()).first()
    assert row is not None
    if row[1] != type:
        v = schema.artifact_versions
        if connection.execute(select(v.c.id).where(v.c.collection_id == row[0]).limit(1)).first():
            raise ArtifactError(
                f"artifact {project}/{name} has type {row[1]!r}; it cannot take a version of "
                f"type {type!r}"
            )
        # Every version was deleted: the name is free to take a new type, but keeps counting.
        connection.execute(
            c.update().where(c.c.id == row[0]).values(type=type, description=description)
        )
    return int(row[0]), int(row[2])


def _absent_blobs(connection: Connection, digests: set[str]) -> set[str]:
    return digests - blob_rows.present(connection, digests)


def _set_alias(
    connection: Connection,
    collection_id: int,
    alias: str,
    version_id: str,
    unique: bool,
    messages: list[str],
) -> None:
    a, v = schema.artifact_aliases, schema.artifact_versions
    current = connection.execute(
        select(a.c.version_id, v.c.version)
        .join(v, v.c.id == a.c.version_id)
        .where(and_(a.c.collection_id == collection_id, a.c.alias == alias))
    ).first()
    if current is not None and current[0] == version_id:
        return
    if current is not None:
        if unique:
            raise ArtifactError(
                f"alias {alias!r} is already on v{current[1]}: it must be unique, so nothing was changed "
                "(move it by not asking for uniqueness, or remove it first)"
            )
        target = connection.execute(select(v.c.version).where(v.c.id == version_id)).scalar_one()
        connection.execute(
            a.update()
            .where(and_(a.c.collection_id == collection_id, a.c.alias == alias))
            .values(version_id=version_id)
        )
        if alias != LATEST:
            messages.append(f"alias {alias!r} moved from v{current[1]} to v{target}")
        return
    connection.execute(
        a.insert().values(collection_id=collection_id, alias=alias, version_id=version_id)
    )


def _lock_collection(connection: Connection, collection_id: int) -> None:
    """Hold the collection's row until the transaction ends, so its alias edits run one at a time.

    SQLite's one writer already serialises them; on PostgreSQL two moves of one alias would
    otherwise both see it absent and both insert it (a unique violation for the second).
    """
    c = schema.artifact_collections
    connection.execute(select(c.c.id).where(c.c.id == collection_id).with_for_update())


def set_alias(
    engine: Engine, version: VersionRecord, alias: str, *, unique: bool = False
) -> list[str]:
    """Point ``alias`` at ``version`` (moving it, or refusing if ``unique``); returns messages."""
    messages: list[str] = []
    if alias != LATEST:
        check_alias(alias)
    with write(engine) as connection:
        _lock_collection(connection, version.collection_id)
        # Read under the lock: the version may have been deleted since the caller found it.
        v = schema.artifact_versions
        if connection.execute(select(v.c.id).where(v.c.id == version.id)).first() is None:
            raise NotFoundError(f"{version.qualified_name} no longer exists")
        _set_alias(connection, version.collection_id, alias, version.id, unique, messages)
    return messages


def remove_alias(engine: Engine, version: VersionRecord, alias: str) -> None:
    """Remove ``alias`` from ``version``; ``latest`` cannot be removed while versions exist."""
    if alias == LATEST:
        raise ArtifactError("'latest' is managed by heron and always names the newest version")
    a = schema.artifact_aliases
    with write(engine) as connection:
        _lock_collection(connection, version.collection_id)
        removed = connection.execute(
            a.delete().where(
                and_(
                    a.c.collection_id == version.collection_id,
                    a.c.alias == alias,
                    a.c.version_id == version.id,
                )
            )
        ).rowcount
    if not removed:
        raise NotFoundError(
            f"{version.qualified_name} has no alias {alias!r}; it has {', '.join(version.aliases) or 'none'}"
        )


def stored_blob_digests(connection: Connection) -> set[str]:
    """Digests of every blob that some artifact file refers to."""
    f = schema.artifact_files
    query = (
        select(f.c.sha256).where(and_(f.c.sha256.is_not(None), f.c.ref_uri.is_(None))).distinct()
    )
    return {str(r[0]) for r in connection.execute(query)}
