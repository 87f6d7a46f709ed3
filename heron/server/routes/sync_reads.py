"""Sync reads: what a client in remote mode copies from the server before reading its spool.

The SDK in remote mode reads with the local code, from its spool; these routes give it what to
copy there first: the projects the key may read, a project's run records (paged by id), one
run's record, a run's metric chunks after those the client holds, and a run's objects (logged
tables, images, histograms and charts records), a project's artifact versions with their
manifests, and the lineage edges touching a project. The tables and blobs those objects name are
read through the routes that serve them by id and by hash (``routes/sync.py``). Every route is
checked like the project's other reads: a project the key may not read is not found.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import select, tuple_

from heron.errors import NotFoundError
from heron.server.access import ProjectReader, ReadableProjects
from heron.server.deps import StoreDep
from heron.store import schema
from heron.store.artifacts import list_versions
from heron.store.store import Store
from heron.sync import receive
from heron.sync.models import MetricChunk, RunObjectIn
from heron.sync.read_models import (
    METRIC_PAGE,
    OBJECT_PAGE,
    RUN_PAGE,
    VERSION_PAGE,
    ArtifactVersionRead,
    LineageEdgeOut,
    LineageEdges,
    MetricPage,
    MetricsAfter,
    ObjectPage,
    ProjectNames,
    RunPage,
    RunRecordOut,
    VersionPage,
)

router = APIRouter(prefix="/api/sync", tags=["sync"])

_FETCH_BATCH = 500  # metric chunks fetched per statement (bounded IN lists)


def _run_out(row: Any) -> RunRecordOut:
    values = {k: v for k, v in row._mapping.items() if k != "project_id"}
    return RunRecordOut.model_validate(values)


def _runs_query() -> Any:
    r, p = schema.runs, schema.projects
    return select(r, p.c.name.label("project")).join(p, p.c.id == r.c.project_id)


def _require_run(store: Store, project: str, run_id: str) -> None:
    r, p = schema.runs, schema.projects
    with store.engine.connect() as connection:
        row = connection.execute(
            select(r.c.id)
            .join(p, p.c.id == r.c.project_id)
            .where(r.c.id == run_id, p.c.name == project)
        ).first()
    if row is None:
        raise NotFoundError(f"no run {run_id!r} in project {project!r} on the server")


@router.get("/projects", response_model=ProjectNames)
def readable_projects(readable: ReadableProjects, store: StoreDep) -> ProjectNames:
    """The projects the caller may read (every project of a server without accounts)."""
    if readable is not None:
        return ProjectNames(projects=sorted(readable))
    with store.engine.connect() as connection:
        names = connection.execute(select(schema.projects.c.name)).scalars().all()
    return ProjectNames(projects=sorted(names))


@router.get("/projects/{project}/runs", response_model=RunPage)
def list_runs(
    project: str,
    access: ProjectReader,
    store: StoreDep,
    after: Annotated[str, Query(max_length=64, description="the last run id already read")] = "",
) -> RunPage:
    """A project's run records ordered by id, from the one after ``after``."""
    r = schema.runs
    query = (
        _runs_query()
        .where(schema.projects.c.name == project, r.c.id > after)
        .order_by(r.c.id)
        .limit(RUN_PAGE + 1)
    )
    with store.engine.connect() as connection:
        rows = connection.execute(query).fetchall()
    runs = [_run_out(row) for row in rows[:RUN_PAGE]]
    return RunPage(runs=runs, next=runs[-1].id if len(rows) > RUN_PAGE else None)


@router.get("/projects/{project}/runs/{run_id}", response_model=RunRecordOut)
def get_run(
    project: str,
    run_id: str,
    access: ProjectReader,
    store: StoreDep,
) -> RunRecordOut:
    """One run's record."""
    query = _runs_query().where(schema.projects.c.name == project, schema.runs.c.id == run_id)
    with store.engine.connect() as connection:
        row = connection.execute(query).first()
    if row is None:
        raise NotFoundError(f"no run {run_id!r} in project {project!r} on the server")
    return _run_out(row)


