"""Tables: what a run logged under each key and step."""

from __future__ import annotations

from fastapi import APIRouter

from heron.server.deps import StoreDep
from heron.server.models import TableEntry
from heron.store import runs as run_store

router = APIRouter(prefix="/api/projects/{project}/runs/{run_id}", tags=["tables"])


@router.get("/tables", response_model=list[TableEntry])
def list_run_tables(project: str, run_id: str, store: StoreDep) -> list[TableEntry]:
    """Tables a run logged, by key then step."""
    run_store.get_run(store.engine, run_id, project=project)
    return [
        TableEntry(
            key=key, step=step, table_id=str(payload["table_id"]), n_rows=int(payload["n_rows"])
        )
        for step, key, _, payload in run_store.read_objects(store.engine, run_id, kind="table")
    ]
