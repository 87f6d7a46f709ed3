"""A minimum score threshold on a classifier's predictions: at every threshold of a fixed grid,
what is kept and what is abstained, per class and overall, and each class's one-vs-rest PR and
ROC curve over its ``score_<class>`` column, counted in DuckDB in one scan.

A row's *top score* is the highest of its class scores, written in the query language as
``max(row["score_A"], row["score_B"], ...)`` (:func:`top_score_expression`). At threshold ``t``
an evaluated row (truth and guess set) is *abstained* when ``top score < t`` and *kept*
otherwise; a row without any score is never abstained. ``ThresholdSweep.below_filter`` is that
rule as a filter, the one the explorer is given to list those rows, so the counts and the listed
rows are the same set. The grid is ``0, 0.01, ..., 1``: one query counts the rows per
(truth, guess, how many grid thresholds keep the row), so the browser can move a slider over the
whole grid without asking again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from itertools import pairwise
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from heron.errors import UsageError
from heron.query.evaluation import grouping_mask, label_sql

if TYPE_CHECKING:
    from heron.query.builder import Query

STEPS = 100
"""The grid: thresholds k / STEPS for k = 0..STEPS."""

_NUMBERS = ("float", "int")


def grid() -> list[float]:
    """The thresholds of the grid, 0 to 1; ``k / STEPS`` is the same double as the decimal text
    ``f"{k / STEPS}"`` a filter carries (division and parsing both round correctly)."""
    return [k / STEPS for k in range(STEPS + 1)]


class ClassCurve(BaseModel):
    """One class against the rest over its score column: at each grid threshold ``t``, the rows
    with score >= t are called the class. Rates with nothing to divide by are None."""

    positives: int = Field(description="rows whose truth is this class")
    negatives: int = Field(description="rows whose truth is another class")
    precision: list[float | None]
    recall: list[float | None] = Field(description="also the true positive rate (ROC y)")
    false_positive_rate: list[float | None] = Field(description="ROC x")
    average_precision: float | None = Field(
        description="precision averaged over recall: the sum of precision times each step's recall gain"
    )
    roc_auc: float | None = Field(description="area under the ROC curve (trapezoids)")


class ClassThreshold(BaseModel):
    """One class at each grid threshold: its kept guesses, how many are right, how many of its
    rows are abstained, and the rates.

    Precision is over the kept guesses of the class; recall over every row of the class, so an
    abstained row counts as missed.
    """

    name: str
    column: str = Field(description="the class's score column")
    support: int = Field(description="rows whose truth is this class")
    predicted: list[int] = Field(description="kept rows guessed as this class")
    correct: list[int] = Field(description="kept rows guessed right as this class")
    abstained: list[int] = Field(description="rows of this class below the threshold")
    precision: list[float | None]
    recall: list[float | None]
    f1: list[float | None]
    curve: ClassCurve


class ThresholdSweep(BaseModel):
    """Every grid threshold's counts and rates, overall and per class.

    ``evaluated`` counts rows with a truth and a guess among the classes; ``kept[k]`` those whose
    top score reaches ``thresholds[k]``; ``accuracy[k]`` is over the kept rows.
    """

    thresholds: list[float]
    top_score: str = Field(description="the query-language expression of a row's top score")
    labelled: str = Field(description="the filter of the rows evaluated: truth and guess set")
    evaluated: int
    kept: list[int]
    correct: list[int]
    abstained: list[int]
    accuracy: list[float | None]
    macro_precision: list[float | None] = Field(
        description="mean precision over the classes with a kept guess"
    )
    macro_recall: list[float | None] = Field(description="mean recall over the classes with rows")
    per_class: list[ClassThreshold]

    def at(self, threshold: float) -> int:
        """The grid index of ``threshold`` (UsageError unless it is on the grid)."""
        k = round(threshold * STEPS)
        if not 0 <= k <= STEPS or self.thresholds[k] != threshold:
            raise UsageError(f"threshold {threshold!r} is not on the grid 0, 0.01, ..., 1")
        return k

    def below_filter(self, threshold: float) -> str:
        """The filter listing the rows abstained at ``threshold``: those evaluated (both labels
        set) whose top score is below it."""
        return f"{self.labelled} and {self.top_score} < {self.thresholds[self.at(threshold)]!r}"


def top_score_expression(columns: Sequence[str]) -> str:
    """``max(row["score_A"], row["score_B"], ...)``: a row's highest score (its one column if
    there is only one)."""
    if not columns:
        raise UsageError("a top score needs at least one score column")
    refs = [f"row[{_string_literal(column)}]" for column in columns]
    return refs[0] if len(refs) == 1 else f"max({', '.join(refs)})"


def score_columns(query: Query, classes: Sequence[str], prefix: str = "score_") -> list[str]:
    """The score column of each class, ``<prefix><class>``; UsageError naming those missing or
    not numeric, since the top score needs every class's score."""
    kinds = {name: value_type.kind for name, value_type in query.columns}
    columns = [f"{prefix}{name}" for name in classes]
    missing = [column for column in columns if kinds.get(column) not in _NUMBERS]
    if missing:
        numeric = sorted(name for name, kind in kinds.items() if kind in _NUMBERS)
        raise UsageError(
            f"a score threshold needs a numeric {prefix}<class> column for every class; "
            f"missing or not numeric: {', '.join(missing)} (numeric columns: "
            f"{', '.join(numeric) or 'none'})"
        )
    return columns