@router.post("/projects/{project}/runs/{run_id}/metrics/read", response_model=MetricPage)
def read_metrics(
    project: str, run_id: str, body: MetricsAfter, access: ProjectReader, store: StoreDep
) -> MetricPage:
    """A run's metric chunks that start after the step given per key (every chunk of a key
    not named), ordered by key and first step; ``more`` when the page is full."""
    _require_run(store, project, run_id)
    m = schema.metrics
    with store.engine.connect() as connection:
        heads = connection.execute(
            select(m.c.key, m.c.first_step)
            .where(m.c.run_id == run_id)
            .order_by(m.c.key, m.c.first_step)
        ).fetchall()
        wanted = [(key, first) for key, first in heads if first > body.after.get(key, -1)]
        chunks: list[MetricChunk] = []
        for start in range(0, min(len(wanted), METRIC_PAGE), _FETCH_BATCH):
            batch = wanted[start : min(start + _FETCH_BATCH, METRIC_PAGE)]
            rows = connection.execute(
                select(m)
                .where(m.c.run_id == run_id, tuple_(m.c.key, m.c.first_step).in_(batch))
                .order_by(m.c.key, m.c.first_step)
            ).fetchall()
            chunks.extend(
                MetricChunk(
                    key=row.key,
                    first_step=row.first_step,
                    last_step=row.last_step,
                    n_points=row.n_points,
                    step_data=base64.b64encode(row.step_data).decode("ascii"),
                    value_data=base64.b64encode(row.value_data).decode("ascii"),
                    logged_at=row.logged_at,
                )
                for row in rows
            )
    return MetricPage(chunks=chunks, more=len(wanted) > METRIC_PAGE)


@router.get("/projects/{project}/runs/{run_id}/objects", response_model=ObjectPage)
def read_objects(
    project: str,
    run_id: str,
    access: ProjectReader,
    store: StoreDep,
    offset: Annotated[int, Query(ge=0, le=2**40)] = 0,
) -> ObjectPage:
    """A run's objects (logged tables, images, histograms, charts records) ordered by key and
    step, from ``offset``."""
    _require_run(store, project, run_id)
    o = schema.run_objects
    with store.engine.connect() as connection:
        rows = connection.execute(
            select(o.c.key, o.c.step, o.c.kind, o.c.payload, o.c.logged_at)
            .where(o.c.run_id == run_id)
            .order_by(o.c.key, o.c.step)
            .offset(offset)
            .limit(OBJECT_PAGE + 1)
        ).fetchall()
    objects = [RunObjectIn.model_validate(dict(row._mapping)) for row in rows[:OBJECT_PAGE]]
    return ObjectPage(objects=objects, more=len(rows) > OBJECT_PAGE)


@router.get("/projects/{project}/artifacts/versions", response_model=VersionPage)
def list_artifact_versions(
    project: str,
    access: ProjectReader,
    store: StoreDep,
    offset: Annotated[int, Query(ge=0, le=2**40)] = 0,
) -> VersionPage:
    """A project's artifact versions with their manifests, by name and version, from
    ``offset`` (the files' bytes are read by hash when a version is used)."""
    records = list_versions(store.engine, project=project)
    page = records[offset : offset + VERSION_PAGE]
    versions = [
        ArtifactVersionRead(
            **receive.version_fields(store, record),
            created_by_run_id=record.created_by_run_id,
            created_at=record.created_at,
        )
        for record in page
    ]
    return VersionPage(versions=versions, more=len(records) > offset + VERSION_PAGE)


@router.get("/projects/{project}/lineage/edges", response_model=LineageEdges)
def list_lineage_edges(
    project: str, access: ProjectReader, readable: ReadableProjects, store: StoreDep
) -> LineageEdges:
    """The lineage edges whose run or version is in ``project``; an edge whose other end is
    in a project the caller may not read is left out (lineage crosses projects, access
    does not)."""
    g, r, v = schema.lineage, schema.runs, schema.artifact_versions
    c, p = schema.artifact_collections, schema.projects
    run_project, version_project = p.alias("run_project"), p.alias("version_project")
    query = (
        select(
            g.c.run_id,
            run_project.c.name.label("run_project"),
            version_project.c.name.label("version_project"),
            c.c.name,
            v.c.digest,
            g.c.direction,
            g.c.created_at,
        )
        .join(r, r.c.id == g.c.run_id)
        .join(run_project, run_project.c.id == r.c.project_id)
        .join(v, v.c.id == g.c.version_id)
        .join(c, c.c.id == v.c.collection_id)
        .join(version_project, version_project.c.id == c.c.project_id)
        .where((run_project.c.name == project) | (version_project.c.name == project))
        .order_by(g.c.created_at, g.c.run_id, c.c.name, v.c.version)
    )
    with store.engine.connect() as connection:
        rows = connection.execute(query).fetchall()
    edges = [LineageEdgeOut.model_validate(dict(row._mapping)) for row in rows]
    if readable is not None:
        edges = [e for e in edges if e.run_project in readable and e.version_project in readable]
    return LineageEdges(edges=edges)
