"""Thumbnails for the browser, derived from stored images and cached on disk.

Browsers cannot show hrw, and a grid of 100,000 rows should not ship full-size JPEGs, so the UI
asks for ``thumbnail(store, sha256, max_size)``: the image scaled down to fit ``max_size`` (never
up), as PNG when the source is lossless (hrw, PNG, GIF, BMP, TIFF) and WebP when it was lossy
already (JPEG, WebP). The result is cached under ``<store>/cache/thumbs/<max_size>/ab/<sha256>``
(written to a temporary name and renamed), so each is computed once; the cache may be deleted.
"""

from __future__ import annotations

import io
import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from heron.errors import UsageError

if TYPE_CHECKING:
    from heron.store.store import Store

MAX_THUMBNAIL_SIZE = 2048
_LOSSY = {"JPEG", "MPO", "WEBP"}
_CONTENT_TYPES = {".png": "image/png", ".webp": "image/webp"}


def thumbnail_path(store: Store, sha256: str, max_size: int) -> Path:
    """Where the cached thumbnail of a blob at a size lives (without its extension)."""
    return store.cache_dir / "thumbs" / str(max_size) / sha256[:2] / sha256


def thumbnail(store: Store, sha256: str, max_size: int = 256) -> tuple[bytes, str]:
    """The image stored under ``sha256`` fitted into ``max_size`` pixels: ``(bytes, content type)``."""
    if not 1 <= max_size <= MAX_THUMBNAIL_SIZE:
        raise UsageError(f"thumbnail size must be in 1..{MAX_THUMBNAIL_SIZE}, got {max_size}")
    base = thumbnail_path(store, sha256, max_size)
    for suffix, content_type in _CONTENT_TYPES.items():
        cached = base.with_suffix(suffix)
        if cached.exists():
            return cached.read_bytes(), content_type
    data, suffix = render_thumbnail(store.blobs.get(sha256), max_size)
    base.parent.mkdir(parents=True, exist_ok=True)
    final = base.with_suffix(suffix)
    temporary = final.with_name(f".{final.name}.tmp-{uuid.uuid4().hex}")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, final)
    finally:
        temporary.unlink(missing_ok=True)
    return data, _CONTENT_TYPES[suffix]


def render_thumbnail(data: bytes, max_size: int) -> tuple[bytes, str]:
    """Encoded image bytes (any stored format) as thumbnail bytes and their file suffix."""
    from PIL import Image as PILImage

    from heron.store import codec

    lossy = False
    if codec.is_hrw(data):
        image = _to_8bit(codec.decode(data))
    else:
        with PILImage.open(io.BytesIO(data)) as opened:
            lossy = opened.format in _LOSSY
            opened.load()
            image = opened.copy()
        if image.mode not in ("L", "RGB", "RGBA"):
            has_alpha = image.mode in ("LA", "PA", "RGBa", "La") or "transparency" in image.info
            image = image.convert("RGBA" if has_alpha else "RGB")
    if max(image.size) > max_size:
        image.thumbnail((max_size, max_size), PILImage.Resampling.LANCZOS)
    buffer = io.BytesIO()
    if lossy:
        image.save(buffer, "WEBP", quality=85, method=4)
        return buffer.getvalue(), ".webp"
    image.save(buffer, "PNG", compress_level=6)
    return buffer.getvalue(), ".png"


def _to_8bit(array: Any) -> Any:
    from PIL import Image as PILImage

    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.dtype.name == "uint16":
        array = (array >> 8).astype("uint8")
    return PILImage.fromarray(array)
