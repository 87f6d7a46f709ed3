"""How a table part stores its columns, and that every reader gets the values back exactly.

Float columns are stored with Parquet's BYTE_STREAM_SPLIT encoding (their bytes regrouped by
position: smaller parts, faster to write and to read) compressed with LZ4, integer and time
columns with DELTA_BINARY_PACKED, text with a dictionary, and every column but the floats with
zstd. pyarrow (heron's reader), DuckDB (the query
engine) and polars read such parts as they are.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

import heron
from heron.query import Query

SPECIAL = [0.0, -0.0, math.inf, -math.inf, math.nan, 5e-324, 1.7976931348623157e308, None]


def _log(store_dir: Path) -> heron.LoggedTable:
    rng = np.random.default_rng(3)
    rows = 1_000
    score = rng.random(rows).tolist()
    score[: len(SPECIAL)] = SPECIAL
    columns = {
        "id": pa.array(range(rows), pa.int64()),
        "truth": pa.array([f"class_{i % 7}" for i in range(rows)]),
        "score": pa.array(score, pa.float64()),
        "half": pa.array(rng.random(rows), pa.float32()),
    }
    with heron.init(project="p", dir=store_dir) as run:
        run.log({"predictions": heron.Table(dataframe=pa.table(columns))})
        path = run.path
    return heron.Api(dir=store_dir).run(path).table("predictions")


def _bits(values: list[float | None]) -> list[bytes | None]:
    """Floats as their exact bytes: NaN equals NaN and -0.0 differs from 0.0."""
    return [None if v is None else np.float64(v).tobytes() for v in values]


def test_float_columns_are_byte_stream_split_and_text_dictionary_encoded(store_dir: Path) -> None:
    table = _log(store_dir)
    (part,) = table.parts
    meta = pq.ParquetFile(part).metadata
    encodings = {
        meta.row_group(0).column(i).path_in_schema: meta.row_group(0).column(i).encodings
        for i in range(meta.num_columns)
    }
    for name in ("score", "half"):
        assert "BYTE_STREAM_SPLIT" in encodings[name], encodings
    assert "BYTE_STREAM_SPLIT" not in encodings["id"]
    assert "DELTA_BINARY_PACKED" in encodings["id"], encodings
    assert any("DICTIONARY" in e for e in encodings["truth"]), encodings


def test_delta_packed_integers_and_times_read_back_exactly_by_every_reader(
    store_dir: Path,
) -> None:
    import duckdb
    import polars

    # Jumps across the whole int64 range (the differences overflow), runs, nulls, a step back.
    low, high = -(2**63), 2**63 - 1
    ints = [low, high, low, 0, None, -1, 1, high, high - 1, None, *range(500, 0, -7)]
    times = [dt.datetime(2026, 1, 2, tzinfo=dt.UTC) + dt.timedelta(seconds=3 * i) for i in range(len(ints))]  # fmt: skip
    times[3] = None
    with heron.init(project="p", dir=store_dir) as run:
        run.log(
            {"t": heron.Table(dataframe=pa.table({"n": pa.array(ints, pa.int64()), "when": times}))}
        )
        path = run.path
    table = heron.Api(dir=store_dir).run(path).table("t")
    (part,) = table.parts
    group = pq.ParquetFile(part).metadata.row_group(0)
    for i in range(group.num_columns):
        assert "DELTA_BINARY_PACKED" in group.column(i).encodings, group.column(i)

    assert table.to_arrow().column("n").to_pylist() == ints
    assert polars.read_parquet(part)["n"].to_list() == ints
    assert [n for (n,) in duckdb.sql(f"SELECT n FROM '{part}'").fetchall()] == ints
    assert table.to_arrow().column("when").to_pylist() == times
    assert Query(table.source()).filter('row["n"] > 0').count() == sum(
        1 for n in ints if n is not None and n > 0
    )


def test_split_floats_read_back_exactly_by_every_reader(store_dir: Path) -> None:
    import polars

    table = _log(store_dir)
    arrow = table.to_arrow()
    assert _bits(arrow.column("score").to_pylist()[: len(SPECIAL)]) == _bits(SPECIAL)

    (part,) = table.parts
    as_polars = polars.read_parquet(part)  # polars' own Parquet reader, not heron's
    assert _bits(as_polars["score"].to_list()) == _bits(arrow.column("score").to_pylist())
    assert (
        table.to_pandas()["score"].iloc[len(SPECIAL) :].tolist()
        == (arrow.column("score").to_pylist()[len(SPECIAL) :])
    )

    # The query engine (DuckDB) reads the part: the same rows pass a filter, in the same order.
    in_range = Query(table.source()).filter('row["score"] >= 0.25 and row["score"] < 0.75')
    expected = [v for v in arrow.column("score").to_pylist() if v is not None and 0.25 <= v < 0.75]
    assert in_range.count() == len(expected)
    ranked = in_range.sort("score", descending=True).select(["score"]).to_arrow()
    assert _bits(ranked.column("score").to_pylist()) == _bits(sorted(expected, reverse=True))


def test_float_columns_are_lz4_and_every_other_leaf_zstd(store_dir: Path) -> None:
    # Every heron type, nested ones included: a leaf the writer was not told about would be
    # stored uncompressed. A dotted name is one column, not a path.
    names = ["id", "score", "label", "flag", "when", "scores", "tags", "meta", "image", "empty"]
    table = heron.Table(columns=[*names, "val.acc"])
    when = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    image = heron.Image(np.zeros((2, 2), np.uint8))
    for i in range(3):
        table.add_data(i, i / 3, "a", True, when, [0.5, 1.5], ["x"], {"k": i}, image, None, 0.25)
    with heron.init(project="p", dir=store_dir) as run:
        run.log({"t": table})
    (part,) = heron.Api(dir=store_dir).run(run.path).table("t").parts
    group = pq.ParquetFile(part).metadata.row_group(0)
    codecs = {
        group.column(i).path_in_schema: group.column(i).compression
        for i in range(group.num_columns)
    }
    assert {path for path, codec in codecs.items() if codec == "LZ4"} == {"score", "val.acc"}
    others = {path: codec for path, codec in codecs.items() if path not in ("score", "val.acc")}
    assert set(others.values()) == {"ZSTD"}, others
    assert {"scores.list.element", "image.sha256", "empty"} <= set(others)
