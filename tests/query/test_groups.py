"""Group summaries: histogram binning edge cases, images by row position, memoised results."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from heron.query import Engine, Query, TableSource, merge
from heron.query.sql import ident
from tests.query.helpers import image_ref, json_roundtrip, write_table

Pred = tuple[TableSource, pd.DataFrame]


def by_key(result: dict[str, Any]) -> dict[tuple[Any, ...], dict[str, Any]]:
    return {tuple(r["key"]): r for r in result["rows"]}


def test_integer_values_on_bin_edges(tmp_tables: Any, engine: Engine) -> None:
    # 0..10 in 5 bins puts every even value exactly on an edge: each bin is [a, b), the last
    # one closed, exactly like numpy.
    values = [*list(range(11)) * 3, None, 4, 7]
    data = {"k": ["a", "b"] * 18, "v": values}
    source = write_table(tmp_tables, [("k", "string"), ("v", "int")], data, "ints")
    result = json_roundtrip(Query(source, engine=engine).group_by("k", bins=5).groups())
    edges = np.array(result["summaries"]["v"]["edges"])
    assert edges.tolist() == [0, 2, 4, 6, 8, 10]
    df = pd.DataFrame(data)
    for (k,), row in by_key(result).items():
        sub = df[df.k == k].v.dropna()
        expected, _ = np.histogram(sub, bins=edges)
        hist = row["summaries"]["v"]
        assert hist["counts"] == expected.tolist()
        assert hist["nulls"] == int(df[df.k == k].v.isna().sum())
        assert (hist["min"], hist["max"]) == (sub.min(), sub.max())
        assert hist["mean"] == pytest.approx(sub.mean())


def test_constant_column_has_one_closed_bin(tmp_tables: Any, engine: Engine) -> None:
    data = {"k": ["a", "a", "b"], "v": [2.5, 2.5, 2.5], "w": [float("nan"), None, float("inf")]}
    columns = [("k", "string"), ("v", "float"), ("w", "float")]
    source = write_table(tmp_tables, columns, data, "flat")
    result = json_roundtrip(Query(source, engine=engine).group_by("k").groups())
    assert result["summaries"]["v"]["edges"] == [2.5, 2.5]
    assert "edges" not in result["summaries"]["w"]
    rows = by_key(result)
    assert rows[("a",)]["summaries"]["v"]["counts"] == [2]
    assert rows[("b",)]["summaries"]["v"]["counts"] == [1]
    w = rows[("a",)]["summaries"]["w"]
    assert (w["counts"], w["nulls"], w["non_finite"], w["min"]) == ([], 1, 1, None)


@pytest.mark.parametrize("offset", [0, 3, 8])
def test_first_images_on_a_page_of_groups(pred_table: Pred, engine: Engine, offset: int) -> None:
    source, df = pred_table
    q = Query(source, engine=engine).filter('row["score_Aves"] > 0.05')
    result = q.group_by("truth", images_per_group=3, offset=offset, limit=2).groups()
    sub = df[df.score_Aves > 0.05]
    keys = sorted(sub.truth.unique())[offset : offset + 2]
    assert [r["key"][0] for r in result["rows"]] == keys
    for row in result["rows"]:
        group = sub[sub.truth == row["key"][0]]
        images = row["summaries"]["image"]
        assert [i["sha256"] for i in images["images"]] == [i["sha256"] for i in group.image.head(3)]
        assert images["total"] == len(group)
        assert images["images"][0] == group.image.iloc[0]


def test_first_images_per_run_on_a_merge(runs: list[Pred], engine: Engine) -> None:
    sources = [s for s, _ in runs]
    q = merge(sources[:2], on="id", engine=engine).add_column("t0", 'row["truth"][0]')
    result = json_roundtrip(q.group_by("t0", images_per_group=2).groups())
    a, b = runs[0][1], runs[1][1]
    joined = a.merge(b, on="id", suffixes=("_0", "_1"))
    for (t0,), row in by_key(result).items():
        group = joined[joined.truth_0 == t0]
        per_run = row["summaries"]["image"]["runs"]
        for i, summary in enumerate(per_run):
            expected = [img["sha256"] for img in group[f"image_{i}"].head(2)]
            assert [img["sha256"] for img in summary["images"]] == expected
            assert summary["total"] == len(group)


def test_groups_are_memoised_and_seed_the_count(pred_table: Pred) -> None:
    source, df = pred_table
    engine = Engine(cache="off")
    q = Query(source, engine=engine).filter('row["truth"] != row["guess"]')
    first = q.group_by("truth").groups()
    ran: list[str] = []
    run = engine.run

    def spy(sql: str, values: list[Any], *, deadline: float | None = None) -> Any:
        ran.append(sql)
        return run(sql, values, deadline=deadline)

    engine.run = spy  # type: ignore[method-assign]
    first["rows"][0]["count"] = -1  # a caller editing its result must not corrupt the cache
    again = q.group_by("truth").groups()
    assert again["rows"][0]["count"] != -1
    expected = int(((df.truth != df.guess) & df.guess.notna()).sum())  # null never passes
    assert q.count() == expected == again["total_rows"]
    assert ran == []  # both answered from caches
    other = q.group_by("truth", bins=3).groups()
    assert ran and len(other["summaries"]["score_Aves"]["edges"]) == 4
    engine.clear()
    ran.clear()
    recomputed = q.group_by("truth").groups()
    assert ran
    # Parallel sums may differ in the last bits between runs; counts may not.
    for old, new in zip(again["rows"], recomputed["rows"], strict=True):
        assert (old["key"], old["count"]) == (new["key"], new["count"])
        hist_old, hist_new = old["summaries"]["score_Aves"], new["summaries"]["score_Aves"]
        assert hist_old["counts"] == hist_new["counts"]
        assert hist_old["mean"] == pytest.approx(hist_new["mean"])


def _statements(engine: Engine) -> list[str]:
    """Record the SQL of every SELECT ``engine`` runs from now on."""
    seen: list[str] = []
    run = engine.run

    def recording(sql: str, values: list[Any], *, deadline: float | None = None) -> Any:
        seen.append(sql)
        return run(sql, values, deadline=deadline)

    engine.run = recording  # type: ignore[method-assign]
    return seen


@pytest.mark.parametrize(("offset", "limit"), [(0, 100), (0, 3), (4, 3), (50, 3)])
def test_known_ranges_give_the_same_groups(
    tmp_tables: Any, pred_table: Pred, offset: int, limit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Unfiltered groups of a loaded table take their histogram edges from the ranges computed at
    # load time and count bins in the page statement; every summary must match the path that
    # finds the ranges by scanning the same in-memory copy. (Reading Parquet instead may sum
    # means in another order, which changes their last bits.)
    source, _ = pred_table
    data: dict[str, list[Any]] = {
        "k": ["a", "b", "c", "a", "b", "c", "a", None],
        "f": [0.5, float("nan"), float("-inf"), 2.0, None, 7.25, float("inf"), -1.0],
        "i": [3, None, -4, 10, 10, 0, 2, 5],
        "nan": [float("nan"), None, float("nan"), None, None, None, None, None],
        "same": [1.5] * 8,
    }
    columns = [("k", "string"), ("f", "float"), ("i", "int"), ("nan", "float"), ("same", "float")]
    odd = write_table(tmp_tables, columns, data, "odd", parts=2)
    for src, by in [(source, "truth"), (source, "guess"), (odd, "k")]:
        warm = Engine(timeout=20, cache="sync")
        # The same loaded copy, its ranges unknown: the scanning path.
        cold = Engine(timeout=20, cache="sync")
        monkeypatch.setattr(cold.tables, "ranges", lambda rel: None)
        spec: dict[str, Any] = {"images_per_group": 2, "offset": offset, "limit": limit}
        Query(src, engine=warm).count()  # loads the in-memory copy and its ranges
        assert warm.tables.ranges(warm.table_relation(src)) is not None
        seen = _statements(warm)
        expected = Query(src, engine=cold).group_by(by, **spec).groups()
        got = Query(src, engine=warm).group_by(by, **spec).groups()
        plain = json_roundtrip(got)
        assert plain == json_roundtrip(expected)
        # The bins were counted by the page statement: no second scan for them.
        assert not any("histogram(" in sql for sql in seen[1:])
        # A filter or a derived column makes the ranges unknown; results still match.
        num = "id" if src is source else "i"
        for variant in ("filter", "derived"):
            pair = [Query(src, engine=e) for e in (warm, cold)]
            if variant == "filter":
                pair = [q.filter(f'row["{by}"] != "a"') for q in pair]
            else:
                pair = [q.add_column("twice", f'row["{num}"] * 2') for q in pair]
            got, expected = (q.group_by(by, **spec).groups() for q in pair)
            assert json_roundtrip(got) == json_roundtrip(expected)
        # With every cache cleared the table and its ranges load again: the same answer.
        warm.tables.clear()
        warm.clear()
        assert json_roundtrip(Query(src, engine=warm).group_by(by, **spec).groups()) == plain


@pytest.mark.parametrize(("top_n", "offset", "limit"), [(5, 0, 100), (2, 0, 100), (1, 1, 2)])
def test_known_values_give_the_same_value_counts(
    tmp_tables: Any, top_n: int, offset: int, limit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Unfiltered groups of a loaded table count the values of categorical columns with few
    # distinct values in the page statement, and skip reading images when none is missing;
    # every summary must match the path that groups rows by (group, value) in a scan of its own.
    rng = np.random.default_rng(3)
    n = 600
    words = ["b", "B", "", "é", "z", "ä", "a b", None]
    data: dict[str, list[Any]] = {
        "k": [["x", "y", "z", None][i % 4] for i in range(n)],
        "v": rng.random(n).tolist(),
        # Ties between counts, nulls, an empty string and non-ASCII values test the ranking.
        "word": [words[i % len(words)] if i % 5 else words[i % 3] for i in range(n)],
        "flag": [None if i % 7 == 0 else bool(i % 3) for i in range(n)],
        "none": [None] * n,
        # Too many distinct values for a list: counted by the separate scan.
        "many": [f"id-{i % 300}" for i in range(n)],
        "image": [image_ref(i) for i in range(n)],
        "sparse": [image_ref(i) if i % 3 else None for i in range(n)],
    }
    columns = [
        ("k", "string"), ("v", "float"), ("word", "string"), ("flag", "bool"),
        ("none", "string"), ("many", "string"), ("image", "image"), ("sparse", "image"),
    ]  # fmt: skip
    source = write_table(tmp_tables, columns, data, "words", parts=2)
    warm = Engine(timeout=20, cache="sync")
    cold = Engine(timeout=20, cache="sync")
    monkeypatch.setattr(cold.tables, "ranges", lambda rel: None)
    Query(source, engine=warm).count()
    facts = warm.tables.facts(warm.table_relation(source))
    assert facts is not None
    assert facts.values["word"] == ["", "B", "a b", "b", "z", "ä", "é"]
    assert facts.values["flag"] == [False, True]
    assert "none" not in facts.values and "many" not in facts.values
    assert facts.nulls == {"image": 0, "sparse": n // 3}
    spec: dict[str, Any] = {"top_n": top_n, "images_per_group": 2, "offset": offset, "limit": limit}
    seen = _statements(warm)
    got = Query(source, engine=warm).group_by("k", **spec).groups()
    expected = Query(source, engine=cold).group_by("k", **spec).groups()
    assert json_roundtrip(got) == json_roundtrip(expected)
    assert got["rows"] and all(r["summaries"]["word"]["values"] for r in got["rows"])
    # Only the columns without a list of values ("none", "many") took a scan of their own.
    assert sum("row_number()" in sql for sql in seen) == 2
    # The page statement never reads the image column that has no nulls.
    rel = warm.table_relation(source)
    image = next(f"t.{ident(c.ident)}" for c in rel.columns if c.name == "image")
    assert seen[0].startswith("SELECT g0, count(*)") and image not in seen[0]


@pytest.mark.parametrize("filtered", [False, True])
@pytest.mark.parametrize("top_n", [100, 10])
def test_value_lists_say_exactly_what_they_leave_out(
    tmp_tables: Any, top_n: int, filtered: bool
) -> None:
    # A grouped category cell lists what it is sent and counts the rest from ``distinct`` and
    # ``other``: with room for every value the list is complete; capped, the counts of what is
    # left out are exact. Both when the table's values are known up front (unfiltered, loaded)
    # and when a scan of their own counts them (filtered).
    n = 300
    data: dict[str, list[Any]] = {
        "split": [("train", "val", "test")[i % 3] for i in range(n)],
        "label": [None if i % 50 == 0 else f"class{i % 60:02d}" for i in range(n)],
    }
    source = write_table(tmp_tables, [("split", "string"), ("label", "string")], data, "labels")
    engine = Engine(timeout=20, cache="sync")
    q = Query(source, engine=engine)
    q.count()  # loads the table, so its values are known up front
    if filtered:
        q = q.filter('row["split"] != "none"')
    result = json_roundtrip(q.group_by("split", top_n=top_n).groups())
    df = pd.DataFrame(data)
    for (split,), row in by_key(result).items():
        counts = df[df.split == split].label.value_counts(dropna=False)
        listed = row["summaries"]["label"]
        got = {v["value"]: v["count"] for v in listed["values"]}
        assert listed["distinct"] == len(counts) == 20 + 1  # 20 classes and the missing value
        assert len(got) == min(top_n, len(counts))
        for value, count in got.items():
            assert count == counts[np.nan if value is None else value]
        assert listed["other"] == row["count"] - sum(got.values())
        assert listed["other"] == 0 or len(got) < len(counts)
