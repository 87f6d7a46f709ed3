"""Sync: where ``heron sync`` and the SDK in remote mode push what a local store logged.

Each route applies one request in one transaction and is idempotent (heron/sync/receive.py):
blobs are asked for by hash first and never sent twice; a run is created or replaced by id;
metric chunks already held are skipped; an artifact version with identical content is the one
the server has. Bytes are checked against the sha256 they are sent under (422 otherwise) and a
body over the limit is refused before it is stored (413).

On a server keeping its blobs in its directory, files larger than one request (big blobs,
table parts) are sent in chunks to ``/api/sync/uploads/{sha256}`` at an offset, so an
interrupted upload resumes where the server stopped. Those chunks are staged on the disk of the
process that took them, so a server whose blobs live in an object store (possibly several
replicas) is sent none: larger files go straight to the object store through presigned multipart
URLs (heron/server/routes/direct_uploads.py), and table parts arrive as blobs.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from heron.errors import AuthenticationError
from heron.server.access import (
    SIGNED_IN,
    CurrentUser,
    Principal,
    ProjectAccess,
    ProjectReader,
    ProjectWriter,
    check_artifact_refs,
    require_role,
)
from heron.server.deps import StoreDep
from heron.server.errors import error_response
from heron.store import users as user_store
from heron.store.store import Store
from heron.sync import receive
from heron.sync.models import (
    ArtifactIn,
    ArtifactOut,
    ArtifactVersionOut,
    DigestList,
    LineageIn,
    MetricBatch,
    MissingBlobs,
    ObjectBatch,
    RunRecordIn,
    Stored,
    TableIn,
    TableOut,
    UploadState,
)

router = APIRouter(prefix="/api/sync", tags=["sync"])

MAX_CHUNK_BYTES = 8 * 1024 * 1024
"""The largest blob, blob batch or upload chunk one request may carry."""

_SHA256_PATH = r"^[0-9a-f]{64}$"
UploadQuery = Annotated[
    str,
    Query(
        pattern=r"^[A-Za-z0-9_\-]{1,64}$",
        description="the sender's own upload id: senders of the same bytes never share a file",
    ),
]


def _writer_somewhere(user: Principal) -> None:
    """Blobs belong to no project: any signed-in user may send them (they are referenced only
    by what a project writer commits)."""
    if not user.signed_in:
        raise AuthenticationError("sending data needs an API key: Authorization: Bearer <key>")


async def _body(request: Request) -> bytes | JSONResponse:
    """The request body, or the 413 answer when it is over :data:`MAX_CHUNK_BYTES`."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_CHUNK_BYTES:
        return _too_large(int(declared))
    data = bytearray()
    async for piece in request.stream():
        data += piece
        if len(data) > MAX_CHUNK_BYTES:
            return _too_large(len(data))
    return bytes(data)


def _too_large(size: int) -> JSONResponse:
    return error_response(
        413,
        "RequestTooLarge",
        f"a sync request carries at most {MAX_CHUNK_BYTES} bytes, this one {size}: send large "
        "files in chunks to /api/sync/uploads/{sha256}",
    )


def _mismatch(error: receive.HashMismatch) -> JSONResponse:
    return error_response(422, "IntegrityError", error.message)


def _claim(access: ProjectAccess, store: Store) -> None:
    """A project a push creates belongs to the user who pushed it."""
    if not access.exists and access.user.user_id is not None:
        user_store.claim_project(store.engine, access.project, access.user.user_id)


@router.post("/blobs/missing", response_model=MissingBlobs, dependencies=[SIGNED_IN])
def missing_blobs(body: DigestList, user: CurrentUser, store: StoreDep) -> MissingBlobs:
    """Which of these blobs the server lacks: the pusher sends only those."""
    _writer_somewhere(user)
    return MissingBlobs(missing=receive.missing_blobs(store, body.digests))


