"""JSON encoding for stored documents (config, summary, tags, payloads).

NaN and infinities are kept (as Python's json module writes them) because a summary may hold a
NaN loss; every document heron stores goes through these two functions.
"""

from __future__ import annotations

import json
from typing import Any


def dumps(value: Any) -> str:
    """Serialise a JSON-compatible value compactly, keys in stable order."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True, allow_nan=True)


def loads(text: str) -> Any:
    """Parse a document written by :func:`dumps`."""
    return json.loads(text)
