"""Direct uploads: a large blob goes from the client straight to the object store.

When the store keeps its blobs in an S3-compatible object store, a client announces a blob by
hash and size (``POST /api/sync/direct/{sha256}``) and gets presigned URLs, one per part of a
multipart upload under a staging key (``<prefix>/staging/<sha256>/<token>``, never the blob's
own key). It PUTs the parts to those URLs itself, so the bytes never pass through the server.
``GET`` lists the parts the object store holds (an interrupted client sends only the others,
with fresh URLs), and ``POST .../complete`` assembles the parts, streams the object back to
check it hashes to ``sha256`` (422 and deleted if not), then stores it as that blob.

A blob the server has already is answered ``present`` and never sent. A store in a local
directory (or a server started with ``HERON_DIRECT_UPLOADS=0``) answers 404
``DirectUploadUnavailable``: the client sends through the server in chunks instead
(``/api/sync/uploads``). Sizes over ``$HERON_MAX_UPLOAD_BYTES`` (default 1 TiB) are refused at
announce time (413), before anything is stored. An upload never completed is
removed by the object store's lifecycle rule on ``staging/`` (docs/team-server.md), or
explicitly with ``DELETE``.

The URLs point at the endpoint clients reach the object store by: ``$HERON_S3_PUBLIC_ENDPOINT``
when set (the object store is behind another name for clients than for the server), else the
store's own endpoint.
"""

from __future__ import annotations

import math
import os
import threading
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from heron.errors import ConfigError, IntegrityError, NotFoundError, UsageError
from heron.server.access import SIGNED_IN
from heron.server.deps import StoreDep
from heron.server.errors import error_response
from heron.store.store import Store
from heron.sync.models import Stored

router = APIRouter(prefix="/api/sync/direct", tags=["sync"])

PART_BYTES = 8 * 1024 * 1024
"""The smallest part size (S3 needs 5 MiB but for the last part); larger blobs get larger parts."""
MAX_PARTS = 10_000  # the S3 API's limit on the parts of one upload
URL_SECONDS = 6 * 3600
"""How long a presigned part URL stays valid; a client resuming later asks for fresh ones."""
DEFAULT_MAX_BYTES = 1 << 40

_SHA256 = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")]
_STAGING = Annotated[str, Query(pattern=r"^[0-9a-f]{32}$", description="the upload's token")]
_UPLOAD_ID = Annotated[
    str, Query(min_length=1, max_length=1024, description="the object store's upload id")
]

_clients: dict[str, Any] = {}
_clients_lock = threading.Lock()


class DirectAnnounce(BaseModel):
    """The size of the blob a client is about to upload."""

    size: int = Field(ge=1, le=1 << 50)


class PartUrl(BaseModel):
    """Where to PUT one part (1-based number; bytes ``(number-1)*part_size`` on)."""

    number: int
    url: str


class DonePart(BaseModel):
    """A part the object store holds."""

    number: int
    size: int


class DirectUpload(BaseModel):
    """An upload in progress, or ``present`` when the server has the blob already."""

    present: bool = False
    staging: str = ""
    upload_id: str = ""
    part_size: int = 0
    parts: list[PartUrl] = Field(default_factory=list)
    done: list[DonePart] = Field(default_factory=list)


def max_upload_bytes() -> int:
    """The largest blob a client may announce (``$HERON_MAX_UPLOAD_BYTES``)."""
    raw = os.environ.get("HERON_MAX_UPLOAD_BYTES")
    if not raw:
        return DEFAULT_MAX_BYTES
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"HERON_MAX_UPLOAD_BYTES={raw!r} is not a whole number") from None


def part_size(size: int) -> int:
    """The part size for a blob of ``size`` bytes: 8 MiB, or whole MiB keeping to 10,000 parts."""
    mib = 1 << 20
    return max(PART_BYTES, math.ceil(size / MAX_PARTS / mib) * mib)


