"""Charts: tables logged with a chart description (``wandb.plot``, ``heron.sdk.charts.Chart``).

The workspace lists the chart keys of the runs it shows, then asks each run's chart for the
columns it draws. The table itself stays reachable through the tables routes and the explorer.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from heron.errors import NotFoundError
from heron.query.references import TableRef, resolve_table
from heron.server.access import READ_PROJECT
from heron.server.chart_models import ChartData, ChartKey, ChartRun, ChartSpec
from heron.server.deps import StoreDep
from heron.server.jsonsafe import finite_or_none
from heron.store import runs as run_store
from heron.store.tables import read_arrow

router = APIRouter(prefix="/api/projects/{project}", tags=["charts"], dependencies=[READ_PROJECT])

# A chart draws at most this many rows (W&B's own cap on a plot's table).
MAX_CHART_ROWS = 10_000

StepParam = Annotated[
    int | None, Query(ge=0, le=2**62, description="the step (the latest when omitted)")
]


@router.get("/charts", response_model=list[ChartKey])
def list_charts(
    project: str,
    store: StoreDep,
    run_ids: Annotated[
        list[str], Query(alias="run", description="the runs to look in (in this order)")
    ] = [],  # noqa: B006
) -> list[ChartKey]:
    """Chart keys the given runs logged, each with every run's latest step and its description."""
    keys: dict[str, list[ChartRun]] = {}
    for run_id in run_ids:
        run_store.get_run(store.engine, run_id, project=project)
        by_key: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        for step, key, _, payload in run_store.read_objects(store.engine, run_id, kind="table"):
            if payload.get("chart") is not None:
                by_key.setdefault(key, []).append((step, payload["chart"]))
        for key, entries in by_key.items():
            step, spec = entries[-1]
            keys.setdefault(key, []).append(
                ChartRun(
                    run_id=run_id,
                    step=step,
                    steps=[s for s, _ in entries],
                    spec=ChartSpec.model_validate(spec),
                )
            )
    return [ChartKey(key=key, runs=runs) for key, runs in sorted(keys.items())]


@router.get("/runs/{run_id}/chart", response_model=ChartData)
def get_chart(
    project: str,
    run_id: str,
    store: StoreDep,
    key: Annotated[str, Query(min_length=1, description="the key the chart was logged under")],
    step: StepParam = None,
) -> ChartData:
    """A logged chart's description and the values of the columns it draws (first rows only)."""
    table = resolve_table(store, TableRef(run_id=run_id, key=key, step=step), project=project)
    if table.chart is None:
        at = "" if step is None else f" at step {step}"
        raise NotFoundError(f"run {project}/{run_id} has no chart {key!r}{at}")
    assert table.step is not None  # a run's table always has its step
    spec = ChartSpec.model_validate(table.chart)
    record = table.record
    columns = sorted(set(spec.fields.values()))
    arrow = read_arrow(store.root, record, columns=columns).slice(0, MAX_CHART_ROWS)
    values = {name: [_drawable(v) for v in arrow.column(name).to_pylist()] for name in columns}
    return ChartData(
        run_id=run_id,
        key=key,
        step=table.step,
        steps=list(table.steps),
        spec=spec,
        n_rows=record.n_rows,
        truncated=record.n_rows > MAX_CHART_ROWS,
        columns={role: values[column] for role, column in spec.fields.items()},
    )


def _drawable(value: Any) -> Any:
    """A cell as the browser draws it: non-finite numbers as gaps, anything unusual as text."""
    if isinstance(value, float):
        return finite_or_none(value)
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)
