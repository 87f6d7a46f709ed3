"""numpy copies of a loaded table's columns, for the counting loops of heron.query.kernels.

A grouped summary over a loaded copy spends most of its time in DuckDB counting histograms (11
float columns over 1M rows: 140 ms of a 160 ms statement). Counting them in compiled loops over
plain arrays takes a fifth of that, so once a table's in-memory copy is loaded (and off the
request path, like the load itself) its numeric columns, value codes and image null flags are
copied out as arrays, and the loops are compiled or loaded from numba's disk cache. Until both
are ready, and on any failure, groupings keep running in DuckDB alone.

Memory: 8 bytes per row per numeric column (nulls as NaN, plus a byte per row for columns with
nulls), 2 per row per coded string column, 1 per row per image column with nulls; counted in the
table cache's byte budget and dropped with the copy.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from heron.errors import QueryError
from heron.query.relation import ORD, Relation
from heron.query.sql import ident

if TYPE_CHECKING:
    import numpy as np

    from heron.query.cache import TableFacts
    from heron.query.engine import Engine


@dataclass
class TableArrays:
    """A loaded table's columns as arrays indexed by row position (``__ord``)."""

    rows: int
    # numeric column -> float64 values, nulls and non-finite values as they are (nulls as NaN)
    numbers: dict[str, np.ndarray] = field(default_factory=dict)
    # numeric or image column with nulls -> uint8 flag per row (1: null)
    nulls: dict[str, np.ndarray] = field(default_factory=dict)
    # coded string column -> uint16 code per row, nulls as len(code space)
    codes: dict[str, np.ndarray] = field(default_factory=dict)
    # image columns (those absent from ``nulls`` have none)
    images: frozenset[str] = frozenset()

    @property
    def nbytes(self) -> int:
        """Bytes the arrays hold."""
        parts = [*self.numbers.values(), *self.nulls.values(), *self.codes.values()]
        return sum(int(a.nbytes) for a in parts)


# Below this many rows DuckDB groups a table in a few milliseconds, so the loops would save
# little while loading them costs numba's memory (about 135 MB) and half a second of CPU: smaller
# tables keep grouping in DuckDB. HERON_QUERY_KERNEL_ROWS changes it (0: every loaded table).
KERNEL_MIN_ROWS = 100_000


def kernel_min_rows() -> int:
    """The fewest rows a loaded table needs for its groupings to be counted by the loops
    (``HERON_QUERY_KERNEL_ROWS``, else :data:`KERNEL_MIN_ROWS`)."""
    text = os.environ.get("HERON_QUERY_KERNEL_ROWS", "").strip()
    if not text:
        return KERNEL_MIN_ROWS
    try:
        value = int(text)
    except ValueError:
        raise QueryError(
            f"HERON_QUERY_KERNEL_ROWS must be a whole number of rows, not {text!r}"
        ) from None
    if value < 0:
        raise QueryError(f"HERON_QUERY_KERNEL_ROWS must be 0 or more, not {value}")
    return value


def kernel_enabled() -> bool:
    """False when ``HERON_QUERY_KERNEL=0`` turns the counting loops off (groupings then run in
    DuckDB alone)."""
    return os.environ.get("HERON_QUERY_KERNEL", "1") != "0"


def build_arrays(engine: Engine, name: str, rel: Relation, facts: TableFacts) -> TableArrays | None:
    """Copy the loaded table ``name``'s numeric columns, value codes and image null flags out
    as arrays, or None if the copy cannot be read as expected."""
    import numpy as np

    scalar = [c for c in rel.columns if c.type.runs is None]
    numeric = [c for c in scalar if c.type.kind in ("int", "float")]
    images = [c for c in scalar if c.type.kind == "image" and facts.nulls.get(c.name, 0) > 0]
    coded = [c for c in scalar if c.name in facts.codes]
    width = len(facts.code_values)

    def column(sql: str, dtype: Any) -> np.ndarray:
        # One column per statement, so no more than one column's Arrow buffers are held beside
        # the arrays (reading them all at once doubled the peak: 1 GB more on 10M rows). A
        # writable copy: the loops are compiled for writable arrays. Nulls of a DOUBLE come out
        # as NaN.
        table = engine.read_own(f'SELECT {sql} FROM "{name}"')
        return np.array(table.column(0).to_numpy(), dtype=dtype)

    try:
        order = column(ORD, np.int64)
        n = len(order)
        # Positions are the arrays' indexes: they must run 0, 1, ... n - 1, and in the copy's
        # own order (read without ORDER BY, which the engine's preserve_insertion_order keeps),
        # so the positions a filter keeps come back ascending (heron.query.group_kernel relies
        # on it). Every statement reads the copy in that same order.
        if n and not (order[0] == 0 and order[-1] == n - 1 and bool(np.all(np.diff(order) == 1))):
            return None
        del order
        out = TableArrays(
            rows=n, images=frozenset(c.name for c in scalar if c.type.kind == "image")
        )
        for c in numeric:
            out.numbers[c.name] = column(f"CAST({ident(c.ident)} AS DOUBLE)", np.float64)
            if c.name not in facts.clean:
                flags = column(f"CAST({ident(c.ident)} IS NULL AS UTINYINT)", np.uint8)
                if flags.any():
                    out.nulls[c.name] = flags
        for c in images:
            out.nulls[c.name] = column(f"CAST({ident(c.ident)} IS NULL AS UTINYINT)", np.uint8)
        for c in coded:
            out.codes[c.name] = column(
                f"coalesce({ident(facts.codes[c.name])}, {width})", np.uint16
            )
    except QueryError:
        return None
    return out


_warm_lock = threading.Lock()
_kernels: Any = None  # the heron.query.kernels module once its loops are ready
_failed = False


def warm_kernels() -> bool:
    """Import and compile the counting loops (blocking; call it off the request path).
    True when they are ready; False when numba is missing or compiling failed."""
    global _kernels, _failed
    with _warm_lock:
        if _kernels is not None or _failed:
            return _kernels is not None
        try:
            from heron.query import kernels

            kernels.warm()
        except Exception:  # numba missing, or a platform it cannot compile for
            _failed = True
            return False
        _kernels = kernels
        return True


def ready_kernels() -> Any:
    """The heron.query.kernels module if its loops are compiled, else None (never waits)."""
    return _kernels
