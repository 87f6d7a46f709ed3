"""Tables named the way panels name them: a run's table (key, step) or a table in an artifact.

The evaluation panel and report exports take the same references as the table explorer:
``{"run_id", "key", "step"}`` or ``{"artifact": "name:vN", "name": "<table name>"}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from heron.errors import NotFoundError, UsageError
from heron.server.models import MAX_STEP
from heron.store import artifacts as artifact_store
from heron.store import runs as run_store
from heron.store.store import Store
from heron.store.tables import TableRecord, get_table, part_paths

TABLE_SUFFIX = ".table.parquet"


class PanelTableRef(BaseModel):
    """A run's table under ``key`` (at ``step``, else the latest), or ``name`` in ``artifact``."""

    run_id: str | None = None
    key: str | None = None
    step: int | None = Field(default=None, ge=0, le=MAX_STEP)
    artifact: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class ResolvedTable:
    """A table found from a reference: its record, a label, and the run it came from."""

    record: TableRecord
    label: str
    run_id: str | None
    step: int | None

    def source(self, store: Store) -> Any:
        """The query engine's view of the table."""
        from heron.query.source import TableSource

        return TableSource(
            parts=part_paths(store.root, self.record),
            columns=[(c["name"], c["type"]) for c in self.record.columns],
            label=self.label,
        )


def resolve_table(store: Store, project: str, ref: PanelTableRef) -> ResolvedTable:
    """The table ``ref`` names; NotFoundError saying what is missing (run, key, step, file)."""
    if ref.artifact is not None:
        if not ref.name:
            raise UsageError("a table in an artifact needs its name")
        version = artifact_store.resolve(store.engine, ref.artifact, project=project)
        path = ref.name if ref.name.endswith(TABLE_SUFFIX) else ref.name + TABLE_SUFFIX
        for entry in artifact_store.read_manifest(store.engine, version.id):
            if entry.path == path and entry.table_id:
                return ResolvedTable(
                    record=get_table(store.engine, entry.table_id),
                    label=f"{version.name}:v{version.version}",
                    run_id=None,
                    step=None,
                )
        raise NotFoundError(f"{version.qualified_name} has no table {ref.name!r}")
    if not ref.run_id or not ref.key:
        raise UsageError("a table reference needs run_id and key, or artifact and name")
    try:
        run = run_store.get_run(store.engine, ref.run_id, project=project)
    except NotFoundError:
        raise NotFoundError(f"run {ref.run_id!r} no longer exists in project {project!r}") from None
    entries = run_store.read_objects(store.engine, run.id, key=ref.key, kind="table")
    if not entries:
        raise NotFoundError(f"run {run.name!r} has no table {ref.key!r}")
    chosen = (
        entries[-1]
        if ref.step is None
        else next((entry for entry in entries if entry[0] == ref.step), None)
    )
    if chosen is None:
        steps = [entry[0] for entry in entries]
        raise NotFoundError(
            f"run {run.name!r} has no table {ref.key!r} at step {ref.step}; steps: {steps}"
        )
    return ResolvedTable(
        record=get_table(store.engine, str(chosen[3]["table_id"])),
        label=run.name,
        run_id=run.id,
        step=chosen[0],
    )
