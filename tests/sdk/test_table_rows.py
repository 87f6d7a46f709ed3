"""Rows added one by one are packed by column as they come, and stored exactly as added.

Tables here have more rows than one packing batch (PACK_ROWS), so rows cross batch edges, and
rows that take the checked path (a None, a widened column, a new column) land between batches.
"""

from __future__ import annotations

import math
import struct
import tracemalloc
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest

import heron
from heron.errors import TableError
from heron.sdk.table_rows import PACK_ROWS

COLUMNS = ["id", "label", "score", "flag"]


def make_row(i: int) -> tuple[Any, ...]:
    specials = [float("nan"), -0.0, float("inf"), -float("inf"), 5e-324]
    score = specials[i % 50] if i % 50 < len(specials) else i / 7
    label = "grüße 鷺" if i % 97 == 0 else f"class_{i % 10}"
    return (i, label, score, i % 3 == 0)


def bits(value: float) -> bytes:
    return struct.pack("<d", value)


def stored_rows(store: Path, path: str, key: str = "t", step: int | None = None) -> list[Any]:
    arrow = heron.Api(dir=store).run(path).table(key, step).to_arrow()
    return [tuple(row.values()) for row in arrow.to_pylist()]


def same_rows(stored: list[Any], expected: list[Any]) -> bool:
    """Row equality that tells NaN, -0.0 and 0.0 apart (floats compared bit for bit)."""
    if len(stored) != len(expected):
        return False
    for got, want in zip(stored, expected, strict=True):
        for a, b in zip(got, want, strict=True):
            if isinstance(b, float):
                if not isinstance(a, float) or bits(a) != bits(b):
                    return False
            elif a != b or type(a) is not type(b):
                return False
    return True


def test_many_rows_are_stored_bit_for_bit_and_read_by_every_reader(tmp_path: Path) -> None:
    count = 3 * PACK_ROWS + 17
    rows = [make_row(i) for i in range(count)]
    with heron.init(project="p", dir=tmp_path) as run:
        table = heron.Table(columns=COLUMNS)
        for row in rows:
            table.add_data(*row)
        assert len(table) == count
        run.log({"t": table})
    assert same_rows(stored_rows(tmp_path, run.path), rows)
    [part] = (tmp_path / "tables").rglob("*.parquet")
    frame = pl.read_parquet(part)
    assert frame["label"].to_list() == [row[1] for row in rows]
    assert frame["id"].to_list() == list(range(count))
    counted = (
        duckdb.connect()
        .execute(
            f"SELECT count(*), sum(id), count(*) FILTER (WHERE flag), "
            f"count(*) FILTER (WHERE isnan(score)) FROM read_parquet('{part}')"
        )
        .fetchone()
    )
    assert counted == (
        count,
        sum(range(count)),
        sum(row[3] for row in rows),
        sum(math.isnan(row[2]) for row in rows),
    )


def test_rows_taking_the_checked_path_between_batches_keep_their_place(tmp_path: Path) -> None:
    rows: list[tuple[Any, ...]] = [make_row(i) for i in range(4 * PACK_ROWS)]
    rows[PACK_ROWS + 5] = (PACK_ROWS + 5, None, 1.5, True)  # a None: checked value by value
    rows[2 * PACK_ROWS - 1] = (2 * PACK_ROWS - 1, "x", 3, False)  # an int in a float column
    table = heron.Table(columns=["id", "label", "score", "flag"])
    for index, row in enumerate(rows):
        table.add_data(*row)
        if index == 3 * PACK_ROWS:
            # Reading a column mid-way returns Python values of the column's own type.
            ids = table.get_column("id")
            assert ids == list(range(index + 1)) and all(type(i) is int for i in ids)
            flags = table.get_column("flag")
            assert flags == [row[3] for row in rows[: index + 1]]
            assert all(type(flag) is bool for flag in flags)
    assert len(table) == len(rows)
    expected = [
        (i, label, float(score), flag) for i, label, score, flag in rows
    ]  # the int score is stored as a float
    with heron.init(project="p", dir=tmp_path) as run:
        run.log({"t": table})
    assert same_rows(stored_rows(tmp_path, run.path), expected)


