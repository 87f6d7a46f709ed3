"""Response models of the chart routes: a chart's description and the columns it draws."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from heron.store.charts import ChartKind


class ChartSpec(BaseModel):
    """How a logged table is drawn: its kind, the column playing each role, title and labels."""

    kind: ChartKind
    fields: dict[str, str] = Field(
        description="role (x, y, series, label, value, actual, predicted, count) to column name"
    )
    title: str = ""
    x_label: str | None = None
    y_label: str | None = None


class ChartRun(BaseModel):
    """A run that logged a chart key: its latest step, every step, and that step's chart."""

    run_id: str
    step: int
    steps: list[int]
    spec: ChartSpec


class ChartKey(BaseModel):
    """A key some runs logged a chart under, with each of those runs."""

    key: str
    runs: list[ChartRun]


class ChartData(BaseModel):
    """One logged chart: its description and its columns' values by role, in row order."""

    run_id: str
    key: str
    step: int
    steps: list[int]
    spec: ChartSpec
    n_rows: int = Field(description="rows in the logged table")
    truncated: bool = Field(description="only the first rows are drawn (see max_rows)")
    columns: dict[str, list[Any]] = Field(description="role to the column's values")
