"""Rows ``Table.add_data`` accepted on its fast path, packed by column while they are still warm.

A row whose every value has exactly its column's Python type (a str in a text column, a float
in a float column, an int that fits in 64 bits...; never None) needs no further checks. Kept as
a tuple until the table is logged, each such row costs a tuple the garbage collector tracks, and
logging walks 100,000 of them again, long gone from the CPU's caches. Instead, every
:data:`PACK_ROWS` rows the table hands them here: each column's numbers and booleans are packed
into bytes (``struct``, which reads a float or an int in a few instructions where numpy's
conversion inspects each value), its texts kept in one list, and the tuples are freed for the
next rows to reuse. Logging then hands the bytes to Arrow as they are (no copy).

Only these four kinds of column come here: a table with an image column, a column of any other
type, or a row holding None takes the checked path of :class:`heron.sdk.table.Table`.
"""

from __future__ import annotations

import struct
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from heron.store.arrow_pack import numbers_array, text_array

if TYPE_CHECKING:
    import pyarrow as pa

# Rows packed at a time: small enough that the rows (and the floats they hold) are still in
# the CPU's cache when they are packed, large enough that the per-column calls cost nothing.
PACK_ROWS = 1024
# A column's values as ``struct`` packs them, in native byte order as Arrow buffers hold them.
_CODES = {"int": "q", "float": "d", "bool": "?"}


class FastRows:
    """The fast-path rows of a table whose columns have the given kinds (string, int, float,
    bool), in the order added: the packed ones, then ``pending`` (fewer than PACK_ROWS)."""

    def __init__(self, kinds: list[str]) -> None:
        self.kinds = kinds
        # The rows not yet packed; add_data appends to this very list (never rebound).
        self.pending: list[tuple[Any, ...]] = []
        self._codes = [_CODES.get(kind) for kind in kinds]  # None for text
        # Per column: the packed values as chunks of bytes, or (text) one list of str.
        self._packed: list[list[Any]] = [[] for _ in kinds]
        self._packed_rows = 0

    def __len__(self) -> int:
        return self._packed_rows + len(self.pending)

    def pack(self) -> None:
        """Move the pending rows into the columns (add_data calls this every PACK_ROWS rows)."""
        rows = self.pending
        if not rows:
            return
        count = len(rows)
        for index, (packed, code) in enumerate(zip(self._packed, self._codes, strict=True)):
            # A pass in C per column (zip(*rows) would allocate an iterator per row, each
            # counted towards the next garbage collection).
            values = map(itemgetter(index), rows)
            if code is None:
                packed.extend(values)
            else:
                packed.append(struct.pack(f"{count}{code}", *values))
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
        code = self._codes[index]
        if code is None:
            return packed + tail
        data = b"".join(packed)
        return [*struct.unpack(f"{len(data) // struct.calcsize(code)}{code}", data), *tail]

    def arrow(self, index: int, start: int) -> pa.ChunkedArray | None:
        """Column ``index`` from row ``start`` on as Arrow (numbers over the packed bytes
        themselves, a chunk per pack), or None for text Arrow cannot take as it is (not valid
        UTF-8): the table's checked path then names the row."""
        import pyarrow as pa

        self.pack()
        code = self._codes[index]
        if code is None:
            texts = self._packed[index]
            text = text_array(texts[start:] if start else texts)
            return None if text is None else pa.chunked_array([text])
        size = struct.calcsize(code)
        chunks = []
        skip = start * size
        for chunk in self._packed[index]:
            if skip >= len(chunk):
                skip -= len(chunk)
                continue
            chunks.append(chunk[skip:] if skip else chunk)
            skip = 0
        return numbers_array(self.kinds[index], chunks)
