"""Grouped summaries computed the fast ways give exactly what the general path gives.

Histogram bins are counted against boundaries on the values themselves (heron.query.bins), and a
filtered grouping over keys the loaded table lists few values of runs as one unfiltered-style
page statement after a scan for the ranges. Both must be invisible in the results.
"""

from __future__ import annotations

import bisect
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from heron.query import Engine, Query, TableSource
from heron.query.bins import bin_bounds, bin_lookup, bin_scale
from tests.query.helpers import image_ref, json_roundtrip, write_table

Pred = tuple[TableSource, pd.DataFrame]

RANGES = [
    (0.0, 1.0, 10),
    (0.0, 10.0, 5),
    (-3.7, 12.9, 7),
    (0.1, 0.7, 6),
    (1e15, 1e15 + 7.0, 10),  # coarse doubles: few values per bin
    (1.0, math.nextafter(math.nextafter(1.0, 2.0), 2.0), 10),  # two ulps wide: empty bins
    (-1e300, 1e300, 10),
    (5.0, 5.0, 1),  # a constant column's single closed bin
    (0.0, 999.0, 1000),
]


def _floor_bin(x: float, lo: float, hi: float, n_bins: int) -> int:
    """The bin the per-row arithmetic gives: floor((x - lo) * scale), the maximum clamped."""
    return min(max(math.floor((x - lo) * bin_scale(lo, hi, n_bins)), 0), n_bins - 1)


def _near_edges(lo: float, hi: float, n_bins: int) -> list[float]:
    width = (hi - lo) / n_bins
    points = [lo, hi]
    for b in range(n_bins + 1):
        edge = lo + width * b
        for x in (edge, math.nextafter(edge, -math.inf), math.nextafter(edge, math.inf)):
            points.append(x)
        points.append(lo + b * ((hi - lo) / n_bins) * (1 - 1e-15))
    return sorted(x for x in points if lo <= x <= hi)


@pytest.mark.parametrize(("lo", "hi", "n_bins"), RANGES)
def test_bounds_put_every_value_in_the_bin_the_arithmetic_gives(
    lo: float, hi: float, n_bins: int
) -> None:
    bounds = bin_bounds(lo, hi, n_bins)
    lookup = bin_lookup(lo, hi, n_bins)
    assert len(bounds) == n_bins - 1 and list(bounds) == sorted(bounds)
    for x in _near_edges(lo, hi, n_bins):
        # DuckDB counts x under the first boundary not below it, past the last under infinity.
        i = bisect.bisect_left(bounds, x)
        got = lookup.get(bounds[i], n_bins - 1) if i < len(bounds) else n_bins - 1
        assert got == _floor_bin(x, lo, hi, n_bins), (lo, hi, n_bins, x)


@pytest.mark.parametrize("cache", ["off", "sync"])
def test_values_on_and_beside_float_edges(tmp_tables: Any, cache: str) -> None:
    # 0.1 steps are not exact in binary: values on, just below and just above every edge land
    # where floor((x - lo) * scale) puts them, in DuckDB as in the arithmetic.
    lo, hi, n_bins = 0.1, 0.7, 6
    values = _near_edges(lo, hi, n_bins)
    data = {"k": ["a", "b"] * len(values), "v": [x for x in values for _ in (0, 1)]}
    source = write_table(tmp_tables, [("k", "string"), ("v", "float")], data, "edges")
    engine = Engine(timeout=20, cache=cache)  # type: ignore[arg-type]
    result = Query(source, engine=engine).group_by("k", bins=n_bins).groups()
    assert result["summaries"]["v"]["edges"][0] == lo
    expected = [0] * n_bins
    for x in values:
        expected[_floor_bin(x, lo, hi, n_bins)] += 1
    for row in result["rows"]:
        assert row["summaries"]["v"]["counts"] == expected


def _statements(engine: Engine) -> list[str]:
    """Record the SQL of every SELECT ``engine`` runs from now on."""
    seen: list[str] = []
    run = engine.run

    def recording(sql: str, values: list[Any], *, deadline: float | None = None) -> Any:
        seen.append(sql)
        return run(sql, values, deadline=deadline)

    engine.run = recording  # type: ignore[method-assign]
    return seen


