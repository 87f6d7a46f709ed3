"""Pydantic response models: the HTTP contract the OpenAPI schema and the UI's types come from."""

from __future__ import annotations

from typing import Any, cast

from pydantic import BaseModel, Field

from heron._types import MAX_STEP

# Query results are typed once, in the query layer; the API answers with those types.
from heron.query.results import ColumnDescription as ColumnDescription
from heron.query.results import QueryResult as QueryResult
from heron.store.table_format import ColumnType

MAX_OFFSET = 2**53 - 1
"""Row offsets past what a browser's numbers hold exactly are refused (422)."""


class ErrorBody(BaseModel):
    """What went wrong: heron's error class name and a message naming what and where.

    A query error also says where the mistake is, so a client can underline it: ``field``, the
    part of the query document (``filter``, ``columns[2].expr``, ``sort[0].column``,
    ``group.by``, ``merge``...), and ``position``, the character offset in that part's text.
    """

    type: str
    message: str
    field: str | None = Field(
        default=None, description="for a query error: the part of the query document at fault"
    )
    position: int | None = Field(
        default=None, description="for a query error: the character offset of the mistake"
    )


class ErrorResponse(BaseModel):
    """The one error shape of the API."""

    error: ErrorBody


class ServerInfo(BaseModel):
    """What the server serves."""

    version: str
    store: str


class Project(BaseModel):
    """A project with its counts and its last activity (Unix seconds)."""

    name: str
    created_at: float
    runs: int
    artifacts: int
    last_activity: float


class Run(BaseModel):
    """A run as listed in a workspace: identity, state, timing, flattened config and summary."""

    id: str
    name: str
    project: str
    state: str
    group: str | None
    job_type: str | None
    tags: list[str]
    notes: str
    created_at: float
    updated_at: float
    finished_at: float | None
    duration: float = Field(description="seconds from creation to finish (or to now while running)")
    last_step: int
    config: dict[str, Any] = Field(description="config flattened to dotted keys")
    summary: dict[str, Any]


class RunList(BaseModel):
    """A project's runs, newest first, with the union of their config and summary keys."""

    project: str
    runs: list[Run]
    config_keys: list[str]
    summary_keys: list[str]


class RunDetail(Run):
    """Everything stored about one run."""

    config_nested: dict[str, Any] = Field(description="config as logged, nested")
    exit_code: int | None
    heartbeat_at: float
    host: str
    pid: int
    python_version: str
    program: str
    git_commit: str | None
    git_dirty: bool | None
    git_remote: str | None
    metric_keys: list[str]


class MetricKeys(BaseModel):
    """Metric keys logged by a set of runs."""

    keys: list[str]


class Series(BaseModel):
    """One run's line for one metric; ``values`` holds null where the value is NaN or infinite."""

    run_id: str
    steps: list[int]
    values: list[float | None]
    total_points: int = Field(description="points stored before downsampling")
    sampled: bool = Field(description="whether points were dropped to fit max_points")
    last_step: int = Field(description="the run's last step when read (-1 if none)")


class MetricSeries(BaseModel):
    """One metric over step for several runs."""

    key: str
    series: list[Series]


class MetricDefinitionModel(BaseModel):
    """What ``define_metric`` said about a metric name or glob (``val/*``) in one run."""

    name: str = Field(description="a metric key, or a glob such as 'val/*'")
    step_metric: str | None = Field(description="the metric its charts use as x-axis")
    summary: list[str]
    hidden: bool


class RunMetricDefinitions(BaseModel):
    """One run's metric definitions, in the order charts try them (exact names first)."""

    run_id: str
    definitions: list[MetricDefinitionModel]


class MetricDefinitions(BaseModel):
    """The metric definitions of several runs, in the order the runs were asked for."""

    runs: list[RunMetricDefinitions]


class HistoryKey(BaseModel):
    """Raw rows of one metric, ordered by step."""

    steps: list[int]
    values: list[float | None]


class History(BaseModel):
    """A run's raw history after ``since_step``, by key; poll with the returned ``last_step``."""

    run_id: str
    state: str
    last_step: int
    keys: dict[str, HistoryKey]


class TableEntry(BaseModel):
    """A table logged by a run under a key at a step."""

    key: str
    step: int
    table_id: str
    n_rows: int


class TableInfo(BaseModel):
    """One logged table (key at a step), its columns and the other steps of its key."""

    run_id: str
    key: str
    step: int
    steps: list[int]
    table_id: str
    n_rows: int
    columns: list[ColumnDescription]


class TableRef(BaseModel):
    """A run's table by key and step (the latest step when omitted)."""

    run_id: str
    key: str
    step: int | None = Field(default=None, ge=0, le=MAX_STEP)


class TableKeyRun(BaseModel):
    """A run that logged a table key, and at which steps."""

    run_id: str
    steps: list[int]


class TableKey(BaseModel):
    """A table key logged by some of a project's runs (one table panel merges them)."""

    key: str
    runs: list[TableKeyRun]


def table_column(name: str, column_type: str) -> ColumnDescription:
    """A stored table's column as the API describes it (a table's record holds each column's
    heron type, checked when it was written; not the item type of a list column)."""
    return ColumnDescription(name=name, type=cast(ColumnType, column_type), element=None, runs=None)
