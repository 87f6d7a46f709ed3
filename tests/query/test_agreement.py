"""Merged tables: a column every run holds the same value of is used without an index.

Three runs predicted overlapping images; each image's label (``truth``) is the same in every run,
the runs' guesses and scores differ. ``row["truth"] = "Aves"`` works on the merged table like on
one run's table; ``row["guess"] = "Aves"`` says the runs disagree, how often, and what to write.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from heron.errors import QueryError
from heron.query import Engine, TableSource, merge
from tests.query.helpers import CLASSES, PREDICTION_COLUMNS, predictions, write_table

Runs = list[tuple[TableSource, pd.DataFrame]]
IMAGES = [range(0, 300), range(50, 350), range(0, 320)]


def label_of(image: int) -> str:
    """Each image's one true label, whichever run predicted it."""
    return CLASSES[(image * 7) % len(CLASSES)]


@pytest.fixture(scope="module")
def labelled_runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    """Three runs over overlapping images; truth is each image's label, the same in every run.

    Run 2 lost the label of image 60 (null): runs that hold no value do not disagree.
    """
    rng = np.random.default_rng(5)
    out = []
    for i, ids in enumerate(IMAGES):
        data = predictions(rng, 0, image_ids=list(ids), accuracy=0.4 + 0.2 * i)
        data["truth"] = [label_of(k) for k in ids]
        if i == 2:
            data["truth"][60] = None
        directory = tmp_path_factory.mktemp(f"labelled{i}")
        out.append(
            (write_table(directory, PREDICTION_COLUMNS, data, f"fc-{i}"), pd.DataFrame(data))
        )
    return out


def _joined(runs: Runs, how: str) -> pd.DataFrame:
    """The pandas twin of the merge on id: one row per id, each run's columns suffixed _i."""
    frames = [
        df.add_suffix(f"_{i}").rename(columns={f"id_{i}": "id"}) for i, (_, df) in enumerate(runs)
    ]
    out = frames[0]
    for f in frames[1:]:
        out = out.merge(f, on="id", how=how)  # type: ignore[arg-type]
    return out


def _one_label(row: pd.Series[Any], n: int) -> Any:
    values = [row[f"truth_{i}"] for i in range(n) if isinstance(row[f"truth_{i}"], str)]
    return values[0] if values else None


@pytest.mark.parametrize("how", ["inner", "outer"])
def test_a_column_the_runs_agree_on_filters_without_an_index(
    labelled_runs: Runs, engine: Engine, how: str
) -> None:
    ref = _joined(labelled_runs, how)
    truth = ref.apply(lambda r: _one_label(r, 3), axis=1)
    q = merge([s for s, _ in labelled_runs], on="id", how=how, engine=engine)  # type: ignore[arg-type]
    assert q.filter('row["truth"] = "Aves"').count() == int((truth == "Aves").sum())
    assert q.filter('row.truth in ["Fungi", "Insecta"]').count() == int(
        truth.isin(["Fungi", "Insecta"]).sum()
    )
    # Mixed with a picked run, as the walkthrough's mistakes filter: run 1's mistakes.
    mistakes = q.filter('row["truth"] != row["guess"][1]')
    expected = ref[truth.notna() & ref["guess_1"].notna() & (truth != ref["guess_1"])]
    assert mistakes.count() == len(expected)
    # The same value in a derived column, a function and a sort key.
    page = (
        q.add_column("label", 'lower(row["truth"])')
        .filter('row["truth"] = "Aves"')
        .sort("label")
        .page(0, 500)
    )
    assert {r["label"] for r in page.rows} == {"aves"}
    # The column itself still shows every run's value, and [i] still picks one.
    first = page.rows[0]["truth"]
    assert isinstance(first, list) and len(first) == 3 and "Aves" in first
    assert q.filter('row["truth"][0] = "Aves"').count() == int((ref["truth_0"] == "Aves").sum())


def test_the_image_all_runs_share_gives_its_fields(labelled_runs: Runs, engine: Engine) -> None:
    q = merge([s for s, _ in labelled_runs], on="id", engine=engine)
    n = len(_joined(labelled_runs, "inner"))
    assert q.filter('row["image"].width = 64').count() == n
    assert q.filter('row["image"]["height"] = 64').count() == n


