"""Arrow arrays of a table's plain columns built straight from their buffers.

The packing itself lives in :mod:`heron.store.arrow_pack` (the store packs image cells the same
way); its functions are re-exported here for the table code.
"""

from __future__ import annotations

from heron.store.arrow_pack import plain_array as plain_array