def _odd_table(tmp_tables: Any) -> TableSource:
    rng = np.random.default_rng(5)
    n = 400
    f = rng.normal(size=n).tolist()
    for i, bad in ((3, float("nan")), (7, float("inf")), (11, float("-inf")), (13, None)):
        f[i] = bad
    data: dict[str, Any] = {
        "k": [["x", "y", "z", None][i % 4] for i in range(n)],
        "flag": [None if i % 9 == 0 else bool(i % 2) for i in range(n)],
        "f": f,
        "i": [None if i % 17 == 0 else int(v) for i, v in enumerate(rng.integers(-50, 50, n))],
        "nan": [float("nan")] * n,
        "word": [["b", "B", "", "é", None][i % 5] for i in range(n)],
        "many": [f"w{i % 300}" for i in range(n)],
        "image": [image_ref(i) for i in range(n)],
        "sparse": [image_ref(i) if i % 3 else None for i in range(n)],
    }
    columns = [
        ("k", "string"), ("flag", "bool"), ("f", "float"), ("i", "int"), ("nan", "float"),
        ("word", "string"), ("many", "string"), ("image", "image"), ("sparse", "image"),
    ]  # fmt: skip
    return write_table(tmp_tables, columns, data, "odd-filtered", parts=2)


@pytest.mark.parametrize(("offset", "limit"), [(0, 100), (0, 2), (1, 2), (9, 5)])
def test_filtered_groups_over_listed_keys_match_the_general_path(
    tmp_tables: Any, pred_table: Pred, offset: int, limit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A filtered grouping by keys the loaded table lists few values of finds the ranges in a
    # scan without grouping, then counts everything in the page statement; the same engine
    # without table facts groups the general way. Every summary must be identical, also for
    # filters that keep one group or nothing, and for pairs of keys.
    source, _ = pred_table
    odd = _odd_table(tmp_tables)
    cases = [
        (source, ("truth",), 'row["score_Aves"] > 0.05'),
        (source, ("guess",), 'row["truth"] != row["guess"]'),
        (source, ("truth", "guess"), 'row["score_Insecta"] < 0.3'),
        (source, ("truth",), 'row["truth"] == "Fungi"'),
        (source, ("truth",), 'row["score_Aves"] > 5'),
        (odd, ("k",), 'row["i"] > -20'),
        (odd, ("flag",), 'row["k"] != "x"'),
        (odd, ("k", "flag"), 'row["f"] < 1'),
        (source, ("truth",), None),
        (odd, ("k",), None),
    ]
    fast = Engine(timeout=20, cache="sync")
    general = Engine(timeout=20, cache="sync")
    # The statements DuckDB runs when the counting loops do not apply (tests/query/
    # test_group_kernel.py compares the loops with this path).
    fast.use_kernel = general.use_kernel = False
    monkeypatch.setattr(general.tables, "facts", lambda rel: None)
    monkeypatch.setattr(general.tables, "ranges", lambda rel: None)
    for src in (source, odd):
        Query(src, engine=fast).count()  # loads the in-memory copy and its facts
        Query(src, engine=general).count()
    # Columns without nulls or non-finite values skip counting them; the others count.
    facts = fast.tables.facts(fast.table_relation(source))
    assert facts is not None and "score_Aves" in facts.clean and "id" in facts.clean
    assert "score_Amphibia" not in facts.clean  # it holds a NaN
    odd_facts = fast.tables.facts(fast.table_relation(odd))
    assert odd_facts is not None and not odd_facts.clean
    spec: dict[str, Any] = {"images_per_group": 2, "offset": offset, "limit": limit, "top_n": 3}
    for src, by, where in cases:
        seen = _statements(fast)
        queries = [Query(src, engine=e) for e in (fast, general)]
        if where is not None:
            queries = [q.filter(where) for q in queries]
        got = queries[0].group_by(*by, **spec).groups()
        fast.run = Engine.run.__get__(fast)  # type: ignore[method-assign]
        expected = queries[1].group_by(*by, **spec).groups()
        assert json_roundtrip(got) == json_roundtrip(expected), (by, where)
        if not got["rows"]:
            continue
        # Filtered: ranges first (no grouping: a lookup of the rows holding the table's
        # extremes, then a scan for the columns it does not settle), then one grouped
        # statement holding the histograms; only the columns without a list of values ("many")
        # are counted by a scan of their own. String keys group by their codes.
        at = next(i for i, sql in enumerate(seen) if "GROUP BY" in sql)
        page = seen[at]
        assert at == 0 if where is None else 1 <= at <= 2
        assert "histogram(" in page and not any("histogram(" in sql for sql in seen[at + 1 :])
        assert sum("row_number()" in sql for sql in seen) == (1 if src is odd else 0)
        assert ('_code" AS g0' in page) == (by[0] != "flag")


def test_value_codes_stay_hidden(tmp_tables: Any) -> None:
    # The loaded copy holds a code column per listed string column; rows, pages and counts
    # still show exactly the table's columns and values.
    source = _odd_table(tmp_tables)
    engine = Engine(timeout=20, cache="sync")
    q = Query(source, engine=engine)
    q.count()
    rel = engine.table_relation(source)
    facts = engine.tables.facts(rel)
    assert facts is not None
    assert set(facts.codes) == {"k", "word"}  # "flag" is bool, "many" has too many values
    assert {name for name, _ in rel.codes} == {"k", "word"}
    assert list(rel.code_values) == sorted({"x", "y", "z", "b", "B", "", "é"})
    kept = q.filter('row["word"] == "é"')
    page = kept.sort("word").page(0, 5)
    assert [c["name"] for c in page.columns] == [name for name, _ in source.columns]
    assert page.rows and all(set(row) == set(page.rows[0]) for row in page.rows)
    assert set(page.rows[0]) == {name for name, _ in source.columns}
    assert all(row["word"] == "é" for row in page.rows)
    assert kept.to_arrow().column_names == [name for name, _ in source.columns]


@pytest.mark.parametrize("op", ["==", "!=", "<", "<=", ">", ">="])
def test_comparing_two_coded_columns_compares_their_values(tmp_tables: Any, op: str) -> None:
    # truth != guess and truth == "Cat" style filters compare codes on a loaded copy: the rows
    # kept are exactly those comparing the strings keeps (nulls, case, non-ASCII, "" included).
    words = ["cat", "Cat", "", "é", "e", None, "dog"]
    n = 300
    data = {
        "a": [words[i % len(words)] for i in range(n)],
        "b": [words[(i * 3 + i // 7) % len(words)] for i in range(n)],
        "other": [["x", "cat", None][i % 3] for i in range(n)],
    }
    columns = [("a", "string"), ("b", "string"), ("other", "string")]
    source = write_table(tmp_tables, columns, data, "pairs")
    warm = Engine(timeout=20, cache="sync")
    cold = Engine(timeout=20, cache="off")
    Query(source, engine=warm).count()
    wheres = [f'row["a"] {op} row["b"]', f'row["b"] {op} row["other"]']
    # A value compares by its place among the codes, present or not, on either side, negated.
    for value in ["cat", "Cat", "", "é", "dog", "zzz", "a", "d", "\u00e9t\u00e9"]:
        wheres += [f'row["a"] {op} "{value}"', f'"{value}" {op} row["b"]']
        wheres.append(f'not (row["a"] {op} "{value}")')
    for where in wheres:
        seen = _statements(warm)
        got = Query(source, engine=warm).filter(where).page(0, n)
        warm.run = Engine.run.__get__(warm)  # type: ignore[method-assign]
        expected = Query(source, engine=cold).filter(where).page(0, n)
        assert got.rows == expected.rows and got.total == expected.total, where
        assert any("_code" in sql for sql in seen)


def test_derived_columns_compare_codes_and_show_the_same_values(tmp_tables: Any) -> None:
    # The compiler compares codes wherever a comparison of coded columns is written: in a
    # derived column (shown, sorted by, filtered on, grouped by) as in a filter, and through a
    # derived column that is just another name for a coded one. Every value matches the
    # strings' comparison, nulls included.
    words = ["cat", "Cat", "", "é", None, "dog"]
    n = 120
    data = {
        "a": [words[i % len(words)] for i in range(n)],
        "b": [words[(i * 5 + i // 4) % len(words)] for i in range(n)],
    }
    source = write_table(tmp_tables, [("a", "string"), ("b", "string")], data, "derived")
    warm = Engine(timeout=20, cache="sync")
    cold = Engine(timeout=20, cache="off")
    Query(source, engine=warm).count()

    def build(engine: Engine) -> Query:
        return (
            Query(source, engine=engine)
            .add_column("same", 'row["a"] == row["b"]')
            .add_column("alias", 'row["a"]')
            .add_column("early", 'row["alias"] < "d"')
        )

    seen = _statements(warm)
    got, expected = build(warm), build(cold)
    assert got.sort("early").page(0, n).rows == expected.sort("early").page(0, n).rows
    kept = 'row["same"] or row["alias"] >= "cat"'
    assert got.filter(kept).count() == expected.filter(kept).count()
    assert json_roundtrip(got.group_by("same").groups()) == json_roundtrip(
        expected.group_by("same").groups()
    )
    assert any('"c0_code" = t."c1_code"' in sql for sql in seen)
    assert any('"c0_code" >= ' in sql for sql in seen)
    # Only comparisons use codes: no statement compares a coded column's strings.
    assert not any('t."c0" <' in sql or 't."c0" =' in sql for sql in seen)


def test_filters_keeping_a_columns_extremes_keep_its_table_range(pred_table: Pred) -> None:
    # A filtered grouping needs each numeric column's range over the kept rows. A loaded table
    # notes where each column's extremes are; a filter keeping both rows keeps the table range,
    # and only the columns it drops an extreme of are scanned for. Histograms match the
    # general path's exactly either way.
    source, df = pred_table
    engine = Engine(timeout=20, cache="sync")
    general = Engine(timeout=20, cache="sync")
    # The statements DuckDB runs when the counting loops do not apply.
    engine.use_kernel = general.use_kernel = False
    general.tables.facts = lambda rel: None  # type: ignore[method-assign]
    general.tables.ranges = lambda rel: None  # type: ignore[method-assign]
    Query(source, engine=engine).count()
    Query(source, engine=general).count()
    facts = engine.tables.facts(engine.table_relation(source))
    assert facts is not None
    lo_at, hi_at = facts.extremes["score_Aves"]
    assert df["score_Aves"].iloc[lo_at] == df["score_Aves"].min()
    assert df["score_Aves"].iloc[hi_at] == df["score_Aves"].max()
    aves_min = float(df["score_Aves"].min())
    for where, scanned in [
        ('row["id"] >= 0', False),  # keeps every row, so every extreme
        (f'row["score_Aves"] > {aves_min!r}', True),  # drops the row holding Aves' minimum
        ('row["score_Aves"] > 2', False),  # keeps nothing: no group to show
    ]:
        seen = _statements(engine)
        got = Query(source, engine=engine).filter(where).group_by("truth").groups()
        expected = Query(source, engine=general).filter(where).group_by("truth").groups()
        assert json_roundtrip(got) == json_roundtrip(expected), where
        ranges = [sql for sql in seen if "GROUP BY" not in sql and "min(" in sql]
        assert bool(ranges) == (scanned or not got["rows"]), where
        if scanned:
            assert ranges[0].count("min(") == 1, "only the Aves score needs a scan"
    # The extremes' rows live beside the loaded copy and go with it.
    tables = "SELECT table_name FROM duckdb_tables()"
    assert facts.extreme_rows in engine.run(tables, []).column(0).to_pylist()
    engine.tables.clear()
    assert not any(n.startswith("heron_t_") for n in engine.run(tables, []).column(0).to_pylist())
