"""Every query of the walkthrough, checked against pandas computing the same thing."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from heron.query import Engine, Query, TableSource, concat, execute, merge
from tests.query.helpers import CLASSES, json_roundtrip

Pred = tuple[TableSource, pd.DataFrame]


def groups_by_key(result: dict[str, Any]) -> dict[tuple[Any, ...], dict[str, Any]]:
    return {tuple(r["key"]): r for r in result["rows"]}


def test_group_by_split_counts_labels(dataset_table: Pred, engine: Engine) -> None:
    source, df = dataset_table
    result = json_roundtrip(Query(source, engine=engine).group_by("split", top_n=10).groups())
    by = groups_by_key(result)
    assert sorted(by) == [("test",), ("train",), ("val",)]
    for (split,), row in by.items():
        sub = df[df.split == split]
        assert row["count"] == len(sub)
        labels = {v["value"]: v["count"] for v in row["summaries"]["label"]["values"]}
        assert labels == sub.label.value_counts().to_dict()
        assert row["summaries"]["image"]["total"] == len(sub)


def test_group_by_label_shows_first_images(dataset_table: Pred, engine: Engine) -> None:
    source, df = dataset_table
    result = Query(source, engine=engine).group_by("label", images_per_group=3).groups()
    assert result["total"] == len(CLASSES)
    for row in result["rows"]:
        sub = df[df.label == row["key"][0]]
        expected = [img["sha256"] for img in sub.image.head(3)]
        assert [i["sha256"] for i in row["summaries"]["image"]["images"]] == expected
        assert row["summaries"]["image"]["total"] == len(sub)


@pytest.mark.parametrize("key, other", [("truth", "guess"), ("guess", "truth")])
def test_group_by_truth_or_guess(pred_table: Pred, engine: Engine, key: str, other: str) -> None:
    source, df = pred_table
    result = json_roundtrip(Query(source, engine=engine).group_by(key, bins=8, top_n=3).groups())
    info = result["summaries"]["score_Plantae"]
    edges = np.array(info["edges"])
    assert len(edges) == 9
    # Edges span the filtered rows' finite range and are shared by every group.
    finite = df.score_Plantae[np.isfinite(df.score_Plantae)]
    assert edges[0] == pytest.approx(finite.min()) and edges[-1] == pytest.approx(finite.max())
    keys = df[key].dropna().unique().tolist() + ([None] if df[key].isna().any() else [])
    assert result["total"] == len(keys)
    for row in result["rows"]:
        k = row["key"][0]
        sub = df[df[key].isna()] if k is None else df[df[key] == k]
        assert row["count"] == len(sub)
        hist = row["summaries"]["score_Plantae"]
        expected, _ = np.histogram(sub.score_Plantae.dropna(), bins=edges)
        assert hist["counts"] == expected.tolist()
        assert hist["mean"] == pytest.approx(sub.score_Plantae.mean())
        assert hist["min"] == pytest.approx(sub.score_Plantae.min())
        top = row["summaries"][other]["values"]
        counts = sub[other].value_counts(dropna=False)
        assert [v["count"] for v in top] == counts.head(3).tolist()
        assert row["summaries"][other]["other"] == len(sub) - sum(v["count"] for v in top)


def test_truth_group_counts_nan_apart(pred_table: Pred, engine: Engine) -> None:
    source, df = pred_table
    result = Query(source, engine=engine).group_by("truth").groups()
    nan_truth = df.truth[3]
    row = groups_by_key(result)[(nan_truth,)]
    assert row["summaries"]["score_Amphibia"]["non_finite"] == 1


def test_filter_mistakes(pred_table: Pred, engine: Engine) -> None:
    source, df = pred_table
    q = Query(source, engine=engine).filter('row["truth"] != row["guess"]')
    # SQL (like W&B) drops rows where the comparison is null: the missing guess.
    expected = df[(df.truth != df.guess) & df.guess.notna()]
    assert q.count() == len(expected)
    page = q.sort("score_Amphibia", descending=True).page(0, 25)
    ref = expected.sort_values("score_Amphibia", ascending=False, na_position="last", kind="stable")
    assert [r["id"] for r in page.rows] == ref.id.head(25).tolist()
    assert page.total == len(expected)


def test_filter_hard_negative_plants(pred_table: Pred, engine: Engine) -> None:
    source, df = pred_table
    text = 'row["truth"] = "Plantae" and row["guess"] != "Plantae"'
    got = Query(source, engine=engine).filter(text).to_pandas()
    expected = df[(df.truth == "Plantae") & (df.guess != "Plantae") & df.guess.notna()]
    assert got.id.tolist() == expected.id.tolist()


def test_filter_three_classes(pred_table: Pred, engine: Engine) -> None:
    source, df = pred_table
    text = 'row["truth"] = "Mollusca" or row["truth"] = "Animalia" or row["truth"] = "Insecta"'
    q = Query(source, engine=engine).filter(text)
    expected = df[df.truth.isin(["Mollusca", "Animalia", "Insecta"])]
    assert q.count() == len(expected)
    same = Query(source, engine=engine).filter('row.truth in ["Mollusca", "Animalia", "Insecta"]')
    assert same.to_pandas().id.tolist() == expected.id.tolist()


def test_confusion_truth_by_guess(pred_table: Pred, engine: Engine) -> None:
    source, df = pred_table
    result = Query(source, engine=engine).group_by("truth", "guess", limit=1000).groups()
    expected = df.groupby(["truth", "guess"], dropna=False).size()
    got = {tuple(r["key"]): r["count"] for r in result["rows"]}
    want = {(t, None if isinstance(g, float) else g): int(n) for (t, g), n in expected.items()}
    assert got == want
    assert result["total_rows"] == len(df)


def test_derived_margin_sort(pred_table: Pred, engine: Engine) -> None:
    source, df = pred_table
    q = (
        Query(source, engine=engine)
        .add_column("margin", 'row["score_Plantae"] - row["score_Fungi"]')
        .filter('row["margin"] > 0.25')
        .sort("margin", descending=True)
    )
    ref = df.assign(margin=df.score_Plantae - df.score_Fungi)
    ref = ref[ref.margin > 0.25].sort_values("margin", ascending=False, kind="stable")
    got = q.to_pandas()
    assert got.id.tolist() == ref.id.tolist()
    assert np.allclose(got.margin, ref.margin)


def test_multi_key_sort_nulls_last(pred_table: Pred, engine: Engine) -> None:
    source, df = pred_table
    got = (
        Query(source, engine=engine).sort("guess").sort("score_Fungi", descending=True).to_pandas()
    )
    ref = df.sort_values(["guess", "score_Fungi"], ascending=[True, False], na_position="last",
                         kind="stable")  # fmt: skip
    assert got.id.tolist() == ref.id.tolist()


def test_pages_are_stable_and_cover_everything(pred_table: Pred, engine: Engine) -> None:
    source, df = pred_table
    q = Query(source, engine=engine).sort("truth")  # many ties: order falls back to table order
    ids = []
    for offset in range(0, len(df), 300):
        ids += [r["id"] for r in q.page(offset, 300).rows]
    assert ids == df.sort_values("truth", kind="stable").id.tolist()


def _merged_frame(runs: list[Pred], how: str) -> pd.DataFrame:
    frames = []
    for i, (_, df) in enumerate(runs):
        f = df.assign(key=df.image.map(lambda im: im["sha256"]))
        frames.append(f.set_index("key").add_suffix(f"_{i}"))
    out = frames[0]
    for f in frames[1:]:
        out = out.join(f, how="inner" if how == "inner" else "outer")
    return out


@pytest.mark.parametrize("how", ["inner", "outer"])
def test_merged_disagreement_sort(runs: list[Pred], engine: Engine, how: str) -> None:
    sources = [s for s, _ in runs]
    m = (
        merge(sources, on="image", how=how, engine=engine)  # type: ignore[arg-type]
        .add_column("disagree", 'stddev(row["score_Amphibia"])')
        .sort("disagree", descending=True)
    )
    ref = _merged_frame(runs, how)
    cols = [f"score_Amphibia_{i}" for i in range(len(runs))]
    ref["disagree"] = ref[cols].std(axis=1, ddof=1)
    assert m.count() == len(ref)
    top = m.page(0, 20).rows
    expected = ref.sort_values("disagree", ascending=False).head(20)
    assert [r["image"]["sha256"] for r in top] == expected.index.tolist()
    assert [r["disagree"] for r in top] == pytest.approx(expected.disagree.tolist())
    assert all(len(r["score_Amphibia"]) == 3 for r in top)


def test_merged_per_run_filter_and_index(runs: list[Pred], engine: Engine) -> None:
    sources = [s for s, _ in runs]
    q = merge(sources, on="id", engine=engine).filter('row["guess"][0] != row["guess"][1]')
    ref = _merged_frame(runs, "inner")
    assert q.count() == int((ref.guess_0 != ref.guess_1).sum())
    last = merge(sources, on="id", engine=engine).filter('row["guess"][-1] = row["truth"][-1]')
    assert last.count() == int((ref.guess_2 == ref.truth_2).sum())


def test_argmax_over_score_columns(pred_table: Pred, engine: Engine) -> None:
    source, df = pred_table
    args = ", ".join(f'row["score_{c}"]' for c in CLASSES)
    got = Query(source, engine=engine).add_column("best", f"argmax({args})").to_pandas()
    scores = df[[f"score_{c}" for c in CLASSES]]
    ok = scores.notna().all(axis=1) & np.isfinite(scores).all(axis=1)
    assert (got.best[ok] == scores[ok].idxmax(axis=1)).all()


def test_argmax_across_runs_gives_run_index(runs: list[Pred], engine: Engine) -> None:
    sources = [s for s, _ in runs]
    got = (
        merge(sources, on="id", engine=engine)
        .add_column("best_run", 'argmax(row["score_Aves"])')
        .to_pandas()
    )
    ref = _merged_frame(runs, "inner")
    expected = ref[[f"score_Aves_{i}" for i in range(3)]].to_numpy().argmax(axis=1)
    assert got.best_run.tolist() == expected.tolist()


def test_concat_names_the_run(runs: list[Pred], engine: Engine) -> None:
    sources = [s for s, _ in runs]
    q = concat(sources, engine=engine)
    assert q.count() == sum(len(df) for _, df in runs)
    groups = q.group_by("source").groups()
    assert {r["key"][0]: r["count"] for r in groups["rows"]} == {s.label: len(df) for s, df in runs}
    first = q.page(0, 1).rows[0]
    assert first["source"] == "run-0" and first["id"] == 0


def test_side_by_side_document(runs: list[Pred], engine: Engine) -> None:
    sources = [s for s, _ in runs]
    doc = {
        "filter": 'row["truth"] = "Plantae" and row["guess"] != "Plantae"',
        "merge": {"mode": "side_by_side"},
        "page": {"offset": 0, "size": 5},
    }
    result = json_roundtrip(execute(doc, sources, engine=engine))
    assert result["labels"] == ["run-0", "run-1", "run-2"]
    for (_, df), one in zip(runs, result["runs"], strict=True):
        expected = df[(df.truth == "Plantae") & (df.guess != "Plantae")]
        assert one["total"] == len(expected)
        assert [r["id"] for r in one["rows"]] == expected.id.head(5).tolist()


def test_merged_group_by_truth_per_run_histograms(runs: list[Pred], engine: Engine) -> None:
    sources = [s for s, _ in runs]
    q = merge(sources, on="id", engine=engine).add_column("truth0", 'row["truth"][0]')
    result = json_roundtrip(q.group_by("truth0").groups())
    ref = _merged_frame(runs, "inner")
    edges = np.array(result["summaries"]["score_Amphibia"]["edges"])
    row = groups_by_key(result)[("Amphibia",)]
    per_run = row["summaries"]["score_Amphibia"]
    assert per_run["kind"] == "runs" and len(per_run["runs"]) == 3
    sub = ref[ref.truth_0 == "Amphibia"]
    for i, summary in enumerate(per_run["runs"]):
        expected, _ = np.histogram(sub[f"score_Amphibia_{i}"], bins=edges)
        assert summary["counts"] == expected.tolist()
        assert summary["mean"] == pytest.approx(sub[f"score_Amphibia_{i}"].mean())
    assert not math.isnan(row["count"])
