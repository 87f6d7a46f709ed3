"""Media: stored images (and any blob) by content hash, cached forever, with range requests.

A blob's URL is its sha256, so its bytes can never change: the hash is the ETag and browsers may
keep it for a year without asking again. That promise holds only for bytes that hash to the name,
so every blob is checked before it is sent (LocalBlobStore.open_verified): a blob that fails is
quarantined and answered with an IntegrityError (500, no store path in it), never with 200 and
never with caching headers. Only a 64-hex-digit name is accepted, and the store opens no symlink,
so a media URL can never name a file outside the store.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import StreamingResponse

from heron.errors import MediaError, UsageError
from heron.server.deps import StoreDep
from heron.server.ranges import RangeNotSatisfiable, parse_range
from heron.store.blob_reader import IN_MEMORY_LIMIT

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
    blob = store.blobs.open_verified(digest)
    streaming = False
    try:
        size = blob.size
        content_type = content_type_of(blob.head(16))
        range_header = request.headers.get("range")
        try:
            span = parse_range(range_header, size) if range_header else None
        except RangeNotSatisfiable as error:
            return _unsatisfiable(size, str(error))
        start, end = span if span is not None else (0, size - 1)
        status = 200 if span is None else 206
        if span is not None:
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        if end - start + 1 <= IN_MEMORY_LIMIT:
            return Response(
                blob.read(start, end + 1),
                status_code=status,
                media_type=content_type,
                headers=headers,
            )
        # A large blob goes out in chunks; the reader closes itself when the stream ends.
        headers["Content-Length"] = str(end - start + 1)
        streaming = True
        return StreamingResponse(
            blob.chunks(start, end + 1),
            status_code=status,
            media_type=content_type,
            headers=headers,
        )
    finally:
        if not streaming:
            blob.close()


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


def _unsatisfiable(size: int, message: str) -> Response:
    from heron.server.errors import error_response

    response = error_response(416, "RangeNotSatisfiable", message)
    response.headers.update({"Accept-Ranges": "bytes", "Content-Range": f"bytes */{size}"})
    return response