def test_a_null_in_one_run_does_not_disagree(labelled_runs: Runs, engine: Engine) -> None:
    q = merge([s for s, _ in labelled_runs], on="id", engine=engine)
    # Image 60 has no label in run 2; runs 0 and 1 call it label_of(60).
    rows = q.filter(f'row["id"] = 60 and row["truth"] = "{label_of(60)}"').page(0, 5).rows
    assert [r["truth"] for r in rows] == [[label_of(60), label_of(60), None]]


def test_runs_that_disagree_are_named_with_what_to_write(
    labelled_runs: Runs, engine: Engine
) -> None:
    ref = _joined(labelled_runs, "inner")
    guesses = ref[["guess_0", "guess_1", "guess_2"]]
    differing = int((guesses.nunique(axis=1) > 1).sum())
    first = ref.loc[guesses.nunique(axis=1) > 1].sort_values("id").iloc[0]
    q = merge([s for s, _ in labelled_runs], on="id", engine=engine)
    with pytest.raises(QueryError) as info:
        q.filter('row["truth"] = "Aves" and row["guess"] = "Aves"').count()
    message = info.value.message
    assert f'different values of "guess" at 31 in {differing:,} of {len(ref):,} rows' in message
    assert f'e.g. id {int(first["id"])}: run 0 "{first["guess_0"]}"' in message
    assert 'pick one run with row["guess"][0]' in message
    assert 'contains(row["guess"], value)' in message
    assert info.value.position == 31 and info.value.field == "filter"
    # A number: the reductions that apply.
    with pytest.raises(QueryError, match=r"avg\(row\[\"score_Aves\"\]\), min\(...\)") as number:
        q.add_column("sure", 'row["score_Aves"] > 0.5').count()
    assert number.value.field == "columns[0].expr"


def test_agreement_is_checked_once_per_merge(labelled_runs: Runs) -> None:
    engine = Engine(timeout=20, cache="off")
    q = merge([s for s, _ in labelled_runs], on="id", engine=engine)
    q.filter('row["truth"] = "Aves"').count()
    before = engine.statements().get("select", 0)
    q.filter('row["truth"] = "Fungi"').count()
    q.filter('row["truth"] != "Fungi" and lower(row["truth"]) = "aves"').count()
    # One count each: the check on truth was made once, with the merge.
    assert engine.statements().get("select", 0) - before == 2


def test_per_run_values_an_expression_computes_need_an_index(
    labelled_runs: Runs, engine: Engine
) -> None:
    q = merge([s for s, _ in labelled_runs], on="id", engine=engine)
    # Only a stored column can stand for the value its runs agree on.
    with pytest.raises(QueryError, match=r'"per_run" holds one value per run \(3 runs\)'):
        q.add_column("per_run", 'row["truth"]').filter('row["per_run"] = "Aves"').count()


def test_a_merge_of_one_run(labelled_runs: Runs, engine: Engine) -> None:
    single = merge([labelled_runs[0][0]], on="id", engine=engine)
    assert single.filter('row["truth"] = "Aves"').count() == int(
        (labelled_runs[0][1]["truth"] == "Aves").sum()
    )


def test_groups_of_a_column_the_runs_agree_on_hold_every_run_s_rows(
    labelled_runs: Runs, engine: Engine
) -> None:
    ref = _joined(labelled_runs, "outer")
    truth = ref.apply(lambda r: _one_label(r, 3), axis=1)
    q = merge([s for s, _ in labelled_runs], on="id", how="outer", engine=engine)
    # An image only some runs saw is in its label's one group, not in a group of its own.
    groups = q.group_by("truth", limit=100).groups()
    assert {r["key"][0]: r["count"] for r in groups["rows"]} == truth.value_counts().to_dict()
    assert groups["columns"][0]["runs"] is None
    table = q.group_by("truth").to_arrow().to_pylist()
    assert {r["truth"]: r["count"] for r in table} == truth.value_counts().to_dict()
    # Runs that disagree group by each combination of their values.
    by_guess = q.group_by("guess", limit=1000).groups()
    combos = ref[["guess_0", "guess_1", "guess_2"]].astype(object).where(ref.notna(), None)
    expected = combos.apply(tuple, axis=1).value_counts().to_dict()
    assert {tuple(r["key"][0]): r["count"] for r in by_guess["rows"]} == expected
