"""Running SQL in DuckDB: one embedded database, a cursor per query, timeouts and caches.

Queries only ever read: heron generates every statement itself (SELECTs, plus CREATE TABLE for
its own caches), and user input reaches DuckDB only as parameter values. Each statement runs on
its own cursor, and a timer interrupts it when the time limit passes.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import duckdb
import pyarrow as pa

from heron.errors import QueryError
from heron.query.cache import CacheMode, TableCache, default_budget
from heron.query.relation import Relation, single_relation
from heron.query.source import TableSource
from heron.query.sql import finalize

T = TypeVar("T")

DEFAULT_TIMEOUT = float(os.environ.get("HERON_QUERY_TIMEOUT", "30"))


class LRU:
    """A small thread-safe least-recently-used map."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any | None:
        """The cached value, or None."""
        with self._lock:
            if key not in self._data:
                return None
            self._data.move_to_end(key)
            return self._data[key]

    def put(self, key: Hashable, value: Any) -> None:
        """Store ``value``, evicting the least recently used entries beyond capacity."""
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.capacity:
                self._data.popitem(last=False)

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._data.clear()


class Engine:
    """The embedded DuckDB database heron's queries run in, with caches keyed by table content.

    Table files are immutable once committed and cache keys include each part's size and mtime,
    so a cached count, histogram range or merged table can never be stale.
    """

    def __init__(
        self,
        timeout: float = DEFAULT_TIMEOUT,
        *,
        cache: CacheMode = "background",
        cache_bytes: int | None = None,
        cache_entries: int = 512,
    ) -> None:
        """``cache`` says how tables get loaded into memory: in a background thread after
        their first query, synchronously on first query, or never (always read Parquet)."""
        if cache not in ("background", "sync", "off"):
            raise QueryError(f'cache must be "background", "sync" or "off", not {cache!r}')
        self.timeout = timeout
        self.tables = TableCache(
            self, cache, default_budget() if cache_bytes is None else cache_bytes
        )
        self.counts = LRU(cache_entries)
        self.memo = LRU(cache_entries)
        self._db: duckdb.DuckDBPyConnection | None = None
        self._lock = threading.Lock()
        self._tables: OrderedDict[str, bool] = OrderedDict()
        self._table_locks: dict[str, threading.Lock] = {}
        self.max_tables = 8

    def _database(self) -> duckdb.DuckDBPyConnection:
        with self._lock:
            if self._db is None:
                db = duckdb.connect(":memory:")
                db.execute("SET preserve_insertion_order = true")
                # DuckDB's default spill directory is ".tmp" under the process's working
                # directory; a large sort or join must never write into a user's project.
                spill = os.path.join(tempfile.gettempdir(), f"heron-query-{os.getpid()}")
                db.execute("SET temp_directory = $1", [spill])
                self._db = db
            return self._db

    def table_relation(self, source: TableSource) -> Relation:
        """The relation of one table: its in-memory copy when loaded, else its Parquet files."""
        rel = single_relation(source)
        return self.tables.lookup(rel, rel.decoded_bytes)

    def execute_statement(
        self, sql: str, values: list[Any], *, timeout: float | None = None
    ) -> None:
        """Run a statement heron wrote itself (cache tables) with its own time limit."""
        deadline = None if timeout is None else time.monotonic() + timeout
        self._execute(sql, values, deadline)

    def run(self, sql: str, values: list[Any], *, deadline: float | None = None) -> pa.Table:
        """Run one SELECT and return its rows as Arrow; QueryError on failure or timeout."""
        table = self._execute(sql, values, deadline, select=True)
        assert table is not None
        return table

    def scalar(self, sql: str, values: list[Any], *, deadline: float | None = None) -> Any:
        """Run a one-value SELECT."""
        table = self.run(sql, values, deadline=deadline)
        return table.column(0)[0].as_py() if table.num_rows else None

    def cached(self, key: Hashable, compute: Callable[[], T]) -> T:
        """Memoise ``compute()`` under ``key`` (keys include table content identities)."""
        hit = self.memo.get(key)
        if hit is not None:
            return hit  # type: ignore[no-any-return]
        value = compute()
        self.memo.put(key, value)
        return value

    def materialise(
        self, key: Hashable, sql: str, values: list[Any], *, deadline: float | None = None
    ) -> str:
        """Store the result of ``sql`` as a DuckDB table once per ``key``; return its name.

        Used for merged tables, which every page, count and group of a comparison re-reads.
        Only the most recent few are kept; older ones are dropped to bound memory.
        """
        name = "heron_m_" + hashlib.sha256(repr(key).encode()).hexdigest()[:24]
        with self._lock:
            if name in self._tables:
                self._tables.move_to_end(name)
                return name
            lock = self._table_locks.setdefault(name, threading.Lock())
        with lock:
            with self._lock:
                if name in self._tables:
                    return name
            self._execute(f'CREATE OR REPLACE TABLE "{name}" AS {sql}', values, deadline)
            with self._lock:
                self._tables[name] = True
                evicted = []
                while len(self._tables) > self.max_tables:
                    evicted.append(self._tables.popitem(last=False)[0])
            for old in evicted:
                self._execute(f'DROP TABLE IF EXISTS "{old}"', [], None)
        return name

    def _execute(
        self, sql: str, values: list[Any], deadline: float | None, select: bool = False
    ) -> pa.Table | None:
        sql, values = finalize(sql, values)
        limit = self.timeout if deadline is None else max(0.001, deadline - time.monotonic())
        cursor = self._database().cursor()
        # DuckDB has no statement timeout; a timer interrupts the cursor instead.
        timer = threading.Timer(limit, cursor.interrupt)
        timer.daemon = True
        timer.start()
        try:
            if select:
                return cursor.sql(sql, params=values).to_arrow_table()
            cursor.execute(sql, values)
            return None
        except duckdb.InterruptException:
            raise QueryError(f"query took longer than {limit:.1f} s and was stopped") from None
        except duckdb.Error as exc:
            raise QueryError(f"query failed: {_first_line(exc)}") from None
        finally:
            timer.cancel()
            cursor.close()

    def clear(self) -> None:
        """Drop every cache, merged tables included (benchmarks use it to measure cold queries)."""
        self.counts.clear()
        self.memo.clear()
        with self._lock:
            names = list(self._tables)
            self._tables.clear()
        for name in names:
            self._execute(f'DROP TABLE IF EXISTS "{name}"', [], None)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


_default: Engine | None = None
_default_lock = threading.Lock()


def default_engine() -> Engine:
    """The process-wide engine used when a query is not given one."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Engine()
        return _default
