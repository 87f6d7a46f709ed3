"""'Did you mean' hints for unknown column and function names."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """Return ``'; did you mean "x"?'`` for the closest candidate, or ``''`` if none is close."""
    pool = list(candidates)
    matches = difflib.get_close_matches(name, pool, n=1, cutoff=0.6)
    if not matches:
        # Case slips ("Truth" for "truth") are common and score low on edit distance.
        lowered = {c.lower(): c for c in pool}
        if name.lower() in lowered:
            matches = [lowered[name.lower()]]
    return f'; did you mean "{matches[0]}"?' if matches else ""