def _s3(store: Store) -> Any:
    """The S3 blob store, or None when this store keeps blobs in its directory (or direct
    uploads are turned off: ``HERON_DIRECT_UPLOADS=0``, for clients that cannot reach it)."""
    from heron.store.s3_blobs import S3BlobStore

    if os.environ.get("HERON_DIRECT_UPLOADS", "1") == "0":
        return None
    return store.blobs if isinstance(store.blobs, S3BlobStore) else None


def _unavailable() -> JSONResponse:
    return error_response(
        404,
        "DirectUploadUnavailable",
        "direct upload not available: this server keeps blobs in its own directory or has "
        "direct uploads turned off; send the file in chunks to /api/sync/uploads/{sha256}",
    )


def _presigner(store: Store, blobs: Any) -> Any:
    """A client signing URLs for the endpoint clients reach (the store's own by default)."""
    public = os.environ.get("HERON_S3_PUBLIC_ENDPOINT") or None
    if public is None or (store.remote is not None and public == store.remote.endpoint):
        return blobs.client
    with _clients_lock:
        if public not in _clients:
            from heron.store.s3_client import make_client

            _clients[public] = make_client(public)
        return _clients[public]


def _policy() -> Any:
    from heron.store.s3_client import RetryPolicy

    return RetryPolicy.from_env()


def _staging_key(blobs: Any, sha256: str, staging: str) -> str:
    return str(blobs.location.key(f"staging/{sha256}/{staging}"))


def _describe(
    store: Store, blobs: Any, sha256: str, staging: str, upload_id: str, size: int
) -> DirectUpload:
    """The upload's part URLs (all of them, fresh) and the parts already held."""
    step = part_size(size)
    key = _staging_key(blobs, sha256, staging)
    bucket = blobs.location.bucket
    signer = _presigner(store, blobs)
    urls = [
        PartUrl(
            number=number,
            url=signer.generate_presigned_url(
                "upload_part",
                Params={"Bucket": bucket, "Key": key, "UploadId": upload_id, "PartNumber": number},
                ExpiresIn=URL_SECONDS,
            ),
        )
        for number in range(1, math.ceil(size / step) + 1)
    ]
    held = _held_parts(blobs, key, upload_id)
    if held is None:  # assembled already: a completion whose answer the client did not get
        held = [
            {"PartNumber": part.number, "Size": min(step, size - (part.number - 1) * step)}
            for part in urls
        ]
    done = [DonePart(number=p["PartNumber"], size=p["Size"]) for p in held]
    return DirectUpload(staging=staging, upload_id=upload_id, part_size=step, parts=urls, done=done)


def _held_parts(blobs: Any, key: str, upload_id: str) -> list[dict[str, Any]] | None:
    """The parts the object store holds, or None when the upload was assembled into the
    staging object already (NotFoundError when neither exists)."""
    try:
        return _parts(blobs, key, upload_id)
    except NotFoundError:
        from heron.store.s3_client import with_retries

        try:
            with_retries(
                f"looking for the upload {key}",
                lambda: blobs.client.head_object(Bucket=blobs.location.bucket, Key=key),
                _policy(),
            )
        except NotFoundError:
            raise NotFoundError(
                f"no upload {upload_id} of {key} in the object store (abandoned or expired): "
                "announce the blob again"
            ) from None
        return None


def _parts(blobs: Any, key: str, upload_id: str) -> list[dict[str, Any]]:
    from botocore.exceptions import ClientError

    from heron.store.s3_client import error_code, with_retries

    def listing() -> list[dict[str, Any]] | None:
        found: list[dict[str, Any]] = []
        pages = blobs.client.get_paginator("list_parts").paginate(
            Bucket=blobs.location.bucket, Key=key, UploadId=upload_id
        )
        try:
            for page in pages:
                found.extend(page.get("Parts", []))
        except ClientError as error:
            if error_code(error) in ("NoSuchUpload", "NoSuchKey", "404"):
                return None
            raise
        return found

    found = with_retries(f"listing the parts of upload {key}", listing, _policy())
    if found is None:
        raise NotFoundError(f"no upload {upload_id} of {key} in the object store")
    return found


