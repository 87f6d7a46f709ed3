"""Comparisons of string columns made on their value codes instead of their strings.

A loaded table copy gives each string column with few values a hidden column of codes
(heron.query.cache): positions in one sorted space of values shared by all coded columns, null
where the value is null. Comparing codes gives the answer comparing the strings would, three-valued
logic included, an order of magnitude cheaper.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

# At most this many values in the code space shared by a loaded copy's coded string columns:
# codes run from 0 to MAX_CODES - 1 in a USMALLINT, so MAX_CODES itself is a code no value has.
MAX_CODES = 65_535
# Equal to nothing, and a null code stays null.
_NO_CODE = MAX_CODES
_FLIPPED = {"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def codes_compared(
    op: str, left: str | None, right: str | None, value: str | None, space: Sequence[str]
) -> str | None:
    """SQL comparing on codes, or None when the comparison cannot use them.

    ``op`` is the SQL operator (``=``, ``<>``, ``<``...) and ``left``/``right`` the SQL of each
    side's codes (None: that side has none). When only one side is coded, ``value`` is the
    other side's string constant (None: it is not one), and it compares by its place in the
    sorted ``space`` of values the codes stand for, present there or not.
    """
    if left is not None and right is not None:
        return f"({left} {op} {right})"
    if value is None or (left is None) == (right is None):
        return None
    if left is None:
        left, op = right, _FLIPPED[op]  # "v < x" is "x > v"
    # Python orders str by code point, as DuckDB orders UTF-8 bytes.
    first, after = bisect.bisect_left(space, value), bisect.bisect_right(space, value)
    if op in ("=", "<>"):
        return f"({left} {op} {first if after > first else _NO_CODE})"
    # x < v: codes below v's place; x <= v: below the place after it; and the converse.
    bound = {"<": first, "<=": after, ">": after, ">=": first}[op]
    return f"({left} {'<' if op in ('<', '<=') else '>='} {bound})"
