"""Comparisons of artifact versions: files added, removed and changed, the metadata diff, and the
tables each version holds, for two versions or for several (each against the first)."""

from __future__ import annotations

from typing import Any, Literal

from heron.errors import UsageError
from heron.server.artifact_models import (
    ChangedFile,
    ComparedTable,
    MetadataChange,
    MetadataRow,
    VersionComparison,
    VersionDiff,
    VersionsComparison,
)
from heron.server.artifact_views import file_model, version_model
from heron.server.jsonsafe import json_safe
from heron.store import artifacts as artifact_store
from heron.store import tables as table_store
from heron.store.artifacts import VersionRecord
from heron.store.manifest import ManifestEntry
from heron.store.store import Store
from heron.store.table_format import artifact_table_name

MAX_VERSIONS = 8

CellChange = Literal["base", "same", "changed", "added", "removed", "absent"]


def _identity(entry: ManifestEntry) -> tuple[Any, ...]:
    return (entry.sha256, entry.size, entry.ref_uri, entry.ref_etag, entry.ref_version)


def _manifest(store: Store, record: VersionRecord) -> dict[str, ManifestEntry]:
    return {e.path: e for e in artifact_store.read_manifest(store.engine, record.id)}


def _diff(
    store: Store, base: dict[str, ManifestEntry], other: dict[str, ManifestEntry]
) -> tuple[list[Any], list[Any], list[ChangedFile], int]:
    added = [file_model(store, other[p]) for p in sorted(other.keys() - base.keys())]
    removed = [file_model(store, base[p]) for p in sorted(base.keys() - other.keys())]
    changed: list[ChangedFile] = []
    unchanged = 0
    for path in sorted(base.keys() & other.keys()):
        ea, eb = base[path], other[path]
        if _identity(ea) == _identity(eb):
            unchanged += 1
        else:
            changed.append(ChangedFile(path=path, a=file_model(store, ea), b=file_model(store, eb)))
    return added, removed, changed, unchanged


def _row_status(
    present: list[bool], values: list[Any]
) -> Literal["added", "removed", "changed", "same"]:
    if all(present) and all(v == values[0] for v in values):
        return "same"
    if not present[0] and all(present[1:]):
        return "added"
    if present[0] and not any(present[1:]):
        return "removed"
    return "changed"


def _cell(base_has: bool, base: Any, has: bool, value: Any) -> CellChange:
    if not has:
        return "removed" if base_has else "absent"
    if not base_has:
        return "added"
    return "same" if value == base else "changed"


def metadata_rows(records: list[VersionRecord]) -> list[MetadataRow]:
    """Every metadata key of the versions, sorted, with each version's value and its change."""
    metas = [json_safe(r.metadata) for r in records]
    keys = sorted(set().union(*(m.keys() for m in metas)))
    rows = []
    for key in keys:
        present = [key in m for m in metas]
        values = [m.get(key) for m in metas]
        changes: list[CellChange] = ["base"]
        changes += [
            _cell(present[0], values[0], present[i], values[i]) for i in range(1, len(metas))
        ]
        rows.append(
            MetadataRow(
                key=key,
                status=_row_status(present, values),
                values=values,
                present=present,
                changes=changes,
            )
        )
    return rows


def _tables(store: Store, manifests: list[dict[str, ManifestEntry]]) -> list[ComparedTable]:
    paths = sorted({p for m in manifests for p, e in m.items() if e.table_id is not None})
    tables = []
    for path in paths:
        rows: list[int | None] = []
        for manifest in manifests:
            entry = manifest.get(path)
            rows.append(
                table_store.get_table(store.engine, entry.table_id).n_rows
                if entry is not None and entry.table_id is not None
                else None
            )
        tables.append(ComparedTable(name=artifact_table_name(path), path=path, rows=rows))
    return tables


def compare_many(store: Store, records: list[VersionRecord]) -> VersionsComparison:
    """Versions compared: each version's files against the first's, metadata and tables."""
    if len(records) < 2:
        raise UsageError("name at least two versions to compare, as versions=v0,v1")
    if len(records) > MAX_VERSIONS:
        raise UsageError(f"compare at most {MAX_VERSIONS} versions at a time")
    manifests = [_manifest(store, r) for r in records]
    base = f"v{records[0].version}"
    diffs = []
    for record, manifest in zip(records[1:], manifests[1:], strict=True):
        added, removed, changed, unchanged = _diff(store, manifests[0], manifest)
        diffs.append(
            VersionDiff(
                version=f"v{record.version}",
                base=base,
                added=added,
                removed=removed,
                changed=changed,
                unchanged=unchanged,
            )
        )
    return VersionsComparison(
        versions=[version_model(store, r) for r in records],
        diffs=diffs,
        metadata=metadata_rows(records),
        tables=_tables(store, manifests),
    )


def compare(store: Store, a: VersionRecord, b: VersionRecord) -> VersionComparison:
    """Files added (in b, not a), removed, changed (other digest) and the metadata diff."""
    added, removed, changed, unchanged = _diff(store, _manifest(store, a), _manifest(store, b))
    metadata = [
        MetadataChange(key=row.key, status=row.status, a=row.values[0], b=row.values[1])
        for row in metadata_rows([a, b])
    ]
    return VersionComparison(
        a=version_model(store, a),
        b=version_model(store, b),
        added=added,
        removed=removed,
        changed=changed,
        unchanged=unchanged,
        metadata=metadata,
    )