def test_an_inferred_int_column_widened_after_many_rows_keeps_every_value(tmp_path: Path) -> None:
    table = heron.Table(columns=["n", "label"])
    for i in range(2 * PACK_ROWS + 3):
        table.add_data(i, "a")
    table.add_data(0.5, "b")  # the column becomes float: earlier ints stay exact
    for i in range(PACK_ROWS + 1):
        table.add_data(float(i), "c")
    with heron.init(project="p", dir=tmp_path) as run:
        run.log({"t": table})
    stored = heron.Api(dir=tmp_path).run(run.path).table("t")
    assert stored.column_types == [("n", "float"), ("label", "string")]
    values = stored.get_column("n")
    assert values == [float(i) for i in range(2 * PACK_ROWS + 3)] + [0.5] + [
        float(i) for i in range(PACK_ROWS + 1)
    ]


def test_columns_added_after_many_rows_line_up(tmp_path: Path) -> None:
    table = heron.Table(columns=["id", "score"])
    for i in range(PACK_ROWS + 10):
        table.add_data(i, i / 2)
    table.add_column("double", [i * 2 for i in range(len(table))])
    for i in range(PACK_ROWS + 10, 2 * PACK_ROWS + 20):
        table.add_data(i, i / 2, i * 2)
    rows = table.data
    assert rows == [[i, i / 2, i * 2] for i in range(2 * PACK_ROWS + 20)]
    with heron.init(project="p", dir=tmp_path) as run:
        run.log({"t": table})
    assert stored_rows(tmp_path, run.path) == [tuple(row) for row in rows]


def test_increments_of_many_rows_store_each_row_once(tmp_path: Path) -> None:
    ends = [PACK_ROWS - 1, PACK_ROWS + 500, 3 * PACK_ROWS, 3 * PACK_ROWS, 4 * PACK_ROWS + 1]
    with heron.init(project="p", dir=tmp_path) as run:
        table = heron.Table(columns=COLUMNS, mode="incremental")
        added = 0
        for step, end in enumerate(ends):
            while added < end:
                table.add_data(*make_row(added))
                added += 1
            run.log({"t": table}, step=step)
    for step, end in enumerate(ends):
        assert same_rows(
            stored_rows(tmp_path, run.path, step=step), [make_row(i) for i in range(end)]
        )
    last = heron.Api(dir=tmp_path).run(run.path).table("t")
    parts = pl.concat([pl.read_parquet(part) for part in last.parts])
    assert parts["id"].to_list() == list(range(ends[-1]))  # no row in two parts


def test_text_that_is_not_utf8_in_a_packed_row_is_named_by_row_and_column(
    tmp_path: Path,
) -> None:
    table = heron.Table(columns=["id", "label"])
    for i in range(2 * PACK_ROWS):
        table.add_data(i, "bad \ud800" if i == PACK_ROWS + 7 else "fine")
    run = heron.init(project="p", dir=tmp_path)
    with pytest.raises(TableError, match=rf"row {PACK_ROWS + 7}, column 'label'"):
        run.log({"t": table})
    run.finish()


def test_rows_given_as_data_are_packed_like_added_ones(tmp_path: Path) -> None:
    rows = [make_row(i) for i in range(2 * PACK_ROWS + 1)]
    table = heron.Table(columns=COLUMNS, data=rows)
    assert len(table) == len(rows)
    with heron.init(project="p", dir=tmp_path) as run:
        run.log({"t": table})
    assert same_rows(stored_rows(tmp_path, run.path), rows)


def test_a_table_of_plain_rows_holds_about_the_size_of_its_values() -> None:
    import numpy  # noqa: F401  (the table packs rows with it: its import is not the table's memory)

    count = 50_000
    tracemalloc.start()
    try:
        table = heron.Table(columns=["id", "label", *(f"s{j}" for j in range(10))])
        before = tracemalloc.get_traced_memory()[0]
        for i in range(count):
            table.add_data(i, "label", *(i + j / 10 for j in range(10)))
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # 11 numbers of 8 bytes a row, and a reference to the label: about 4.8 MB. Rows kept as
    # tuples of Python floats would hold 20 MB (a tuple, plus 10 floats of 24 bytes, a row).
    assert held < 8_000_000, held
    assert len(table) == count
