"""Rows ``Table.add_data`` accepted on its fast path, packed by column while they are still warm.

A row whose every value has exactly its column's Python type (a str in a text column, a float
in a float column, an int that fits in 64 bits...; never None) needs no further checks. Kept as
a tuple until the table is logged, each such row costs a tuple the garbage collector tracks, and
logging walks 100,000 of them again, long gone from the CPU's caches. Instead, every
:data:`PACK_ROWS` rows the table hands them here: numbers and booleans move into numpy arrays,
texts into one list per column, and the tuples are freed for the next rows to reuse. Logging
then only joins the arrays into Arrow buffers.

Only these four kinds of column come here: a table with an image column, a column of any other
type, or a row holding None takes the checked path of :class:`heron.sdk.table.Table`.
"""

from __future__ import annotations

from operator import itemgetter
from typing import TYPE_CHECKING, Any

from heron.store.arrow_pack import numbers_array, text_array

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

# Rows packed at a time: small enough that the rows (and the floats they hold) are still in
# the CPU's cache when they are packed, large enough that the per-column calls cost nothing.
PACK_ROWS = 1024
_NUMPY_TYPES = {"int": "int64", "float": "float64", "bool": "bool"}


class FastRows:
    """The fast-path rows of a table whose columns have the given kinds (string, int, float,
    bool), in the order added: the packed ones, then ``pending`` (fewer than PACK_ROWS)."""

    def __init__(self, kinds: list[str]) -> None:
        self.kinds = kinds
        # The rows not yet packed; add_data appends to this very list (never rebound).
        self.pending: list[tuple[Any, ...]] = []
        # Per column: a list of numpy arrays (numbers, bools) or one list of str (text).
        self._packed: list[list[Any]] = [[] for _ in kinds]
        self._packed_rows = 0

    def __len__(self) -> int:
        return self._packed_rows + len(self.pending)

    def pack(self) -> None:
        """Move the pending rows into the columns (add_data calls this every PACK_ROWS rows)."""
        rows = self.pending
        if not rows:
            return
        import numpy as np

        count = len(rows)
        for index, (kind, packed) in enumerate(zip(self.kinds, self._packed, strict=True)):
            values = map(itemgetter(index), rows)
            if kind == "string":
                packed.extend(values)
            else:
                packed.append(np.fromiter(values, _NUMPY_TYPES[kind], count))
        self._packed_rows += count
        rows.clear()

    def clear(self) -> None:
        """Forget every row (the table moved them to its columns)."""
        self.pending.clear()
        self._packed = [[] for _ in self.kinds]
        self._packed_rows = 0

    def values(self, index: int) -> list[Any]:
        """Column ``index`` as Python values, in row order."""
        packed = self._packed[index]
        tail = list(map(itemgetter(index), self.pending))
        if self.kinds[index] == "string":
            return packed + tail
        values: list[Any] = []
        for chunk in packed:
            values.extend(chunk.tolist())
        return values + tail

    def arrow(self, index: int, start: int) -> pa.Array | None:
        """Column ``index`` from row ``start`` on as Arrow, or None for text Arrow cannot take
        as it is (not valid UTF-8): the table's checked path then names the row."""
        if self.kinds[index] == "string":
            texts = self._packed[index][start:] + list(
                map(itemgetter(index), self.pending[max(0, start - self._packed_rows) :])
            )
            return text_array(texts)
        return numbers_array(self.kinds[index], self._number_chunks(index, start))

    def _number_chunks(self, index: int, start: int) -> list[np.ndarray[Any, Any]]:
        import numpy as np

        chunks = []
        skip = start
        for chunk in self._packed[index]:
            if skip >= len(chunk):
                skip -= len(chunk)
                continue
            chunks.append(chunk[skip:] if skip else chunk)
            skip = 0
        rows = self.pending[skip:] if skip else self.pending
        if rows:
            dtype = _NUMPY_TYPES[self.kinds[index]]
            chunks.append(np.fromiter(map(itemgetter(index), rows), dtype, len(rows)))
        return chunks