def threshold_sweep(
    query: Query,
    truth: str,
    guess: str,
    classes: Sequence[str],
    *,
    prefix: str = "score_",
    deadline: float | None = None,
) -> ThresholdSweep:
    """Counts and rates of the query's rows at every grid threshold over ``classes`` (each with
    a numeric ``<prefix><class>`` column); rows with another label are left out, as in
    :func:`heron.query.evaluation.confusion_matrix`."""
    if len(set(classes)) != len(classes) or not classes:
        raise UsageError(f"classes must be distinct and not empty: {list(classes)}")
    columns = score_columns(query, classes, prefix)
    top = top_score_expression(columns)
    name = "top_score"
    taken = {column for column, _ in query.columns}
    while name in taken:
        name += "_"
    plan = query.add_column(name, top).plan(deadline)
    refs = [plan.ref(column).sql for column in (name, *columns)]
    scored = ", ".join(f"{sql} AS s{i}" for i, sql in enumerate(refs))
    keeps = [
        f"coalesce({_steps_reached(f's{i}')}, {0 if i else STEPS + 1})" for i in range(len(refs))
    ]
    buckets = ", ".join(f"{sql} AS b{i}" for i, sql in enumerate(keeps))
    sets = ", ".join(["(t, g, b0)", *(f"(t, b{i})" for i in range(1, len(refs)))])
    grouped = ", ".join(f"b{i}" for i in range(len(refs)))
    table = query.engine.run(
        f"SELECT t, g, {grouped}, GROUPING(g, {grouped}) AS which, count(*) AS n FROM ("
        f"SELECT t, g, {buckets} FROM (SELECT {label_sql(plan, truth, 'truth')} AS t, "
        f"{label_sql(plan, guess, 'guess')} AS g, {scored} "
        f"FROM {plan.from_sql} WHERE {plan.where}) WHERE t IS NOT NULL) "
        f"GROUP BY GROUPING SETS ({sets})",
        list(plan.params.values),
        deadline=deadline,
    )
    index = {label: i for i, label in enumerate(classes)}
    # kept[i][j][b]: rows of truth i guessed j that the first b grid thresholds keep.
    kept = [[[0] * (STEPS + 2) for _ in classes] for _ in classes]
    # at_or_above[c][positive][b]: rows whose class-c score reaches the first b thresholds.
    reached = [[[0] * (STEPS + 2) for _ in range(2)] for _ in classes]
    width = len(refs)
    for row in zip(*(table.column(i).to_pylist() for i in range(table.num_columns)), strict=True):
        t, g, bucket, which, n = row[0], row[1], row[2 : 2 + width], row[-2], row[-1]
        if t not in index:
            continue
        # The sets list (g, b0, ..., b{width-1}): set 0 groups g and b0, set c + 1 groups b{c + 1}.
        if which == grouping_mask((0, 1), width + 1):
            if g in index:
                kept[index[t]][index[g]][int(bucket[0])] += n
            continue
        for c in range(len(classes)):
            if which == grouping_mask((c + 2,), width + 1):
                reached[c][int(classes[c] == t)][int(bucket[c + 1])] += n
    labelled = " and ".join(f"row[{_string_literal(c)}] != null" for c in (truth, guess))
    return _sweep(top, labelled, list(classes), columns, kept, reached)


def _steps_reached(x: str) -> str:
    """SQL for how many grid thresholds ``k / STEPS`` are <= ``x`` (null when ``x`` is).

    Comparing with the thresholds themselves, not only rounding ``x * STEPS``, keeps the count
    exact at the grid points, where a filter ``x < 0.29`` draws its line. NaN sorts above every
    number in DuckDB, as it does in that filter. The count is a DOUBLE: casting every row's
    count to an integer costs more than the rest of the expression.
    """
    f = f"floor({x} * {STEPS})"
    step = float(STEPS)
    return (
        f"(CASE WHEN {x} >= 1.0 THEN {STEPS + 1} WHEN {x} < 0.0 THEN 0 "
        f"ELSE {f} + 1 + CAST(({f} + 1) / {step!r} <= {x} AS INTEGER) "
        f"- CAST({f} / {step!r} > {x} AS INTEGER) END)"
    )


