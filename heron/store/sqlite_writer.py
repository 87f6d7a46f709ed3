"""A run's writes to a local SQLite store with the standard library alone.

``heron.init`` in a fresh process would otherwise import SQLAlchemy (about a quarter of a second,
more than logging a 100,000-row table) only to insert a run row, a few metric chunks and a table
row. For a store whose metadata is a local SQLite file at the schema version this module's
statements are written for, :class:`SqliteWriter` does those writes through :mod:`sqlite3` with
the rules of :mod:`heron.store.database`: WAL, ``synchronous=NORMAL``, foreign keys on, and
write transactions opened with ``BEGIN IMMEDIATE`` behind a lock shared by the process's threads.
Anything else (PostgreSQL, a store to create or upgrade with another schema, artifacts, reads)
goes through the full store, which :class:`heron.store.local_store.LocalStore` opens on first use.

A new store is created from :mod:`heron.store.sqlite_schema`, the statements SQLAlchemy issues
for ``heron.store.schema`` on SQLite, recorded with a digest of the two files that define them:
when those files change and the recording was not refreshed (``python -m
heron.store.sqlite_writer``), the digest differs and a new store is made by SQLAlchemy as before.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import threading
import time
from array import array
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from heron.errors import NotFoundError, RunExistsError
from heron.store import blob_rows
from heron.store.blob_rows import BlobLocation, Entry
from heron.store.jsonvalues import dumps
from heron.store.liveness import host_name, pid_alive
from heron.store.manifest import check_project_name
from heron.store.run_record import RunRecord, run_record
from heron.store.sqlite_connection import BUSY_TIMEOUT_S, CONNECTION_PRAGMAS

# A running run whose heartbeat is older than this is considered crashed.
STALE_HEARTBEAT_SECONDS = 120.0
HEARTBEAT_SECONDS = 15.0  # how often a live run's writer heartbeats when it has nothing to write

_RUNS = "SELECT r.*, p.name AS project FROM runs r JOIN projects p ON p.id = r.project_id"
# The files whose content decides the schema of a new store.
_SCHEMA_SOURCES = ("schema.py", "migrations.py")


def schema_digest() -> str:
    """A digest of the files that define a new store's schema (heron.store.schema and
    heron.store.migrations), to tell whether :mod:`heron.store.sqlite_schema` still matches."""
    # A checksum, not hashlib: this guards against an edit that forgot to rewrite the recorded
    # schema, not against an adversary, and hashlib loads OpenSSL (~3.5 ms of a new store's
    # first run).
    import zlib

    folder = Path(__file__).parent
    checksum = 0
    for name in _SCHEMA_SOURCES:
        checksum = zlib.crc32((folder / name).read_bytes(), checksum)
    return f"crc32:{checksum:08x}"


def pack_points(values: Sequence[float] | Sequence[int], code: str) -> bytes:
    """A metric chunk's steps (``code`` "q") or values ("d") as stored: little-endian bytes."""
    packed = array(code, values)
    if sys.byteorder != "little":
        packed.byteswap()
    return packed.tobytes()


@dataclass(frozen=True)
class HistoryRows:
    """The rows one :func:`history_rows` batch adds, as column-keyed dicts, and the run's
    changed columns."""

    chunks: list[dict[str, Any]]
    objects: list[dict[str, Any]]
    run_changes: dict[str, Any]


def history_rows(
    run_id: str,
    rows: Sequence[tuple[int, str, float]],
    objects: Sequence[tuple[int, str, str, Any]],
    *,
    last_step: int | None,
    summary_json: str | None,
) -> HistoryRows:
    """What a batch of metric rows (step, key, value; steps ascending) and per-step objects
    add to a store: one chunk per metric key, one object row each, and the run's heartbeat
    (``last_step`` and ``summary_json`` too unless None). Both write paths (this module and
    :func:`heron.store.runs.write_history`) store exactly these rows."""
    now = time.time()
    series: dict[str, tuple[list[int], list[float]]] = {}
    for step, key, value in rows:
        steps, values = series.setdefault(key, ([], []))
        steps.append(step)
        values.append(value)
    chunks = [
        {
            "run_id": run_id,
            "key": key,
            "first_step": steps[0],
            "last_step": steps[-1],
            "n_points": len(steps),
            "step_data": pack_points(steps, "q"),
            "value_data": pack_points(values, "d"),
            "logged_at": now,
        }
        for key, (steps, values) in series.items()
    ]
    items = [
        {
            "run_id": run_id,
            "key": key,
            "step": step,
            "kind": kind,
            "payload": dumps(payload),
            "logged_at": now,
        }
        for step, key, kind, payload in objects
    ]
    changes: dict[str, Any] = {"updated_at": now, "heartbeat_at": now}
    if last_step is not None:
        changes["last_step"] = last_step
    if summary_json is not None:
        changes["summary"] = summary_json
    return HistoryRows(chunks=chunks, objects=items, run_changes=changes)


