"""Classifier evaluation over a query's rows: confusion matrix, per-class precision, recall and F1,
accuracy, and per-class score histograms, counted in DuckDB (no row is read into Python).

``Query.confusion_matrix("truth", "guess")`` is the Python entry point; the server's evaluation
route counts several tables with :func:`label_counts` and lays them over one shared class list
with :func:`confusion_matrix`, so two runs' matrices line up cell for cell.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from heron.errors import UsageError

if TYPE_CHECKING:
    from heron.query.builder import Query
    from heron.query.plan import OutputColumn, Plan

# Column kinds that hold no labels (a struct, a list, a JSON document).
_NOT_LABELS = ("image", "list", "json", "any")
_NUMBERS = ("float", "int")


class ClassMetrics(BaseModel):
    """One class: rows truly of it (support), rows guessed as it, and the three rates.

    A rate with nothing to divide by (no row guessed as the class, no row of it) is None.
    """

    name: str
    support: int
    predicted: int
    correct: int
    precision: float | None
    recall: float | None
    f1: float | None


class ConfusionMatrix(BaseModel):
    """Counts of (truth, guess) pairs: ``matrix[i][j]`` rows of truth ``classes[i]`` guessed
    as ``classes[j]``, with accuracy, macro F1 and each class's precision, recall and F1.

    ``rows`` counts every row the query kept; ``evaluated`` those with both a truth and a guess
    among ``classes``.
    """

    classes: list[str]
    matrix: list[list[int]]
    rows: int
    evaluated: int = Field(description="rows with both a truth and a guess")
    correct: int
    accuracy: float | None
    macro_f1: float | None = Field(description="mean F1 over classes that have rows")
    per_class: list[ClassMetrics]

    def count(self, truth: str, guess: str) -> int:
        """Rows of truth ``truth`` guessed as ``guess``."""
        return self.matrix[self._index(truth)][self._index(guess)]

    def metrics(self, name: str) -> ClassMetrics:
        """Precision, recall, F1 and support of class ``name``."""
        return self.per_class[self._index(name)]

    def _index(self, name: str) -> int:
        try:
            return self.classes.index(name)
        except ValueError:
            raise UsageError(f"{name!r} is not a class; classes: {self.classes}") from None


class ScoreHistogram(BaseModel):
    """A class's score column binned on shared edges, for rows of that class and the others."""

    class_name: str
    column: str
    edges: list[float]
    positive: list[int] = Field(description="counts where truth is this class")
    negative: list[int] = Field(description="counts where truth is another class")


@dataclass(frozen=True)
class LabelCounts:
    """How many rows have each (truth, guess) pair, and how many rows there are in all."""

    pairs: dict[tuple[str, str], int]
    rows: int

    @property
    def labels(self) -> set[str]:
        """Every label seen as a truth or a guess."""
        return {label for pair in self.pairs for label in pair}


def label_counts(
    query: Query, truth: str, guess: str, *, deadline: float | None = None
) -> LabelCounts:
    """Count the query's rows per (truth, guess) pair; labels compare as text.

    Rows whose truth or guess is null count in ``rows`` only. UsageError if a column is missing
    or holds no labels (images, lists, JSON).
    """
    plan = query.plan(deadline)
    truth_sql = label_sql(plan, truth, "truth")
    guess_sql = label_sql(plan, guess, "guess")
    table = query.engine.run(
        f"SELECT {truth_sql} AS t, {guess_sql} AS g, count(*) AS n "
        f"FROM {plan.from_sql} WHERE {plan.where} GROUP BY 1, 2",
        list(plan.params.values),
        deadline=deadline,
    )
    pairs: dict[tuple[str, str], int] = {}
    rows = 0
    for t, g, n in zip(*(table.column(i).to_pylist() for i in range(3)), strict=True):
        rows += int(n)
        if t is not None and g is not None:
            pairs[(t, g)] = int(n)
    return LabelCounts(pairs=pairs, rows=rows)


def confusion_matrix(counts: LabelCounts, classes: Sequence[str] | None = None) -> ConfusionMatrix:
    """The confusion matrix of ``counts`` over ``classes`` (default: every label seen, sorted).

    As in scikit-learn, pairs with a label outside ``classes`` are left out of the matrix.
    """
    ordered = sorted(counts.labels) if classes is None else list(classes)
    if len(set(ordered)) != len(ordered):
        raise UsageError(f"classes must be distinct: {ordered}")
    matrix = [[counts.pairs.get((t, g), 0) for g in ordered] for t in ordered]
    per_class = [_class_metrics(name, matrix, i) for i, name in enumerate(ordered)]
    evaluated = sum(map(sum, matrix))
    correct = sum(matrix[i][i] for i in range(len(ordered)))
    f1s = [c.f1 for c in per_class if c.f1 is not None and c.support > 0]
    return ConfusionMatrix(
        classes=ordered,
        matrix=matrix,
        rows=counts.rows,
        evaluated=evaluated,
        correct=correct,
        accuracy=_ratio(correct, evaluated),
        macro_f1=sum(f1s) / len(f1s) if f1s else None,
        per_class=per_class,
    )


def confusion(
    query: Query, truth: str, guess: str, *, classes: Sequence[str] | None = None
) -> ConfusionMatrix:
    """The confusion matrix and per-class metrics of a query's rows (see Query.confusion_matrix)."""
    return confusion_matrix(label_counts(query, truth, guess), classes)


