"""Tables: what a run logged under each key and step, a table's columns, and pages of its rows."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from heron.query.references import TableRef, resolve_table
from heron.server.access import READ_PROJECT
from heron.server.deps import OffsetQuery, StepQuery, StoreDep
from heron.server.jsonsafe import json_response
from heron.server.media_urls import with_media_urls
from heron.server.models import (
    QueryResult,
    TableEntry,
    TableInfo,
    TableKey,
    TableKeyRun,
    table_column,
)
from heron.store import runs as run_store

router = APIRouter(
    prefix="/api/projects/{project}/runs/{run_id}", tags=["tables"], dependencies=[READ_PROJECT]
)
project_router = APIRouter(
    prefix="/api/projects/{project}", tags=["tables"], dependencies=[READ_PROJECT]
)

KeyParam = Annotated[str, Query(min_length=1, description="the key the table was logged under")]


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
    table = resolve_table(store, TableRef(run_id=run_id, key=key, step=step), project=project)
    assert table.step is not None  # a run's table always has its step
    return TableInfo(
        run_id=run_id,
        key=key,
        step=table.step,
        steps=list(table.steps),
        table_id=table.record.id,
        n_rows=table.record.n_rows,
        columns=[table_column(name, kind) for name, kind in table.columns],
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
) -> Response:
    """A page of a logged table's rows, in logged order; images as URLs."""
    from heron.query.document import execute

    table = resolve_table(store, TableRef(run_id=run_id, key=key, step=step), project=project)
    result = execute({"page": {"offset": offset, "size": limit}}, [table.source()])
    return json_response(with_media_urls(result.to_json()))


@project_router.get("/tables", response_model=list[TableKey])
def list_project_tables(
    project: str,
    store: StoreDep,
    run_ids: Annotated[
        list[str], Query(alias="run", description="only these runs (all of the project if none)")
    ] = [],  # noqa: B006
) -> list[TableKey]:
    """Table keys logged by the project's runs, each with the runs and steps that logged it."""
    keys = run_store.project_table_keys(store.engine, project, run_ids)
    return [
        TableKey(
            key=key, runs=[TableKeyRun(run_id=rid, steps=steps) for rid, steps in by_run.items()]
        )
        for key, by_run in keys.items()
    ]