class SqliteWriter:
    """Writes of runs, metrics, per-step objects and tables to one SQLite ``heron.db``.

    One connection serves every thread of the process, each statement behind a lock; that
    costs nothing here, since SQLite lets one writer in at a time anyway.
    """

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection
        self._lock = threading.Lock()

    @classmethod
    def open(cls, root: Path) -> SqliteWriter | None:
        """A writer on the store at ``root`` (created if it is new), or None when this store
        needs the full store: another schema version, a schema recording out of date, or a
        store that records settings of its own (blobs and tables in an object store)."""
        from heron.store import sqlite_schema

        database = root / "heron.db"
        is_new = not database.exists()
        if is_new and schema_digest() != sqlite_schema.SOURCE_DIGEST:
            return None
        connection = sqlite3.connect(
            database, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        try:
            for pragma in CONNECTION_PRAGMAS:
                connection.execute(pragma)
            writer = cls(connection)
            if writer._schema_version(sqlite_schema) != sqlite_schema.SCHEMA_VERSION:
                connection.close()
                return None
        except BaseException:
            connection.close()
            raise
        return writer

    def _schema_version(self, recorded: Any) -> int | None:
        """The store's schema version, creating the schema first in an empty database."""
        with self.write() as cursor:
            exists = cursor.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'heron_meta'"
            ).fetchone()
            if exists is None:
                for statement in recorded.STATEMENTS:
                    cursor.execute(statement)
                cursor.execute(
                    "INSERT INTO heron_meta (key, value) VALUES ('schema_version', ?)",
                    (str(recorded.SCHEMA_VERSION),),
                )
                return int(recorded.SCHEMA_VERSION)
            meta = dict(cursor.execute("SELECT key, value FROM heron_meta").fetchall())
        if set(meta) != {"schema_version"}:
            # The store records more about itself (where its blobs and tables live, say):
            # the full store knows what that asks of a writer.
            return None
        return int(meta["schema_version"])

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._connection.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Cursor]:
        """A write transaction (``BEGIN IMMEDIATE``), committed on success, else rolled back."""
        with self._lock:
            cursor = self._connection.cursor()
            cursor.execute("BEGIN IMMEDIATE")
            try:
                yield cursor
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            cursor.execute("COMMIT")

    def _select(self, sql: str, parameters: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            cursor = self._connection.cursor()
            cursor.row_factory = sqlite3.Row
            return cursor.execute(sql, parameters).fetchall()

    # -- runs ---------------------------------------------------------------------------------

    def mark_crashed_runs(self) -> list[str]:
        """Mark runs whose process died as crashed, as :func:`heron.store.runs.mark_crashed_runs`."""
        now = time.time()
        host = host_name()
        candidates = self._select(
            "SELECT id, host, pid, heartbeat_at FROM runs WHERE state = 'running'"
        )
        crashed = [
            row["id"]
            for row in candidates
            if now - row["heartbeat_at"] > STALE_HEARTBEAT_SECONDS
            or (row["host"] == host and not pid_alive(row["pid"]))
        ]
        if crashed:
            marks = ", ".join("?" * len(crashed))
            with self.write() as cursor:
                cursor.execute(
                    f"UPDATE runs SET state = 'crashed', updated_at = ? "
                    f"WHERE id IN ({marks}) AND state = 'running'",
                    (now, *crashed),
                )
        return crashed

    def get_run(self, run_id: str) -> RunRecord:
        """One run by id; NotFoundError if there is none."""
        rows = self._select(f"{_RUNS} WHERE r.id = ?", (run_id,))
        if not rows:
            raise NotFoundError(f"no run with id {run_id!r}")
        return run_record(dict(rows[0]))

    def count_runs(self, project: str) -> int:
        """How many runs a project has (0 if it does not exist)."""
        rows = self._select(
            "SELECT count(*) FROM runs r JOIN projects p ON p.id = r.project_id WHERE p.name = ?",
            (project,),
        )
        return int(rows[0][0])

    def create_run(self, project: str, values: dict[str, Any]) -> None:
        """Insert a new run row, creating its project if needed; RunExistsError if the id is
        taken."""
        with self.write() as cursor:
            row = cursor.execute("SELECT id FROM projects WHERE name = ?", (project,)).fetchone()
            if row is None:
                check_project_name(project)
                cursor.execute(
                    "INSERT INTO projects (name, description, created_at) VALUES (?, '', ?)",
                    (project, time.time()),
                )
                row = cursor.execute(
                    "SELECT id FROM projects WHERE name = ?", (project,)
                ).fetchone()
            columns = ["project_id", *values]
            # As heron.store.runs.create_run: a taken id is an answer, not a failed transaction.
            inserted = cursor.execute(
                f"INSERT INTO runs ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' * len(columns))}) ON CONFLICT DO NOTHING",
                (row[0], *values.values()),
            ).rowcount
        if inserted != 1:
            raise RunExistsError(f"a run with id {values['id']!r} already exists")

    def update_run(self, run_id: str, **values: Any) -> None:
        """Update columns of one run (``updated_at`` too, unless given)."""
        values.setdefault("updated_at", time.time())
        assignments = ", ".join(f"{name} = ?" for name in values)
        with self.write() as cursor:
            cursor.execute(
                f"UPDATE runs SET {assignments} WHERE id = ?", (*values.values(), run_id)
            )

    def write_history(
        self,
        run_id: str,
        rows: Sequence[tuple[int, str, float]],
        objects: Sequence[tuple[int, str, str, Any]],
        *,
        last_step: int | None,
        summary_json: str | None,
    ) -> None:
        """What :func:`heron.store.runs.write_history` writes, in one transaction."""
        batch = history_rows(run_id, rows, objects, last_step=last_step, summary_json=summary_json)
        changes = batch.run_changes
        assignments = ", ".join(f"{name} = ?" for name in changes)
        with self.write() as cursor:
            if batch.chunks:
                cursor.executemany(
                    "INSERT INTO metrics (run_id, key, first_step, last_step, n_points, "
                    "step_data, value_data, logged_at) VALUES (:run_id, :key, :first_step, "
                    ":last_step, :n_points, :step_data, :value_data, :logged_at)",
                    batch.chunks,
                )
            if batch.objects:
                cursor.executemany(
                    "INSERT INTO run_objects (run_id, key, step, kind, payload, logged_at) "
                    "VALUES (:run_id, :key, :step, :kind, :payload, :logged_at)",
                    batch.objects,
                )
            cursor.execute(
                f"UPDATE runs SET {assignments} WHERE id = ?", (*changes.values(), run_id)
            )

    def put_run_object(self, run_id: str, key: str, step: int, kind: str, payload: Any) -> None:
        """Store one run object, replacing what the run had under the same key and step."""
        with self.write() as cursor:
            cursor.execute(
                "DELETE FROM run_objects WHERE run_id = ? AND key = ? AND step = ?",
                (run_id, key, step),
            )
            cursor.execute(
                "INSERT INTO run_objects (run_id, key, step, kind, payload, logged_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (run_id, key, step, kind, dumps(payload), time.time()),
            )

    # -- blobs --------------------------------------------------------------------------------

    def insert_blobs(self, entries: Sequence[Entry]) -> None:
        """Index rows (sha256, size, pack, offset) of written blobs; a digest already indexed
        keeps its row (two writers stored the same bytes)."""
        with self.write() as cursor:
            blob_rows.insert_sqlite(cursor, entries)

    def locate_blobs(self, digests: Iterable[str]) -> dict[str, BlobLocation]:
        """Where those of ``digests`` the index holds live."""
        with self._lock:
            return blob_rows.locate_sqlite(self._connection, digests)

    # -- tables -------------------------------------------------------------------------------

    def commit_table(self, table_id: str, n_rows: int, columns: str, parts: str) -> None:
        """Insert the ``tables`` row (columns and parts as JSON text) that makes a table visible."""
        with self.write() as cursor:
            cursor.execute(
                "INSERT INTO tables (id, n_rows, columns, parts, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (table_id, n_rows, columns, parts, time.time()),
            )


def _recorded_schema() -> str:
    """The text of :mod:`heron.store.sqlite_schema` for the current schema, made by creating a
    store with SQLAlchemy in a temporary directory and reading back what it issued."""
    import tempfile

    from heron.store import migrations
    from heron.store.database import make_engine

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "heron.db")
        engine = make_engine(path)
        migrations.upgrade(engine)
        engine.dispose()
        connection = sqlite3.connect(path)
        statements = [
            sql
            for (sql,) in connection.execute(
                "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid"
            )
        ]
        connection.close()
    lines = [
        '"""The statements that create a new SQLite store\'s schema, as SQLAlchemy issues them for',
        "heron.store.schema; written by ``python -m heron.store.sqlite_writer``, do not edit.",
        '"""',
        "",
        f"SCHEMA_VERSION = {migrations.SCHEMA_VERSION}",
        f'SOURCE_DIGEST = "{schema_digest()}"',
        "",
        "STATEMENTS = (",
        *(f"    {sql!r}," for sql in statements),
        ")",
        "",
    ]
    return "\n".join(lines)


def _main() -> None:
    """Rewrite :mod:`heron.store.sqlite_schema` from the current schema."""
    target = Path(__file__).with_name("sqlite_schema.py")
    target.write_text(_recorded_schema())
    print(f"wrote {target}")


if __name__ == "__main__":
    _main()
