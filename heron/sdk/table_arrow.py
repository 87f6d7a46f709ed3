"""Arrow arrays of a table's plain columns built straight from their buffers.

The packing itself lives in :mod:`heron.store.arrow_pack` (the store packs image cells the same
way); its functions are re-exported here for the table code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from heron.store.arrow_pack import plain_array as plain_array

if TYPE_CHECKING:
    import pyarrow as pa


def one_array(column: pa.ChunkedArray) -> pa.Array:
    """A column as one array: its chunk when it has one (the usual case; combine_chunks would
    copy it)."""
    return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
