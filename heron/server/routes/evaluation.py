"""Model evaluation of prediction tables: accuracy, per-class precision/recall/F1, a confusion
matrix, per-class score histograms (heron.query.evaluation) and what a minimum score threshold
keeps at every threshold of a grid, with per-class PR and ROC curves (heron.query.thresholds);
all counted in DuckDB.

Several tables (one per run) come back as one result each over a shared class list, so two runs'
matrices line up cell for cell. An optional filter uses the query language (docs/query.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter
from pydantic import BaseModel, Field

from heron.errors import QueryError, UsageError
from heron.query.evaluation import (
    ConfusionMatrix,
    ScoreHistogram,
    confusion_matrix,
    label_counts,
    score_histograms,
)
from heron.query.references import TableReference, resolve_tables
from heron.query.thresholds import ThresholdSweep, score_columns, threshold_sweep
from heron.server.access import READ_PROJECT, CurrentUser, check_table_references
from heron.server.deps import StoreDep
from heron.store.store import Store

if TYPE_CHECKING:
    from heron.query.builder import Query

router = APIRouter(
    prefix="/api/projects/{project}", tags=["evaluation"], dependencies=[READ_PROJECT]
)

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


class TableEvaluation(ConfusionMatrix):
    """The evaluation of one table over the shared class list, and which table it is."""

    label: str = Field(description="the run's name, or the artifact version as name:vN")
    run_id: str | None
    step: int | None
    table_id: str
    histograms: list[ScoreHistogram]
    threshold: ThresholdSweep | None = Field(
        description="kept and abstained rows at each threshold on the top score"
    )
    threshold_problem: str | None = Field(description="why there is no threshold sweep")


class EvaluationResult(BaseModel):
    """One evaluation per requested table over one shared class list."""

    truth: str
    guess: str
    classes: list[str]
    results: list[TableEvaluation]


def evaluate(
    store: Store, project: str, request: EvaluationRequest, *, sweep: bool = True
) -> EvaluationResult:
    """The evaluation of each table, over the union of their classes; ``sweep=False`` leaves out
    the threshold sweep (a scan of its own) for a caller that draws no threshold."""
    from heron.query.builder import Query

    tables = resolve_tables(store, request.tables, project=project)
    queries = [Query(table.source()) for table in tables]
    if request.filter.strip():
        queries = [query.filter(request.filter) for query in queries]
    counts = [label_counts(query, request.truth, request.guess) for query in queries]
    classes = sorted(set().union(*(count.labels for count in counts)))
    if len(classes) > MAX_CLASSES:
        raise UsageError(
            f"{len(classes)} distinct labels in {request.truth!r}/{request.guess!r}: "
            f"more than {MAX_CLASSES}; are these the right columns?"
        )
    results = []
    for table, query, count in zip(tables, queries, counts, strict=True):
        thresholds, problem = _sweep(query, request, classes) if sweep else (None, None)
        results.append(
            TableEvaluation(
                **confusion_matrix(count, classes).model_dump(),
                label=table.owner,
                run_id=table.run_id,
                step=table.step,
                table_id=table.record.id,
                histograms=score_histograms(
                    query,
                    request.truth,
                    classes[:MAX_HISTOGRAMS],
                    prefix=request.score_prefix,
                    bins=request.bins,
                ),
                threshold=thresholds,
                threshold_problem=problem,
            )
        )
    return EvaluationResult(
        truth=request.truth, guess=request.guess, classes=classes, results=results
    )


def _sweep(
    query: Query, request: EvaluationRequest, classes: list[str]
) -> tuple[ThresholdSweep | None, str | None]:
    """The threshold sweep of one table, or why it has none (the rest of its evaluation stands)."""
    if not classes:
        return None, "no row has both a truth and a guess"
    if len(classes) > MAX_HISTOGRAMS:
        return None, f"a score threshold is offered for at most {MAX_HISTOGRAMS} classes"
    try:
        score_columns(query, classes, request.score_prefix)
    except UsageError as error:
        return None, str(error)
    return threshold_sweep(
        query, request.truth, request.guess, classes, prefix=request.score_prefix
    ), None


@router.post("/evaluation", response_model=EvaluationResult)
def evaluation(
    project: str, request: EvaluationRequest, store: StoreDep, user: CurrentUser
) -> EvaluationResult:
    """Accuracy, per-class P/R/F1, confusion matrix and score histograms of each table."""
    check_table_references(store, user, project, request.tables)
    try:
        return evaluate(store, project, request)
    except QueryError:
        raise
    except (ValueError, TypeError) as error:
        raise QueryError(f"evaluation failed: {error}") from None
