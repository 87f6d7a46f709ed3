"""The pusher: sends what is new in a local store to a heron server, in dependency order.

One push (:meth:`Pusher.push`) first notes how far each kind of record reaches, referrers
before what they refer to (objects, metrics, artifact versions and lineage, then tables, then
blobs): anything a noted referrer names was committed before it, so it is inside the noted
range too. It then sends, in order, blobs (asking by hash first, never resending), tables (their
Parquet parts, then the table), run records, run objects, metric chunks, artifact versions (the
server numbers them) and lineage. A server keeping its blobs in an object store may be several
processes behind a load balancer, so it is sent nothing one process would stage on its own disk:
files go in one request or straight to the object store, table parts as blobs. Each cursor moves only after the
server acknowledged, so a push cut off anywhere is resumed by the next one, and what the server
had already is answered as such, never stored twice.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from heron.errors import StoreError
from heron.store import artifacts as artifact_store
from heron.store import blob_rows
from heron.store.jsonvalues import dumps
from heron.store.tables import TableRecord, open_part, table_record
from heron.sync.direct import DirectUploader
from heron.sync.http import ApiClient, ServerRefused
from heron.sync.models import (
    MAX_BATCH_ITEMS,
    MAX_DIGESTS,
    ArtifactEntryIn,
    ArtifactIn,
    ArtifactOut,
    LineageIn,
    MetricChunk,
    RunObjectIn,
    RunRecordIn,
    TableIn,
    TablePart,
)
from heron.sync.pulled import PulledRows
from heron.sync.state import SyncState

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from heron.store.store import Store

logger = logging.getLogger("heron.sync")

CHUNK_BYTES = 8 * 1024 * 1024
"""The most bytes one request carries (the server's limit): a blob batch or an upload chunk."""
_OBJECT_BATCH = 500
_REGISTER_ATTEMPTS = 3


@dataclass
class PushCounts:
    """What a push sent (or, from :meth:`Pusher.pending`, what is still to send)."""

    blobs: int = 0
    blob_bytes: int = 0
    tables: int = 0
    runs: int = 0
    objects: int = 0
    metric_rows: int = 0
    artifacts: int = 0
    lineage: int = 0

    def add(self, other: PushCounts) -> None:
        """Add ``other``'s counts to these."""
        for item in fields(self):
            setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))

    @property
    def empty(self) -> bool:
        """Whether nothing was counted."""
        return not any(getattr(self, item.name) for item in fields(self))

    def describe(self) -> str:
        """``3 tables, 1,200 metric rows`` (only what is not zero; "nothing" if all are)."""
        parts = []
        for name, label in (
            ("runs", "run records"),
            ("tables", "tables"),
            ("objects", "logged objects"),
            ("metric_rows", "metric rows"),
            ("blobs", "blobs"),
            ("artifacts", "artifact versions"),
            ("lineage", "lineage edges"),
        ):
            value = getattr(self, name)
            if value:
                parts.append(f"{value:,} {label}")
        return ", ".join(parts) or "nothing"


