"""Artifacts: types → collections → versions, a version's files and previews, downloads,
aliases, comparisons of two versions, and the lineage graph of a run or a version.

A version is named in URLs by ``vN`` or by an alias (``latest``, ``best``...), exactly as the SDK
resolves ``name:alias``.
"""

from __future__ import annotations

import mimetypes
from collections import defaultdict
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from heron.errors import NotFoundError, UsageError
from heron.server.artifact_archive import stream_archive
from heron.server.artifact_models import (
    AliasChange,
    AliasRequest,
    ArtifactCollection,
    ArtifactFile,
    ArtifactType,
    ArtifactVersion,
    ChangedFile,
    CollectionDetail,
    FilePreview,
    LineageGraph,
    MetadataChange,
    PreviewKind,
    RunRef,
    VersionComparison,
)
from heron.server.deps import StoreDep
from heron.server.jsonsafe import json_safe
from heron.server.lineage_view import lineage
from heron.server.routes.media import get_media
from heron.store import artifacts as artifact_store
from heron.store import runs as run_store
from heron.store import tables as table_store
from heron.store.artifacts import ManifestEntry, VersionRecord
from heron.store.store import Store

router = APIRouter(prefix="/api/projects/{project}", tags=["artifacts"])

PREVIEW_BYTES = 64 * 1024
_IMAGE = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp"}
_TEXT = {
    ".txt", ".md", ".csv", ".tsv", ".log", ".py", ".yaml", ".yml", ".toml", ".ini", ".cfg",
    ".xml", ".html", ".sh", ".rst",
}  # fmt: skip


def preview_kind(entry: ManifestEntry) -> PreviewKind:
    """How the browser shows a file: by what it is (table, reference) and then its extension."""
    if entry.table_id is not None:
        return "table"
    if entry.ref_uri is not None:
        return "reference"
    suffix = "." + entry.path.rsplit(".", 1)[-1].lower() if "." in entry.path else ""
    if suffix in _IMAGE:
        return "image"
    if suffix in (".json", ".jsonl"):
        return "json"
    if suffix in _TEXT or "." not in entry.path.rsplit("/", 1)[-1]:
        return "text"
    return "binary"


def _run_refs(store: Store, run_ids: list[str]) -> list[RunRef]:
    refs = []
    for run_id in run_ids:
        try:
            run = run_store.get_run(store.engine, run_id)
        except NotFoundError:
            refs.append(
                RunRef(id=run_id, name=run_id, project="", job_type=None, state="", exists=False)
            )
            continue
        refs.append(
            RunRef(
                id=run.id,
                name=run.name,
                project=run.project,
                job_type=run.job_type,
                state=run.state,
            )
        )
    return refs


def version_model(store: Store, record: VersionRecord) -> ArtifactVersion:
    """The API form of a version, with the runs that logged and used it."""
    created = _run_refs(store, [record.created_by_run_id]) if record.created_by_run_id else []
    used = _run_refs(store, artifact_store.runs_of_version(store.engine, record.id, "input"))
    return ArtifactVersion(
        id=record.id,
        project=record.project,
        name=record.name,
        type=record.type,
        version=f"v{record.version}",
        number=record.version,
        qualified_name=record.qualified_name,
        aliases=list(record.aliases),
        digest=record.digest,
        size=record.size,
        file_count=record.file_count,
        description=record.description,
        metadata=json_safe(record.metadata),
        created_at=record.created_at,
        created_by=created[0] if created else None,
        used_by=used,
    )


def resolve_version(store: Store, project: str, name: str, version: str) -> VersionRecord:
    """The version ``name:version`` of ``project`` (version is vN or an alias)."""
    return artifact_store.resolve(store.engine, f"{project}/{name}:{version}")


def file_model(store: Store, entry: ManifestEntry) -> ArtifactFile:
    """The API form of a manifest entry."""
    n_rows = None
    if entry.table_id is not None:
        try:
            n_rows = table_store.get_table(store.engine, entry.table_id).n_rows
        except NotFoundError:
            n_rows = None
    return ArtifactFile(
        path=entry.path,
        size=entry.size,
        kind=entry.kind,
        preview=preview_kind(entry),
        sha256=entry.sha256,
        table_id=entry.table_id,
        ref_uri=entry.ref_uri,
        n_rows=n_rows,
    )


