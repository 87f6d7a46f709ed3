"""The server's side of sync: what each ``/api/sync`` request does to the store.

Every function is one transaction (or, for files, a write that becomes visible only through the
index row committed last), and idempotent: sending the same thing twice adds nothing, so a
pusher that lost an answer simply sends again. Bytes are checked against the sha256 they were
announced under before anything refers to them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
import time
from contextlib import suppress
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, select, tuple_

from heron.errors import IntegrityError, NotFoundError, UsageError
from heron.store import schema, table_placement
from heron.store.artifacts import VersionRecord, commit_version, get_version, read_manifest, resolve
from heron.store.database import insert_if_absent, insert_ignoring_duplicates, upsert, write
from heron.store.jsonvalues import dumps, loads
from heron.store.lineage import add_lineage
from heron.store.manifest import ManifestEntry, check_project_name
from heron.store.runs import project_id
from heron.store.safefiles import open_directory_inside
from heron.store.tables import get_table, open_part, part_name
from heron.sync.models import (
    ArtifactEntryIn,
    ArtifactIn,
    ArtifactOut,
    ArtifactVersionOut,
    MetricChunk,
    RunObjectIn,
    RunRecordIn,
    TableIn,
    TableOut,
)

if TYPE_CHECKING:
    from heron.store.store import Store

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_UPLOAD_ID = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
FRAME_HEADER = 64 + 8
"""A blob in a batch body: its hex sha256 (64 ASCII bytes), its size (8 bytes, big-endian),
then its bytes."""


class HashMismatch(IntegrityError):
    """Bytes sent under a sha256 they do not hash to; nothing was stored."""


class UploadOffsetMismatch(UsageError):
    """A chunk sent for an offset the server's partial upload is not at."""

    def __init__(self, digest: str, held: int) -> None:
        super().__init__(f"upload {digest} is at byte {held}: resume from there")
        self.held = held


def check_digest(digest: str) -> str:
    """``digest`` if it is a lowercase hex sha256, else UsageError naming it."""
    if not _SHA256.match(digest):
        raise UsageError(f"{digest[:80]!r} is not a lowercase hex sha256")
    return digest


# -- blobs --------------------------------------------------------------------------------------


def missing_blobs(store: Store, digests: list[str]) -> list[str]:
    """The digests (checked, in the order asked) the store does not hold."""
    for digest in digests:
        check_digest(digest)
    absent = store.blobs.missing(digests)
    return [digest for digest in dict.fromkeys(digests) if digest in absent]


def put_blob(store: Store, digest: str, data: bytes) -> int:
    """Store one blob sent under ``digest``; 1 if it was new, 0 if held already."""
    check_digest(digest)
    actual = hashlib.sha256(data).hexdigest()
    if actual != digest:
        raise HashMismatch(f"blob sent as {digest} hashes to {actual}: refused, nothing stored")
    if store.blobs.has(digest):
        return 0
    store.blobs.put(data)
    return 1


def put_blob_batch(store: Store, body: bytes) -> int:
    """Store the blobs of a batch body (see :data:`FRAME_HEADER`); how many were new.

    Every blob is checked before any is stored: one that does not hash to its announced digest
    refuses the whole batch, naming it.
    """
    items: dict[str, bytes] = {}
    position = 0
    while position < len(body):
        header = body[position : position + FRAME_HEADER]
        if len(header) < FRAME_HEADER:
            raise UsageError(f"blob batch: truncated frame header at byte {position}")
        digest = check_digest(header[:64].decode("ascii", errors="replace"))
        size = int.from_bytes(header[64:], "big")
        start = position + FRAME_HEADER
        data = body[start : start + size]
        if len(data) != size:
            raise UsageError(f"blob batch: blob {digest} announces {size} bytes, has {len(data)}")
        actual = hashlib.sha256(data).hexdigest()
        if actual != digest:
            raise HashMismatch(f"blob sent as {digest} hashes to {actual}: batch refused")
        items[digest] = data
        position = start + size
    fresh = store.blobs.missing(items)
    store.blobs.put_many([items[digest] for digest in fresh])
    return len(fresh)


# -- uploads in chunks (large blobs and table parts) ---------------------------------------------