def score_histograms(
    query: Query,
    truth: str,
    classes: Iterable[str],
    *,
    prefix: str = "score_",
    bins: int = 10,
    deadline: float | None = None,
) -> list[ScoreHistogram]:
    """For each class with a numeric ``<prefix><class>`` column, its scores in ``bins`` bins,
    split into rows of that class (positive) and the others (negative).

    Scores within 0..1 share the fixed edges 0..1, so runs and classes compare bar for bar;
    other scores span their finite minimum to maximum. Classes without such a column, or with
    no finite score, are left out.
    """
    if not isinstance(bins, int) or isinstance(bins, bool) or not 1 <= bins <= 1000:
        raise UsageError(f"bins must be a whole number from 1 to 1000, not {bins!r}")
    plan = query.plan(deadline)
    truth_sql = label_sql(plan, truth, "truth")
    outputs = {output.name: output for output in plan.outputs}
    scored = [
        (name, f"{prefix}{name}", f"CAST({outputs[f'{prefix}{name}'].sql} AS DOUBLE)")
        for name in classes
        if f"{prefix}{name}" in outputs and outputs[f"{prefix}{name}"].type.kind in _NUMBERS
    ]
    if not scored:
        return []
    # One scan for every column's range: min and max of the finite scores.
    ranges = ", ".join(
        f"min({s}) FILTER (WHERE isfinite({s})), max({s}) FILTER (WHERE isfinite({s}))"
        for _, _, s in scored
    )
    values = list(plan.params.values)
    bounds = query.engine.run(
        f"SELECT {ranges} FROM {plan.from_sql} WHERE {plan.where}", values, deadline=deadline
    ).to_pylist()[0]
    limits = list(bounds.values())
    # Every class's bins in one scan: a grouping set per class of (its bin, truth is the class);
    # a non-finite or null score has no bin, so the class leaves that row out.
    binned_columns: list[tuple[int, str, str]] = []  # (index in scored, bin SQL, positive SQL)
    edges: list[tuple[float, float]] = []  # (low, width)
    for k, (_, _, score) in enumerate(scored):
        low, high = limits[2 * k], limits[2 * k + 1]
        if low is None:
            continue
        if low >= 0 and high <= 1:
            low, high = 0.0, 1.0
        elif high == low:
            high = low + 1.0
        width = (high - low) / bins
        label = f"${len(values) + len(binned_columns) + 1}"
        binned_columns.append(
            (
                k,
                f"(CASE WHEN isfinite({score}) THEN least(greatest(CAST(floor(({score} - "
                f"{float(low)!r}) / {width!r}) AS BIGINT), 0), {bins - 1}) END)",
                f"({truth_sql} = {label})",
            )
        )
        edges.append((low, width))
    if not binned_columns:
        return []
    names = [f"b{i}, p{i}" for i in range(len(binned_columns))]
    selected = ", ".join(f"{b} AS b{i}, {p} AS p{i}" for i, (_, b, p) in enumerate(binned_columns))
    sets = ", ".join(f"({n})" for n in names)
    binned = query.engine.run(
        f"SELECT {', '.join(names)}, GROUPING({', '.join(names)}) AS which, count(*) AS n "
        f"FROM (SELECT {selected} FROM {plan.from_sql} WHERE {plan.where}) "
        f"GROUP BY GROUPING SETS ({sets})",
        [*values, *(scored[k][0] for k, _, _ in binned_columns)],
        deadline=deadline,
    )
    width_all = 2 * len(binned_columns)
    counts = [([0] * bins, [0] * bins) for _ in binned_columns]
    for row in zip(*(binned.column(i).to_pylist() for i in range(binned.num_columns)), strict=True):
        which, n = row[-2], row[-1]
        # GROUPING sets a bit per listed column left out of the set; set i keeps b{i} and p{i}.
        i = next(
            i
            for i in range(len(binned_columns))
            if which == grouping_mask((2 * i, 2 * i + 1), width_all)
        )
        index, is_positive = row[2 * i], row[2 * i + 1]
        if index is not None:
            counts[i][0 if is_positive else 1][int(index)] += int(n)
    return [
        ScoreHistogram(
            class_name=scored[k][0],
            column=scored[k][1],
            edges=[low + width * j for j in range(bins + 1)],
            positive=positive,
            negative=negative,
        )
        for (k, _, _), (low, width), (positive, negative) in zip(
            binned_columns, edges, counts, strict=True
        )
    ]


def grouping_mask(grouped: Iterable[int], width: int) -> int:
    """What DuckDB's GROUPING() over ``width`` columns returns for a grouping set that groups the
    columns at positions ``grouped``: a bit set per column left out, the leftmost the highest."""
    mask = (1 << width) - 1
    for column in grouped:
        mask &= ~(1 << (width - 1 - column))
    return mask


def label_sql(plan: Plan, name: str, what: str) -> str:
    """SQL for column ``name`` of the plan as text labels; UsageError naming ``what`` (truth,
    guess) if the column is missing or holds no labels."""
    outputs: dict[str, OutputColumn] = {output.name: output for output in plan.outputs}
    output = outputs.get(name)
    if output is None:
        raise UsageError(f"{what} column {name!r} is not in the table; columns: {sorted(outputs)}")
    if output.type.kind in _NOT_LABELS:
        raise UsageError(f"{what} column {name!r} holds {output.type.kind} values, not labels")
    return f"CAST({output.sql} AS VARCHAR)"


def _class_metrics(name: str, matrix: list[list[int]], i: int) -> ClassMetrics:
    support = sum(matrix[i])
    predicted = sum(row[i] for row in matrix)
    hit = matrix[i][i]
    precision, recall = _ratio(hit, predicted), _ratio(hit, support)
    f1 = None
    if precision is not None and recall is not None:
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return ClassMetrics(
        name=name,
        support=support,
        predicted=predicted,
        correct=hit,
        precision=precision,
        recall=recall,
        f1=f1,
    )


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None
