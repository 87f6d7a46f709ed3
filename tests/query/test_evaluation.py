"""Classifier evaluation in the query layer, on a table logged by a real run, against hand counts.

The eight rows below (truth, guess): cat cat, cat dog, cat cat, dog dog, dog cat, bird bird,
(none) bird, cat (none). Counted by hand over the classes bird, cat, dog:

    truth \\ guess  bird  cat  dog
    bird             1    0    0
    cat              0    2    1
    dog              0    1    1

six rows have both labels, four are right; cat is guessed three times (two right), dog twice
(one right), bird once (right).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import heron
from heron.errors import UsageError
from heron.query import Query
from heron.query.evaluation import label_counts, score_histograms

TRUTH = ["cat", "cat", "cat", "dog", "dog", "bird", None, "cat"]
GUESS = ["cat", "dog", "cat", "dog", "cat", "bird", "bird", None]
SCORE_CAT = [0.9, 0.4, 0.8, 0.1, 0.6, 0.0, 0.2, 0.7]
SCORE_DOG = [0, 1, 2, 3, 4, 5, 6, 7]


@pytest.fixture
def predictions(store_dir: Path) -> Query:
    """The predictions table above, logged by a run and read back as a query."""
    with heron.init(project="zoo") as run:
        table = heron.Table(columns=["id", "truth", "guess", "score_cat", "score_dog"])
        for row in zip(range(8), TRUTH, GUESS, SCORE_CAT, SCORE_DOG, strict=True):
            table.add_data(*row)
        run.log({"predictions": table})
        path = run.path
    return heron.Api().run(path).table("predictions").query()


def test_matrix_and_rates_match_the_hand_count(predictions: Query) -> None:
    result = predictions.confusion_matrix("truth", "guess")
    assert result.classes == ["bird", "cat", "dog"]
    assert result.matrix == [[1, 0, 0], [0, 2, 1], [0, 1, 1]]
    assert (result.rows, result.evaluated, result.correct) == (8, 6, 4)
    assert result.accuracy == pytest.approx(4 / 6)
    assert result.count("dog", "cat") == 1 and result.count("bird", "dog") == 0
    cat = result.metrics("cat")
    assert (cat.support, cat.predicted, cat.correct) == (3, 3, 2)
    assert cat.precision == pytest.approx(2 / 3) and cat.recall == pytest.approx(2 / 3)
    assert cat.f1 == pytest.approx(2 / 3)
    dog = result.metrics("dog")
    assert (dog.precision, dog.recall, dog.f1) == (0.5, 0.5, 0.5)
    assert result.metrics("bird").f1 == 1.0
    assert result.macro_f1 == pytest.approx((1 + 2 / 3 + 0.5) / 3)
    with pytest.raises(UsageError, match="'fish' is not a class"):
        result.count("fish", "cat")


def test_a_filter_and_a_class_list_change_what_is_counted(predictions: Query) -> None:
    cats = predictions.filter('row["truth"] = "cat"').confusion_matrix("truth", "guess")
    assert cats.classes == ["cat", "dog"] and cats.matrix == [[2, 1], [0, 0]]
    assert cats.rows == 4 and cats.evaluated == 3
    # dog is never the truth here: its precision is 0 of 1 guess, its recall undefined.
    dog = cats.metrics("dog")
    assert (dog.support, dog.precision, dog.recall, dog.f1) == (0, 0.0, None, None)
    assert cats.macro_f1 == pytest.approx(2 * 1.0 * (2 / 3) / (1.0 + 2 / 3))

    # As in scikit-learn, a class list orders the matrix and leaves other labels out.
    chosen = predictions.confusion_matrix("truth", "guess", classes=["dog", "cat"])
    assert chosen.matrix == [[1, 1], [1, 2]] and chosen.evaluated == 5
    assert chosen.accuracy == pytest.approx(3 / 5)


def test_counts_are_shared_across_tables_over_one_class_list(predictions: Query) -> None:
    counts = label_counts(predictions, "truth", "guess")
    assert counts.labels == {"bird", "cat", "dog"} and counts.rows == 8
    assert counts.pairs[("cat", "dog")] == 1 and ("cat", "bird") not in counts.pairs
    wider = predictions.confusion_matrix("truth", "guess", classes=["ant", "bird", "cat", "dog"])
    assert wider.matrix[0] == [0, 0, 0, 0] and wider.metrics("ant").precision is None


def test_score_histograms_split_each_class_from_the_others(predictions: Query) -> None:
    cat, dog = score_histograms(predictions, "truth", ["bird", "cat", "dog"], bins=2)
    # Probabilities share the fixed edges 0..1; cat rows score 0.9 0.4 0.8 0.7.
    assert cat.column == "score_cat" and cat.edges == [0.0, 0.5, 1.0]
    assert cat.positive == [1, 3] and cat.negative == [3, 1]
    # Other scores span their range: 0..7 in two bins of 3.5; dog rows score 3 and 4.
    assert dog.class_name == "dog" and dog.edges == [0.0, 3.5, 7.0]
    assert dog.positive == [1, 1] and dog.negative == [3, 3]
    assert not any(math.isnan(edge) for edge in cat.edges + dog.edges)


def test_columns_that_hold_no_labels_are_refused_by_name(predictions: Query) -> None:
    with pytest.raises(UsageError, match="truth column 'label' is not in the table"):
        predictions.confusion_matrix("label", "guess")
    with pytest.raises(UsageError, match="classes must be distinct"):
        predictions.confusion_matrix("truth", "guess", classes=["cat", "cat"])
