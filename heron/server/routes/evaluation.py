"""Model evaluation of a predictions table: accuracy, per-class precision/recall/F1, a confusion
matrix and per-class score histograms, computed in DuckDB over the table's Parquet parts.

Several tables (one per run) come back as one result each over a shared class list, so two runs'
matrices line up cell for cell. An optional filter uses the query language (docs/query.md).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from heron.errors import QueryError, UsageError
from heron.query.references import ResolvedTable, TableReference, resolve_table
from heron.server.deps import StoreDep
from heron.store.store import Store

router = APIRouter(prefix="/api/projects/{project}", tags=["evaluation"])

MAX_CLASSES = 200
MAX_HISTOGRAMS = 50


class EvaluationRequest(BaseModel):
    """Tables of predictions, the truth and guess columns, and how to bin scores."""

    tables: list[TableReference] = Field(min_length=1, max_length=8)
    truth: str
    guess: str
    filter: str = ""
    score_prefix: str = Field("score_", description="score columns are <prefix><class>")
    bins: int = Field(10, ge=2, le=100)


class ClassMetrics(BaseModel):
    """One class: rows truly of it (support), rows guessed as it, and the three rates."""

    name: str
    support: int
    predicted: int
    correct: int
    precision: float | None
    recall: float | None
    f1: float | None


class ScoreHistogram(BaseModel):
    """A class's score column binned on shared edges, for rows of that class and the others."""

    class_name: str
    column: str
    edges: list[float]
    positive: list[int] = Field(description="counts where truth is this class")
    negative: list[int] = Field(description="counts where truth is another class")


class TableEvaluation(BaseModel):
    """The evaluation of one table. ``matrix[i][j]`` counts truth ``classes[i]``, guess ``j``."""

    label: str
    run_id: str | None
    step: int | None
    table_id: str
    rows: int
    evaluated: int = Field(description="rows with both a truth and a guess")
    correct: int
    accuracy: float | None
    macro_f1: float | None
    matrix: list[list[int]]
    per_class: list[ClassMetrics]
    histograms: list[ScoreHistogram]


class EvaluationResult(BaseModel):
    """One evaluation per requested table over one shared class list."""

    truth: str
    guess: str
    classes: list[str]
    results: list[TableEvaluation]


def _relation(store: Store, table: ResolvedTable, filter_text: str) -> tuple[str, list[Any], Any]:
    """SQL for the table's rows (filtered), its parameters, and its column map."""
    from heron.query.compiler import ColumnRef, Compiler
    from heron.query.engine import default_engine
    from heron.query.parser import parse
    from heron.query.sql import Params, ident

    relation = default_engine().table_relation(table.source())
    columns = {c.name: ColumnRef(ident(c.ident), c.type) for c in relation.columns}
    params = Params()
    params.values.extend(relation.values)
    where = ""
    if filter_text.strip():
        compiled = Compiler(columns, params).compile_filter(parse(filter_text))
        where = f" WHERE {compiled.sql}"
    return f"(SELECT * FROM ({relation.sql}) AS base{where})", params.values, columns


def _column(columns: dict[str, Any], name: str, what: str) -> str:
    if name not in columns:
        raise UsageError(f"{what} column {name!r} is not in the table; columns: {sorted(columns)}")
    ref = columns[name]
    if ref.type.kind in ("image", "list", "json"):
        raise UsageError(f"{what} column {name!r} holds {ref.type.kind} values, not labels")
    return f"CAST({ref.sql} AS VARCHAR)"


def _safe_div(a: float, b: float) -> float | None:
    return a / b if b else None


def evaluate(store: Store, project: str, request: EvaluationRequest) -> EvaluationResult:
    """The evaluation of each table, over the union of their classes."""
    from heron.query.engine import default_engine

    engine = default_engine()
    tables = [resolve_table(store, ref, project=project) for ref in request.tables]
    counted: list[tuple[ResolvedTable, str, list[Any], Any, dict[tuple[str, str], int], int]] = []
    classes: set[str] = set()
    for table in tables:
        sql, values, columns = _relation(store, table, request.filter)
        truth = _column(columns, request.truth, "truth")
        guess = _column(columns, request.guess, "guess")
        arrow = engine.run(
            f"SELECT {truth} AS t, {guess} AS g, count(*) AS n FROM {sql} AS r GROUP BY 1, 2",
            list(values),
        )
        pairs: dict[tuple[str, str], int] = {}
        rows = 0
        for t, g, n in zip(*(arrow.column(i).to_pylist() for i in range(3)), strict=True):
            rows += int(n)
            if t is None or g is None:
                continue
            pairs[(t, g)] = int(n)
            classes.update((t, g))
        counted.append((table, sql, values, columns, pairs, rows))
    if len(classes) > MAX_CLASSES:
        raise UsageError(
            f"{len(classes)} distinct labels in {request.truth!r}/{request.guess!r}: "
            f"more than {MAX_CLASSES}; are these the right columns?"
        )
    ordered = sorted(classes)
    results = [
        _table_result(engine, request, ordered, table, sql, values, columns, pairs, rows)
        for table, sql, values, columns, pairs, rows in counted
    ]
    return EvaluationResult(
        truth=request.truth, guess=request.guess, classes=ordered, results=results
    )