@router.put(
    "/blobs/{sha256}",
    response_model=Stored,
    openapi_extra={"requestBody": {"content": {"application/octet-stream": {}}}},
)
async def put_blob(
    sha256: Annotated[str, Path(pattern=_SHA256_PATH)],
    request: Request,
    user: CurrentUser,
    store: StoreDep,
) -> Stored | JSONResponse:
    """Store one blob, sent as the raw body; refused (422) unless it hashes to ``sha256``."""
    _writer_somewhere(user)
    body = await _body(request)
    if isinstance(body, JSONResponse):
        return body
    try:
        return Stored(stored=receive.put_blob(store, sha256, body))
    except receive.HashMismatch as error:
        return _mismatch(error)


@router.post(
    "/blobs/batch",
    response_model=Stored,
    openapi_extra={"requestBody": {"content": {"application/octet-stream": {}}}},
)
async def put_blob_batch(
    request: Request, user: CurrentUser, store: StoreDep
) -> Stored | JSONResponse:
    """Store many small blobs in one request: each framed as its hex sha256 (64 bytes), its
    size (8 bytes, big-endian) and its bytes. One wrong hash refuses the batch (422)."""
    _writer_somewhere(user)
    body = await _body(request)
    if isinstance(body, JSONResponse):
        return body
    try:
        return Stored(stored=receive.put_blob_batch(store, body))
    except receive.HashMismatch as error:
        return _mismatch(error)


@router.put(
    "/uploads/{sha256}",
    response_model=UploadState,
    responses={409: {"model": UploadState, "description": "resume from the offset given"}},
    dependencies=[SIGNED_IN],
    openapi_extra={"requestBody": {"content": {"application/octet-stream": {}}}},
)
async def append_upload(
    sha256: Annotated[str, Path(pattern=_SHA256_PATH)],
    request: Request,
    user: CurrentUser,
    store: StoreDep,
    upload: UploadQuery,
    offset: Annotated[int, Query(ge=0, le=2**50)] = 0,
) -> UploadState | JSONResponse:
    """Append a chunk of a large file at ``offset``; a 409 gives the offset to resume from."""
    _writer_somewhere(user)
    body = await _body(request)
    if isinstance(body, JSONResponse):
        return body
    try:
        return UploadState(offset=receive.append_upload(store, sha256, upload, offset, body))
    except receive.UploadOffsetMismatch as error:
        return JSONResponse(status_code=409, content={"offset": error.held})


@router.post("/uploads/{sha256}/blob", response_model=Stored, dependencies=[SIGNED_IN])
def finish_upload(
    sha256: Annotated[str, Path(pattern=_SHA256_PATH)],
    upload: UploadQuery,
    user: CurrentUser,
    store: StoreDep,
) -> Stored | JSONResponse:
    """Store a finished upload as a blob; refused (422, and dropped) unless it hashes right."""
    _writer_somewhere(user)
    try:
        return Stored(stored=receive.finish_upload_as_blob(store, sha256, upload))
    except receive.HashMismatch as error:
        return _mismatch(error)


@router.post("/tables", response_model=Stored, dependencies=[SIGNED_IN])
def register_table(body: TableIn, user: CurrentUser, store: StoreDep) -> Stored | JSONResponse:
    """Commit a table whose parts were uploaded (each checked against its sha256)."""
    _writer_somewhere(user)
    try:
        return Stored(stored=receive.register_table(store, body))
    except receive.HashMismatch as error:
        return _mismatch(error)


@router.post("/projects/{project}/runs", response_model=Stored)
def upsert_run(project: str, body: RunRecordIn, access: ProjectWriter, store: StoreDep) -> Stored:
    """Create a run or replace its record (name, config, summary, state...), by id."""
    _claim(access, store)
    receive.upsert_run(store, project, body)
    return Stored(stored=1)


@router.post("/projects/{project}/runs/{run_id}/metrics", response_model=Stored)
def add_metrics(
    project: str, run_id: str, body: MetricBatch, access: ProjectWriter, store: StoreDep
) -> Stored:
    """Add a run's metric chunks; chunks the server holds already are skipped."""
    return Stored(stored=receive.add_metric_chunks(store, project, run_id, body.chunks))


