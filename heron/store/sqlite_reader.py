"""Reading a SQLite store's metadata with the standard library alone, for quick lookups.

``heron.Api(dir=...).run(path).table(key).to_pandas()`` needs three small SELECTs; importing
SQLAlchemy and opening an engine (with the schema check and crash marking of
:meth:`heron.store.store.Store.open`) costs several times the read itself. This reader answers
those lookups through :mod:`sqlite3` when it can answer exactly as the full store would, and
returns None otherwise (a store that needs a migration, a run still marked running, anything not
found or ambiguous), so the caller falls back to the full store, which upgrades, marks crashed
runs and raises the errors users know. It never writes.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import weakref
from pathlib import Path
from typing import Any
from urllib.parse import quote

from heron.store.jsonvalues import loads
from heron.store.run_record import RunRecord, run_record
from heron.store.tables import TableRecord, table_record

# The schema version this reader's queries are written for: heron.store.migrations.SCHEMA_VERSION
# (a test keeps the two equal). A store at any other version goes through the full store.
SCHEMA_VERSION = 5

_RUN_COLUMNS = (
    "r.id, r.name, r.group_name, r.job_type, r.tags, r.notes, r.config, r.summary, r.state, "
    "r.exit_code, r.created_at, r.updated_at, r.finished_at, r.heartbeat_at, r.host, r.pid, "
    "r.python_version, r.program, r.git_commit, r.git_dirty, r.git_remote, r.last_step, "
    "p.name AS project"
)
_RUNS = f"SELECT {_RUN_COLUMNS} FROM runs r JOIN projects p ON p.id = r.project_id"


class SqliteReader:
    """Read-only lookups on a SQLite store's ``heron.db``, through one connection opened at the
    first lookup and kept for the next (a table read makes three or four: one connection costs
    about as much as the lookups themselves). Outside a SELECT it holds no lock and no snapshot:
    each lookup sees the database as it is then. Closed by :meth:`close` or when the reader is
    collected; usable from any thread (lookups take turns)."""

    def __init__(self, database: Path) -> None:
        self._database = database
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        self._pid = 0

    @classmethod
    def open(cls, root: Path) -> SqliteReader | None:
        """A reader on the store at ``root``, or None when its database is missing, unreadable
        or at another schema version than this reader knows."""
        reader = cls(root / "heron.db")
        try:
            rows = reader._select("SELECT value FROM heron_meta WHERE key = ?", ("schema_version",))
        except sqlite3.Error:
            reader.close()
            return None
        if len(rows) != 1 or rows[0]["value"] != str(SCHEMA_VERSION):
            reader.close()
            return None
        return reader

    def close(self) -> None:
        """Close the connection (a later lookup opens a new one)."""
        with self._lock:
            connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    def _connect(self) -> sqlite3.Connection:
        # A connection is not carried across fork(): a child process opens its own.
        if self._connection is None or self._pid != os.getpid():
            # mode=rw: never create a database where there is none.
            uri = f"file:{quote(str(self._database))}?mode=rw"
            connection = sqlite3.connect(uri, uri=True, timeout=120.0, check_same_thread=False)
            connection.row_factory = sqlite3.Row
            self._connection, self._pid = connection, os.getpid()
            weakref.finalize(self, connection.close)
        return self._connection

    def _select(self, sql: str, parameters: tuple[Any, ...]) -> list[sqlite3.Row]:
        with self._lock:
            return self._connect().execute(sql, parameters).fetchall()

    def find_run(self, ref: str) -> RunRecord | None:
        """The run ``project/id``, ``id`` or unique ``project/name`` names, as
        :func:`heron.store.runs.find_run` finds it; None when that would raise, or when the run
        still says ``running`` (opening the full store may mark it crashed)."""
        project, _, key = ref.rpartition("/")
        where = " AND p.name = ?" if project else ""
        extra: tuple[str, ...] = (project,) if project else ()
        try:
            rows = self._select(f"{_RUNS} WHERE r.id = ?{where}", (key, *extra))
            if not rows:
                rows = self._select(f"{_RUNS} WHERE r.name = ?{where}", (key, *extra))
        except sqlite3.Error:
            return None
        if len(rows) != 1 or rows[0]["state"] == "running":
            return None
        return run_record(dict(rows[0]))

    def run_tables(self, run_id: str, key: str) -> list[tuple[int, dict[str, Any]]]:
        """``(step, payload)`` of each table run ``run_id`` logged under ``key``, by step
        (empty when there is none, or the database cannot be read)."""
        try:
            rows = self._select(
                "SELECT step, payload FROM run_objects WHERE run_id = ? AND key = ? "
                "AND kind = 'table' ORDER BY step",
                (run_id, key),
            )
        except sqlite3.Error:
            return []
        return [(int(row["step"]), loads(row["payload"])) for row in rows]

    def get_table(self, table_id: str) -> TableRecord | None:
        """A committed table's record, or None."""
        try:
            rows = self._select(
                "SELECT id, n_rows, columns, parts, created_at FROM tables WHERE id = ?",
                (table_id,),
            )
        except sqlite3.Error:
            return None
        return table_record(dict(rows[0])) if rows else None