def _suffix(counts: list[int]) -> list[int]:
    """``out[k]``: rows kept at grid threshold k, i.e. reaching more than k thresholds."""
    out = [0] * (STEPS + 1)
    total = 0
    for b in range(STEPS + 1, 0, -1):
        total += counts[b]
        out[b - 1] = total
    return out


def _sweep(
    top: str,
    labelled: str,
    classes: list[str],
    columns: list[str],
    kept: list[list[list[int]]],
    reached: list[list[list[int]]],
) -> ThresholdSweep:
    n = len(classes)
    kept_at = [[_suffix(kept[i][j]) for j in range(n)] for i in range(n)]
    support = [sum(sum(kept[i][j]) for j in range(n)) for i in range(n)]
    steps = range(STEPS + 1)
    per_class = []
    for c in range(n):
        predicted = [sum(kept_at[i][c][k] for i in range(n)) for k in steps]
        correct = kept_at[c][c]
        kept_rows = [sum(kept_at[c][j][k] for j in range(n)) for k in steps]
        precision = [_ratio(correct[k], predicted[k]) for k in steps]
        recall = [_ratio(correct[k], support[c]) for k in steps]
        per_class.append(
            ClassThreshold(
                name=classes[c],
                column=columns[c],
                support=support[c],
                predicted=predicted,
                correct=correct,
                abstained=[support[c] - kept_rows[k] for k in steps],
                precision=precision,
                recall=recall,
                f1=[_f1(p, r) for p, r in zip(precision, recall, strict=True)],
                curve=_curve(reached[c]),
            )
        )
    evaluated = sum(support)
    kept_all = [sum(kept_at[i][j][k] for i in range(n) for j in range(n)) for k in steps]
    correct_all = [sum(kept_at[i][i][k] for i in range(n)) for k in steps]
    return ThresholdSweep(
        thresholds=grid(),
        top_score=top,
        labelled=labelled,
        evaluated=evaluated,
        kept=kept_all,
        correct=correct_all,
        abstained=[evaluated - kept_all[k] for k in steps],
        accuracy=[_ratio(correct_all[k], kept_all[k]) for k in steps],
        macro_precision=[_mean(c.precision[k] for c in per_class) for k in steps],
        macro_recall=[_mean(c.recall[k] for c in per_class) for k in steps],
        per_class=per_class,
    )


def _curve(reached: list[list[int]]) -> ClassCurve:
    negative, positive = (_suffix(counts) for counts in reached)
    positives, negatives = sum(reached[1]), sum(reached[0])
    steps = range(STEPS + 1)
    precision = [_ratio(positive[k], positive[k] + negative[k]) for k in steps]
    recall = [_ratio(positive[k], positives) for k in steps]
    fpr = [_ratio(negative[k], negatives) for k in steps]
    return ClassCurve(
        positives=positives,
        negatives=negatives,
        precision=precision,
        recall=recall,
        false_positive_rate=fpr,
        average_precision=_average_precision(recall, precision),
        roc_auc=_area(fpr, recall),
    )


def _average_precision(recall: list[float | None], precision: list[float | None]) -> float | None:
    """Each threshold's precision weighted by the recall it adds over the next higher one, as
    scikit-learn's average precision does over the grid; above the grid nothing is called."""
    rates = [r for r in recall if r is not None]
    if len(rates) < len(recall):
        return None
    gains = [r - above for r, above in zip(rates, [*rates[1:], 0.0], strict=True)]
    return sum(gain * p for gain, p in zip(gains, precision, strict=True) if p is not None)


def _area(xs: list[float | None], ys: list[float | None]) -> float | None:
    """Trapezoid area under the ROC points, with (0, 0) and (1, 1), the corners every ROC curve
    passes through (None unless both classes have rows)."""
    points = [(x, y) for x, y in zip(xs, ys, strict=True) if x is not None and y is not None]
    if len(points) < len(xs):
        return None
    points = sorted([(0.0, 0.0), (1.0, 1.0), *points])
    return sum((x1 - x0) * (y0 + y1) / 2 for (x0, y0), (x1, y1) in pairwise(points))


def _f1(precision: float | None, recall: float | None) -> float | None:
    if precision is None or recall is None:
        return None
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _mean(values: Iterable[float | None]) -> float | None:
    defined = [value for value in values if value is not None]
    return sum(defined) / len(defined) if defined else None


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def _string_literal(text: str) -> str:
    """A string literal of the query language (JSON escapes are a subset it accepts)."""
    return json.dumps(text)