@router.post("/projects/{project}/runs/{run_id}/objects", response_model=Stored)
def put_objects(
    project: str, run_id: str, body: ObjectBatch, access: ProjectWriter, store: StoreDep
) -> Stored:
    """Store a run's logged tables, images and charts records (each replaces its key+step)."""
    return Stored(stored=receive.put_objects(store, project, run_id, body.objects))


@router.post("/projects/{project}/artifacts", response_model=ArtifactOut)
def commit_artifact(
    project: str, body: ArtifactIn, access: ProjectWriter, store: StoreDep
) -> ArtifactOut:
    """Commit an artifact version from its manifest; the server numbers it (identical
    content answers the version that holds it)."""
    _claim(access, store)
    return receive.commit_artifact(store, project, body)


@router.post("/projects/{project}/lineage", response_model=Stored)
def add_lineage(project: str, body: LineageIn, access: ProjectWriter, store: StoreDep) -> Stored:
    """Record that a run used (``input``) or logged (``output``) a version of the server."""
    # An edge shows in the version's lineage too: the user must be able to read its project.
    require_role(store, access.user, receive.version_project(store, body.version_id), "viewer")
    receive.add_edge(store, project, body.run_id, body.version_id, body.direction)
    return Stored(stored=1)


# -- reads: a client in remote mode uses what the server holds ----------------------------------------


@router.post(
    "/blobs/read",
    response_class=Response,
    dependencies=[SIGNED_IN],
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def read_blobs(body: DigestList, user: CurrentUser, store: StoreDep) -> Response:
    """The first of these blobs that fit in one answer, framed as ``blobs/batch`` takes them;
    the client asks again for the rest."""
    _writer_somewhere(user)
    data = receive.read_blob_batch(store, body.digests, MAX_CHUNK_BYTES)
    return Response(content=data, media_type="application/octet-stream")


@router.get(
    "/blobs/{sha256}",
    response_class=Response,
    dependencies=[SIGNED_IN],
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def read_blob(
    sha256: Annotated[str, Path(pattern=_SHA256_PATH)], user: CurrentUser, store: StoreDep
) -> Response:
    """One blob's bytes (checked against its hash on the way out)."""
    _writer_somewhere(user)
    return Response(content=store.blobs.get(sha256), media_type="application/octet-stream")


@router.get("/tables/{table_id}", response_model=TableOut, dependencies=[SIGNED_IN])
def read_table(
    table_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9_\-]{1,64}$")],
    user: CurrentUser,
    store: StoreDep,
) -> TableOut:
    """A table's record and the size of each of its parts."""
    _writer_somewhere(user)
    return receive.table_out(store, table_id)


@router.get(
    "/tables/{table_id}/parts/{index}",
    response_class=Response,
    dependencies=[SIGNED_IN],
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def read_table_part(
    table_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9_\-]{1,64}$")],
    index: Annotated[int, Path(ge=0, le=1_000_000)],
    user: CurrentUser,
    store: StoreDep,
) -> Response:
    """The Parquet bytes of one part of a table."""
    _writer_somewhere(user)
    return Response(
        content=receive.read_part(store, table_id, index), media_type="application/octet-stream"
    )


@router.get("/projects/{project}/artifacts/resolve", response_model=ArtifactVersionOut)
def resolve_artifact(
    project: str,
    access: ProjectReader,
    store: StoreDep,
    ref: Annotated[str, Query(max_length=600, description="name:alias or name:vN")],
) -> ArtifactVersionOut:
    """The version ``ref`` names, with its manifest (paths, digests, tables)."""
    # A ref naming another project is looked up there: it must be readable, or the answer
    # would list a private project's artifacts.
    check_artifact_refs(store, access.user, project, [ref])
    return receive.resolve_version(store, project, ref)