class Pusher:
    """Pushes one local store to one server (see the module's docstring)."""

    def __init__(
        self, store: Store, client: ApiClient, *, progress: Callable[[int], object] | None = None
    ) -> None:
        if store.engine.dialect.name != "sqlite":
            raise StoreError("heron sync sends a local store (SQLite); this one is on a server")
        self.store = store
        self.client = client
        self.state = SyncState.load(store.root, client.url)
        self.progress = progress  # called with how many items the server just acknowledged
        self.direct = DirectUploader(store.root, client)  # large blobs straight to S3
        self.pulled = PulledRows.load(store.root, client.url)  # copied from the server: not sent

    # -- the push ----------------------------------------------------------------------------

    def push(self) -> PushCounts:
        """Send everything new, in order; raises ServerUnavailable if the server goes away
        (what was acknowledged stays acknowledged)."""
        counts = PushCounts()
        self.pulled = PulledRows.load(self.store.root, self.client.url)
        with self.store.engine.connect() as connection:
            limits = {
                kind: _max_rowid(connection, table)
                for kind, table in (
                    ("objects", "run_objects"),
                    ("metrics", "metrics"),
                    ("artifacts", "artifact_versions"),
                    ("lineage", "lineage"),
                    ("tables", "tables"),
                )
            }
            limits["blobs"] = blob_rows.last_batch(connection)
        self._push_blobs(limits["blobs"], counts)
        self._push_tables(limits["tables"], counts)
        self._push_runs(counts)
        self._push_objects(limits["objects"], counts)
        self._push_metrics(limits["metrics"], counts)
        self._push_artifacts(limits["artifacts"], counts)
        self._push_alias_moves()
        self._push_lineage(limits["lineage"], counts)
        return counts

    def pending(self) -> PushCounts:
        """What the server has not acknowledged yet."""
        counts = PushCounts()
        self.pulled = PulledRows.load(self.store.root, self.client.url)
        with self.store.engine.connect() as connection:

            def count(table: str, kind: str, what: str = "count(*)") -> int:
                sql = f"SELECT coalesce({what}, 0) FROM {table} WHERE rowid > ?"
                value = connection.exec_driver_sql(sql, (self.state.cursor(kind),)).scalar()
                return int(value or 0)

            counts.blobs = blob_rows.count_after(connection, self.state.cursor("blobs"))
            counts.tables = count("tables", "tables")
            counts.objects = count("run_objects", "objects")
            counts.metric_rows = count("metrics", "metrics", "sum(n_points)")
            counts.artifacts = count("artifact_versions", "artifacts")
            counts.lineage = count("lineage", "lineage")
            counts.runs = sum(1 for _ in self._changed_runs(connection))
        return counts

    def _count(self, counts: PushCounts, kind: str, n: int) -> None:
        setattr(counts, kind, getattr(counts, kind) + n)
        if self.progress is not None:
            self.progress(n)

    def _advance(self, kind: str, rowid: int) -> None:
        self.state.cursors[kind] = rowid
        self.state.save()

    # -- blobs -------------------------------------------------------------------------------

    def _push_blobs(self, limit: int, counts: PushCounts) -> None:
        # The blob cursor is the number of the last index write sent. The index is read in
        # digest order, so the cursor moves once the whole range is sent; a push cut off before
        # asks the server again next time, which answers what it has.
        cursor = self.state.cursor("blobs")
        if cursor >= limit:
            return
        last = ""
        while True:
            with self.store.engine.connect() as connection:
                rows = blob_rows.indexed_between(
                    connection, cursor, limit, after_digest=last, limit=MAX_DIGESTS
                )
            if not rows:
                break
            sizes = dict(rows)
            missing = self.client.json("POST", "/api/sync/blobs/missing", {"digests": list(sizes)})
            self._send_blobs([d for d in missing["missing"]], sizes, counts)
            last = rows[-1][0]
        self._advance("blobs", limit)

    def _send_blobs(self, digests: list[str], sizes: dict[str, int], counts: PushCounts) -> None:
        locations = self.store.blobs.locate_many(digests)
        packed = {d for d in digests if locations[d].pack and sizes[d] < CHUNK_BYTES // 2}
        for digest in digests:
            if digest not in packed:
                self._upload_blob(digest)
                self._count(counts, "blobs", 1)
                counts.blob_bytes += sizes[digest]
        # Read pack by pack, in offset order (each blob verified), while a second thread sends
        # the previous batch: reading and the server's storing overlap.
        with ThreadPoolExecutor(1, thread_name_prefix="heron-sync-send") as sender:
            in_flight: Future[None] | None = None
            batch: list[bytes] = []
            batch_bytes = 0
            for digest, data in self.store.blobs.read_packed(packed, locations):
                if batch_bytes + len(data) + 72 > CHUNK_BYTES:
                    if in_flight is not None:
                        in_flight.result()
                    in_flight = sender.submit(self._send_batch, batch, counts)
                    batch, batch_bytes = [], 0
                batch.append(digest.encode("ascii") + len(data).to_bytes(8, "big") + data)
                batch_bytes += len(data) + 72
            if in_flight is not None:
                in_flight.result()
        self._send_batch(batch, counts)

    def _send_batch(self, frames: list[bytes], counts: PushCounts) -> None:
        if frames:
            self.client.request("POST", "/api/sync/blobs/batch", data=b"".join(frames))
            self._count(counts, "blobs", len(frames))
            counts.blob_bytes += sum(len(frame) - 72 for frame in frames)

    def _upload_blob(self, digest: str) -> None:
        path = self.store.blobs.file_path(digest)
        if path is None:  # packed: small enough to hold in memory, and to send in one request
            self._put_blob(digest, self.store.blobs.get(digest))
            return
        fd = os.open(path, os.O_RDONLY)
        try:
            if self._send_as_blob(digest, fd, probe=False):
                return
        except BaseException:
            os.close(fd)
            raise
        self._upload(digest, _file_chunks(fd))
        self.client.request(
            "POST", f"/api/sync/uploads/{digest}/blob?upload={self.state.upload_id}"
        )

    def _send_as_blob(self, digest: str, fd: int, *, probe: bool) -> bool:
        """Send the file open at ``fd`` as blob ``digest`` without staging it on one server
        process: in one request when it fits, else straight to the object store. False (the
        file is to be sent in chunks to ``/uploads``) when it is larger than one request and
        the server takes no direct uploads, or, for ``probe``, when the server keeps its blobs
        in its own directory (``probe`` asks that with the first file sent)."""
        size = os.fstat(fd).st_size
        if size <= CHUNK_BYTES and (not probe or self.direct.available):
            self._put_blob(digest, os.pread(fd, size, 0))
            return True
        # Uploads to /uploads are staged on the disk of the server process that took them:
        # behind a load balancer, a server whose blobs are in an object store (the one kind
        # that takes direct uploads) takes every file larger than one request directly.
        return self.direct.send(digest, fd, threshold=CHUNK_BYTES + 1 if not probe else 1)

    def _put_blob(self, digest: str, data: bytes) -> None:
        self.client.request("PUT", f"/api/sync/blobs/{digest}", data=data)

    def _upload(self, digest: str, chunks: Iterator[bytes]) -> None:
        """Send a file in chunks; an upload the server partly holds is resumed where it is."""
        offset = 0
        buffered = bytearray()
        sent = 0
        for chunk in chunks:
            buffered += chunk
            while len(buffered) >= CHUNK_BYTES:
                piece, buffered = bytes(buffered[:CHUNK_BYTES]), buffered[CHUNK_BYTES:]
                offset = self._send_chunk(digest, sent, piece, offset)
                sent += len(piece)
        if buffered or sent == 0:
            self._send_chunk(digest, sent, bytes(buffered), offset)

    def _send_chunk(self, digest: str, position: int, piece: bytes, held: int) -> int:
        """Send ``piece`` (bytes ``position``.. of the file) unless the server holds them."""
        end = position + len(piece)
        if held >= end and piece:
            return held
        skip = max(0, held - position)
        status, body = self.client.request(
            "PUT",
            f"/api/sync/uploads/{digest}?upload={self.state.upload_id}&offset={position + skip}",
            data=piece[skip:],
            accept=(409,),
        )
        offset = int(json.loads(body)["offset"])
        if status == 409:
            if offset > end:
                return offset  # the server is further on (an earlier, cut-off push)
            if offset < position:
                raise ServerRefused(409, f"upload of {digest} lost bytes on the server; retry")
            return self._send_chunk(digest, position, piece, offset)
        return offset

    # -- tables ------------------------------------------------------------------------------

    def _push_tables(self, limit: int, counts: PushCounts) -> None:
        cursor = self.state.cursor("tables")
        with self.store.engine.connect() as connection:
            rows = connection.exec_driver_sql(
                "SELECT rowid, id, n_rows, columns, parts, created_at FROM tables "
                "WHERE rowid > ? AND rowid <= ? ORDER BY rowid",
                (cursor, limit),
            ).fetchall()
        for row in rows:
            if self.pulled.pulled("tables", int(row[0])):
                self._advance("tables", int(row[0]))
                continue
            record = table_record(row._mapping)
            # An upload the server dropped (it did not hash right, or its cache was cleared)
            # is sent again, then the table registered again.
            for attempt in range(_REGISTER_ATTEMPTS):
                try:
                    self._send_table(record, row._mapping["columns"])
                    break
                except ServerRefused as error:
                    if error.status not in (404, 422) or attempt == _REGISTER_ATTEMPTS - 1:
                        raise
            self._count(counts, "tables", 1)
            self._advance("tables", int(row[0]))

    def _send_table(self, record: TableRecord, columns: str) -> None:
        parts = []
        for index in range(len(record.parts)):
            fd = open_part(self.store.root, record, index)
            try:
                digest, size = _hash_fd(fd)
                # A server with blobs in an object store may be several processes: a part
                # sent as a blob is readable by whichever registers the table.
                as_blob = self.direct.available is not False and self._send_as_blob(
                    digest, fd, probe=True
                )
            except BaseException:
                os.close(fd)
                raise
            if as_blob:
                os.close(fd)
            else:
                self._upload(digest, _file_chunks(fd))
            parts.append(
                TablePart(sha256=digest, size=size, upload=self.state.upload_id, blob=as_blob)
            )
        body = TableIn(
            id=record.id,
            n_rows=record.n_rows,
            columns=columns,
            parts=parts,
            created_at=record.created_at,
        )
        self.client.json("POST", "/api/sync/tables", body.model_dump())

    # -- runs --------------------------------------------------------------------------------

    def _changed_runs(self, connection: Connection) -> Iterator[dict[str, Any]]:
        rows = connection.exec_driver_sql(
            "SELECT runs.*, projects.name AS project FROM runs "
            "JOIN projects ON projects.id = runs.project_id ORDER BY runs.created_at"
        ).fetchall()
        for row in rows:
            record = dict(row._mapping)
            if self.pulled.run_is_copy(record["id"], record["host"], record["pid"]):
                continue
            if self.state.runs.get(record["id"]) != record["updated_at"]:
                yield record

    def _push_runs(self, counts: PushCounts) -> None:
        with self.store.engine.connect() as connection:
            changed = list(self._changed_runs(connection))
        for record in changed:
            self._send_run(record)
            self._count(counts, "runs", 1)

    def _send_run(self, record: dict[str, Any]) -> None:
        body = RunRecordIn.model_validate(
            {k: v for k, v in record.items() if k not in ("project", "project_id")}
        )
        project = quote(record["project"], safe="")
        self.client.json("POST", f"/api/sync/projects/{project}/runs", body.model_dump())
        self.state.runs[record["id"]] = record["updated_at"]
        self.state.save()

    def _projects_of(self, run_ids: set[str]) -> dict[str, str]:
        """The project of each run, sending the record of any run the server lacks yet."""
        marks = ",".join("?" * len(run_ids))
        with self.store.engine.connect() as connection:
            rows = connection.exec_driver_sql(
                "SELECT runs.*, projects.name AS project FROM runs JOIN projects "
                f"ON projects.id = runs.project_id WHERE runs.id IN ({marks})",
                tuple(run_ids),
            ).fetchall()
        projects = {}
        for row in rows:
            record = dict(row._mapping)
            if record["id"] not in self.state.runs:
                self._send_run(record)
            projects[record["id"]] = quote(record["project"], safe="")
        return projects

    # -- run objects and metrics ----------------------------------------------------------------

    def _push_objects(self, limit: int, counts: PushCounts) -> None:
        cursor = self.state.cursor("objects")
        while cursor < limit:
            with self.store.engine.connect() as connection:
                rows = connection.exec_driver_sql(
                    "SELECT rowid, run_id, key, step, kind, payload, logged_at FROM run_objects "
                    "WHERE rowid > ? AND rowid <= ? ORDER BY rowid LIMIT ?",
                    (cursor, limit, _OBJECT_BATCH),
                ).fetchall()
            if not rows:
                break
            by_run: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for rowid, run_id, key, step, kind, payload, logged_at in rows:
                if self.pulled.pulled("objects", rowid):
                    continue
                item = RunObjectIn(
                    key=key, step=step, kind=kind, payload=payload, logged_at=logged_at
                )
                by_run[run_id].append(item.model_dump())
            projects = self._projects_of(set(by_run))
            for run_id, items in by_run.items():
                path = f"/api/sync/projects/{projects[run_id]}/runs/{quote(run_id)}/objects"
                self.client.json("POST", path, {"objects": items})
                self._count(counts, "objects", len(items))
            cursor = int(rows[-1][0])
            self._advance("objects", cursor)

    def _push_metrics(self, limit: int, counts: PushCounts) -> None:
        cursor = self.state.cursor("metrics")
        while cursor < limit:
            with self.store.engine.connect() as connection:
                rows = connection.exec_driver_sql(
                    "SELECT rowid, run_id, key, first_step, last_step, n_points, step_data, "
                    "value_data, logged_at FROM metrics WHERE rowid > ? AND rowid <= ? "
                    "ORDER BY rowid LIMIT ?",
                    (cursor, limit, MAX_BATCH_ITEMS),
                ).fetchall()
            if not rows:
                break
            by_run: dict[str, list[dict[str, Any]]] = defaultdict(list)
            points: dict[str, int] = defaultdict(int)
            for rowid, run_id, key, first, last, n, steps, values, logged_at in rows:
                if self.pulled.pulled("metrics", rowid):
                    continue
                chunk = MetricChunk(
                    key=key,
                    first_step=first,
                    last_step=last,
                    n_points=n,
                    step_data=base64.b64encode(steps).decode("ascii"),
                    value_data=base64.b64encode(values).decode("ascii"),
                    logged_at=logged_at,
                )
                by_run[run_id].append(chunk.model_dump())
                points[run_id] += int(n)
            projects = self._projects_of(set(by_run))
            for run_id, chunks in by_run.items():
                path = f"/api/sync/projects/{projects[run_id]}/runs/{quote(run_id)}/metrics"
                self.client.json("POST", path, {"chunks": chunks})
                self._count(counts, "metric_rows", points[run_id])
            cursor = int(rows[-1][0])
            self._advance("metrics", cursor)

    # -- artifacts and lineage -------------------------------------------------------------------

    def _push_artifacts(self, limit: int, counts: PushCounts) -> None:
        cursor = self.state.cursor("artifacts")
        with self.store.engine.connect() as connection:
            rows = connection.exec_driver_sql(
                "SELECT rowid, id FROM artifact_versions WHERE rowid > ? AND rowid <= ? "
                "ORDER BY rowid",
                (cursor, limit),
            ).fetchall()
        for rowid, version_id in rows:
            if self.pulled.pulled("artifacts", int(rowid)):  # copied from the server
                self._advance("artifacts", int(rowid))
                continue
            self._send_version(str(version_id))
            self._count(counts, "artifacts", 1)
            self._advance("artifacts", int(rowid))

    def _push_alias_moves(self) -> None:
        """Send again the versions that gained an alias since they were sent: the server moves
        it to them (an alias removed in the store is not removed on the server)."""
        held: dict[str, list[str]] = defaultdict(list)
        with self.store.engine.connect() as connection:
            for version_id, alias in connection.exec_driver_sql(
                "SELECT version_id, alias FROM artifact_aliases WHERE alias != ?",
                (artifact_store.LATEST,),
            ):
                held[str(version_id)].append(str(alias))
        for version_id, aliases in held.items():
            sent = self.state.aliases.get(version_id)
            if version_id in self.state.versions and not set(aliases) <= set(sent or ()):
                self._send_version(version_id, again=True)

    def _send_version(self, version_id: str, *, again: bool = False) -> str:
        """Push one local version; the server's id for it (remembered). ``again`` sends a
        version the server has, for its aliases."""
        known = self.state.versions.get(version_id)
        if known is not None and not again:
            return known
        engine = self.store.engine
        record = artifact_store.get_version(engine, version_id)
        if record.created_by_run_id is not None:
            self._projects_of({record.created_by_run_id})
        entries = [
            ArtifactEntryIn(**{f.name: getattr(e, f.name) for f in fields(e)})
            for e in artifact_store.read_manifest(engine, version_id)
        ]
        body = ArtifactIn(
            name=record.name,
            type=record.type,
            description=record.description,
            metadata=dumps(record.metadata),
            entries=entries,
            aliases=[a for a in record.aliases if a != artifact_store.LATEST],
            run_id=record.created_by_run_id,
        )
        project = quote(record.project, safe="")
        answer = ArtifactOut.model_validate(
            self.client.json("POST", f"/api/sync/projects/{project}/artifacts", body.model_dump())
        )
        self.state.versions[version_id] = answer.version_id
        self.state.aliases[version_id] = sorted(body.aliases)
        self.state.save()
        return answer.version_id

    def _push_lineage(self, limit: int, counts: PushCounts) -> None:
        cursor = self.state.cursor("lineage")
        with self.store.engine.connect() as connection:
            rows = connection.exec_driver_sql(
                "SELECT rowid, run_id, version_id, direction FROM lineage "
                "WHERE rowid > ? AND rowid <= ? ORDER BY rowid",
                (cursor, limit),
            ).fetchall()
        for rowid, run_id, version_id, direction in rows:
            if self.pulled.pulled("lineage", int(rowid)):  # copied from the server
                self._advance("lineage", int(rowid))
                continue
            projects = self._projects_of({str(run_id)})
            server_version = self._send_version(str(version_id))
            body = LineageIn(run_id=run_id, version_id=server_version, direction=direction)
            self.client.json(
                "POST", f"/api/sync/projects/{projects[run_id]}/lineage", body.model_dump()
            )
            self._count(counts, "lineage", 1)
            self._advance("lineage", int(rowid))


def _max_rowid(connection: Connection, table: str) -> int:
    value = connection.exec_driver_sql(f"SELECT coalesce(max(rowid), 0) FROM {table}").scalar()
    return int(value or 0)


def _hash_fd(fd: int) -> tuple[str, int]:
    hasher = hashlib.sha256()
    size = 0
    os.lseek(fd, 0, os.SEEK_SET)
    while chunk := os.read(fd, 1 << 20):
        hasher.update(chunk)
        size += len(chunk)
    os.lseek(fd, 0, os.SEEK_SET)
    return hasher.hexdigest(), size


def _file_chunks(fd: int) -> Iterator[bytes]:
    """The bytes of an open file in pieces, closing it at the end."""
    try:
        while chunk := os.read(fd, CHUNK_BYTES):
            yield chunk
    finally:
        os.close(fd)