@router.post("/{sha256}", response_model=DirectUpload, dependencies=[SIGNED_IN])
def announce(sha256: _SHA256, body: DirectAnnounce, store: StoreDep) -> DirectUpload | JSONResponse:
    """Start a direct upload of blob ``sha256``: presigned part URLs (or ``present``)."""
    blobs = _s3(store)
    if blobs is None:
        return _unavailable()
    limit = max_upload_bytes()
    if body.size > limit:
        return error_response(
            413,
            "RequestTooLarge",
            f"blob {sha256} is {body.size} bytes; this server takes blobs of at most {limit}",
        )
    if blobs.has(sha256):
        return DirectUpload(present=True)
    from heron.store.s3_client import with_retries

    staging = uuid.uuid4().hex
    key = _staging_key(blobs, sha256, staging)
    answer = with_retries(
        f"starting the upload of blob {sha256}",
        lambda: blobs.client.create_multipart_upload(Bucket=blobs.location.bucket, Key=key),
        _policy(),
    )
    return _describe(store, blobs, sha256, staging, str(answer["UploadId"]), body.size)


@router.get("/{sha256}", response_model=DirectUpload, dependencies=[SIGNED_IN])
def status(
    sha256: _SHA256,
    staging: _STAGING,
    upload_id: _UPLOAD_ID,
    size: Annotated[int, Query(ge=1, le=1 << 50)],
    store: StoreDep,
) -> DirectUpload | JSONResponse:
    """An upload's parts already held, and fresh URLs for all of them (to resume)."""
    blobs = _s3(store)
    if blobs is None:
        return _unavailable()
    if blobs.has(sha256):
        return DirectUpload(present=True)
    return _describe(store, blobs, sha256, staging, upload_id, size)


@router.post("/{sha256}/complete", response_model=Stored, dependencies=[SIGNED_IN])
def complete(
    sha256: _SHA256,
    staging: _STAGING,
    upload_id: _UPLOAD_ID,
    body: DirectAnnounce,
    store: StoreDep,
) -> Stored | JSONResponse:
    """Assemble the parts, check the object hashes to ``sha256`` (422, deleted, if not) and
    store it as that blob."""
    blobs = _s3(store)
    if blobs is None:
        return _unavailable()
    from heron.store.s3_client import with_retries

    if blobs.has(sha256):
        return Stored(stored=0)  # an earlier completion of this upload (or another) stored it
    key = _staging_key(blobs, sha256, staging)
    held = _held_parts(blobs, key, upload_id)
    if held is not None:  # else assembled by an earlier call: only the check and store remain
        held.sort(key=lambda p: int(p["PartNumber"]))
        wanted = math.ceil(body.size / part_size(body.size))
        absent = sorted(set(range(1, wanted + 1)) - {int(p["PartNumber"]) for p in held})
        if absent:
            raise UsageError(
                f"the upload of blob {sha256} lacks part(s) {', '.join(map(str, absent[:20]))}: "
                "send them, then complete it"
            )
        parts = [{"PartNumber": int(p["PartNumber"]), "ETag": p["ETag"]} for p in held]
        with_retries(
            f"completing the upload of blob {sha256}",
            lambda: blobs.client.complete_multipart_upload(
                Bucket=blobs.location.bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
            ),
            _policy(),
        )
    try:
        blobs.adopt_uploaded(key, sha256, body.size)
    except IntegrityError as error:
        return error_response(422, "IntegrityError", str(error))
    return Stored(stored=1)


@router.delete("/{sha256}", response_model=Stored, dependencies=[SIGNED_IN])
def abort(
    sha256: _SHA256, staging: _STAGING, upload_id: _UPLOAD_ID, store: StoreDep
) -> Stored | JSONResponse:
    """Abandon an upload: the object store drops the parts it holds."""
    blobs = _s3(store)
    if blobs is None:
        return _unavailable()
    from heron.store.s3_client import with_retries

    key = _staging_key(blobs, sha256, staging)
    with_retries(
        f"abandoning the upload of blob {sha256}",
        lambda: blobs.client.abort_multipart_upload(
            Bucket=blobs.location.bucket, Key=key, UploadId=upload_id
        ),
        _policy(),
    )
    return Stored(stored=0)
