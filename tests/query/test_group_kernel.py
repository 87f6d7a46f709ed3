"""Groupings counted by compiled loops over a loaded table's arrays equal the DuckDB path's."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from heron.query import Engine, Query, TableSource
from tests.query.helpers import image_ref, json_roundtrip, write_table

COLUMNS = [
    ("k", "string"), ("k2", "string"), ("f", "float"), ("i", "int"), ("c", "float"),
    ("s", "string"), ("img", "image"), ("dense", "image"), ("v", "float"),
]  # fmt: skip


@pytest.fixture(autouse=True)
def _loops_for_small_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    # These tables are small; by default only tables of 100,000 rows or more get the loops.
    monkeypatch.setenv("HERON_QUERY_KERNEL_ROWS", "0")


def _random_table(directory: Path, seed: int, n: int) -> TableSource:
    """Keys with nulls and an unused value, floats with NaN, infinities and nulls, ints with
    nulls, a clean float, a string with nulls, images with and without nulls."""
    rng = np.random.default_rng(seed)
    pick = rng.random(n)
    keys = ["ant", "bee", "cat", "dog", "eel", "fox", "gnu"]
    k = [
        None if p < 0.07 else keys[int(x)] for p, x in zip(pick, rng.integers(0, 6, n), strict=True)
    ]
    k2 = [None if x == 3 else "xyz"[x] for x in rng.integers(0, 4, n)]
    f: list[Any] = [float(x) for x in rng.normal(0, 50, n)]
    for j in rng.choice(n, n // 15, replace=False):
        f[j] = [float("nan"), float("inf"), float("-inf"), None][int(j) % 4]
    i: list[Any] = [int(x) for x in rng.integers(-1000, 1000, n)]
    for j in rng.choice(n, n // 20, replace=False):
        i[j] = None
    s = [None if x == 0 else f"s{x}" for x in rng.integers(0, 9, n)]
    data: dict[str, list[Any]] = {
        "k": k, "k2": k2, "f": f, "i": i, "c": [float(x) for x in rng.random(n)], "s": s,
        "img": [None if x < 0.2 else image_ref(j) for j, x in enumerate(rng.random(n))],
        "dense": [image_ref(n + j) for j in range(n)],
        # Values on a tiny range: bins a few doubles wide, some of them empty.
        "v": [1.0 + float(x) * 4e-16 for x in rng.integers(0, 8, n)],
    }  # fmt: skip
    return write_table(directory, COLUMNS, data, f"rand-{seed}", parts=2)


def _engines(source: TableSource) -> tuple[Engine, Engine]:
    """An engine counting with the loops and one grouping in DuckDB, both with the table's
    in-memory copy (and the loops' arrays) loaded."""
    loops, duck = Engine(timeout=60, cache="sync"), Engine(timeout=60, cache="sync")
    duck.use_kernel = False
    for e in (loops, duck):
        Query(source, engine=e).count()
        e.tables.wait()
    assert loops.tables.arrays(loops.table_relation(source)) is not None
    return loops, duck


def _same(got: Any, expected: Any, where: str = "") -> None:
    """Equal, but means only to the last bits (they are summed in another order)."""
    if isinstance(expected, dict):
        assert isinstance(got, dict) and got.keys() == expected.keys(), where
        for key, value in expected.items():
            if key == "mean" and isinstance(value, float):
                assert got[key] == pytest.approx(value, rel=1e-12, abs=1e-12), where
            else:
                _same(got[key], value, f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(got, list) and len(got) == len(expected), where
        for n, (a, b) in enumerate(zip(got, expected, strict=True)):
            _same(a, b, f"{where}[{n}]")
    else:
        assert got == expected, where


FILTERS = [
    None,
    'row["f"] > 10',
    'row["i"] < 0 or row["s"] == "s3"',
    'row["c"] > 2',  # keeps nothing
    'row["k"] == "bee"',  # one group
    'row["k"] == null',  # only the null key
    'row["c"] < 0.5 and row["f"] > -30',
]


@pytest.mark.parametrize("seed", [1, 2])
def test_loops_and_duckdb_give_the_same_groups(tmp_tables: Path, seed: int) -> None:
    source = _random_table(tmp_tables, seed, 3000)
    loops, duck = _engines(source)
    specs: list[dict[str, Any]] = [
        {},
        {"offset": 2, "limit": 3, "images_per_group": 2, "top_n": 2},
        {"offset": 5, "limit": 2, "bins": 7},
        {"offset": 40, "limit": 5},  # past the last group
        {"bins": 1, "top_n": 0, "images_per_group": 0},
    ]
    for where in FILTERS:
        for by in (("k",), ("k2",), ("k", "k2")):
            for spec in specs:
                before = loops.statements().get("kernel", 0)
                results = []
                for e in (loops, duck):
                    q = Query(source, engine=e)
                    if where is not None:
                        q = q.filter(where)
                    results.append(json_roundtrip(q.group_by(*by, **spec).groups()))
                label = f"{where} by {by} {spec}"
                _same(results[0], results[1], label)
                # The loops counted it (a fast path that never runs would pass the above).
                assert loops.statements().get("kernel", 0) == before + 1, label
                assert duck.statements().get("kernel", 0) == 0


def test_loops_agree_with_pandas_on_a_filtered_grouping(tmp_tables: Path) -> None:
    # Not only equal to DuckDB: the numbers users read off the histograms are the right ones.
    source = _random_table(tmp_tables, 3, 2000)
    loops, _ = _engines(source)
    import pandas as pd

    table = pd.concat([pd.read_parquet(p) for p in source.parts], ignore_index=True)
    result = json_roundtrip(
        Query(source, engine=loops).filter('row["i"] > 0').group_by("k", bins=4).groups()
    )
    kept = table[table.i > 0]
    finite = kept.f[np.isfinite(kept.f.astype(float))]
    edges = result["summaries"]["f"]["edges"]
    assert (edges[0], edges[-1]) == (finite.min(), finite.max())
    for row in result["rows"]:
        key = row["key"][0]
        group = kept[kept.k.isna()] if key is None else kept[kept.k == key]
        assert row["count"] == len(group)
        values = group.f.astype(float)
        good = values[np.isfinite(values)]
        summary = row["summaries"]["f"]
        counts, _ = np.histogram(good, bins=edges)
        assert summary["counts"] == counts.tolist()
        assert (summary["min"], summary["max"]) == (good.min(), good.max())
        assert summary["mean"] == pytest.approx(good.mean())
        assert summary["non_finite"] + summary["nulls"] == int((~np.isfinite(values)).sum())
        images = row["summaries"]["img"]
        with_image = group[group.img.notna()]
        assert images["total"] == len(with_image)
        assert [im["sha256"] for im in images["images"]] == [
            im["sha256"] for im in with_image.img.head(4)
        ]
        top = row["summaries"]["s"]["values"][0]
        counts_s = group.s.value_counts(dropna=False)
        assert top["count"] == int(counts_s.max())
    assert result["total_rows"] == len(kept)


def test_columns_the_loops_cannot_count_fall_back_to_duckdb(tmp_tables: Path) -> None:
    # A bool column's values, a derived column and a key without codes are DuckDB's to group.
    data: dict[str, list[Any]] = {
        "k": ["a", "b", None, "a"] * 50, "n": list(range(200)),
        "b": [True, False, None, True] * 50, "x": [float(j) / 7 for j in range(200)],
    }  # fmt: skip
    columns = [("k", "string"), ("n", "int"), ("b", "bool"), ("x", "float")]
    source = write_table(tmp_tables, columns, data, "fallback")
    loops, duck = _engines(source)
    cases = [
        lambda q: q.group_by("k"),  # the bool column's values
        lambda q: q.add_column("y", 'row["x"] * 2').select(["k", "y"]).group_by("k"),
        lambda q: q.select(["n", "x"]).group_by("n"),  # an int key
    ]
    for make in cases:
        got = json_roundtrip(make(Query(source, engine=loops)).groups())
        expected = json_roundtrip(make(Query(source, engine=duck)).groups())
        _same(got, expected)
    assert loops.statements().get("kernel", 0) == 0
    # Without the bool column the same grouping is the loops'.
    got = json_roundtrip(Query(source, engine=loops).select(["k", "n", "x"]).group_by("k").groups())
    assert loops.statements().get("kernel", 0) == 1
    assert got["total_rows"] == 200 and math.isclose(got["rows"][0]["count"], 100)


def test_a_loaded_table_groups_with_the_loops_by_default(tmp_tables: Path) -> None:
    # The engine's default (background) loading gets there too once the copy is in memory.
    source = _random_table(tmp_tables, 4, 500)
    engine = Engine(timeout=60)
    q = Query(source, engine=engine)
    q.group_by("k").groups()  # the first query reads Parquet: DuckDB groups it
    assert engine.statements().get("kernel", 0) == 0
    engine.tables.wait()
    q.filter('row["f"] > 0').group_by("k").groups()
    assert engine.statements().get("kernel", 0) == 1


def test_arrays_count_in_the_cache_budget(tmp_tables: Path) -> None:
    # Arrays that would take the cache past its budget are not made (groupings stay in DuckDB,
    # with the same results); a budget with room for them gets them.
    source = _random_table(tmp_tables, 5, 2000)
    size = Engine(cache="sync").table_relation(source).decoded_bytes
    tight = Engine(timeout=60, cache="sync", cache_bytes=size + 1000)
    roomy = Engine(timeout=60, cache="sync", cache_bytes=size * 4)
    results = []
    for e in (tight, roomy):
        Query(source, engine=e).count()
        e.tables.wait()
        results.append(json_roundtrip(Query(source, engine=e).group_by("k").groups()))
    assert tight.tables.arrays(tight.table_relation(source)) is None
    assert "heron_t_" in tight.table_relation(source).sql  # the copy itself stays
    assert tight.statements().get("kernel", 0) == 0
    arrays = roomy.tables.arrays(roomy.table_relation(source))
    assert arrays is not None and 0 < arrays.nbytes < size * 3
    assert roomy.statements().get("kernel", 0) == 1
    _same(results[1], results[0])


_FIRST_QUERY = """
import sys, threading
importers = []  # the threads that import numba


class Watch:
    def find_spec(self, name, path=None, target=None):
        if name == "numba":
            importers.append(threading.current_thread() is threading.main_thread())


sys.meta_path.insert(0, Watch())
from heron.query import Engine, Query, TableSource
source = TableSource({parts!r}, {columns!r}, "t")
engine = Engine(timeout=60)
Query(source, engine=engine).filter('row["f"] > 0').group_by("k").groups()
engine.tables.wait()
Query(source, engine=engine).filter('row["f"] > 1').group_by("k").groups()
print(any(importers), sys.modules.get("numba") is not None, engine.statements().get("kernel", 0))
"""


def _run(code: str, *before: str, env: dict[str, str] | None = None) -> list[str]:
    import os
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", "\n".join([*before, code])],
        capture_output=True, text=True, timeout=300, check=False, env={**os.environ, **(env or {})},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_the_first_query_never_imports_numba(tmp_tables: Path) -> None:
    # Importing numba and loading the loops costs about half a second: only the background
    # work after a table's copy loads may pay it (never the thread asking the queries); the
    # next grouping then uses the loops.
    source = _random_table(tmp_tables, 6, 300)
    code = _FIRST_QUERY.format(parts=[str(p) for p in source.parts], columns=COLUMNS)
    assert _run(code) == ["False", "True", "1"]


def test_a_table_under_the_row_threshold_groups_in_duckdb_without_loading_numba(
    tmp_tables: Path,
) -> None:
    # A small table groups in DuckDB in a few milliseconds: loading numba for it (about 135 MB
    # and half a second of CPU) would cost more than it saves, so by default it is never loaded.
    source = _random_table(tmp_tables, 6, 300)
    code = _FIRST_QUERY.format(parts=[str(p) for p in source.parts], columns=COLUMNS)
    assert _run(code, env={"HERON_QUERY_KERNEL_ROWS": ""}) == ["False", "False", "0"]
    assert _run(code, env={"HERON_QUERY_KERNEL_ROWS": "300"}) == ["False", "True", "1"]
    assert _run(code, env={"HERON_QUERY_KERNEL_ROWS": "301"}) == ["False", "False", "0"]


def test_a_malformed_row_threshold_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    from heron.errors import QueryError

    for bad in ["many", "-1", "1e5"]:
        monkeypatch.setenv("HERON_QUERY_KERNEL_ROWS", bad)
        with pytest.raises(QueryError, match="HERON_QUERY_KERNEL_ROWS"):
            Engine()


def test_groupings_work_without_numba(tmp_tables: Path) -> None:
    # Where numba cannot be imported the loops are never ready: DuckDB groups everything.
    source = _random_table(tmp_tables, 6, 300)
    code = _FIRST_QUERY.format(parts=[str(p) for p in source.parts], columns=COLUMNS)
    assert _run(code, "import sys", "sys.modules['numba'] = None") == ["False", "False", "0"]


def test_loop_bins_are_the_boundaries_bins() -> None:
    # The loops bin by arithmetic, DuckDB by heron.query.bins' boundaries: on values at, just
    # below and just above every boundary of awkward ranges they must agree exactly.
    import bisect

    from heron.query.arrays import warm_kernels
    from heron.query.bins import bin_bounds, bin_scale

    assert warm_kernels()
    from heron.query import kernels

    for lo, hi, n_bins in [(0.0, 1.0, 10), (-3.7, 1e-3, 7), (1.0, 1.0 + 4e-16, 10),
                           (-1e300, 1e300, 10), (5.0, 5.0, 1), (0.1, 0.7, 3)]:  # fmt: skip
        bounds = bin_bounds(lo, hi, n_bins)
        probes = [lo, hi] + [np.nextafter(b, d) for b in bounds for d in (-np.inf, np.inf)]
        probes += list(bounds)
        x = np.array([v for v in probes if lo <= v <= hi], dtype=np.float64)
        sel = np.arange(len(x), dtype=np.int64)
        keys = np.arange(len(x), dtype=np.uint16)  # one group per value
        slots = np.arange(len(x), dtype=np.int32)
        hist = np.zeros(len(x) * n_bins, np.int64)
        out = [np.zeros(len(x), np.int64), np.full(len(x), np.inf), np.full(len(x), -np.inf),
               np.zeros(len(x)), np.zeros(len(x), np.int64), np.zeros(len(x), np.int64)]  # fmt: skip
        scale = bin_scale(lo, hi, n_bins)
        kernels.numeric_groups(x, np.zeros(1, np.uint8), False, sel, True, keys, slots, lo,
                               scale, n_bins, *out, hist)  # fmt: skip
        got = hist.reshape(len(x), n_bins).argmax(axis=1)
        # DuckDB's histogram counts x into the first boundary not below it, past the last: the
        # last bin.
        expected = [bisect.bisect_left(bounds, v) for v in x]
        assert got.tolist() == expected, (lo, hi, n_bins)


def test_first_rows_takes_the_smallest_positions_in_any_order() -> None:
    from heron.query.arrays import warm_kernels

    assert warm_kernels()
    from heron.query import kernels

    rng = np.random.default_rng(11)
    sel = rng.permutation(500).astype(np.int64)
    keys = (np.arange(500) % 3).astype(np.uint16)
    slots = np.array([0, 1, -1], np.int32)  # the third group is off the page
    count, first = np.zeros(2, np.int64), np.full(2 * 4, -1, np.int64)
    kernels.first_rows(sel, True, keys, slots, np.zeros(1, np.uint8), False, 4, count, first, False)
    assert count.tolist() == [167, 167]
    assert first.tolist() == [0, 3, 6, 9, 1, 4, 7, 10]
    # Rows in order, counts not needed: the same positions, found without walking every row.
    ordered = np.sort(sel)
    count, first = np.zeros(2, np.int64), np.full(2 * 4, -1, np.int64)
    kernels.first_rows(
        ordered, True, keys, slots, np.zeros(1, np.uint8), False, 4, count, first, True
    )
    assert first.tolist() == [0, 3, 6, 9, 1, 4, 7, 10]
    assert count.tolist() == [4, 4]


def test_groupings_use_the_loops_where_no_cache_can_be_written(tmp_tables: Path) -> None:
    # A read-only install without a writable home: numba finds no place for its disk cache
    # (as it would there, no locator accepts the file) and the loops are compiled each time.
    source = _random_table(tmp_tables, 6, 300)
    code = _FIRST_QUERY.format(parts=[str(p) for p in source.parts], columns=COLUMNS)
    # The only locator allowed serves functions typed into IPython: none of heron's.
    only = {"NUMBA_CACHE_LOCATOR_CLASSES": "IPythonCacheLocator"}
    assert _run(code, env=only) == ["False", "True", "1"]


@pytest.mark.parametrize("span", [0, 4096])
def test_first_images_match_whichever_way_they_are_fetched(
    tmp_tables: Path, span: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Positions spanning few rows are read as a range, others by list: both give DuckDB's.
    from heron.query import group_kernel

    monkeypatch.setattr(group_kernel, "MAX_IMAGE_SPAN", span)
    source = _random_table(tmp_tables, 7, 1500)
    loops, duck = _engines(source)
    for where in ('row["f"] > 60', 'row["k"] != "ant"', None):
        for by in (("k",), ("k", "k2")):
            got, expected = (
                json_roundtrip(
                    (
                        Query(source, engine=e)
                        if where is None
                        else Query(source, engine=e).filter(where)
                    )
                    .group_by(*by, images_per_group=3, limit=4, offset=1)
                    .groups()
                )
                for e in (loops, duck)
            )
            _same(got, expected, f"{where} {by}")
            assert any(row["summaries"]["img"]["images"] for row in got["rows"])
    assert loops.statements()["kernel"] == 6
