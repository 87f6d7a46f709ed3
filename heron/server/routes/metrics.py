"""Metrics: keys logged by runs, downsampled lines for charts, what define_metric said, raw
history for live polling."""

from __future__ import annotations

import functools
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import Engine

from heron.server.access import READ_PROJECT
from heron.server.deps import SinceStepQuery, StoreDep
from heron.server.downsample import minmax_downsample
from heron.server.jsonsafe import finite_or_none
from heron.server.models import (
    History,
    HistoryKey,
    MetricDefinitionModel,
    MetricDefinitions,
    MetricKeys,
    MetricSeries,
    RunMetricDefinitions,
    Series,
)
from heron.server.routes.runs import project_must_exist
from heron.store import runs as run_store

router = APIRouter(prefix="/api/projects/{project}", tags=["metrics"], dependencies=[READ_PROJECT])

RunIds = Annotated[list[str], Query(alias="run", description="run ids (repeat the parameter)")]


@router.get("/metrics", response_model=MetricKeys)
def metric_keys(project: str, store: StoreDep, run_ids: RunIds = []) -> MetricKeys:  # noqa: B006
    """Metric keys logged by the given runs (all runs of the project when none is given)."""
    if run_ids:
        run_store.run_progress(store.engine, project, run_ids)
    return MetricKeys(keys=run_store.project_metric_keys(store.engine, project, run_ids))


@functools.lru_cache(maxsize=512)
def _cached_series(
    engine: Engine, run_id: str, key: str, max_points: int, last_step: int, updated_at: float
) -> Series:
    # last_step and updated_at are part of the cache key: a run that logs more gets a new entry.
    steps, raw_values = run_store.read_series(engine, run_id, key)
    values = [finite_or_none(value) for value in raw_values]
    kept_steps, kept_values = minmax_downsample(steps, values, max_points)
    return Series(
        run_id=run_id,
        steps=kept_steps,
        values=kept_values,
        total_points=len(steps),
        sampled=len(kept_steps) < len(steps),
        last_step=last_step,
    )


@router.get("/series", response_model=MetricSeries)
def metric_series(
    project: str,
    store: StoreDep,
    key: Annotated[str, Query(min_length=1, description="the metric key")],
    run_ids: RunIds = [],  # noqa: B006
    max_points: Annotated[int, Query(ge=10, le=100_000)] = 2_000,
) -> MetricSeries:
    """One metric over step for each run, downsampled on the server keeping each bucket's extremes."""
    known = run_store.run_progress(store.engine, project, run_ids) if run_ids else {}
    series = [
        _cached_series(store.engine, run_id, key, max_points, *known[run_id]) for run_id in run_ids
    ]
    return MetricSeries(key=key, series=series)


def _definitions_of(engine: Engine, run_id: str) -> list[MetricDefinitionModel]:
    """A run's ``define_metric`` calls: exact names first, then globs, each in key order."""
    definitions = []
    for _, key, _, payload in run_store.read_objects(engine, run_id, kind="metric"):
        stored = payload if isinstance(payload, dict) else {}
        step_metric = stored.get("step_metric")
        summary = stored.get("summary")
        definitions.append(
            MetricDefinitionModel(
                name=key,
                step_metric=step_metric if isinstance(step_metric, str) and step_metric else None,
                summary=[str(item) for item in summary] if isinstance(summary, list) else [],
                hidden=bool(stored.get("hidden", False)),
            )
        )
    # Charts resolve a key as the run's summary does: its own definition before any glob.
    return sorted(definitions, key=lambda definition: "*" in definition.name)


@router.get("/metric-definitions", response_model=MetricDefinitions)
def metric_definitions(
    project: str,
    store: StoreDep,
    run_ids: RunIds = [],  # noqa: B006
) -> MetricDefinitions:
    """What ``define_metric`` said in each given run (x-axis ``step_metric``, summary, hidden)."""
    if run_ids:
        run_store.run_progress(store.engine, project, run_ids)
    else:
        project_must_exist(store.engine, project)
    return MetricDefinitions(
        runs=[
            RunMetricDefinitions(run_id=run_id, definitions=_definitions_of(store.engine, run_id))
            for run_id in run_ids
        ]
    )


@router.get("/runs/{run_id}/history", response_model=History)
def run_history(
    project: str,
    run_id: str,
    store: StoreDep,
    keys: Annotated[
        list[str] | None, Query(alias="key", description="metric keys (all if none)")
    ] = None,
    since_step: SinceStepQuery = None,
) -> History:
    """Raw history rows of a run after ``since_step``: poll with the returned ``last_step``."""
    record = run_store.get_run(store.engine, run_id, project=project)
    by_key: dict[str, HistoryKey] = {}
    for step, key, value in run_store.read_history(
        store.engine, run_id, keys, since_step=since_step
    ):
        entry = by_key.setdefault(key, HistoryKey(steps=[], values=[]))
        entry.steps.append(step)
        entry.values.append(finite_or_none(value))
    return History(run_id=run_id, state=record.state, last_step=record.last_step, keys=by_key)
