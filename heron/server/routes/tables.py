"""Tables: what a run logged under each key and step, a table's columns, and pages of its rows."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import select

from heron.errors import NotFoundError
from heron.server.deps import OffsetQuery, StepQuery, StoreDep
from heron.server.media_urls import with_media_urls
from heron.server.models import (
    QueryResult,
    TableColumn,
    TableEntry,
    TableInfo,
    TableKey,
    TableKeyRun,
)
from heron.store import runs as run_store
from heron.store import schema
from heron.store.store import Store
from heron.store.tables import TableRecord, get_table, part_paths

router = APIRouter(prefix="/api/projects/{project}/runs/{run_id}", tags=["tables"])
project_router = APIRouter(prefix="/api/projects/{project}", tags=["tables"])

KeyParam = Annotated[str, Query(min_length=1, description="the key the table was logged under")]


def find_table(
    store: Store, project: str, run_id: str, key: str, step: int | None
) -> tuple[run_store.RunRecord, int, list[int], TableRecord]:
    """The run, the step, every step of the key, and the table record; 404s name what is missing."""
    run = run_store.get_run(store.engine, run_id, project=project)
    entries = run_store.read_objects(store.engine, run.id, key=key, kind="table")
    if not entries:
        keys = sorted(
            {k for _, k, _, _ in run_store.read_objects(store.engine, run.id, kind="table")}
        )
        raise NotFoundError(f"run {run.path} has no table {key!r}; its tables: {keys or 'none'}")
    steps = [entry[0] for entry in entries]
    chosen = entries[-1] if step is None else next((e for e in entries if e[0] == step), None)
    if chosen is None:
        raise NotFoundError(f"run {run.path} has no table {key!r} at step {step}; steps: {steps}")
    return run, chosen[0], steps, get_table(store.engine, str(chosen[3]["table_id"]))


def table_source(
    store: Store, run: run_store.RunRecord, key: str, step: int, record: TableRecord
) -> Any:
    """The query engine's view of a logged table."""
    from heron.query.source import TableSource

    return TableSource(
        parts=part_paths(store.root, record),
        columns=[(column["name"], column["type"]) for column in record.columns],
        label=f"{run.path}/{key}@{step}",
    )


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


@router.get("/table", response_model=TableInfo)
def get_run_table(
    project: str, run_id: str, store: StoreDep, key: KeyParam, step: StepQuery = None
) -> TableInfo:
    """A logged table's columns and size; 404 naming the run's tables or the key's steps."""
    run, found_step, steps, record = find_table(store, project, run_id, key, step)
    return TableInfo(
        run_id=run.id,
        key=key,
        step=found_step,
        steps=steps,
        table_id=record.id,
        n_rows=record.n_rows,
        columns=[TableColumn(name=c["name"], type=c["type"]) for c in record.columns],
    )


@router.get("/table/rows", response_model=QueryResult)
def get_run_table_rows(
    project: str,
    run_id: str,
    store: StoreDep,
    key: KeyParam,
    step: StepQuery = None,
    offset: OffsetQuery = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> QueryResult:
    """A page of a logged table's rows, in logged order; images as URLs."""
    from heron.query.document import execute

    run, found_step, _, record = find_table(store, project, run_id, key, step)
    source = table_source(store, run, key, found_step, record)
    result = execute({"page": {"offset": offset, "size": limit}}, [source])
    return QueryResult.model_validate(with_media_urls(result))


@project_router.get("/tables", response_model=list[TableKey])
def list_project_tables(
    project: str,
    store: StoreDep,
    run_ids: Annotated[
        list[str], Query(alias="run", description="only these runs (all of the project if none)")
    ] = [],  # noqa: B006
) -> list[TableKey]:
    """Table keys logged by the project's runs, each with the runs and steps that logged it."""
    o, r, p = schema.run_objects, schema.runs, schema.projects
    query = (
        select(o.c.key, o.c.run_id, o.c.step)
        .join(r, r.c.id == o.c.run_id)
        .join(p, p.c.id == r.c.project_id)
        .where(p.c.name == project, o.c.kind == "table")
        .order_by(o.c.key, r.c.created_at.desc(), o.c.step)
    )
    if run_ids:
        query = query.where(o.c.run_id.in_(run_ids))
    with store.engine.connect() as connection:
        run_store.project_id(connection, project, create=False)
        rows = connection.execute(query).fetchall()
    keys: dict[str, dict[str, list[int]]] = {}
    for key, run_id, step in rows:
        keys.setdefault(key, {}).setdefault(run_id, []).append(int(step))
    return [
        TableKey(
            key=key, runs=[TableKeyRun(run_id=rid, steps=steps) for rid, steps in by_run.items()]
        )
        for key, by_run in keys.items()
    ]