def _upload_path(store: Store, digest: str, upload: str) -> Path:
    """Where the upload of ``digest`` by the sender that named itself ``upload`` grows. Each
    sender has its own, so two sending the same bytes at once never share a file."""
    if not _UPLOAD_ID.match(upload):
        raise UsageError(f"upload id {upload[:80]!r} must be 1-64 letters, digits, '_' or '-'")
    directory = store.cache_dir / "uploads"
    directory.mkdir(parents=True, exist_ok=True)
    return directory / f"{check_digest(digest)}.{upload}"


def append_upload(store: Store, digest: str, upload: str, offset: int, chunk: bytes) -> int:
    """Append ``chunk`` at ``offset`` to the partial upload of ``digest``; the new size.

    UploadOffsetMismatch when the server holds another amount: the sender resumes from there.
    """
    path = _upload_path(store, digest, upload)
    held = path.stat().st_size if path.exists() else 0
    if offset != held:
        raise UploadOffsetMismatch(digest, held)
    with open(path, "ab") as handle:
        handle.write(chunk)
    return held + len(chunk)


def _verified_upload(store: Store, digest: str, upload: str) -> Path:
    path = _upload_path(store, digest, upload)
    if not path.exists():
        raise NotFoundError(f"no upload of {digest} on the server: send its bytes first")
    hasher = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            hasher.update(chunk)
    if hasher.hexdigest() != digest:
        path.unlink()  # a corrupt upload is started again from byte 0
        raise HashMismatch(
            f"upload sent as {digest} hashes to {hasher.hexdigest()}: refused, nothing stored"
        )
    return path


def finish_upload_as_blob(store: Store, digest: str, upload: str) -> int:
    """Store a finished upload as a blob (checked against ``digest``); 1 if new, else 0."""
    if store.blobs.has(check_digest(digest)):
        with suppress(FileNotFoundError):
            _upload_path(store, digest, upload).unlink()
        return 0
    path = _verified_upload(store, digest, upload)
    store.blobs.put_file(path, expected_sha256=digest)
    path.unlink()
    return 1


# -- tables ---------------------------------------------------------------------------------------


def register_table(store: Store, table: TableIn) -> int:
    """Put a table's parts (uploaded, or sent as blobs) in place and commit its row; 0 if it
    was there already."""
    t = schema.tables
    with store.engine.connect() as connection:
        if connection.execute(select(t.c.id).where(t.c.id == table.id)).first() is not None:
            return 0
    names = [part_name(table.id, index) for index in range(len(table.parts))]
    directory = open_directory_inside(store.root / "tables", table.id, create=True)
    try:
        for relative, part in zip(names, table.parts, strict=True):
            name = relative.rpartition("/")[2]
            if part.blob:
                _place_blob_part(store, directory, name, part.sha256)
            else:
                _place_part(store, directory, name, part.sha256, part.upload)
    finally:
        os.close(directory)
    # On a server whose tables live in the object store, every replica reads the parts there:
    # they are uploaded before the row that lists them is committed.
    for relative in names:
        table_placement.after_write(store.root, relative)
    with write(store.engine) as connection:
        insert_ignoring_duplicates(
            connection,
            t,
            [
                {
                    "id": table.id,
                    "n_rows": table.n_rows,
                    "columns": table.columns,
                    "parts": json.dumps(names),
                    "created_at": table.created_at,
                }
            ],
        )
    return 1


def _place_part(store: Store, directory: int, name: str, digest: str, upload: str) -> None:
    """Move the verified upload of ``digest`` to ``name`` in the table's directory; a part put
    in place by an earlier attempt whose row was never committed is checked instead."""
    source = _upload_path(store, digest, upload)
    if not source.exists():
        with suppress(FileNotFoundError):
            fd = os.open(name, os.O_RDONLY, dir_fd=directory)
            with open(fd, "rb") as handle:
                if hashlib.file_digest(handle, "sha256").hexdigest() == digest:
                    return
    path = _verified_upload(store, digest, upload)
    os.replace(path, name, dst_dir_fd=directory)


