"""Running SQL in DuckDB: one embedded database, a cursor per query, limits and caches.

Queries only ever read: heron generates every statement itself (SELECTs, plus CREATE TABLE for
its own caches), and user input reaches DuckDB only as parameter values. Each statement runs on
its own cursor, under the engine's limits (heron.query.limits): a timer interrupts it when its
query's time runs out, DuckDB's memory limits make it spill to disk rather than grow, and a
semaphore bounds how many run at once.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable, Iterator
from pathlib import Path
from typing import Any, Literal, TypeVar

import duckdb
import pyarrow as pa

from heron.errors import QueryError, QueryLimitError
from heron.query.arrays import kernel_min_rows
from heron.query.cache import CacheMode, TableCache, default_budget
from heron.query.limits import Limits, format_size
from heron.query.relation import Relation, single_relation
from heron.query.source import TableSource
from heron.query.sql import finalize

T = TypeVar("T")

# What a statement is for; the engine counts each kind it runs (see Engine.statements).
StatementKind = Literal["select", "join", "load", "drop"]

# How a streamed statement's rows reach its caller: the result's schema, then its batches (read
# as the caller asks for them); whatever the caller returns is the stream's result.
BatchConsumer = Callable[[pa.Schema, Iterator[pa.RecordBatch]], T]


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
        timeout: float | None = None,
        *,
        cache: CacheMode = "background",
        cache_bytes: int | None = None,
        cache_entries: int = 512,
        memory: int | None = None,
        query_memory: int | None = None,
        spill: int | None = None,
        spill_dir: str | os.PathLike[str] | None = None,
        concurrency: int | None = None,
        join_max_rows: int | None = None,
    ) -> None:
        """``cache`` says how tables get loaded into memory: in a background thread after
        their first query, synchronously on first query, or never (always read Parquet).

        The limits (seconds, bytes, statements, rows) default to the environment's
        ``HERON_QUERY_*`` / ``HERON_JOIN_MAX_ROWS`` values, else to heron.query.limits' defaults.
        ``spill_dir`` is where statements spill beyond the memory limit (default: a private
        directory under the system's temporary directory).
        """
        if cache not in ("background", "sync", "off"):
            raise QueryError(f'cache must be "background", "sync" or "off", not {cache!r}')
        self.limits = Limits.from_environment(
            timeout=timeout, memory=memory, query_memory=query_memory, spill=spill,
            concurrency=concurrency, join_max_rows=join_max_rows,
        )  # fmt: skip
        self.timeout = self.limits.timeout
        # Loaded copies live inside DuckDB's memory limit; keep at least half of it for queries.
        budget = min(default_budget(), self.limits.memory // 2)
        self.tables = TableCache(self, cache, budget if cache_bytes is None else cache_bytes)
        self.counts = LRU(cache_entries)
        self.memo = LRU(cache_entries)
        self._db: duckdb.DuckDBPyConnection | None = None
        self._lock = threading.Lock()
        self._tables: OrderedDict[str, bool] = OrderedDict()
        self._table_locks: dict[str, threading.Lock] = {}
        self.max_tables = 8
        self._slots = threading.BoundedSemaphore(self.limits.concurrency)
        self._spill_dir = None if spill_dir is None else os.fspath(spill_dir)
        self._spill_fixed = spill_dir is not None
        self._counts: Counter[str] = Counter()
        # Groupings over a loaded table may be counted by compiled loops (heron.query.
        # group_kernel); False keeps them all in DuckDB (tests compare the two).
        self.use_kernel = True
        # Only tables of at least this many rows get the loops' arrays (heron.query.arrays).
        self.kernel_min_rows = kernel_min_rows()
        self._running = 0  # queued statements running now

    def _database(self) -> duckdb.DuckDBPyConnection:
        with self._lock:
            if self._db is None:
                db = duckdb.connect(":memory:")
                db.execute("SET preserve_insertion_order = true")
                db.execute("SET memory_limit = $1", [f"{self.limits.memory}B"])
                db.execute("SET max_temp_directory_size = $1", [f"{self.limits.spill}B"])
                # Without it, memory a large statement freed (also one stopped at a limit)
                # stays with the process: measured 1.5 GB held after a stopped join, 0.1 GB with.
                db.execute("SET allocator_background_threads = true")
                # DuckDB's default spill directory is ".tmp" under the process's working
                # directory; a large sort or join must never write into a user's project.
                spill = self._spill_dir or os.path.join(
                    tempfile.gettempdir(), f"heron-query-{os.getpid()}"
                )
                db.execute("SET temp_directory = $1", [spill])
                self._db = db
            return self._db

    def spill_into(self, directory: str | os.PathLike[str]) -> None:
        """Spill to ``directory`` (a server passes one inside its store) unless already set.

        Only the first call counts, and only before the database starts: DuckDB cannot move
        its temporary files once it has written some.
        """
        with self._lock:
            if self._spill_fixed or self._db is not None:
                return
            self._spill_fixed = True
            self._spill_dir = os.fspath(directory)
        Path(directory).mkdir(parents=True, exist_ok=True)

    def statements(self) -> dict[str, int]:
        """How many statements of each kind (select, join, load, drop) this engine has run,
        plus ``kernel`` (groupings counted outside DuckDB), ``stopped`` (hit the time limit), ``memory`` (hit the memory limit) and ``busy``
        (found no free slot in time)."""
        with self._lock:
            return dict(self._counts)

    def table_relation(self, source: TableSource) -> Relation:
        """The relation of one table: its in-memory copy when loaded, else its Parquet files."""
        rel = single_relation(source)
        return self.tables.lookup(rel, rel.decoded_bytes)

    def execute_statement(
        self, sql: str, values: list[Any], *, timeout: float | None = None
    ) -> None:
        """Run a statement heron wrote itself (cache tables) with its own time limit."""
        deadline = None if timeout is None else time.monotonic() + timeout
        kind: StatementKind = "drop" if sql.startswith("DROP") else "load"
        self._execute(sql, values, deadline, kind=kind, queued=False)

    def read_own(self, sql: str) -> pa.Table:
        """Run a SELECT heron makes of its own cache tables (no time limit, no slot: not a
        user's query), counted as a ``load``."""
        deadline = time.monotonic() + 3600
        table = self._execute(sql, [], deadline, kind="load", queued=False, fetch=_to_table)
        assert table is not None
        return table

    def run(self, sql: str, values: list[Any], *, deadline: float | None = None) -> pa.Table:
        """Run one SELECT and return its rows as Arrow; QueryError on failure or timeout."""
        table = self._execute(sql, values, deadline, kind="select")
        assert table is not None
        return table

    def stream(
        self,
        sql: str,
        values: list[Any],
        consume: BatchConsumer[T],
        *,
        batch_rows: int,
        deadline: float | None = None,
    ) -> T:
        """Run one SELECT and hand its rows to ``consume`` in Arrow batches of ``batch_rows``.

        The whole result is never held at once: DuckDB produces each batch as ``consume`` asks
        for it, so memory stays within DuckDB's limits plus a batch or two. ``consume`` runs
        while the statement holds its slot and within its time limit (an export's writing counts
        as part of the query); a limit hit mid-stream raises the same errors as :meth:`run`.
        """
        if batch_rows <= 0:
            raise QueryError(f"batch_rows must be larger than zero, not {batch_rows!r}")

        def fetch(relation: duckdb.DuckDBPyRelation) -> T:
            reader = relation.to_arrow_reader(batch_rows)
            return consume(reader.schema, self._batches(reader))

        result: T = self._execute(sql, values, deadline, kind="select", fetch=fetch)
        return result

    def _batches(self, reader: pa.RecordBatchReader) -> Iterator[pa.RecordBatch]:
        """The reader's batches; DuckDB's errors while streaming (it reports them through
        Arrow, as OSError) become the engine's own."""
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                return
            except (OSError, pa.ArrowException) as exc:
                raise self._failure(exc) from None
            yield batch

    def _failure(self, exc: BaseException) -> QueryError:
        """The engine's error for a failed statement, counted: DuckDB raises its own classes
        while running and reports the same failures as text through Arrow while streaming."""
        text = _first_line(exc)
        if isinstance(exc, duckdb.InterruptException) or text.startswith("INTERRUPT"):
            self._count("stopped")
            return self._time_error()
        if isinstance(exc, duckdb.OutOfMemoryException) or text.startswith("Out of Memory"):
            self._count("memory")
            return self._memory_error(exc)
        return QueryError(f"query failed: {text}")

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
        self,
        key: Hashable,
        sql: str,
        values: list[Any],
        *,
        deadline: float | None = None,
        check: Callable[[], None] | None = None,
    ) -> str:
        """Store the result of ``sql`` as a DuckDB table once per ``key``; return its name.

        Used for merged tables, which every page, count and group of a comparison re-reads.
        Only the most recent few are kept; older ones are dropped to bound memory. ``check``
        runs first, only when the table is not stored yet (the join-size guard).
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
            if check is not None:
                check()
            self._execute(
                f'CREATE OR REPLACE TABLE "{name}" AS {sql}', values, deadline, kind="join"
            )
            with self._lock:
                self._tables[name] = True
                evicted = []
                while len(self._tables) > self.max_tables:
                    evicted.append(self._tables.popitem(last=False)[0])
            for old in evicted:
                self._execute(f'DROP TABLE IF EXISTS "{old}"', [], None, kind="drop", queued=False)
        return name

    def _execute(
        self,
        sql: str,
        values: list[Any],
        deadline: float | None,
        *,
        kind: StatementKind,
        queued: bool = True,
        fetch: Callable[[duckdb.DuckDBPyRelation], Any] | None = None,
    ) -> Any:
        """Run one statement under the limits. A SELECT's result is what ``fetch`` makes of its
        relation (default: an Arrow table); other statements return None."""
        sql, values = finalize(sql, values)
        if deadline is None:
            deadline = time.monotonic() + self.timeout
        if queued and not self._slots.acquire(timeout=max(0.0, deadline - time.monotonic())):
            self._count("busy")
            raise QueryLimitError(
                f"the server is busy: {self.limits.concurrency} queries were already running "
                "and none finished within this query's time limit; try again in a moment "
                "(HERON_QUERY_CONCURRENCY sets how many run at once)",
                "busy",
            )
        if queued:
            with self._lock:
                self._running += 1
        try:
            limit = deadline - time.monotonic()
            if limit <= 0:
                self._count("stopped")
                raise self._time_error()
            self._count(kind)
            if kind == "select" and fetch is None:
                fetch = _to_table
            return self._run_statement(sql, values, limit, fetch=fetch)
        finally:
            if queued:
                self._slots.release()
                with self._lock:
                    self._running -= 1
                    idle = self._running == 0
                if idle:
                    # Loads of tables just queried wait for this (heron.query.cache).
                    self.tables.start_deferred()

    def _run_statement(
        self,
        sql: str,
        values: list[Any],
        limit: float,
        *,
        fetch: Callable[[duckdb.DuckDBPyRelation], Any] | None,
    ) -> Any:
        cursor = self._database().cursor()
        # DuckDB has no statement timeout; a timer interrupts the cursor instead.
        timer = threading.Timer(limit, cursor.interrupt)
        timer.daemon = True
        try:
            # Per connection, so per statement: sorts and hash tables beyond it spill to disk.
            cursor.execute("SET operator_memory_limit = $1", [f"{self.limits.query_memory}B"])
            timer.start()
            if fetch is not None:
                return fetch(cursor.sql(sql, params=values))
            cursor.execute(sql, values)
            return None
        except duckdb.Error as exc:
            raise self._failure(exc) from None
        finally:
            timer.cancel()
            cursor.close()

    def _memory_error(self, exc: BaseException) -> QueryLimitError:
        return QueryLimitError(
            f"the query needed more memory than the engine may use "
            f"({format_size(self.limits.memory)}, HERON_QUERY_MEMORY) plus its spill space "
            f"on disk ({format_size(self.limits.spill)}, HERON_QUERY_SPILL); narrow it with a "
            f"filter, or raise those limits ({_first_line(exc)})",
            "memory",
        )

    def _time_error(self) -> QueryLimitError:
        return QueryLimitError(
            f"the query took longer than its time limit of {self.timeout:g} s and was stopped "
            "(HERON_QUERY_TIMEOUT sets the limit)",
            "time",
        )

    def check_deadline(self, deadline: float | None) -> None:
        """Raise the time-limit error if ``deadline`` has passed (for heron's Python phases:
        reading, checking and compiling a large query document take time too)."""
        if deadline is not None and time.monotonic() > deadline:
            self._count("stopped")
            raise self._time_error()

    def tally(self, what: str) -> None:
        """Count one piece of work done outside DuckDB (``kernel``: a grouping counted by the
        loops of heron.query.kernels), reported by :meth:`statements`."""
        self._count(what)

    def _count(self, what: str) -> None:
        with self._lock:
            self._counts[what] += 1

    def clear(self) -> None:
        """Drop every cache, merged tables included (benchmarks use it to measure cold queries)."""
        self.counts.clear()
        self.memo.clear()
        with self._lock:
            names = list(self._tables)
            self._tables.clear()
        for name in names:
            self._execute(f'DROP TABLE IF EXISTS "{name}"', [], None, kind="drop", queued=False)


def _to_table(relation: duckdb.DuckDBPyRelation) -> pa.Table:
    return relation.to_arrow_table()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


_default: Engine | None = None
_default_lock = threading.Lock()


def default_engine() -> Engine:
    """The process-wide engine used when a query is not given one (the server's engine).

    Its limits come from the environment (``HERON_QUERY_*``, ``HERON_JOIN_MAX_ROWS``) when it
    is first used; :func:`set_default_engine` replaces it.
    """
    global _default
    with _default_lock:
        if _default is None:
            _default = Engine()
        return _default


def set_default_engine(engine: Engine | None) -> Engine | None:
    """Make ``engine`` the process-wide engine (None: a fresh one from the environment on next
    use); returns the one it replaces. For programs that set limits in code, and tests."""
    global _default
    with _default_lock:
        previous, _default = _default, engine
        return previous
