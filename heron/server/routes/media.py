"""Media: stored images (and any blob) by content hash, cached forever, with range requests.

A blob's URL is its sha256, so its bytes can never change: the hash is the ETag and browsers may
keep it for a year without asking again. Only a 64-hex-digit name is accepted, so a media URL can
never name a file outside the store.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from heron.errors import MediaError, UsageError
from heron.server.deps import StoreDep
from heron.server.ranges import RangeNotSatisfiable, parse_range

router = APIRouter(prefix="/api/media", tags=["media"])

SHA256 = re.compile(r"[0-9a-f]{64}")
IMMUTABLE = "public, max-age=31536000, immutable"

# Leading bytes of the formats browsers display, and their content types.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"%PDF", "application/pdf"),
)


def content_type_of(head: bytes) -> str:
    """The content type of a blob from its first bytes (octet-stream when unknown)."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    for magic, content_type in _MAGIC:
        if head.startswith(magic):
            return content_type
    return "application/octet-stream"


def check_digest(sha256: str) -> str:
    """The digest, if it is 64 lowercase hex digits; UsageError otherwise."""
    if not SHA256.fullmatch(sha256):
        raise UsageError(f"{sha256[:80]!r} is not a sha256 digest (64 lowercase hex digits)")
    return sha256


Digest = Annotated[str, Path(description="sha256 of the stored bytes (64 lowercase hex digits)")]


@router.get(
    "/{sha256}",
    response_class=Response,
    responses={200: {"content": {"image/png": {}, "application/octet-stream": {}}}},
)
def get_media(sha256: Digest, request: Request, store: StoreDep) -> Response:
    """The bytes stored under a sha256, with ETag, immutable caching and byte ranges."""
    digest = check_digest(sha256)
    etag = f'"{digest}"'
    headers = {"ETag": etag, "Cache-Control": IMMUTABLE, "Accept-Ranges": "bytes"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    size = store.blobs.size(digest)
    path = store.blobs.file_path(digest)
    range_header = request.headers.get("range")
    if path is not None:
        # A large blob in a file of its own: read only what was asked for.
        with open(path, "rb") as handle:
            head = handle.read(16)
            content_type = content_type_of(head)
            try:
                span = parse_range(range_header, size) if range_header else None
            except RangeNotSatisfiable as error:
                return _unsatisfiable(size, headers, str(error))
            if span is None:
                handle.seek(0)
                return Response(handle.read(), media_type=content_type, headers=headers)
            start, end = span
            handle.seek(start)
            body = handle.read(end - start + 1)
    else:
        data = store.blobs.get(digest)
        content_type = content_type_of(data[:16])
        try:
            span = parse_range(range_header, size) if range_header else None
        except RangeNotSatisfiable as error:
            return _unsatisfiable(size, headers, str(error))
        if span is None:
            return Response(data, media_type=content_type, headers=headers)
        start, end = span
        body = data[start : end + 1]
    headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    return Response(body, status_code=206, media_type=content_type, headers=headers)


@router.get(
    "/{sha256}/thumbnail",
    response_class=Response,
    responses={200: {"content": {"image/png": {}, "image/webp": {}}}},
)
def get_thumbnail(
    sha256: Digest,
    request: Request,
    store: StoreDep,
    size: Annotated[int, Query(ge=16, le=2048, description="fit into this many pixels")] = 256,
) -> Response:
    """The image scaled down to fit ``size`` pixels (PNG, or WebP for lossy sources), cached."""
    from heron.store.thumbnails import thumbnail

    digest = check_digest(sha256)
    etag = f'"{digest}-{size}"'
    headers = {"ETag": etag, "Cache-Control": IMMUTABLE}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    try:
        data, content_type = thumbnail(store, digest, size)
    except (OSError, ValueError) as error:
        # Pillow could not decode it: the blob exists but is no image.
        raise MediaError(f"blob {digest} is not an image heron can draw: {error}") from None
    return Response(data, media_type=content_type, headers=headers)


def _unsatisfiable(size: int, headers: dict[str, str], message: str) -> Response:
    from heron.server.errors import error_response

    response = error_response(416, "RangeNotSatisfiable", message)
    response.headers.update({**headers, "Content-Range": f"bytes */{size}"})
    return response
