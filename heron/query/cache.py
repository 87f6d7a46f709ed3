"""Keeping hot tables in DuckDB's own columnar memory instead of re-decoding Parquet.

Decoding zstd Parquet dominates every scan (about 15 ms per float column per million rows on two
cores); DuckDB's in-memory tables scan the same data an order of magnitude faster. Committed
tables never change, so a loaded copy keyed by the files' identity can never be stale.

Loading happens off the request path by default: the first query of a table reads Parquet, and
once it is done (no query is running) a background thread loads the copy; later queries use it.
Starting the load only then keeps it from taking the cores the first query needs: measured on 10M
rows and two cores, 0.4 s for the first count alone, 1.3 s alongside the load. Memory is bounded
by a byte budget (least recently used tables are dropped).
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from heron.errors import QueryError
from heron.query.arrays import TableArrays, build_arrays, kernel_enabled, warm_kernels
from heron.query.codes import MAX_CODES
from heron.query.relation import ORD, Relation
from heron.query.sql import ident
from heron.query.types import ValueType, image_hash_sql

if TYPE_CHECKING:
    from heron.query.engine import Engine

CacheMode = Literal["background", "sync", "off"]

# A deferred load starts at the latest this many seconds after the query that asked for it, even
# if queries never stop running in the meantime.
DEFER_AT_MOST = 2.0

# A string or bool column with at most this many distinct values gets them listed as its copy
# loads; a group-by then counts them per group with a binary search over this many entries.
MAX_DICTIONARY = 256


@dataclass(frozen=True)
class TableFacts:
    """Properties of a loaded table that unfiltered group-bys would otherwise scan for."""

    # numeric column -> finite (min, max), or None when it has no finite value
    ranges: dict[str, tuple[float, float] | None]
    # image column -> number of null cells
    nulls: dict[str, int] = field(default_factory=dict)
    # string or bool column -> its distinct non-null values in DuckDB's order, when few
    values: dict[str, list[Any]] = field(default_factory=dict)
    # likely join key ("id", image columns by hash) -> most rows sharing one non-null value
    multiplicity: dict[str, int] = field(default_factory=dict)
    # string column with listed values -> identifier of a hidden column of the copy holding each
    # row's position in ``code_values`` (null for null): grouping, counting and comparing by a
    # small integer costs a quarter of doing it by string (a tenth for comparisons)
    codes: dict[str, str] = field(default_factory=dict)
    # every coded column's values, sorted as DuckDB sorts them: one code space for all, so two
    # columns' codes compare exactly as their values do
    code_values: list[Any] = field(default_factory=list)
    # numeric columns without a null or non-finite value
    clean: frozenset[str] = frozenset()
    # numeric column with a finite value -> positions (``__ord``) of a row holding its finite
    # minimum and of one holding its maximum: a filter keeping both rows keeps the range
    extremes: dict[str, tuple[int, int]] = field(default_factory=dict)
    # name of a small table holding those rows as the copy holds them (value codes included),
    # where a filter is tried on them alone; empty until it exists
    extreme_rows: str = ""


def default_budget() -> int:
    """Bytes of decoded tables to keep: ``HERON_QUERY_CACHE_MB``, else a quarter of RAM."""
    env = os.environ.get("HERON_QUERY_CACHE_MB")
    if env:
        return int(float(env) * 1024 * 1024)
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        total = 8 * 1024**3
    return int(total // 4)


class TableCache:
    """In-memory DuckDB copies of Parquet-backed relations, loaded once per content key."""

    def __init__(self, engine: Engine, mode: CacheMode, budget: int) -> None:
        self.engine = engine
        self.mode = mode
        self.budget = budget
        self._ready: OrderedDict[str, int] = OrderedDict()  # table name -> estimated bytes
        self._facts: dict[str, TableFacts] = {}
        self._loading: dict[str, Future[None]] = {}
        # background loads asked for but not started: they wait for the engine to be idle
        self._deferred: dict[str, tuple[Relation, int]] = {}
        self._failed: set[str] = set()
        # numpy copies of loaded tables' columns for the counting loops (heron.query.arrays)
        self._arrays: dict[str, TableArrays] = {}
        # background tasks (loads, making arrays) not yet waited for by ``wait``
        self._tasks: list[Future[None]] = []
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    @staticmethod
    def name_for(key: Any) -> str:
        """DuckDB table name for a relation key (heron's own identifier, never user text)."""
        return "heron_t_" + hashlib.sha256(repr(key).encode()).hexdigest()[:24]

    def lookup(self, rel: Relation, size: int) -> Relation:
        """The cached copy of ``rel`` if loaded; otherwise ``rel`` (and maybe start a load)."""
        if self.mode == "off" or size > self.budget:
            return rel
        name = self.name_for(rel.key)
        with self._lock:
            if name in self._ready:
                self._ready.move_to_end(name)
                return _from_table(name, rel, self._facts.get(name))
            if name in self._failed:
                return rel
            pending = self._loading.get(name)
            if pending is None:
                if self.mode == "sync":
                    pending = Future()
                    self._loading[name] = pending
                    start_here = True
                else:
                    self._loading[name] = Future()
                    self._deferred[name] = (rel, size)
                    # The engine starts it when its running queries end (this one's included);
                    # the timer bounds the wait on an engine that is never idle.
                    timer = threading.Timer(DEFER_AT_MOST, self.start_deferred)
                    timer.daemon = True
                    timer.start()
                    return rel
            else:
                start_here = False
        if self.mode == "sync":
            if start_here:
                try:
                    self._load(name, rel, size)
                finally:
                    pending.set_result(None)
            else:
                pending.result()
            with self._lock:
                if name in self._ready:
                    return _from_table(name, rel, self._facts.get(name))
        return rel

    def start_deferred(self) -> None:
        """Start the background loads waiting for the engine to be idle (the engine calls it
        when its last running query ends)."""
        with self._lock:
            deferred, self._deferred = self._deferred, {}
            started = [
                (name, rel, size, self._loading[name]) for name, (rel, size) in deferred.items()
            ]
        for name, rel, size, done in started:
            task = self._executor().submit(self._load_then, name, rel, size, done)
            with self._lock:
                self._tasks.append(task)

    def _load_then(self, name: str, rel: Relation, size: int, done: Future[None]) -> None:
        """Load in the background, then tell whoever waits for the load."""
        try:
            self._load(name, rel, size)
        finally:
            done.set_result(None)

    def _executor(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="heron-table-cache")
        return self._pool

    def _load(self, name: str, rel: Relation, size: int) -> None:
        try:
            # No deadline: a load is not a user's query, and a partial copy is never used.
            self.engine.execute_statement(
                f'CREATE OR REPLACE TABLE "{name}" AS {rel.sql}', list(rel.values), timeout=3600
            )
        except QueryError:
            with self._lock:
                self._failed.add(name)
                self._loading.pop(name, None)
            return
        facts = self._column_facts(name, rel)
        self._publish(name, size, facts)
        if facts is None:
            return
        # The codes come after the copy is in use: adding them rewrites whole columns, and the
        # queries of a table just opened should not wait for that scanning Parquet. DuckDB keeps
        # readers of the copy consistent while the columns are added; until the facts name the
        # codes, nothing reads them.
        coded = self._keep_extreme_rows(name, self._add_codes(name, rel, facts))
        if coded is not facts:
            with self._lock:
                evicted = name not in self._ready
                if not evicted:
                    self._facts[name] = coded
            if evicted:
                # The copy is gone, so are the rows kept beside it.
                self.engine.execute_statement(f'DROP TABLE IF EXISTS "{_rows_of(name)}"', [])
                return
        if kernel_enabled() and (rel.num_rows or 0) >= self.engine.kernel_min_rows:
            # Never on the caller's thread: in "sync" mode the load itself runs on it.
            task = self._executor().submit(self._prepare_arrays, name, rel, coded)
            with self._lock:
                self._tasks.append(task)

    def _prepare_arrays(self, name: str, rel: Relation, facts: TableFacts) -> None:
        """Compile the counting loops and copy the loaded table's columns out for them, if it
        fits the budget beside the copies already held (groupings use DuckDB meanwhile)."""
        if not warm_kernels():
            return
        with self._lock:
            if name not in self._ready:
                return
        arrays = build_arrays(self.engine, name, rel, facts)
        if arrays is None:
            return
        with self._lock:
            if name in self._ready and self._held() + arrays.nbytes <= self.budget:
                self._arrays[name] = arrays

    def _held(self) -> int:
        """Bytes of the loaded copies and their arrays (call with the lock held)."""
        return sum(self._ready.values()) + sum(a.nbytes for a in self._arrays.values())

    def _publish(self, name: str, size: int, facts: TableFacts | None) -> None:
        """Make the loaded copy ``name`` the one queries use; evict the oldest over budget."""
        evicted = []
        with self._lock:
            self._loading.pop(name, None)
            self._ready[name] = size
            if facts is not None:
                self._facts[name] = facts
            while self._held() > self.budget:
                # Arrays go first, least recently used table first: without them a table is
                # still queried from its copy, only its groupings cost more.
                if self._arrays:
                    oldest = (n for n in self._ready if n in self._arrays)
                    del self._arrays[next(oldest, next(iter(self._arrays)))]
                elif len(self._ready) > 1:
                    evicted.append(self._ready.popitem(last=False)[0])
                else:
                    break
            for old in evicted:
                self._facts.pop(old, None)
                self._arrays.pop(old, None)
        for old in evicted:
            self.engine.execute_statement(f'DROP TABLE IF EXISTS "{old}"', [])
            self.engine.execute_statement(f'DROP TABLE IF EXISTS "{_rows_of(old)}"', [])

    def _column_facts(self, name: str, rel: Relation) -> TableFacts | None:
        """The table's ``TableFacts``, or None if computing them failed.

        A group-by without a filter needs exactly these: numeric ranges fix its histogram edges,
        null counts say whether image positions need the image column read at all, and short
        lists of values let it count categorical values per group. Knowing them up front lets it
        do all of that in the scan that finds the groups. One scan of the in-memory copy (plus
        one for the short value lists), made here because loading is already off the request
        path.
        """
        scalar = [c for c in rel.columns if c.type.runs is None]
        numeric = [c for c in scalar if c.type.kind in ("int", "float")]
        images = [c for c in scalar if c.type.kind == "image"]
        categorical = [c for c in scalar if c.type.kind in ("string", "bool")]
        if not (numeric or images or categorical):
            return TableFacts({})
        parts = []
        for i, c in enumerate(numeric):
            x = finite_sql(ident(c.ident), c.type)
            parts.append(
                f"min({x}) AS lo{i}, max({x}) AS hi{i}, count(*) - count({x}) AS bad{i}, "
                f"arg_min({ORD}, {x}) AS at_lo{i}, arg_max({ORD}, {x}) AS at_hi{i}"
            )
        parts += [f"count(*) - count({ident(c.ident)}) AS nul{i}" for i, c in enumerate(images)]
        parts += [
            f"approx_count_distinct({ident(c.ident)}) AS nd{i}" for i, c in enumerate(categorical)
        ]
        deadline = time.monotonic() + 3600
        try:
            row = self.engine.run(f'SELECT {", ".join(parts)} FROM "{name}"', [],
                                  deadline=deadline).to_pylist()[0]  # fmt: skip
            # The estimate may be a little low; the exact lists are checked again below.
            few = [c for i, c in enumerate(categorical) if row[f"nd{i}"] <= MAX_DICTIONARY]
            lists = {}
            if few:
                sql = ", ".join(
                    f"list_sort(list(DISTINCT {ident(c.ident)}) "
                    f"FILTER (WHERE {ident(c.ident)} IS NOT NULL)) AS v{i}"
                    for i, c in enumerate(few)
                )
                found = self.engine.run(f'SELECT {sql} FROM "{name}"', [], deadline=deadline)
                lists = found.to_pylist()[0]
            multiplicity = self._key_multiplicity(name, rel, deadline)
        except QueryError:
            return None
        ranges: dict[str, tuple[float, float] | None] = {}
        extremes: dict[str, tuple[int, int]] = {}
        for i, c in enumerate(numeric):
            lo, hi = row[f"lo{i}"], row[f"hi{i}"]
            ranges[c.name] = None if lo is None or hi is None else (lo, hi)
            if ranges[c.name] is not None:
                extremes[c.name] = (int(row[f"at_lo{i}"]), int(row[f"at_hi{i}"]))
        nulls = {c.name: int(row[f"nul{i}"]) for i, c in enumerate(images)}
        clean = frozenset(c.name for i, c in enumerate(numeric) if row[f"bad{i}"] == 0)
        values = {}
        for i, c in enumerate(few):
            found_values = lists[f"v{i}"] or []
            if 0 < len(found_values) <= MAX_DICTIONARY:
                values[c.name] = found_values
        return TableFacts(ranges, nulls, values, multiplicity, clean=clean, extremes=extremes)

    def _add_codes(self, name: str, rel: Relation, facts: TableFacts) -> TableFacts:
        """Give each string column with listed values a hidden column of value codes.

        Added once the copy is already serving queries; its columns stay out of the relation's
        column list, so only code that asks for them (``Relation.codes``, once the returned facts
        are published) ever reads them. On failure the facts stay without.
        """
        coded = [
            c for c in rel.columns
            if c.type.kind == "string" and c.type.runs is None and c.name in facts.values
        ]  # fmt: skip
        # Python orders str by code point, as DuckDB orders UTF-8 bytes.
        space = sorted({v for c in coded for v in facts.values[c.name]})
        if not coded or len(space) > MAX_CODES:
            return facts
        codes: dict[str, str] = {}
        for c in coded:
            code = f"{c.ident}_code"
            try:
                self.engine.execute_statement(
                    f'ALTER TABLE "{name}" ADD COLUMN {ident(code)} USMALLINT', [], timeout=3600
                )
                self.engine.execute_statement(
                    f'UPDATE "{name}" SET {ident(code)} = '
                    f"CAST(list_position(CAST($1 AS VARCHAR[]), {ident(c.ident)}) - 1 AS USMALLINT)",
                    [space],
                    timeout=3600,
                )
            except QueryError:
                return facts
            codes[c.name] = code
        return replace(facts, codes=codes, code_values=space)

    def _keep_extreme_rows(self, name: str, facts: TableFacts) -> TableFacts:
        """Copy the rows holding the numeric columns' extremes (a few dozen) into a table of
        their own, after the value codes so a filter compiled for the copy runs on it as is.

        A filtered group-by tries its filter on these rows to learn which columns keep their
        table range (heron.query.group_targets.kept_ranges): a scan of a few rows instead of a
        lookup by position, which DuckDB makes a join over every row.
        """
        ords = sorted({o for pair in facts.extremes.values() for o in pair})
        if not ords:
            return facts
        rows = _rows_of(name)
        # Positions are heron's own integers.
        listed = ", ".join(str(int(o)) for o in ords)
        try:
            self.engine.execute_statement(
                f'CREATE OR REPLACE TABLE "{rows}" AS SELECT * FROM "{name}" '
                f"WHERE {ORD} IN ({listed})",
                [],
                timeout=3600,
            )
        except QueryError:
            return facts
        return replace(facts, extreme_rows=rows)

    def _key_multiplicity(self, name: str, rel: Relation, deadline: float) -> dict[str, int]:
        """How many rows share one value, at most, in the columns joins usually use as keys.

        With them the join-size guard bounds a join of loaded tables without scanning: a join
        on keys that repeat at most m_i times per table yields at most n_0 * m_1 * ... rows.
        """
        keys = [
            c for c in rel.columns
            if c.type.runs is None and (c.type.kind == "image" or (c.name == "id"
                                        and c.type.kind not in ("list", "null")))
        ]  # fmt: skip
        if not keys:
            return {}
        parts = []
        for i, c in enumerate(keys):
            k = ident(c.ident)
            k = image_hash_sql(k) if c.type.kind == "image" else k
            parts.append(
                f'(SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM "{name}" '
                f"WHERE {k} IS NOT NULL GROUP BY {k})) AS m{i}"
            )
        row = self.engine.run(f"SELECT {', '.join(parts)}", [], deadline=deadline).to_pylist()[0]
        return {c.name: int(row[f"m{i}"]) for i, c in enumerate(keys)}

    def facts(self, rel: Relation) -> TableFacts | None:
        """What is known of ``rel`` without scanning, if its in-memory copy is loaded, else None.

        Keyed by content like the copy itself, so the facts hold whether or not a given query
        happens to read the copy or the Parquet files.
        """
        with self._lock:
            return self._facts.get(self.name_for(rel.key))

    def arrays(self, rel: Relation) -> TableArrays | None:
        """The arrays of ``rel``'s loaded copy for the counting loops, if made, else None."""
        with self._lock:
            return self._arrays.get(self.name_for(rel.key))

    def ranges(self, rel: Relation) -> dict[str, tuple[float, float] | None] | None:
        """Finite ranges of ``rel``'s numeric columns if its in-memory copy is loaded, else None."""
        facts = self.facts(rel)
        return None if facts is None else facts.ranges

    def wait(self) -> None:
        """Start the deferred loads and block until background loads finish (tests and
        benchmarks)."""
        self.start_deferred()
        with self._lock:
            pending = list(self._loading.values())
        for f in pending:
            f.result()
        # A load is in use before it is done (value codes, arrays follow), and it queues the
        # making of its arrays as a task of its own: wait until no task is left.
        while True:
            with self._lock:
                tasks, self._tasks = self._tasks, []
            if not tasks:
                return
            for task in tasks:
                task.result()

    def clear(self) -> None:
        """Drop every cached table (loads not started yet are forgotten, not started)."""
        with self._lock:
            deferred, self._deferred = self._deferred, {}
            for name in deferred:
                self._loading.pop(name).set_result(None)
        self.wait()
        with self._lock:
            names = list(self._ready)
            self._ready.clear()
            self._facts.clear()
            self._arrays.clear()
            self._failed.clear()
        for name in names:
            self.engine.execute_statement(f'DROP TABLE IF EXISTS "{name}"', [])
            self.engine.execute_statement(f'DROP TABLE IF EXISTS "{_rows_of(name)}"', [])


def _rows_of(name: str) -> str:
    """Name of the table of rows holding the extremes of the loaded copy ``name``."""
    return f"{name}_x"


def _from_table(name: str, rel: Relation, facts: TableFacts | None) -> Relation:
    codes = () if facts is None else tuple(facts.codes.items())
    return Relation(
        sql=f'SELECT * FROM "{name}"',
        values=(),
        columns=rel.columns,
        key=rel.key,
        labels=rel.labels,
        num_rows=rel.num_rows,
        decoded_bytes=rel.decoded_bytes,
        codes=codes,
        code_values=() if facts is None else tuple(facts.code_values),
    )


def finite_sql(sql: str, t: ValueType) -> str:
    """``sql`` as a DOUBLE-comparable value, with NaN and infinities turned into nulls.

    NaN and infinities are kept in tables but would wreck ranges and means. Group summaries and
    the cached column ranges both use this, so a cached range equals a computed one exactly.
    """
    if t.kind == "float":
        return f"CASE WHEN isfinite({sql}) THEN {sql} END"
    return f"CAST({sql} AS DOUBLE)"
