"""Plain table columns become Arrow without pyarrow's pandas probe, with the same values."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

import heron
from heron.errors import TableError
from heron.sdk.table_arrow import plain_array

CASES: list[tuple[str, list[Any]]] = [
    ("float", [1.5, None, -0.0, float("nan"), 2.25]),
    ("int", [1, None, -(2**63), 2**63 - 1]),
    ("bool", [True, None, False] * 5),
    ("string", ["a", None, "", "grüße", "鷺"]),
    ("string", ["plain", "ascii", None]),
    ("string", []),
    ("float", [None, None]),
]


@pytest.mark.parametrize(("kind", "values"), CASES)
def test_packed_columns_equal_what_arrow_builds(kind: str, values: list[Any]) -> None:
    packed = plain_array(kind, values)
    assert packed is not None
    packed.validate(full=True)
    expected = pa.array(values, packed.type, from_pandas=False)
    assert packed.type == expected.type
    # repr tells NaN and -0.0 apart, which equality would not
    assert repr(packed.to_pylist()) == repr(expected.to_pylist())
    assert packed.null_count == values.count(None)


@pytest.mark.parametrize(
    ("kind", "values"),
    [("float", [1.0, 2]), ("int", [1, True]), ("string", ["a", 1]), ("json", [{}])],
)
def test_values_of_another_type_are_left_to_arrow(kind: str, values: list[Any]) -> None:
    assert plain_array(kind, values) is None


def test_a_float_column_widened_from_ints_keeps_its_values(tmp_path: Path) -> None:
    table = heron.Table(columns=["x", "label"])
    table.add_data(1, "a")
    table.add_data(2.5, None)
    with heron.init(project="p", dir=tmp_path) as run:
        run.log({"t": table})
        path = run.path
    stored = heron.Api(dir=tmp_path).run(path).table("t").to_arrow()
    assert stored.column("x").to_pylist() == [1.0, 2.5]
    assert stored.column("label").to_pylist() == ["a", None]


def test_text_that_is_not_utf8_is_named_by_row_and_column() -> None:
    table = heron.Table(columns=["label"])
    table.add_data("fine")
    table._values[0].append("bad \ud800")  # what a surrogate escape would leave in a cell
    with pytest.raises(TableError, match=r"row 1, column 'label'"):
        table._frozen_arrow()


def test_logging_a_plain_table_does_not_load_pandas(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import sys
        import heron
        table = heron.Table(columns=["id", "label", "score", "ok"])
        for i in range(1000):
            table.add_data(i, "class_" + str(i % 10), i / 7, i % 2 == 0)
        table.add_data(None, None, None, None)
        with heron.init(project="p", dir={str(tmp_path)!r}) as run:
            run.log({{"t": table}})
        print("pandas" in sys.modules)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip().splitlines()[-1] == "False", done.stderr


def test_parts_keep_dictionaries_for_text_only(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    table = heron.Table(columns=["label", "score"])
    for i in range(2000):
        table.add_data(f"class_{i % 10}", i / 3)
    with heron.init(project="p", dir=tmp_path) as run:
        run.log({"t": table})
    [part] = list(tmp_path.rglob("*.parquet"))
    columns = pq.ParquetFile(part).metadata.row_group(0)
    encodings = {columns.column(i).path_in_schema: columns.column(i).encodings for i in range(2)}
    assert any("DICTIONARY" in e for e in encodings["label"])
    assert not any("DICTIONARY" in e for e in encodings["score"])


def _stored(store: Path, path: str, key: str, step: int | None = None) -> list[dict[str, Any]]:
    table = heron.Api(dir=store).run(path).table(key, step)
    rows: list[dict[str, Any]] = table.to_arrow().to_pylist()
    return rows


def test_rows_added_one_by_one_are_stored_as_added(tmp_path: Path) -> None:
    # The first row types the columns (checked value by value); the rest are packed straight
    # from the rows add_data checked; a None, a widened column and text beyond ASCII in between.
    rows: list[tuple[Any, ...]] = [(i, f"c{i % 3}", i / 4, i % 2 == 0) for i in range(50)]
    rows[20] = (20, None, 5.0, True)  # a None sends the row through the checks
    rows[30] = (30, "grüße", 7, False)  # an int in a float column
    with heron.init(project="p", dir=tmp_path) as run:
        table = heron.Table(columns=["id", "label", "score", "flag"])
        for row in rows:
            table.add_data(*row)
        run.log({"t": table})
    stored = _stored(tmp_path, run.path, "t")
    assert [tuple(r.values()) for r in stored] == [
        (i, label, float(score), flag) for i, label, score, flag in rows
    ]


def test_increments_of_rows_added_one_by_one_store_each_row_once(tmp_path: Path) -> None:
    with heron.init(project="p", dir=tmp_path) as run:
        table = heron.Table(columns=["id", "label"], mode="incremental")
        for step in range(3):
            for i in range(step * 10, step * 10 + 10):
                table.add_data(i, f"row {i}")
            run.log({"t": table}, step=step)
    for step in range(3):
        stored = _stored(tmp_path, run.path, "t", step)
        assert [r["id"] for r in stored] == list(range(step * 10 + 10))
        assert [r["label"] for r in stored] == [f"row {i}" for i in range(step * 10 + 10)]


def test_int32_cells_are_packed_only_when_every_value_fits() -> None:
    from heron.store.arrow_pack import int32_array

    packed = int32_array([0, 64, -(2**31), 2**31 - 1])
    assert packed is not None and packed.type == pa.int32()
    packed.validate(full=True)
    assert packed.to_pylist() == [0, 64, -(2**31), 2**31 - 1]
    assert int32_array([2**31]) is None  # left to Arrow, which words the error
    assert int32_array([1, None]) is None
    assert int32_array([1.0]) is None


@pytest.mark.parametrize(("kind", "code"), [("float", "d"), ("int", "q"), ("bool", "?")])
def test_packed_number_chunks_become_a_column_without_a_second_copy(kind: str, code: str) -> None:
    import struct

    from heron.store.arrow_pack import numbers_array

    values: list[Any] = {
        "float": [0.5 * i for i in range(3000)],
        "int": [i * 7 - 2**40 for i in range(3000)],
        "bool": [i % 3 == 0 for i in range(3000)],
    }[kind]
    chunks = [struct.pack(f"{len(part)}{code}", *part) for part in (values[:1024], values[1024:])]
    before = pa.total_allocated_bytes()
    column = numbers_array(kind, [*chunks, b""])
    column.validate(full=True)
    assert column.to_pylist() == values
    allocated = pa.total_allocated_bytes() - before
    if kind == "bool":  # packed into bits: one small copy
        assert 0 < allocated < 1024, allocated
    else:  # ints and floats stay in the packed bytes: nothing the size of the values is made
        assert allocated == 0, allocated
        assert column.num_chunks == 2


def test_an_arrow_table_in_many_chunks_is_logged_without_joining_them(tmp_path: Path) -> None:
    rows = 100_000
    labels = [f"c{j % 3}" for j in range(rows)]
    scores = [j / 7 for j in range(rows)]
    pieces = [
        pa.table({
            "id": pa.array(range(i * rows, (i + 1) * rows)),
            "label": pa.array(labels).dictionary_encode(),
            "score": pa.array(scores),
        })
        for i in range(3)
    ]  # fmt: skip
    frame = pa.concat_tables(pieces)  # three chunks a column, as a dataset reader gives them
    before = pa.total_allocated_bytes()
    table = heron.Table(dataframe=frame)
    # Only the labels are made (decoded from their dictionaries: 1.8 MB); joining the chunks
    # also copied the ids and the scores (6.6 MB in all).
    assert pa.total_allocated_bytes() - before < 3_000_000
    table.add_data(3 * rows, "c9", 0.5)
    with heron.init(project="p", dir=tmp_path) as run:
        run.log({"t": table})
    stored = heron.Api(dir=tmp_path).run(run.path).table("t").to_arrow()
    assert stored.column("id").to_pylist() == list(range(3 * rows + 1))
    assert stored.column("label").to_pylist() == labels * 3 + ["c9"]
    assert stored.column("score").to_pylist() == scores * 3 + [0.5]
