"""The API forms of artifact versions and files, shared by the artifact routes and comparisons."""

from __future__ import annotations

from heron.errors import NotFoundError
from heron.server.artifact_models import ArtifactFile, ArtifactVersion, PreviewKind, RunRef
from heron.server.jsonsafe import json_safe
from heron.store import artifacts as artifact_store
from heron.store import lineage as store_lineage
from heron.store import runs as run_store
from heron.store import tables as table_store
from heron.store.artifacts import VersionRecord
from heron.store.manifest import ManifestEntry
from heron.store.store import Store

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


def run_refs(store: Store, run_ids: list[str]) -> list[RunRef]:
    """The runs named by ``run_ids``; a deleted run stays in the list with ``exists`` false."""
    found = {run.id: run for run in run_store.get_runs(store.engine, run_ids)}
    refs = []
    for run_id in run_ids:
        run = found.get(run_id)
        if run is None:
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
    created = run_refs(store, [record.created_by_run_id]) if record.created_by_run_id else []
    used = run_refs(store, store_lineage.runs_of_version(store.engine, record.id, "input"))
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
