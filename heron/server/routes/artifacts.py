"""Artifacts: types → collections → versions, a version's files and previews, downloads,
aliases, comparisons of two or more versions, and the lineage graph of a run or a version.

A version is named in URLs by ``vN`` or by an alias (``latest``, ``best``...), exactly as the SDK
resolves ``name:alias``.
"""

from __future__ import annotations

import mimetypes
from collections import defaultdict
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from heron.errors import NotFoundError, UsageError
from heron.server.access import (
    READ_PROJECT,
    WRITE_PROJECT,
    CurrentUser,
    ReadableProjects,
    check_artifact_refs,
    visible_lineage,
)
from heron.server.artifact_archive import stream_archive, verify_entries
from heron.server.artifact_compare import MAX_VERSIONS, compare, compare_many
from heron.server.artifact_models import (
    AliasChange,
    AliasRequest,
    ArtifactCollection,
    ArtifactFile,
    ArtifactType,
    ArtifactVersion,
    CollectionDetail,
    FilePreview,
    LineageGraph,
    VersionComparison,
    VersionsComparison,
)
from heron.server.artifact_views import (
    PREVIEW_BYTES,
    file_model,
    preview_kind,
    resolve_version,
    version_model,
)
from heron.server.deps import StoreDep
from heron.server.lineage_view import lineage
from heron.server.routes.media import get_media
from heron.store import artifacts as artifact_store
from heron.store import runs as run_store
from heron.store.artifacts import VersionRecord
from heron.store.manifest import ManifestEntry
from heron.store.store import Store

router = APIRouter(
    prefix="/api/projects/{project}", tags=["artifacts"], dependencies=[READ_PROJECT]
)


@router.get("/artifacts", response_model=list[ArtifactType])
def list_artifact_types(project: str, store: StoreDep) -> list[ArtifactType]:
    """A project's artifact collections grouped by type (types and names sorted)."""
    run_store.require_project(store.engine, project)
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


# Registered before /artifacts/{name}/{version}, which would otherwise take "compare" as a version.
@router.get("/artifacts/{name}/compare", response_model=VersionsComparison)
def compare_many_versions(
    project: str,
    name: str,
    store: StoreDep,
    versions: Annotated[
        str, Query(description="two or more versions, comma-separated: v0,v1,best")
    ],
) -> VersionsComparison:
    """Compare versions of a collection, each against the first: files, metadata and tables."""
    refs = [v.strip() for v in versions.split(",") if v.strip()]
    if len(refs) < 2:
        raise UsageError("name at least two versions to compare, as versions=v0,v1")
    if len(refs) > MAX_VERSIONS:
        raise UsageError(f"compare at most {MAX_VERSIONS} versions at a time")
    return compare_many(store, [resolve_version(store, project, name, v) for v in refs])


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
    with store.blobs.open_verified(entry.sha256) as blob:
        head = blob.head(PREVIEW_BYTES)
        truncated = blob.size > PREVIEW_BYTES
    return FilePreview(
        path=path,
        preview=kind,
        text=head.decode("utf-8", errors="replace"),
        truncated=truncated,
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
    verify_entries(store, entries)  # a bad blob is an error response, not a broken 200
    filename = f"{record.name}-v{record.version}.{format}"
    return StreamingResponse(
        stream_archive(store, entries, format),
        media_type="application/zip" if format == "zip" else "application/x-tar",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )


@router.post(
    "/artifacts/{name}/{version}/aliases",
    response_model=AliasChange,
    dependencies=[WRITE_PROJECT],
)
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


@router.delete(
    "/artifacts/{name}/{version}/aliases/{alias}",
    response_model=AliasChange,
    dependencies=[WRITE_PROJECT],
)
def delete_alias(project: str, name: str, version: str, alias: str, store: StoreDep) -> AliasChange:
    """Take an alias off this version (``latest`` cannot be removed)."""
    record = resolve_version(store, project, name, version)
    artifact_store.remove_alias(store.engine, record, alias)
    updated = artifact_store.get_version(store.engine, record.id)
    return AliasChange(version=version_model(store, updated), messages=[f"removed {alias!r}"])


@router.get("/artifacts/{name}/compare/{a}/{b}", response_model=VersionComparison)
def compare_versions(project: str, name: str, a: str, b: str, store: StoreDep) -> VersionComparison:
    """Compare version ``a`` with version ``b`` (each vN or an alias); see also ``?versions=``."""
    return compare(
        store, resolve_version(store, project, name, a), resolve_version(store, project, name, b)
    )


@router.get("/lineage", response_model=LineageGraph)
def get_lineage(
    project: str,
    store: StoreDep,
    user: CurrentUser,
    readable: ReadableProjects,
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
    check_artifact_refs(store, user, project, artifact)
    version_ids = [
        artifact_store.resolve(store.engine, ref, project=project).id for ref in artifact
    ]
    graph = lineage(
        store.engine, run_ids=list(run), version_ids=version_ids, depth=depth, direction=direction
    )
    return visible_lineage(graph, readable)
