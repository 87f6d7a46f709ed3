"""A minimum score threshold in the query layer, on a table logged by a real run, against hand
counts.

The ten rows below (truth, guess, top score = the highest of score_bird/cat/dog):

    r1 cat  cat  0.9     r6  bird bird 0.6
    r2 cat  dog  0.6     r7  bird dog  0.42
    r3 cat  cat  0.5     r8  -    bird 0.8    (no truth: not evaluated)
    r4 dog  dog  0.8     r9  cat  -    0.7    (no guess: not evaluated)
    r5 dog  cat  0.58    r10 dog  dog  -      (no score: never abstained)

Eight rows are evaluated and five are right. At 0.58 the rows below are r3 and r7 (0.58 itself
is kept, although 0.58 * 100 rounds below 58 in floating point); at 0.61 r2, r5 and r6 join them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import heron
from heron.errors import UsageError
from heron.query import Query
from heron.query.thresholds import STEPS, threshold_sweep, top_score_expression

CLASSES = ["bird", "cat", "dog"]
ROWS = [
    # truth, guess, score_bird, score_cat, score_dog
    ("cat", "cat", 0.05, 0.9, 0.05),
    ("cat", "dog", 0.1, 0.3, 0.6),
    ("cat", "cat", 0.21, 0.5, 0.29),
    ("dog", "dog", 0.1, 0.1, 0.8),
    ("dog", "cat", 0.12, 0.58, 0.3),
    ("bird", "bird", 0.6, 0.2, 0.2),
    ("bird", "dog", 0.29, 0.29, 0.42),
    (None, "bird", 0.8, 0.1, 0.1),
    ("cat", None, 0.1, 0.7, 0.2),
    ("dog", "dog", None, None, None),
]


@pytest.fixture
def predictions(store_dir: Path) -> Query:
    """The predictions table above, logged by a run and read back as a query."""
    with heron.init(project="zoo") as run:
        table = heron.Table(
            columns=["id", "truth", "guess", "score_bird", "score_cat", "score_dog"]
        )
        for index, row in enumerate(ROWS):
            table.add_data(index + 1, *row)
        run.log({"predictions": table})
        path = run.path
    return heron.Api().run(path).table("predictions").query()


def test_kept_abstained_and_accuracy_match_the_hand_count(predictions: Query) -> None:
    sweep = threshold_sweep(predictions, "truth", "guess", CLASSES)
    assert sweep.thresholds[0] == 0.0 and sweep.thresholds[-1] == 1.0
    assert len(sweep.thresholds) == STEPS + 1 and sweep.thresholds[58] == 0.58
    assert sweep.evaluated == 8
    at = {t: sweep.at(t) for t in (0.0, 0.58, 0.59, 0.6, 0.61, 1.0)}
    # Threshold 0 keeps everything: the rates are the unthresholded ones.
    assert (sweep.kept[at[0.0]], sweep.abstained[at[0.0]], sweep.correct[at[0.0]]) == (8, 0, 5)
    assert sweep.accuracy[at[0.0]] == pytest.approx(5 / 8)
    assert (sweep.kept[at[0.58]], sweep.abstained[at[0.58]]) == (6, 2)
    assert sweep.accuracy[at[0.58]] == pytest.approx(4 / 6)
    assert sweep.abstained[at[0.59]] == sweep.abstained[at[0.6]] == 3
    assert (sweep.kept[at[0.61]], sweep.correct[at[0.61]]) == (3, 3)
    # At 1 only the row without scores is kept: it can never fall below a threshold.
    assert (sweep.kept[at[1.0]], sweep.abstained[at[1.0]], sweep.accuracy[at[1.0]]) == (1, 7, 1.0)


def test_per_class_precision_recall_and_abstained(predictions: Query) -> None:
    sweep = threshold_sweep(predictions, "truth", "guess", CLASSES)
    k = sweep.at(0.58)
    bird, cat, dog = sweep.per_class
    assert [c.name for c in sweep.per_class] == CLASSES and cat.column == "score_cat"
    assert (cat.support, cat.predicted[k], cat.correct[k], cat.abstained[k]) == (3, 2, 1, 1)
    assert (cat.precision[k], cat.recall[k]) == (0.5, pytest.approx(1 / 3))
    assert cat.f1[k] == pytest.approx(2 * 0.5 * (1 / 3) / (0.5 + 1 / 3))
    assert (dog.support, dog.predicted[k], dog.correct[k], dog.abstained[k]) == (3, 3, 2, 0)
    assert (bird.precision[k], bird.recall[k], bird.abstained[k]) == (1.0, 0.5, 1)
    # Overall, the classes' mean: precision over classes with a kept guess, recall over all.
    assert sweep.macro_precision[k] == pytest.approx((1.0 + 0.5 + 2 / 3) / 3)
    assert sweep.macro_recall[k] == pytest.approx((0.5 + 1 / 3 + 2 / 3) / 3)
    # Recall counts an abstained row as missed; precision is over what is kept.
    k = sweep.at(1.0)
    assert (bird.predicted[k], bird.precision[k], bird.recall[k]) == (0, None, 0.0)
    assert (dog.precision[k], dog.recall[k]) == (1.0, pytest.approx(1 / 3))
    assert (sweep.macro_precision[k], sweep.macro_recall[k]) == (1.0, pytest.approx(1 / 9))


def test_the_below_filter_lists_exactly_the_abstained_rows(predictions: Query) -> None:
    sweep = threshold_sweep(predictions, "truth", "guess", CLASSES)
    assert sweep.top_score == 'max(row["score_bird"], row["score_cat"], row["score_dog"])'
    assert sweep.labelled == 'row["truth"] != null and row["guess"] != null'
    assert sweep.below_filter(0.58) == f"{sweep.labelled} and {sweep.top_score} < 0.58"
    below = predictions.filter(sweep.below_filter(0.58)).select(["id"]).to_arrow()
    assert below.column("id").to_pylist() == [3, 7]
    below = predictions.filter(sweep.below_filter(0.61)).select(["id"]).to_arrow()
    assert below.column("id").to_pylist() == [2, 3, 5, 6, 7]
    # At 1 every evaluated row with a score is below; r8 and r9 lack a label, r10 a score.
    below = predictions.filter(sweep.below_filter(1.0)).select(["id"]).to_arrow()
    assert below.column("id").to_pylist() == [1, 2, 3, 4, 5, 6, 7]
    assert predictions.filter(sweep.below_filter(0.0)).count() == 0
    with pytest.raises(UsageError, match="not on the grid"):
        sweep.below_filter(0.555)


def test_one_vs_rest_curves_over_each_score_column(predictions: Query) -> None:
    sweep = threshold_sweep(predictions, "truth", "guess", CLASSES)
    curve = sweep.per_class[1].curve  # cat: rows r1-r7, r9, r10 have a truth
    assert (curve.positives, curve.negatives) == (4, 5)
    # At 0.5, score_cat >= 0.5 on r1, r3, r9 (cats) and r5 (a dog); r10's null score never is.
    k = sweep.at(0.5)
    assert (curve.precision[k], curve.recall[k], curve.false_positive_rate[k]) == (0.75, 0.75, 0.2)
    k = sweep.at(0.0)
    assert (curve.precision[k], curve.recall[k], curve.false_positive_rate[k]) == (0.5, 1.0, 0.8)
    # r7's score_cat is exactly 0.29: counted at 0.29, gone at 0.3.
    assert curve.false_positive_rate[sweep.at(0.29)] == 0.4
    assert curve.false_positive_rate[sweep.at(0.3)] == 0.2
    # Ranked by score_cat: .9 cat, .7 cat, .58 dog, .5 cat, .3 cat, .29 bird, .2, .1, null:
    # 18 of the 20 (cat, other) pairs are ordered right, and the cats come in at precision
    # 1/1, 2/2, 3/4 and 4/5.
    assert curve.roc_auc == pytest.approx(18 / 20)
    assert curve.average_precision == pytest.approx((1 + 1 + 3 / 4 + 4 / 5) / 4)


def test_a_filter_narrows_the_sweep(predictions: Query) -> None:
    sweep = threshold_sweep(predictions.filter('row["truth"] = "cat"'), "truth", "guess", CLASSES)
    assert sweep.evaluated == 3 and sweep.abstained[sweep.at(0.58)] == 1


def test_missing_score_columns_are_named(predictions: Query) -> None:
    with pytest.raises(UsageError, match="missing or not numeric: score_fish") as error:
        threshold_sweep(predictions, "truth", "guess", [*CLASSES, "fish"])
    assert "score_bird, score_cat, score_dog" in str(error.value)
    with pytest.raises(UsageError, match="missing or not numeric: p_bird, p_cat, p_dog"):
        threshold_sweep(predictions, "truth", "guess", CLASSES, prefix="p_")
    with pytest.raises(UsageError, match="truth column 'label' is not in the table"):
        threshold_sweep(predictions, "label", "guess", CLASSES)


def test_top_score_expression_quotes_names() -> None:
    assert top_score_expression(["score_a"]) == 'row["score_a"]'
    assert top_score_expression(['s"x', "s y"]) == 'max(row["s\\"x"], row["s y"])'