def _place_blob_part(store: Store, directory: int, name: str, digest: str) -> None:
    """Copy blob ``digest`` (verified on the way) to ``name`` in the table's directory.

    A server keeping its blobs in an object store takes table parts as blobs: the replica
    that registers the table need not be the one that received the bytes.
    """
    check_digest(digest)
    if not store.blobs.has(digest):
        raise NotFoundError(f"no blob {digest} on the server: send its bytes first")
    staging = store.cache_dir / "uploads"
    staging.mkdir(parents=True, exist_ok=True)
    temporary = staging / f"{digest}.part-{os.getpid()}-{time.monotonic_ns()}"
    try:
        store.blobs.copy_to(digest, temporary)
        os.replace(temporary, name, dst_dir_fd=directory)
    finally:
        temporary.unlink(missing_ok=True)


# -- runs, metrics, objects ---------------------------------------------------------------------


def upsert_run(store: Store, project: str, run: RunRecordIn) -> None:
    """Create the run, or replace its record; a run id held by another project is refused."""
    check_project_name(project)
    r, p = schema.runs, schema.projects
    values = run.model_dump()
    with write(store.engine) as connection:
        pid = project_id(connection, project, create=True)
        # Insert first: two replicas pushing one new run at once must not both insert it (the
        # loser waits for the winner's commit, inserts nothing, and updates the row instead).
        if insert_if_absent(connection, r, {"project_id": pid, **values}):
            return
        row = connection.execute(
            select(p.c.name)
            .select_from(r.join(p, p.c.id == r.c.project_id))
            .where(r.c.id == run.id)
            .with_for_update(of=r)
        ).one()
        if row[0] != project:
            raise UsageError(
                f"run {run.id!r} belongs to project {row[0]!r} on the server, not {project!r}"
            )
        connection.execute(r.update().where(r.c.id == run.id).values(**values))


def _require_run(store: Store, project: str, run_id: str) -> None:
    r, p = schema.runs, schema.projects
    with store.engine.connect() as connection:
        row = connection.execute(
            select(p.c.name)
            .select_from(r.join(p, p.c.id == r.c.project_id))
            .where(r.c.id == run_id)
        ).first()
    if row is None or row[0] != project:
        raise NotFoundError(
            f"run {run_id!r} is not on the server in project {project!r}: send its record first"
        )


def _decode(text: str, n_points: int, what: str) -> bytes:
    try:
        data = base64.b64decode(text, validate=True)
    except binascii.Error:
        raise UsageError(f"{what} is not base64") from None
    if len(data) != 8 * n_points:
        raise UsageError(f"{what} holds {len(data)} bytes, not 8 x {n_points} points")
    return data


def add_metric_chunks(store: Store, project: str, run_id: str, chunks: list[MetricChunk]) -> int:
    """Add a run's metric chunks; those it has (same key and first step) are skipped.
    Returns how many were new."""
    _require_run(store, project, run_id)
    rows = []
    for chunk in chunks:
        where = f"metric {chunk.key!r} from step {chunk.first_step}"
        rows.append(
            {
                "run_id": run_id,
                "key": chunk.key,
                "first_step": chunk.first_step,
                "last_step": chunk.last_step,
                "n_points": chunk.n_points,
                "step_data": _decode(chunk.step_data, chunk.n_points, f"{where}: step_data"),
                "value_data": _decode(chunk.value_data, chunk.n_points, f"{where}: value_data"),
                "logged_at": chunk.logged_at,
            }
        )
    if not rows:
        return 0
    m = schema.metrics
    keys = [(row["key"], row["first_step"]) for row in rows]
    with write(store.engine) as connection:
        held = connection.execute(
            select(m.c.key, m.c.first_step).where(
                and_(m.c.run_id == run_id, tuple_(m.c.key, m.c.first_step).in_(keys))
            )
        ).fetchall()
        insert_ignoring_duplicates(connection, m, rows)
    return len(rows) - len(held)


def put_objects(store: Store, project: str, run_id: str, objects: list[RunObjectIn]) -> int:
    """Store a run's objects, each replacing the one under its key and step; how many."""
    _require_run(store, project, run_id)
    with write(store.engine) as connection:
        for item in objects:
            # One statement per object: two replicas replacing one object at once both succeed.
            upsert(connection, schema.run_objects, {"run_id": run_id, **item.model_dump()})
    return len(objects)


