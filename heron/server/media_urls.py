"""Image references in query results become URLs: a page of a table never carries image bytes."""

from __future__ import annotations

import re
from typing import Any

_SHA256 = re.compile(r"[0-9a-f]{64}")
THUMBNAIL_SIZE = 256


def media_url(sha256: str) -> str:
    """The URL of the stored bytes of a blob."""
    return f"/api/media/{sha256}"


def thumbnail_url(sha256: str, size: int = THUMBNAIL_SIZE) -> str:
    """The URL of a blob's thumbnail, fitted into ``size`` pixels."""
    return f"/api/media/{sha256}/thumbnail?size={size}"


def with_media_urls(value: Any) -> Any:
    """``value`` with ``url`` and ``thumbnail_url`` added to every image reference inside it."""
    if isinstance(value, dict):
        out = {key: with_media_urls(item) for key, item in value.items()}
        digest = value.get("sha256")
        if isinstance(digest, str) and _SHA256.fullmatch(digest) and "format" in value:
            out["url"] = media_url(digest)
            out["thumbnail_url"] = thumbnail_url(digest)
        return out
    if isinstance(value, list):
        return [with_media_urls(item) for item in value]
    return value
