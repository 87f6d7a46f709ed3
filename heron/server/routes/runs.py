"""Runs: a project's runs table and one run's page."""

from __future__ import annotations

import time

from fastapi import APIRouter
from sqlalchemy import Engine

from heron.server.access import READ_PROJECT
from heron.server.deps import StoreDep
from heron.server.jsonsafe import flatten_config, json_safe
from heron.server.models import Run, RunDetail, RunList
from heron.store import runs as run_store

router = APIRouter(
    prefix="/api/projects/{project}/runs", tags=["runs"], dependencies=[READ_PROJECT]
)

# Crash detection costs a query and a process check per running run: do it at most this often.
_CRASH_CHECK_SECONDS = 10.0
_last_crash_check: dict[int, float] = {}


def refresh_crashed(engine: Engine) -> None:
    """Mark runs whose process died as crashed, at most every few seconds per store."""
    now = time.monotonic()
    if now - _last_crash_check.get(id(engine), 0.0) >= _CRASH_CHECK_SECONDS:
        _last_crash_check[id(engine)] = now
        run_store.mark_crashed_runs(engine)


def duration(record: run_store.RunRecord) -> float:
    """Seconds from creation to finish; to now while running; to last activity if crashed."""
    if record.finished_at is not None:
        end = record.finished_at
    elif record.state == "running":
        end = time.time()
    else:
        end = record.updated_at
    return max(0.0, end - record.created_at)


def run_model(record: run_store.RunRecord) -> Run:
    """The listed form of a run."""
    return Run(
        id=record.id,
        name=record.name,
        project=record.project,
        state=record.state,
        group=record.group,
        job_type=record.job_type,
        tags=record.tags,
        notes=record.notes,
        created_at=record.created_at,
        updated_at=record.updated_at,
        finished_at=record.finished_at,
        duration=duration(record),
        last_step=record.last_step,
        config=flatten_config(record.config),
        summary=json_safe(record.summary),
    )


def project_must_exist(engine: Engine, project: str) -> None:
    """Raise NotFoundError naming the project unless it exists."""
    run_store.require_project(engine, project)


@router.get("", response_model=RunList)
def list_runs(project: str, store: StoreDep) -> RunList:
    """A project's runs, newest first; 404 if the project does not exist."""
    project_must_exist(store.engine, project)
    refresh_crashed(store.engine)
    runs = [run_model(record) for record in run_store.list_runs(store.engine, project)]
    config_keys = sorted({key for run in runs for key in run.config})
    summary_keys = sorted({key for run in runs for key in run.summary if not key.startswith("_")})
    return RunList(project=project, runs=runs, config_keys=config_keys, summary_keys=summary_keys)


@router.get("/{run_id}", response_model=RunDetail)
def get_run(project: str, run_id: str, store: StoreDep) -> RunDetail:
    """One run with everything stored about it; 404 if the run is not in this project."""
    refresh_crashed(store.engine)
    record = run_store.get_run(store.engine, run_id, project=project)
    listed = run_model(record)
    return RunDetail(
        **listed.model_dump(),
        config_nested=json_safe(record.config),
        exit_code=record.exit_code,
        heartbeat_at=record.heartbeat_at,
        host=record.host,
        pid=record.pid,
        python_version=record.python_version,
        program=record.program,
        git_commit=record.git_commit,
        git_dirty=record.git_dirty,
        git_remote=record.git_remote,
        metric_keys=run_store.metric_keys(store.engine, record.id),
    )