# -- artifacts and lineage ---------------------------------------------------------------------------


def commit_artifact(store: Store, project: str, artifact: ArtifactIn) -> ArtifactOut:
    """Commit a pushed version: the server numbers it; identical content returns the version
    that holds it (so a push sent twice makes one version)."""
    check_project_name(project)
    if artifact.run_id is not None:
        _require_run(store, project, artifact.run_id)
    entries = [ManifestEntry(**entry.model_dump()) for entry in artifact.entries]
    result = commit_version(
        store.engine,
        project=project,
        name=artifact.name,
        type=artifact.type,
        description=artifact.description,
        metadata=loads(artifact.metadata),
        entries=entries,
        aliases=artifact.aliases,
        run_id=artifact.run_id,
    )
    return ArtifactOut(
        version_id=result.record.id, version=result.record.version, created=result.created
    )


def version_project(store: Store, version_id: str) -> str:
    """The project holding artifact version ``version_id``; NotFoundError if the server has none."""
    try:
        return get_version(store.engine, version_id).project
    except NotFoundError:
        raise NotFoundError(f"artifact version {version_id!r} is not on the server") from None


def add_edge(store: Store, project: str, run_id: str, version_id: str, direction: str) -> None:
    """Record a lineage edge between a run and a version the server holds (idempotent).

    The version may belong to another project (a run used another team's model): the caller
    checks that the user may read it (:func:`version_project`).
    """
    _require_run(store, project, run_id)
    version_project(store, version_id)
    add_lineage(store.engine, run_id, version_id, direction)


# -- reads, for a client that uses what the server holds ---------------------------------------------


def read_blob_batch(store: Store, digests: list[str], limit: int) -> bytes:
    """The framed bytes (see :data:`FRAME_HEADER`) of the first of ``digests`` that fit in
    ``limit`` bytes (at least one); NotFoundError naming a digest the store does not hold."""
    for digest in digests:
        check_digest(digest)
    frames: list[bytes] = []
    size = 0
    for digest in digests:
        data = store.blobs.get(digest)
        if frames and size + len(data) + FRAME_HEADER > limit:
            break
        frames.append(digest.encode("ascii") + len(data).to_bytes(8, "big") + data)
        size += len(data) + FRAME_HEADER
    return b"".join(frames)


def table_out(store: Store, table_id: str) -> TableOut:
    """A committed table's record, with the size of each part."""
    record = get_table(store.engine, table_id)
    sizes = []
    for index in range(len(record.parts)):
        fd = open_part(store.root, record, index)
        try:
            sizes.append(os.fstat(fd).st_size)
        finally:
            os.close(fd)
    return TableOut(
        id=record.id,
        n_rows=record.n_rows,
        columns=json.dumps(record.columns),
        part_sizes=sizes,
        created_at=record.created_at,
    )


def read_part(store: Store, table_id: str, index: int) -> bytes:
    """The bytes of part ``index`` of a committed table."""
    record = get_table(store.engine, table_id)
    if not 0 <= index < len(record.parts):
        raise NotFoundError(f"table {table_id} has no part {index}")
    fd = open_part(store.root, record, index)
    with open(fd, "rb") as handle:
        return handle.read()


def resolve_version(store: Store, project: str, ref: str) -> ArtifactVersionOut:
    """The version ``ref`` names in ``project``, with its manifest."""
    record = resolve(store.engine, ref, project=project)
    if record.project != project:
        raise NotFoundError(f"no artifact {ref!r} in project {project!r}")
    return ArtifactVersionOut(**version_fields(store, record))


def version_fields(store: Store, record: VersionRecord) -> dict[str, Any]:
    """A stored version as the sync models carry it: its record and its manifest."""
    return {
        "version_id": record.id,
        "version": record.version,
        "project": record.project,
        "name": record.name,
        "type": record.type,
        "description": record.description,
        "metadata": dumps(record.metadata),
        "digest": record.digest,
        "aliases": list(record.aliases),
        "entries": [
            ArtifactEntryIn(**{f.name: getattr(e, f.name) for f in fields(e)})
            for e in read_manifest(store.engine, record.id)
        ],
    }
