"""heron.Table: types inferred and enforced, bad input refused at the call, round trips exact."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import heron
from heron.errors import HeronError, NotFoundError, TableError, UsageError

UTC = dt.UTC


def log_and_read(store_dir: Path, table: heron.Table, key: str = "t") -> Any:
    with heron.init(project="p", dir=store_dir) as run:
        run.log({key: table})
    return heron.Api(store_dir).run(run.path).table(key)


def parquet_files(store_dir: Path) -> list[Path]:
    return sorted((store_dir / "tables").rglob("*")) if (store_dir / "tables").exists() else []


# -- round trips ----------------------------------------------------------------------------------


def test_every_type_round_trips_exactly(store_dir: Path) -> None:
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (5, 4, 3), dtype=np.uint8)
    aware = dt.datetime(2024, 5, 1, 12, 30, 15, 123456, tzinfo=UTC)
    rows = [
        [
            "a",
            1,
            0.5,
            True,
            aware,
            None,
            [0.1, 0.2],
            {"k": [1, 2]},
            1,
            heron.Image(pixels, caption="c0"),
        ],
        [
            "é✓",
            -(2**63),
            math.nan,
            False,
            dt.datetime(2001, 1, 1),
            None,
            [],
            {"k": None},
            "x",
            None,
        ],
        [None, 2**63 - 1, math.inf, None, None, None, None, None, [1, "a"], heron.Image(pixels)],
        ["", None, -math.inf, True, aware, None, [1.0], [1, {"a": 2}], None, heron.Image(pixels)],
    ]
    columns = ["s", "i", "f", "b", "d", "n", "l", "j", "a", "img"]
    table = heron.Table(columns=columns, data=rows, dtypes={"a": "any"})
    assert table.types == {
        "s": "string", "i": "int", "f": "float", "b": "bool", "d": "datetime", "n": "null",
        "l": "list<float>", "j": "json", "a": "any", "img": "image",
    }  # fmt: skip
    read = log_and_read(store_dir, table)
    assert len(read) == 4
    assert read.columns == columns
    assert read.types == {name: kind.split("<")[0] for name, kind in table.types.items()}
    assert read.get_column("s") == ["a", "é✓", None, ""]
    assert read.get_column("i") == [1, -(2**63), 2**63 - 1, None]
    f = read.get_column("f")
    assert f[0] == 0.5 and math.isnan(f[1]) and f[2] == math.inf and f[3] == -math.inf
    assert read.get_column("b") == [True, False, None, True]
    # Naive datetimes are taken as UTC; everything comes back timezone-aware in UTC.
    assert read.get_column("d") == [aware, dt.datetime(2001, 1, 1, tzinfo=UTC), None, aware]
    assert read.get_column("n") == [None] * 4
    assert read.get_column("l") == [[0.1, 0.2], [], None, [1.0]]
    assert read.get_column("j") == [{"k": [1, 2]}, {"k": None}, None, [1, {"a": 2}]]
    assert read.get_column("a") == [1, "x", [1, "a"], None]
    images = read.get_column("img")
    assert images[1] is None
    assert images[0].caption == "c0" and images[2].caption is None
    assert np.array_equal(images[0].to_numpy(), pixels)
    assert images[0].sha256 == images[2].sha256 == rows[0][9].sha256
    schema = read.to_arrow().schema
    assert schema.metadata[b"heron.table"] == b"v1"
    assert schema.field("img").metadata[b"heron.type"] == b"image"
    assert schema.field("l").type == pa.list_(pa.float64())
    assert schema.field("d").type == pa.timestamp("us", tz="UTC")


def test_read_back_as_pandas_polars_arrow_and_rows(store_dir: Path) -> None:
    table = heron.Table(columns=["id", "image", "score"])
    for i in range(3):
        table.add_data(i, heron.Image(np.full((2, 2), i, np.uint8), caption=str(i)), i / 2)
    read = log_and_read(store_dir, table)
    frame = read.to_pandas()
    assert list(frame.columns) == ["id", "image", "score"]
    assert frame["score"].tolist() == [0.0, 0.5, 1.0]
    assert isinstance(frame["image"][1], heron.Image) and frame["image"][1].caption == "1"
    polars_frame = read.to_polars()
    assert polars_frame["id"].to_list() == [0, 1, 2]
    assert polars_frame["image"].struct.field("caption").to_list() == ["0", "1", "2"]
    assert read.to_arrow().num_rows == 3
    rows = list(read.iterrows())
    assert rows[2][0] == 2 and rows[2][1][0] == 2
    image = read.image(2)
    assert image is not None and image.to_pil().size == (2, 2)
    assert image.to_numpy().tolist() == [[2, 2], [2, 2]]
    assert read.column_types == [("id", "int"), ("image", "image"), ("score", "float")]
    assert all(part.exists() for part in read.parts)
    with pytest.raises(TableError, match="out of range"):
        read.image(3)


def test_the_query_engine_takes_a_logged_table(store_dir: Path) -> None:
    table = heron.Table(columns=["truth", "guess"], data=[["a", "a"], ["a", "b"], ["b", "b"]])
    read = log_and_read(store_dir, table)
    source = read.source()
    assert list(source.columns) == [("truth", "string"), ("guess", "string")]
    assert [Path(p) for p in source.parts] == read.parts
    assert read.query() is not None


def test_zero_row_tables_log_fine(store_dir: Path) -> None:
    with heron.init(project="p", dir=store_dir) as run:
        run.log({"empty": heron.Table(columns=["a", "image"]), "nothing": heron.Table()})
    api_run = heron.Api(store_dir).run(run.path)
    empty = api_run.table("empty")
    assert len(empty) == 0 and empty.columns == ["a", "image"]
    assert empty.to_pandas().empty and empty.get_column("image") == []
    assert len(api_run.table("nothing")) == 0


def test_numpy_and_torch_like_scalars_are_normalised(store_dir: Path) -> None:
    table = heron.Table(columns=["i", "f", "b", "emb", "when"])
    table.add_data(
        np.int64(3),
        np.float32(0.25),
        np.bool_(True),
        np.arange(3, dtype=np.float32),
        np.datetime64("2024-01-02T03:04:05"),
    )
    assert table.types == {
        "i": "int",
        "f": "float",
        "b": "bool",
        "emb": "list<float>",
        "when": "datetime",
    }
    read = log_and_read(store_dir, table)
    assert read.get_column("f") == [0.25] and read.get_column("emb") == [[0.0, 1.0, 2.0]]
    assert read.get_column("when") == [dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)]


def test_int_columns_widen_to_float_and_float_columns_take_ints() -> None:
    table = heron.Table(columns=["x", "y", "l"])
    table.add_data(1, 1.5, [1, 2])
    table.add_data(2.5, 2, [0.5])
    assert table.types == {"x": "float", "y": "float", "l": "list<float>"}
    declared = heron.Table(columns=["x"], dtypes={"x": "int"})
    with pytest.raises(TableError, match=r"row 0, column 'x': expected int, got float"):
        declared.add_data(1.5)


def test_tables_from_pandas_polars_and_arrow(store_dir: Path) -> None:
    frame = pd.DataFrame(
        {
            "id": [1, 2, 3],
            "score": [0.5, np.nan, 1.5],
            "label": ["a", None, "c"],
            "when": pd.to_datetime(["2024-01-01", "2024-01-02", None]),
            "image": [
                heron.Image(np.zeros((2, 2), np.uint8)),
                None,
                heron.Image(np.ones((2, 2), np.uint8)),
            ],
        }
    )
    table = heron.Table(dataframe=frame)
    assert table.types == {
        "id": "int",
        "score": "float",
        "label": "string",
        "when": "datetime",
        "image": "image",
    }
    table.add_data(4, 2.0, "d", dt.datetime(2024, 1, 4, tzinfo=UTC), None)
    read = log_and_read(store_dir, table)
    scores = read.get_column("score")
    assert scores[0] == 0.5 and math.isnan(scores[1]) and scores[2:] == [1.5, 2.0]  # NaN stays NaN
    assert read.get_column("label") == ["a", None, "c", "d"]
    assert read.get_column("when")[2] is None
    assert [image is None for image in read.get_column("image")] == [False, True, False, True]

    from_polars = heron.Table(dataframe=pl.DataFrame({"a": [1, 2], "b": [["x"], ["y", "z"]]}))
    assert from_polars.types == {"a": "int", "b": "list<string>"}
    assert from_polars.get_column("b") == [["x"], ["y", "z"]]
    from_arrow = heron.Table(
        data=pa.table(
            {"u": pa.array([1, 2], pa.uint8()), "d": pa.array(["x", "y"]).dictionary_encode()}
        )
    )
    assert from_arrow.types == {"u": "int", "d": "string"} and len(from_arrow) == 2
    with pytest.raises(TableError, match="does not fit in 64 bits"):
        heron.Table(dataframe=pa.table({"big": pa.array([1, 2**64 - 1], pa.uint64())}))


def test_data_rows_columns_and_computed_columns() -> None:
    table = heron.Table(data=[[1, "a"], [2, "b"]])
    assert table.columns == ["col0", "col1"]
    table.add_column("double", [2, 4])
    table.add_computed_columns(
        lambda index, row: {"sum": row["col0"] + row["double"], "index": index}
    )
    assert table.get_column("sum") == [3, 6] and table.get_column("index") == [0, 1]
    assert table.get_column("double", convert_to="numpy").tolist() == [2, 4]
    assert list(table.iterrows())[1] == (1, [2, "b", 4, 6, 1])
    assert len(table) == 2


def test_any_opts_out_of_type_enforcement(store_dir: Path) -> None:
    table = heron.Table(columns=["v"], dtypes=["any"])
    for value in (1, "two", [3], {"four": 4}, None, 5.5, dt.datetime(2020, 1, 1, tzinfo=UTC)):
        table.add_data(value)
    read = log_and_read(store_dir, table)
    assert read.get_column("v") == [
        1,
        "two",
        [3],
        {"four": 4},
        None,
        5.5,
        "2020-01-01T00:00:00+00:00",
    ]


# -- bad input --------------------------------------------------------------------------------------


def test_a_ragged_row_is_refused_naming_the_row() -> None:
    table = heron.Table(columns=["a", "b"])
    table.add_data(1, 2)
    with pytest.raises(TableError, match=r"row 1 has 3 value\(s\) but the table has 2 column\(s\)"):
        table.add_data(1, 2, 3)
    with pytest.raises(TableError, match="row 1 has 1 value"):
        heron.Table(columns=["a", "b"], data=[[1, 2], [3]])
    assert len(table) == 1


def test_a_type_error_names_row_column_expected_and_actual_and_changes_nothing() -> None:
    table = heron.Table(columns=["id", "guess", "emb"])
    table.add_data(1, "cat", [0.5])
    with pytest.raises(TableError) as caught:
        table.add_data(2, 3, [0.5])
    assert caught.value.message == "row 1, column 'guess': expected string, got int (3)"
    with pytest.raises(
        TableError, match=r"row 1, column 'emb': expected list<float>, got list<string>"
    ):
        table.add_data(2, "dog", ["a"])
    with pytest.raises(TableError, match=r"row 1, column 'id': expected int, got string"):
        table.add_data("x", "dog", [1.0])
    # A row refused half-way leaves no trace: no value appended, no type changed.
    null_first = heron.Table(columns=["a", "b"])
    with pytest.raises(TableError):
        null_first.add_data("typed?", object())
    assert null_first.types == {"a": "null", "b": "null"} and len(null_first) == 0
    assert len(table) == 1 and table.get_column("guess") == ["cat"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (object(), "cannot be stored in a table"),
        (np.zeros((3, 3)), r"array of shape \(3, 3\) is not a cell value"),
        (2**64, "does not fit in 64 bits"),
        ({1: "a"}, "not JSON-storable"),
        (b"raw", "cannot be stored"),
    ],
)
def test_values_no_column_can_hold_are_refused(value: Any, message: str) -> None:
    table = heron.Table(columns=["x"])
    with pytest.raises(TableError, match=rf"row 0, column 'x': .*{message}"):
        table.add_data(value)


def test_unknown_column_names_are_refused() -> None:
    table = heron.Table(columns=["a"])
    with pytest.raises(TableError, match=r"unknown column 'b'; the table has \['a'\]"):
        table.get_column("b")
    with pytest.raises(TableError, match=r"dtypes names unknown column\(s\) \['zz'\]"):
        heron.Table(columns=["a"], dtypes={"zz": "int"})
    with pytest.raises(TableError, match="appears twice"):
        heron.Table(columns=["a", "a"])
    with pytest.raises(TableError, match="unknown dtype"):
        heron.Table(columns=["a"], dtypes={"a": "decimal"})
    with pytest.raises(TableError, match=r"column 'c' has 1 value\(s\) but the table has 0 row"):
        table.add_column("c", [1])
    with pytest.raises(UsageError, match="mode must be"):
        heron.Table(mode="append")  # type: ignore[arg-type]


def test_bad_rows_leave_nothing_in_the_store(store_dir: Path) -> None:
    with heron.init(project="p", dir=store_dir) as run:
        table = heron.Table(columns=["id", "image"])
        with pytest.raises(TableError):
            table.add_data(1, np.zeros((2, 2), np.uint8))  # an array not wrapped in heron.Image
        with pytest.raises(HeronError):
            table.add_data(1, heron.Image(np.zeros((2, 2, 2), np.uint8)))
        with pytest.raises(UsageError):
            run.log({"bad": object()})
    api_run = heron.Api(store_dir).run(run.path)
    assert api_run.tables() == {}
    assert parquet_files(store_dir) == []


def test_a_failure_in_the_background_is_reported_by_finish_and_stays_invisible(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from heron.store import local_store

    def broken_commit(*args: Any, **kwargs: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(local_store, "commit_table", broken_commit)
    run = heron.init(project="p", dir=store_dir)
    table = heron.Table(columns=["image"], data=[[heron.Image(np.zeros((2, 2), np.uint8))]])
    run.log({"predictions": table}, step=3)
    run.finish()  # the table is dropped alone: the run still finishes, and says what it lost
    assert [(f.key, f.first_step, f.reason) for f in run.failures] == [
        ("predictions", 3, "OSError: disk full")
    ]
    assert heron.Api(store_dir).run(run.path).state == "finished"
    assert heron.Api(store_dir).run(run.path).tables() == {}
    assert [p for p in parquet_files(store_dir) if p.is_file()] == []


# -- history and incremental tables ------------------------------------------------------------------


def test_each_step_of_a_key_is_kept(store_dir: Path) -> None:
    with heron.init(project="p", dir=store_dir) as run:
        for epoch in range(3):
            run.log(
                {
                    "predictions": heron.Table(columns=["epoch"], data=[[epoch]] * (epoch + 1)),
                    "loss": 1.0,
                },
                step=epoch,
            )
    api_run = heron.Api(store_dir).run(run.path)
    assert api_run.tables() == {"predictions": [0, 1, 2]}
    assert api_run.table("predictions").get_column("epoch") == [2, 2, 2]
    assert api_run.table("predictions", step=1).get_column("epoch") == [1, 1]
    assert api_run.table("predictions", step=0).step == 0
    with pytest.raises(
        NotFoundError, match=r"no table 'predictions' at step 7; steps: \[0, 1, 2\]"
    ):
        api_run.table("predictions", step=7)
    with pytest.raises(NotFoundError, match="no table 'nope'"):
        api_run.table("nope")


def test_the_same_table_object_can_change_between_logs(store_dir: Path) -> None:
    table = heron.Table(columns=["x"])
    with heron.init(project="p", dir=store_dir) as run:
        table.add_data(1)
        run.log({"t": table}, step=0)
        table.add_data(2)  # after log: must not leak into step 0
        run.log({"t": table}, step=1)
    api_run = heron.Api(store_dir).run(run.path)
    assert api_run.table("t", step=0).get_column("x") == [1]
    assert api_run.table("t", step=1).get_column("x") == [1, 2]


def test_incremental_tables_store_only_new_rows(store_dir: Path) -> None:
    table = heron.Table(columns=["i", "image", "later"], mode="incremental")
    with heron.init(project="p", dir=store_dir) as run:
        for step, count in enumerate((3, 2, 0, 1)):
            for _ in range(count):
                i = len(table)
                table.add_data(
                    i, heron.Image(np.full((2, 2), i, np.uint8)), "x" if i >= 5 else None
                )
            run.log({"live": table}, step=step)
        with pytest.raises(TableError, match="cannot change its columns"):
            table.add_column("new", [0] * len(table))
        with pytest.raises(TableError, match="expected int"):
            table.add_data(1.5, None, None)  # types are fixed once stored
    api_run = heron.Api(store_dir).run(run.path)
    sizes = [len(api_run.table("live", step=s)) for s in range(4)]
    assert sizes == [3, 5, 5, 6]
    last = api_run.table("live")
    assert last.get_column("i") == list(range(6))
    assert last.get_column("later") == [None] * 5 + ["x"]  # null in earlier parts, string later
    assert [image.to_numpy()[0, 0] for image in last.get_column("image")] == list(range(6))
    parts = [api_run.table("live", step=s).parts for s in range(4)]
    assert parts[1][:1] == parts[0] and parts[3][:3] == parts[2] and len(parts[3]) == 4
    payloads = [
        p
        for _, _, _, p in __import__("heron.store.runs", fromlist=["x"]).read_objects(
            api_run._api.store.engine, run.id
        )
    ]
    assert [p["new_rows"] for p in payloads] == [3, 2, 0, 1]
    assert all(p["incremental"] for p in payloads)


def test_rows_added_between_reads_and_reshapes_keep_their_order() -> None:
    table = heron.Table(columns=["id", "label", "score"])
    for i in range(3):
        table.add_data(i, f"c{i}", i / 2)
    assert len(table) == 3
    assert table.get_column("id") == [0, 1, 2]
    table.add_data(3, "c3", 2)  # an int in a float column: checked row by row, stored as float
    table.add_data(4, None, 2.5)
    table.add_column("flag", [True, False, True, False, True])
    table.add_data(5, "c5", 3.0, False)
    assert len(table) == 6
    assert table.data[3:] == [[3, "c3", 2.0, False], [4, None, 2.5, True], [5, "c5", 3.0, False]]
    with pytest.raises(TableError, match="row 6, column 'id'"):
        table.add_data(2**70, "big", 1.0, True)
    assert len(table) == 6
