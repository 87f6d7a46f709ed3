"""The engine: in-memory table copies, budgets, concurrency."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from heron.query import Engine, Query, TableSource
from heron.query.relation import single_relation
from tests.query.helpers import write_table

Pred = tuple[TableSource, pd.DataFrame]


def test_background_copy_is_used_once_loaded(pred_table: Pred) -> None:
    source, df = pred_table
    engine = Engine(cache="background")
    q = Query(source, engine=engine).filter('row["truth"] = "Aves"')
    first = q.to_pandas()  # answered from Parquet while the copy loads
    engine.tables.wait()
    assert "heron_t_" in engine.table_relation(source).sql
    engine.clear()
    pd.testing.assert_frame_equal(q.to_pandas(), first)
    assert len(first) == int((df.truth == "Aves").sum())
    engine.tables.clear()
    assert "read_parquet" in engine.table_relation(source).sql
    engine.tables.wait()


def test_tables_over_budget_are_never_copied(pred_table: Pred) -> None:
    source, _ = pred_table
    engine = Engine(cache="sync", cache_bytes=1000)
    assert "read_parquet" in engine.table_relation(source).sql
    assert Query(source, engine=engine).count() == 2000


def test_budget_evicts_least_recently_used(runs: list[Pred]) -> None:
    sources = [s for s, _ in runs]
    one = Engine(cache="sync").table_relation(sources[0]).decoded_bytes
    engine = Engine(cache="sync", cache_bytes=int(one * 2.5))
    for s in sources:
        engine.table_relation(s)
    names = [engine.tables.name_for(single_relation(s).key) for s in sources]
    # The first table was the least recently used, so it was dropped for the third.
    assert list(engine.tables._ready) == names[1:]


def test_concurrent_queries(pred_table: Pred, engine: Engine) -> None:
    source, df = pred_table
    texts = [f'row["truth"] = "{c}"' for c in sorted(df.truth.unique())]

    def count(text: str) -> int:
        return Query(source, engine=engine).filter(text).count()

    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(count, texts * 3))
    expected = [int((df.truth == t.split('"')[3]).sum()) for t in texts] * 3
    assert got == expected


def test_a_new_filters_page_and_count_run_at_once_with_the_same_answers(
    pred_table: tuple[TableSource, pd.DataFrame],
) -> None:
    # An engine running several statements at once counts a new filter's rows while it reads
    # the page; pages past the end come back empty with the true total, as one at a time does.
    # A filter already counted reads its page alone, and none past the end.
    source, df = pred_table
    together = Engine(timeout=20, cache="sync", concurrency=4)
    alone = Engine(timeout=20, cache="sync", concurrency=1)
    kept = int((df["score_Aves"] > 0.2).sum())
    for e in (together, alone):
        Query(source, engine=e).count()  # loads the in-memory copy and notes its facts
    for where, offset, statements in [
        ('row["score_Aves"] > 0.2', 0, 2),
        ('row["score_Aves"] > 0.2', kept - 3, 1),
        ('row["score_Aves"] > 0.2', kept + 10, 0),
        ('row["truth"] != row["guess"]', 40, 2),
        ('row["score_Aves"] > 5', 0, 2),  # the page is read before the count says it is empty
    ]:
        started = together.statements().get("select", 0)
        pages = [
            Query(source, engine=e).filter(where).sort("score_Aves").page(offset, 25)
            for e in (together, alone)
        ]
        assert pages[0].rows == pages[1].rows and pages[0].total == pages[1].total, where
        assert together.statements()["select"] - started == statements, (where, offset)
        if offset >= kept and "0.2" in where:
            assert pages[0].rows == [] and pages[0].total == kept
    assert pages[0].total == 0 and pages[0].rows == []
    assert len(pages[1].rows) == 0


def test_a_tables_load_waits_for_the_query_that_asked_for_it(pred_table: Pred) -> None:
    # The first query of a table reads Parquet; loading the in-memory copy starts once it is
    # done, so the two never share the cores. While the query still streams its rows, nothing
    # is loading; once it ends, the copy loads and later queries read it.
    source, df = pred_table
    engine = Engine(cache="background")
    q = Query(source, engine=engine).filter('row["truth"] = "Aves"')
    loads_while_streaming: list[int] = []

    def consume(schema: Any, batches: Iterator[Any]) -> int:
        rows = sum(b.num_rows for b in batches)
        loads_while_streaming.append(engine.statements().get("load", 0))
        return rows

    assert q.to_batches(consume) == int((df.truth == "Aves").sum())
    assert loads_while_streaming == [0]
    engine.tables.wait()
    assert engine.statements()["load"] >= 1  # the copy, then its value codes and so on
    assert "heron_t_" in engine.table_relation(source).sql
    # Dropping the copies while a load still waits forgets it: nothing loads afterwards.
    fresh = Engine(cache="background")

    def clear_while_streaming(schema: Any, batches: Iterator[Any]) -> int:
        fresh.tables.clear()
        return sum(b.num_rows for b in batches)

    Query(source, engine=fresh).to_batches(clear_while_streaming)
    fresh.tables.wait()
    assert fresh.statements().get("load", 0) == 0
    assert fresh.tables.facts(single_relation(source)) is None


def test_parts_written_alike_are_one_scan_in_table_order(tmp_path: Path) -> None:
    # A table of several parts with one schema is read by one scan (DuckDB then reads only the
    # columns a statement uses); parts written differently (a column added later, in another
    # place) are appended part by part. Either way rows keep their table positions.
    n = 500
    data = {"id": list(range(n)), "word": [f"w{i % 7}" for i in range(n)],
            "x": [i / 10 for i in range(n)]}  # fmt: skip
    columns = [("id", "int"), ("word", "string"), ("x", "float")]
    alike = write_table(tmp_path / "alike", columns, data, "alike", parts=4)
    later = write_table(tmp_path / "later", columns[:2], data, "later", parts=1).parts
    grown = write_table(tmp_path / "grown", [columns[2], *columns[:2]], data, "grown", parts=1)
    # The first 100 rows in a part without "x", the rest in a part holding it first.
    head = pq.read_table(later[0]).slice(0, 100)
    pq.write_table(head, tmp_path / "later" / "part-00000.parquet")
    tail = pq.read_table(grown.parts[0]).slice(100)
    pq.write_table(tail, tmp_path / "grown" / "part-00000.parquet")
    mixed = TableSource(
        [tmp_path / "later" / "part-00000.parquet", tmp_path / "grown" / "part-00000.parquet"],
        columns,
        "mixed",
    )
    assert "UNION ALL" not in single_relation(alike).sql
    assert "UNION ALL" in single_relation(mixed).sql
    # A part listed twice is read twice, each time at its own positions.
    twice = TableSource([*alike.parts, alike.parts[0]], columns, "twice")
    again = Query(twice, engine=Engine(cache="off")).page(n - 2, 4).rows
    assert [r["id"] for r in again] == [n - 2, n - 1, 0, 1]
    for source, xs in [(alike, data["x"]), (mixed, [None] * 100 + data["x"][100:])]:
        for engine in (Engine(cache="off"), Engine(cache="sync")):
            q = Query(source, engine=engine)
            page = q.page(95, 10)
            assert [r["id"] for r in page.rows] == list(range(95, 105))
            assert [r["x"] for r in page.rows] == xs[95:105]
            kept = q.filter('row["word"] == "w3"')
            assert kept.count() == sum(w == "w3" for w in data["word"])
            ids = kept.to_batches(lambda schema, batches: [i for b in batches for i in
                                                           b.column(0).to_pylist()])  # fmt: skip
            assert ids == [i for i, w in enumerate(data["word"]) if w == "w3"]
            top = q.sort("id", descending=True).page(0, 3)
            assert [r["id"] for r in top.rows] == [499, 498, 497]
