"""Thumbnails for the browser, derived from stored images and cached on disk.

Browsers cannot show hrw, and a grid of 100,000 rows should not ship full-size JPEGs, so the UI
asks for ``thumbnail(store, sha256, max_size)``: the image scaled down to fit ``max_size`` (never
up), as PNG when the source is lossless (hrw, PNG, GIF, BMP, TIFF) and WebP when it was lossy
already (JPEG, WebP). The result is cached under ``<store>/cache/thumbs/<max_size>/ab/<sha256>``
(written to a temporary name and renamed), so each is computed once; the cache may be deleted.

A thumbnail is drawn only from a verified blob, and only when the image's declared size is at
most MAX_SOURCE_PIXEL_BYTES once decoded (checked from the header, before any pixel is
decoded): a small file that declares a huge image gets a MediaError, not gigabytes of memory.
JPEGs are decoded at a reduced scale where that still covers the thumbnail. Cached files are
read without following symlinks, so a link planted in the cache is never served.
"""

from __future__ import annotations

import contextlib
import io
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from heron.errors import MediaError, UsageError
from heron.store.safefiles import (
    NotARegularFile,
    open_directory_inside,
    read_inside,
    temporary_sibling,
)

if TYPE_CHECKING:
    from heron.store.store import Store

MAX_THUMBNAIL_SIZE = 2048
# Decoded size of the largest image a thumbnail is drawn from: 16k x 16k grey, 8k x 8k RGBA.
MAX_SOURCE_PIXEL_BYTES = 256 << 20
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
    relative = base.relative_to(store.cache_dir).as_posix()
    for suffix, content_type in _CONTENT_TYPES.items():
        try:
            return read_inside(store.cache_dir, relative + suffix), content_type
        except (FileNotFoundError, NotADirectoryError, NotARegularFile):
            continue  # not cached (a symlink or special file in its place is not a thumbnail)
    with store.blobs.open_verified(sha256) as blob:
        if blob.size > MAX_SOURCE_PIXEL_BYTES:  # an image file this big decodes to more anyway
            raise MediaError(
                f"blob {sha256} is {blob.size / (1 << 20):,.0f} MiB, more than the "
                f"{MAX_SOURCE_PIXEL_BYTES >> 20} MiB heron draws thumbnails from"
            )
        source = blob.read(0, blob.size)
    data, suffix = render_thumbnail(source, max_size)
    _cache(store, base.with_suffix(suffix), data)
    return data, _CONTENT_TYPES[suffix]


def _cache(store: Store, final: Path, data: bytes) -> None:
    """Write a thumbnail into the cache (temporary name, then rename) through no symlink."""
    store.cache_dir.mkdir(exist_ok=True)
    relative = final.parent.relative_to(store.cache_dir).as_posix()
    try:
        directory = open_directory_inside(store.cache_dir, relative, create=True)
    except (NotARegularFile, NotADirectoryError):
        return  # a link planted in the cache: serve the thumbnail, cache nothing there
    temporary = temporary_sibling(final).name
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666, dir_fd=directory)
        with open(fd, "wb", closefd=True) as handle:
            handle.write(data)
        os.rename(temporary, final.name, src_dir_fd=directory, dst_dir_fd=directory)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary, dir_fd=directory)
        os.close(directory)


def render_thumbnail(data: bytes, max_size: int) -> tuple[bytes, str]:
    """Encoded image bytes (any stored format) as thumbnail bytes and their file suffix."""
    from PIL import Image as PILImage

    from heron.store import codec

    lossy = False
    if codec.is_hrw(data):
        info = codec.read_header(data)
        _check_source_size(
            info["width"],
            info["height"],
            codec.pixel_bytes(info["width"], info["height"], info["channels"], info["dtype"]),
        )
        image = _to_8bit(codec.decode(data))
    else:
        with warnings.catch_warnings():
            # Pillow warns of a "decompression bomb" first and refuses only at twice its limit;
            # heron's own limit below decides, before anything is decoded.
            warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)
            try:
                opened = PILImage.open(io.BytesIO(data))
            except PILImage.DecompressionBombError as error:
                raise MediaError(
                    f"the image is too large to draw a thumbnail of: {error}"
                ) from None
        with opened:
            lossy = opened.format in _LOSSY
            if opened.format == "JPEG":
                # Decode at 1/2, 1/4 or 1/8 scale when that still covers the thumbnail.
                opened.draft("RGB" if opened.mode != "L" else "L", (max_size, max_size))
            width, height = opened.size
            bands = len(opened.getbands())
            _check_source_size(
                width, height, width * height * max(bands, 1) * _sample_bytes(opened)
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)
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


def _check_source_size(width: int, height: int, decoded_bytes: int) -> None:
    if decoded_bytes > MAX_SOURCE_PIXEL_BYTES:
        raise MediaError(
            f"the image declares {width} x {height} pixels ({decoded_bytes / (1 << 20):,.0f} MiB "
            f"decoded), more than the {MAX_SOURCE_PIXEL_BYTES >> 20} MiB heron draws thumbnails "
            "from; download the file to view it"
        )


def _sample_bytes(image: Any) -> int:
    """Bytes per sample of a Pillow image mode (16- and 32-bit modes take more than one)."""
    mode = str(image.mode)
    if mode in ("I", "F") or mode.startswith("I;32"):
        return 4
    if mode.startswith("I;16"):
        return 2
    return 1


def _to_8bit(array: Any) -> Any:
    from PIL import Image as PILImage

    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.dtype.name == "uint16":
        array = (array >> 8).astype("uint8")
    return PILImage.fromarray(array)