@router.get("/artifacts", response_model=list[ArtifactType])
def list_artifact_types(project: str, store: StoreDep) -> list[ArtifactType]:
    """A project's artifact collections grouped by type (types and names sorted)."""
    with store.engine.connect() as connection:
        run_store.project_id(connection, project, create=False)
    grouped: dict[str, list[ArtifactCollection]] = defaultdict(list)
    for item in artifact_store.list_collections(store.engine, project=project):
        grouped[item["type"]].append(
            ArtifactCollection(
                name=item["name"],
                type=item["type"],
                description=item["description"],
                versions=item["versions"],
                latest_version=item["latest_version"],
                created_at=item["created_at"],
                updated_at=item["updated_at"],
            )
        )
    return [ArtifactType(type=kind, collections=grouped[kind]) for kind in sorted(grouped)]


@router.get("/artifacts/{name}", response_model=CollectionDetail)
def get_collection(project: str, name: str, store: StoreDep) -> CollectionDetail:
    """A collection with every version, newest first."""
    project_name, bare = artifact_store.find_collection(store.engine, f"{project}/{name}")
    records = artifact_store.list_versions(store.engine, project=project_name, name=bare)
    if not records:
        raise NotFoundError(f"artifact {project}/{name} has no versions")
    versions = [version_model(store, record) for record in reversed(records)]
    first = records[0]
    return CollectionDetail(
        name=first.name, type=first.type, description=first.description, versions=versions
    )


@router.get("/artifacts/{name}/{version}", response_model=ArtifactVersion)
def get_version(project: str, name: str, version: str, store: StoreDep) -> ArtifactVersion:
    """One version: aliases, digest, size, files, metadata, who logged and who used it."""
    return version_model(store, resolve_version(store, project, name, version))


@router.get("/artifacts/{name}/{version}/files", response_model=list[ArtifactFile])
def list_files(project: str, name: str, version: str, store: StoreDep) -> list[ArtifactFile]:
    """The version's manifest, sorted by path (the browser builds the folder tree from it)."""
    record = resolve_version(store, project, name, version)
    return [file_model(store, e) for e in artifact_store.read_manifest(store.engine, record.id)]


def _entry(store: Store, record: VersionRecord, path: str) -> ManifestEntry:
    for entry in artifact_store.read_manifest(store.engine, record.id):
        if entry.path == path:
            return entry
    raise NotFoundError(f"{record.qualified_name} has no file {path!r}")


@router.get("/artifacts/{name}/{version}/preview/{path:path}", response_model=FilePreview)
def preview_file(project: str, name: str, version: str, path: str, store: StoreDep) -> FilePreview:
    """The first 64 KiB of a text or JSON file as text; other kinds say how to show them."""
    record = resolve_version(store, project, name, version)
    entry = _entry(store, record, path)
    kind = preview_kind(entry)
    if kind not in ("text", "json") or not entry.sha256:
        return FilePreview(path=path, preview=kind, size=entry.size)
    data = store.blobs.get(entry.sha256)
    head = data[:PREVIEW_BYTES]
    return FilePreview(
        path=path,
        preview=kind,
        text=head.decode("utf-8", errors="replace"),
        truncated=len(data) > PREVIEW_BYTES,
        size=entry.size,
    )


@router.get(
    "/artifacts/{name}/{version}/files/{path:path}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def download_file(
    project: str,
    name: str,
    version: str,
    path: str,
    request: Request,
    store: StoreDep,
    download: bool = False,
) -> Response:
    """A stored file's bytes, with byte ranges; ``download=true`` asks the browser to save it."""
    record = resolve_version(store, project, name, version)
    entry = _entry(store, record, path)
    if not entry.is_stored_blob or not entry.sha256:
        raise UsageError(f"{path!r} is a reference to {entry.ref_uri}; heron holds no copy of it")
    response = get_media(entry.sha256, request, store)
    guessed, _ = mimetypes.guess_type(path)
    if guessed and response.status_code in (200, 206):
        response.headers["Content-Type"] = guessed
    if download:
        filename = quote(path.rsplit("/", 1)[-1])
        response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


@router.get(
    "/artifacts/{name}/{version}/archive",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/zip": {}, "application/x-tar": {}}}},
)
def download_version(
    project: str,
    name: str,
    version: str,
    store: StoreDep,
    format: Literal["zip", "tar"] = "zip",
) -> StreamingResponse:
    """Every stored file of the version as one zip or tar, streamed as it is written."""
    record = resolve_version(store, project, name, version)
    entries = artifact_store.read_manifest(store.engine, record.id)
    filename = f"{record.name}-v{record.version}.{format}"
    return StreamingResponse(
        stream_archive(store, entries, format),
        media_type="application/zip" if format == "zip" else "application/x-tar",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )


@router.post("/artifacts/{name}/{version}/aliases", response_model=AliasChange)
def add_alias(
    project: str, name: str, version: str, request: AliasRequest, store: StoreDep
) -> AliasChange:
    """Put an alias on this version; if another version had it, it moves (a message says so)."""
    record = resolve_version(store, project, name, version)
    if request.alias == artifact_store.LATEST:
        raise UsageError("'latest' is managed by heron and always names the newest version")
    messages = artifact_store.set_alias(store.engine, record, request.alias)
    updated = artifact_store.get_version(store.engine, record.id)
    return AliasChange(version=version_model(store, updated), messages=messages)


@router.delete("/artifacts/{name}/{version}/aliases/{alias}", response_model=AliasChange)
def delete_alias(project: str, name: str, version: str, alias: str, store: StoreDep) -> AliasChange:
    """Take an alias off this version (``latest`` cannot be removed)."""
    record = resolve_version(store, project, name, version)
    artifact_store.remove_alias(store.engine, record, alias)
    updated = artifact_store.get_version(store.engine, record.id)
    return AliasChange(version=version_model(store, updated), messages=[f"removed {alias!r}"])


def compare(store: Store, a: VersionRecord, b: VersionRecord) -> VersionComparison:
    """Files added (in b, not a), removed, changed (other digest) and the metadata diff."""
    files_a = {e.path: e for e in artifact_store.read_manifest(store.engine, a.id)}
    files_b = {e.path: e for e in artifact_store.read_manifest(store.engine, b.id)}
    added = [file_model(store, files_b[p]) for p in sorted(files_b.keys() - files_a.keys())]
    removed = [file_model(store, files_a[p]) for p in sorted(files_a.keys() - files_b.keys())]
    changed: list[ChangedFile] = []
    unchanged = 0
    for path in sorted(files_a.keys() & files_b.keys()):
        ea, eb = files_a[path], files_b[path]
        if _identity(ea) == _identity(eb):
            unchanged += 1
        else:
            changed.append(ChangedFile(path=path, a=file_model(store, ea), b=file_model(store, eb)))
    metadata: list[MetadataChange] = []
    meta_a, meta_b = json_safe(a.metadata), json_safe(b.metadata)
    for key in sorted(meta_a.keys() | meta_b.keys()):
        status: Literal["added", "removed", "changed", "same"]
        if key not in meta_a:
            status = "added"
        elif key not in meta_b:
            status = "removed"
        else:
            status = "same" if meta_a[key] == meta_b[key] else "changed"
        metadata.append(
            MetadataChange(key=key, status=status, a=meta_a.get(key), b=meta_b.get(key))
        )
    return VersionComparison(
        a=version_model(store, a),
        b=version_model(store, b),
        added=added,
        removed=removed,
        changed=changed,
        unchanged=unchanged,
        metadata=metadata,
    )


def _identity(entry: ManifestEntry) -> tuple[Any, ...]:
    return (entry.sha256, entry.size, entry.ref_uri, entry.ref_etag, entry.ref_version)


@router.get("/artifacts/{name}/compare/{a}/{b}", response_model=VersionComparison)
def compare_versions(project: str, name: str, a: str, b: str, store: StoreDep) -> VersionComparison:
    """Compare version ``a`` with version ``b`` (each vN or an alias)."""
    return compare(
        store, resolve_version(store, project, name, a), resolve_version(store, project, name, b)
    )


@router.get("/lineage", response_model=LineageGraph)
def get_lineage(
    project: str,
    store: StoreDep,
    run: Annotated[list[str], Query(description="start at these run ids")] = [],  # noqa: B006
    artifact: Annotated[
        list[str], Query(description="start at these versions, as name:vN or name:alias")
    ] = [],  # noqa: B006
    depth: Annotated[int, Query(ge=0, le=50)] = 10,
    direction: Literal["both", "upstream", "downstream"] = "both",
) -> LineageGraph:
    """The lineage graph around runs and/or artifact versions, ``depth`` edges out."""
    if not run and not artifact:
        raise UsageError("name a start: run=<run id> or artifact=<name:vN>")
    for run_id in run:
        run_store.get_run(store.engine, run_id, project=project)
    version_ids = [
        artifact_store.resolve(store.engine, ref, project=project).id for ref in artifact
    ]
    return lineage(
        store.engine, run_ids=list(run), version_ids=version_ids, depth=depth, direction=direction
    )
