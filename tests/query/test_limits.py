"""The engine's resource limits: join size, long value lists, time spent reading a document,
concurrent statements, memory; each refused or stopped with a QueryLimitError that says which
limit and how to raise it."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from heron.errors import QueryError, QueryLimitError
from heron.query import Engine, Query, TableSource, execute, merge
from heron.query.joins import join_size
from tests.query.helpers import write_table

COLUMNS = [("id", "int"), ("truth", "string"), ("score", "float")]


def _two_valued(directory: Path, n: int, label: str, seed: int) -> tuple[TableSource, list[str]]:
    """``n`` rows whose ``truth`` is "cat" or "dog" (a column the explorer offers as a key)."""
    truth = ["cat" if (i * 7 + seed) % 3 else "dog" for i in range(n)]
    data = {"id": list(range(n)), "truth": truth, "score": [i / n for i in range(n)]}
    return write_table(directory, COLUMNS, data, label), truth


def test_a_join_that_would_explode_is_refused_before_it_runs(tmp_path: Path) -> None:
    n = 20_000
    (a, truth_a), (b, truth_b) = (
        _two_valued(tmp_path / name, n, name, seed) for seed, name in enumerate("ab")
    )
    engine = Engine(cache="off", join_max_rows=1_000_000)
    ca, cb = Counter(truth_a), Counter(truth_b)
    rows = sum(ca[k] * cb[k] for k in ca)
    with pytest.raises(QueryLimitError) as caught:
        merge([a, b], on="truth", engine=engine).page(0, 10)
    assert caught.value.limit == "join"
    assert caught.value.message.startswith(
        f'joining on "truth" would produce about {rows:,} rows '
        f"(2 distinct values over {n:,} rows per side); "
        "join on a column that identifies rows, such as id"
    )
    assert "HERON_JOIN_MAX_ROWS" in caught.value.message
    assert engine.statements().get("join", 0) == 0  # the join itself never ran
    # Joined on the column that identifies rows, the same tables are fine.
    assert merge([a, b], on="id", engine=engine).count() == n


@pytest.mark.parametrize("how", ["inner", "outer"])
def test_the_join_size_estimate_is_the_joined_row_count(tmp_path: Path, how: Any) -> None:
    # Keys repeat within tables, some are missing from some tables, some are null.
    keys = [[1, 1, 2, 3, None, 5, 5, 5], [1, 2, 2, 4, 5, None], [1, 1, 1, 2, 5, 6, 7]]
    sources = [
        write_table(
            tmp_path / f"t{i}",
            [("k", "int"), ("v", "int")],
            {"k": ks, "v": list(range(len(ks)))},
            f"t{i}",
        )
        for i, ks in enumerate(keys)
    ]
    engine = Engine(cache="off")
    singles = [engine.table_relation(s) for s in sources]
    size = join_size(engine, singles, sources, "k", how, None)
    assert size.rows == merge(sources, on="k", how=how, engine=engine).count()
    assert size.side_rows == (7, 5, 7)  # null keys never match
    assert size.side_distinct == (4, 4, 5)


def _in_document(values: list[Any], negated: bool = False) -> dict[str, Any]:
    items = [{"node": "literal", "value": v} for v in values]
    operand = {"node": "column", "name": "x"}
    return {"node": "in", "operand": operand, "items": items, "negated": negated}


def test_a_long_in_list_is_bound_once_and_keeps_sql_semantics(tmp_path: Path) -> None:
    xs: list[Any] = [1, 2, None, 4, 70_000, 99_999, 100_001]
    names: list[Any] = ["a", None, "b", "z"]
    data = {
        "x": xs,
        "f": [float(x) if x is not None else None for x in xs],
        "s": (names * 2)[: len(xs)],
    }
    source = write_table(tmp_path / "t", [("x", "int"), ("f", "float"), ("s", "string")], data, "t")
    engine = Engine(cache="off", timeout=20)
    many = [*range(0, 100_000, 2), 99_999]  # 50,001 values: one list parameter

    def ids(document: dict[str, Any], column: str = "x") -> list[Any]:
        document = {**document, "operand": {"node": "column", "name": column}}
        q = Query(source, engine=engine).filter(_expr(document)).select(["x"])
        return q.to_arrow().column("x").to_pylist()

    assert ids(_in_document(many)) == [2, 4, 70_000, 99_999]
    assert ids(_in_document(many, negated=True)) == [1, 100_001]  # null x is neither
    # A null in the list: no match is unknown, so "not in" keeps nothing.
    assert ids(_in_document([*many, None])) == [2, 4, 70_000, 99_999]
    assert ids(_in_document([*many, None], negated=True)) == []
    # Floats in the list compare with an int column as numbers, and with a float column.
    halves = [v / 2 for v in range(200)] + [99_999.0]
    assert ids(_in_document(halves)) == [1, 2, 4, 99_999]
    assert ids(_in_document(halves), "f") == [1, 2, 4, 99_999]
    words = [f"w{i}" for i in range(100)] + ["b", "z"]
    assert ids(_in_document(words), "s") == [None, 4, 100_001]
    # A mixed list is still type-checked item by item.
    with pytest.raises(QueryError, match="cannot compare int with string"):
        ids(_in_document([*range(100), "1"]))


def _expr(document: dict[str, Any]) -> Any:
    from heron.query.nodes import Expr

    return Expr.from_json(document)


def test_oversized_queries_are_refused_with_their_size(tmp_path: Path) -> None:
    source, _ = _two_valued(tmp_path / "t", 10, "t", 0)
    engine = Engine(cache="off")
    items = [{"node": "literal", "value": i} for i in range(200_001)]
    document = {"filter": {"node": "in", "operand": {"node": "column", "name": "id"},
                           "items": items}}  # fmt: skip
    with pytest.raises(QueryLimitError, match="has 200,001 values; at most 200,000") as caught:
        execute(document, [source], engine=engine)
    assert caught.value.limit == "size"
    # Thousands of separate terms would take DuckDB seconds to bind: refused, with advice.
    filters = [f'row["id"] != {i}' for i in range(700)]
    with pytest.raises(QueryLimitError, match=r"more than 2,000 terms .* put long lists"):
        execute({"filter": filters}, [source], engine=engine)
    # Each derived column is inlined where it is used: this chain doubles at every step.
    chain = [{"name": "d0", "expr": 'row["id"] + 1'}] + [
        {"name": f"d{i}", "expr": f'row["d{i - 1}"] + row["d{i - 1}"]'} for i in range(1, 12)
    ]
    with pytest.raises(QueryLimitError, match="a derived column counts each time it is used"):
        execute({"columns": chain}, [source], engine=engine)
    assert engine.statements().get("select", 0) == 0


def test_the_time_limit_covers_reading_the_document(tmp_path: Path) -> None:
    # Reading and checking 150,000 list items takes far longer than 10 ms on any machine; the
    # query stops there, before DuckDB is given anything to bind.
    source, _ = _two_valued(tmp_path / "t", 10, "t", 0)
    engine = Engine(cache="off", timeout=0.01)
    items = [{"node": "literal", "value": i} for i in range(150_000)]
    document = {"filter": {"node": "in", "operand": {"node": "column", "name": "id"},
                           "items": items}}  # fmt: skip
    with pytest.raises(QueryLimitError, match=r"longer than its time limit of 0\.01 s") as caught:
        execute(document, [source], engine=engine)
    assert caught.value.limit == "time"
    assert engine.statements().get("select", 0) == 0
    assert "HERON_QUERY_TIMEOUT" in caught.value.message


def test_concurrent_statements_wait_for_a_slot_within_their_time(tmp_path: Path) -> None:
    # Every row shares one key: joining three copies never finishes within the time limit.
    n = 3000
    data = {"id": [1] * n, "v": list(range(n))}
    slow = [write_table(tmp_path / f"r{i}", [("id", "int"), ("v", "int")], data, f"r{i}")
            for i in range(3)]  # fmt: skip
    quick, _ = _two_valued(tmp_path / "q", 100, "q", 0)
    engine = Engine(cache="off", timeout=2, concurrency=1, join_max_rows=10**12)
    errors: list[BaseException] = []

    def hold_the_slot() -> None:
        try:
            merge(slow, on="id", engine=engine).count()
        except QueryError as error:
            errors.append(error)

    holder = threading.Thread(target=hold_the_slot)
    holder.start()
    while engine.statements().get("join", 0) == 0:
        time.sleep(0.01)  # wait until the join holds the only slot
    # A query whose time runs out while it waits is told the server is busy...
    with pytest.raises(QueryLimitError, match="the server is busy: 1 queries") as caught:
        Query(quick, engine=engine).page(0, 5, deadline=time.monotonic() + 0.2)
    assert caught.value.limit == "busy"
    # ...one with time to spare runs once the slot is free.
    page = Query(quick, engine=engine).page(0, 5, deadline=time.monotonic() + 30)
    holder.join()
    assert page.total == 100
    assert len(errors) == 1 and "time limit" in str(errors[0])
    assert engine.statements()["busy"] == 1


def test_memory_limit_spills_then_refuses_with_the_settings_to_raise(tmp_path: Path) -> None:
    # A sort of 400,000 long strings needs more than 20 MB: it spills to disk, and with only
    # 1 MB of disk allowed it stops with a message naming both limits.
    n = 400_000
    data = {"id": list(range(n)), "truth": [f"{i:0>64}" for i in range(n)], "score": [0.0] * n}
    source = write_table(tmp_path / "t", COLUMNS, data, "t")
    spill = tmp_path / "spill"
    engine = Engine(cache="off", memory=20 * 2**20, spill=2**20, spill_dir=spill)
    with pytest.raises(QueryLimitError) as caught:
        Query(source, engine=engine).sort("truth", descending=True).to_arrow()
    assert caught.value.limit == "memory"
    assert "HERON_QUERY_MEMORY" in caught.value.message
    assert "HERON_QUERY_SPILL" in caught.value.message
    # With room to spill, the same sort finishes within the same memory.
    roomy = Engine(cache="off", memory=20 * 2**20, spill=2**30, spill_dir=tmp_path / "roomy")
    top = Query(source, engine=roomy).sort("truth", descending=True).page(0, 1)
    assert top.rows[0]["id"] == n - 1


def test_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HERON_QUERY_TIMEOUT", "7.5")
    monkeypatch.setenv("HERON_QUERY_MEMORY", "3GB")
    monkeypatch.setenv("HERON_QUERY_CONCURRENCY", "3")
    monkeypatch.setenv("HERON_JOIN_MAX_ROWS", "1000")
    limits = Engine().limits
    assert (limits.timeout, limits.memory, limits.concurrency, limits.join_max_rows) == (
        7.5, 3 * 2**30, 3, 1000,
    )  # fmt: skip
    assert limits.spill == 6 * 2**30 and limits.query_memory == 3 * 2**30 // 4
    assert Engine(join_max_rows=5).limits.join_max_rows == 5  # arguments win
    monkeypatch.setenv("HERON_QUERY_MEMORY", "lots")
    with pytest.raises(QueryError, match='HERON_QUERY_MEMORY must be a size such as "8GB"'):
        Engine()


def test_loaded_tables_prove_a_join_small_without_counting(tmp_path: Path) -> None:
    n = 2000

    def table(name: str, ids: list[int]) -> TableSource:
        data = {"id": ids, "truth": ["a"] * n, "score": [0.0] * n}
        return write_table(tmp_path / name, COLUMNS, data, name)

    unique = [table(f"u{i}", list(range(n))) for i in range(2)]
    repeated = [table(f"r{i}", [j % 2 for j in range(n)]) for i in range(2)]
    engine = Engine(cache="sync", join_max_rows=100_000)
    for source in unique + repeated:
        engine.table_relation(source)  # loads the copy and notes its facts
    facts = engine.tables.facts(engine.table_relation(repeated[0]))
    assert facts is not None and facts.multiplicity == {"id": n // 2}
    before = engine.statements()["select"]
    assert merge(unique, on="id", engine=engine).count() == n
    assert engine.statements()["select"] == before + 1  # the count; no join-size scan
    # Keys that repeat are still counted exactly, and this join is refused.
    with pytest.raises(QueryLimitError, match=r'joining on "id" would produce about 2,000,000'):
        merge(repeated, on="id", engine=engine).count()


def test_hundreds_of_filters_run_and_come_back_as_a_document_that_runs(tmp_path: Path) -> None:
    source, _ = _two_valued(tmp_path / "t", 1000, "t", 0)
    engine = Engine(cache="off")
    filters = [f'row["id"] != {i}' for i in range(500)]
    result = execute({"filter": filters, "page": {"size": 1}}, [source], engine=engine)
    assert result.total == 500
    assert result.query is not None
    again = execute({**result.query, "page": {"size": 1}}, [source], engine=engine)
    assert again.total == 500 and again.rows == result.rows