def _table_result(
    engine: Any,
    request: EvaluationRequest,
    classes: list[str],
    table: ResolvedTable,
    sql: str,
    values: list[Any],
    columns: Any,
    pairs: dict[tuple[str, str], int],
    rows: int,
) -> TableEvaluation:
    matrix = [[pairs.get((t, g), 0) for g in classes] for t in classes]
    evaluated = sum(pairs.values())
    correct = sum(matrix[i][i] for i in range(len(classes)))
    per_class = []
    for i, name in enumerate(classes):
        support = sum(matrix[i])
        predicted = sum(row[i] for row in matrix)
        hit = matrix[i][i]
        precision, recall = _safe_div(hit, predicted), _safe_div(hit, support)
        f1 = (
            None
            if precision is None or recall is None
            else (2 * precision * recall / (precision + recall) if precision + recall else 0.0)
        )
        per_class.append(
            ClassMetrics(
                name=name,
                support=support,
                predicted=predicted,
                correct=hit,
                precision=precision,
                recall=recall,
                f1=f1,
            )
        )
    f1s = [c.f1 for c in per_class if c.f1 is not None and c.support > 0]
    return TableEvaluation(
        label=table.owner,
        run_id=table.run_id,
        step=table.step,
        table_id=table.record.id,
        rows=rows,
        evaluated=evaluated,
        correct=correct,
        accuracy=_safe_div(correct, evaluated),
        macro_f1=sum(f1s) / len(f1s) if f1s else None,
        matrix=matrix,
        per_class=per_class,
        histograms=_histograms(engine, request, classes, sql, values, columns),
    )


def _histograms(
    engine: Any,
    request: EvaluationRequest,
    classes: list[str],
    sql: str,
    values: list[Any],
    columns: Any,
) -> list[ScoreHistogram]:
    truth = _column(columns, request.truth, "truth")
    histograms = []
    for name in classes[:MAX_HISTOGRAMS]:
        column = f"{request.score_prefix}{name}"
        ref = columns.get(column)
        if ref is None or ref.type.kind not in ("float", "int"):
            continue
        score = f"CAST({ref.sql} AS DOUBLE)"
        low, high = (
            engine.run(
                f"SELECT min({score}), max({score}) FROM {sql} AS r WHERE isfinite({score})",
                list(values),
            )
            .to_pylist()[0]
            .values()
        )
        if low is None:
            continue
        # Probabilities get the fixed 0..1 edges, so runs and classes compare bar for bar.
        if low >= 0 and high <= 1:
            low, high = 0.0, 1.0
        elif high == low:
            high = low + 1.0
        width = (high - low) / request.bins
        label_index = len(values) + 1
        binned = engine.run(
            f"SELECT least(greatest(CAST(floor(({score} - {low!r}) / {width!r}) AS BIGINT), 0), "
            f"{request.bins - 1}) AS b, ({truth} = ${label_index}) AS pos, count(*) AS n "
            f"FROM {sql} AS r WHERE isfinite({score}) GROUP BY 1, 2",
            [*values, name],
        )
        positive, negative = [0] * request.bins, [0] * request.bins
        for bin_index, is_positive, n in zip(
            *(binned.column(i).to_pylist() for i in range(3)), strict=True
        ):
            (positive if is_positive else negative)[int(bin_index)] += int(n)
        histograms.append(
            ScoreHistogram(
                class_name=name,
                column=column,
                edges=[low + width * i for i in range(request.bins + 1)],
                positive=positive,
                negative=negative,
            )
        )
    return histograms


@router.post("/evaluation", response_model=EvaluationResult)
def evaluation(project: str, request: EvaluationRequest, store: StoreDep) -> EvaluationResult:
    """Accuracy, per-class P/R/F1, confusion matrix and score histograms of each table."""
    try:
        return evaluate(store, project, request)
    except QueryError:
        raise
    except (ValueError, TypeError) as error:
        raise QueryError(f"evaluation failed: {error}") from None
