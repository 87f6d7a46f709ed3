"""Reading a logged table into Arrow and polars: label columns are read as the dictionaries their
parts store and expanded afterwards, and every reader gets exactly what a plain read gives."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import polars
import pyarrow as pa
import pytest

import heron
from heron.store import tables as table_store
from heron.store.tables import ROW_GROUP_SIZE


def _plain(table: heron.LoggedTable) -> pa.Table:
    """The table read without dictionaries: Parquet expands every text column itself."""
    record = table._record
    pieces = table_store.read_pieces(table._root, record, dictionaries=False)
    return pa.concat_tables(pieces) if pieces else table_store.table_schema(record).empty_table()


def _log_live(store_dir: Path) -> tuple[str, list[list[object]]]:
    """An incremental table of every kind of column, logged at steps 0, 1 and 2 (three parts;
    ``later`` holds only nulls in the first). Its run path and the rows it was given."""
    table = heron.Table(
        columns=["id", "label", "text", "later", "meta", "tags", "when", "ok", "score", "image"],
        mode="incremental",
    )
    rows: list[list[object]] = []
    with heron.init(project="p", dir=store_dir) as run:
        for step, count in enumerate((400, 250, 300)):
            for _ in range(count):
                i = len(rows)
                row: list[object] = [
                    i,
                    None if i % 7 == 3 else f"class_{i % 4}",
                    f"unique text {i}",
                    None if i < 400 else f"late_{i % 2}",
                    {"k": i % 3},
                    [f"t{i % 2}", "x"],
                    dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(hours=i),
                    i % 2 == 0,
                    float("inf") if i == 5 else i / 10,
                    heron.Image(np.full((2, 2, 3), i % 256, np.uint8)) if i % 50 == 0 else None,
                ]
                table.add_data(*row)
                rows.append(row)
            run.log({"live": table}, step=step)
    return run.path, rows


def test_label_columns_are_read_as_dictionaries_and_expanded_to_the_same_values(
    store_dir: Path,
) -> None:
    path, rows = _log_live(store_dir)
    api_run = heron.Api(store_dir).run(path)
    for step, size in ((0, 400), (1, 650), (2, 950)):
        table = api_run.table("live", step=step)
        expected = _plain(table)
        assert expected.num_rows == size
        arrow = table.to_arrow()
        assert arrow.schema.equals(expected.schema, check_metadata=True)
        assert arrow.equals(expected)
        frame = table.to_polars()
        assert frame.equals(polars.from_arrow(expected))
        assert frame.schema == polars.from_arrow(expected).schema
        assert frame["label"].to_list() == [row[1] for row in rows[:size]]
        assert frame["later"].to_list() == [row[3] for row in rows[:size]]
    # The fast path is taken: the labels come back as dictionaries, the unique texts (which the
    # parts store as plain text once their dictionary grows) and the all-null first part do not.
    table = api_run.table("live")
    pieces = table_store.read_pieces(table._root, table._record, dictionaries=True)
    assert [pa.types.is_dictionary(p.schema.field("label").type) for p in pieces] == [True] * 3
    assert [pa.types.is_dictionary(p.schema.field("later").type) for p in pieces] == [
        False,
        True,
        True,
    ]
    assert [pa.types.is_dictionary(p.schema.field("id").type) for p in pieces] == [False] * 3


def test_a_part_of_several_row_groups_keeps_each_groups_labels(store_dir: Path) -> None:
    rows = ROW_GROUP_SIZE + 1_000
    labels = pa.array([None if i % 11 == 0 else f"group_{i % 5}" for i in range(rows)])
    with heron.init(project="p", dir=store_dir) as run:
        run.log({"big": heron.Table(dataframe=pa.table({"id": range(rows), "label": labels}))})
    table = heron.Api(store_dir).run(run.path).table("big")
    (piece,) = table_store.read_pieces(table._root, table._record, dictionaries=True)
    column = piece.column("label")
    assert pa.types.is_dictionary(column.type) and column.num_chunks == 2  # one per row group
    assert table.to_arrow().column("label").to_pylist() == labels.to_pylist()
    assert table.to_polars()["label"].to_list() == labels.to_pylist()


def test_unique_texts_are_read_as_text(store_dir: Path) -> None:
    """A dictionary pays only for few distinct values: a column of distinct texts is read as
    text (building a dictionary of every value would cost more than it saves)."""
    names = [f"file_{i:06d}.png" for i in range(5_000)]
    with heron.init(project="p", dir=store_dir) as run:
        run.log({"files": heron.Table(data=[[n] for n in names], columns=["name"])})
    table = heron.Api(store_dir).run(run.path).table("files")
    (piece,) = table_store.read_pieces(table._root, table._record, dictionaries=True)
    assert piece.schema.field("name").type == pa.string()
    assert table.to_polars()["name"].to_list() == names


def test_a_polars_frame_changed_in_place_leaves_the_next_one_alone(store_dir: Path) -> None:
    with heron.init(project="p", dir=store_dir) as run:
        run.log({"t": heron.Table(data=[[1, "a"], [2, "b"]], columns=["id", "label"])})
    table = heron.Api(store_dir).run(run.path).table("t")
    first = table.to_polars()
    first.insert_column(0, polars.Series("extra", [0, 0]))
    first.drop_in_place("label")
    second = table.to_polars()
    assert second.columns == ["id", "label"] and second["label"].to_list() == ["a", "b"]
    # Read after the Arrow table: the same frame.
    assert table.to_arrow().column("label").to_pylist() == ["a", "b"]
    assert heron.Api(store_dir).run(run.path).table("t").to_polars().equals(second)


def test_an_empty_table_reads_with_its_columns(store_dir: Path) -> None:
    with heron.init(project="p", dir=store_dir) as run:
        run.log(
            {"t": heron.Table(columns=["id", "label"], dtypes={"id": "int", "label": "string"})}
        )
    table = heron.Api(store_dir).run(run.path).table("t")
    frame = table.to_polars()
    assert frame.height == 0 and frame.schema == polars.from_arrow(table.to_arrow()).schema
    assert frame.columns == ["id", "label"]


def test_reads_in_a_process_without_pandas_load_no_compute_module(store_dir: Path) -> None:
    """A process that has not loaded pyarrow.compute (pandas loads it) reads without it: its
    import costs more than the whole read. What it reads is what this process reads."""
    path, _ = _log_live(store_dir)
    code = textwrap.dedent(
        f"""
        import json, sys
        import polars, pyarrow
        import heron
        table = heron.Api({str(store_dir)!r}).run({path!r}).table("live")
        frame = table.to_polars()
        arrow = heron.Api({str(store_dir)!r}).run({path!r}).table("live").to_arrow()
        print(json.dumps({{
            "loaded": sorted(m for m in ("pyarrow.compute", "pandas") if m in sys.modules),
            "polars": frame.select("id", "label", "later").rows(),
            "arrow": arrow.select(["id", "label", "later", "text"]).to_pylist(),
        }}))
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    got = json.loads(done.stdout)
    assert got["loaded"] == []
    table = heron.Api(store_dir).run(path).table("live")
    expected = table.to_arrow()
    assert got["arrow"] == expected.select(["id", "label", "later", "text"]).to_pylist()
    assert [tuple(row) for row in got["polars"]] == table.to_polars().select(
        "id", "label", "later"
    ).rows()


@pytest.mark.parametrize("columns", [["label"], ["score", "label", "id"]])
def test_chosen_columns_read_with_dictionaries_come_back_in_the_order_asked(
    store_dir: Path, columns: list[str]
) -> None:
    path, rows = _log_live(store_dir)
    table = heron.Api(store_dir).run(path).table("live")
    read = table_store.read_arrow(table._root, table._record, columns)
    assert read.column_names == columns
    assert read.schema == table_store.table_schema(table._record, columns)
    assert read.column("label").to_pylist() == [row[1] for row in rows]
