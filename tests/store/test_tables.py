"""Table parts on disk: atomic writes, commit rows, reading parts back as one Arrow table."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from heron.errors import NotFoundError, StoreError
from heron.store import tables as table_store
from heron.store.store import Store
from heron.store.table_format import ImageRef

COLUMNS = [
    {"name": "id", "type": "int"},
    {"name": "later", "type": "string"},
    {"name": "emb", "type": "list", "element": "int"},
]


@pytest.fixture
def store(store_dir: Path) -> Store:
    opened = Store.open(store_dir)
    yield opened  # type: ignore[misc]
    opened.close()


def test_parts_are_written_atomically_and_read_back_concatenated(store: Store) -> None:
    table_id = table_store.new_table_id()
    schema = table_store.arrow_schema(COLUMNS)
    first = pa.table(
        {"id": [1, 2], "later": pa.nulls(2), "emb": [[1], [2, 3]]}
    )  # "later" not typed yet
    second = pa.Table.from_pydict({"id": [3], "later": ["x"], "emb": [None]}, schema=schema)
    parts = [table_store.part_name(table_id, 0), table_store.part_name(table_id, 1)]
    table_store.write_part(store.root, parts[0], first)
    table_store.write_part(store.root, parts[1], second)
    assert sorted(p.name for p in (store.tables_dir / table_id).iterdir()) == [
        "part-00000.parquet",
        "part-00001.parquet",
    ]
    with pytest.raises(NotFoundError):
        table_store.get_table(store.engine, table_id)  # parts alone are invisible
    table_store.commit_table(store.engine, table_id, 3, COLUMNS, parts)
    record = table_store.get_table(store.engine, table_id)
    assert record.n_rows == 3 and record.parts == parts and record.columns == COLUMNS
    read = table_store.read_arrow(store.root, record)
    assert read.schema == schema and read.schema.metadata == {b"heron.table": b"v1"}
    assert read.to_pydict() == {
        "id": [1, 2, 3],
        "later": [None, None, "x"],
        "emb": [[1], [2, 3], None],
    }
    assert table_store.read_arrow(store.root, record, ["later"]).column_names == ["later"]
    with pytest.raises(NotFoundError, match="no column"):
        table_store.read_arrow(store.root, record, ["nope"])
    assert pq.read_metadata(store.root / parts[0]).row_group(0).column(0).compression == "ZSTD"


@pytest.mark.parametrize("reader", ["pyarrow's internal reader", "public ParquetFile"])
def test_chosen_columns_come_back_whole_and_in_the_order_asked(
    store: Store, monkeypatch: pytest.MonkeyPatch, reader: str
) -> None:
    if reader == "public ParquetFile":
        # As if a pyarrow release had moved its internal reader: reads fall back to the public one.
        monkeypatch.setitem(sys.modules, "pyarrow._parquet", None)
    columns = [*COLUMNS, {"name": "image", "type": "image"}]
    ref = ImageRef(sha256="ab" * 32, format="png", width=4, height=3, caption="cat")
    table = pa.Table.from_arrays(
        [
            pa.array([1, 2]),
            pa.array(["a", None]),
            pa.array([[1, 2], []], pa.list_(pa.int64())),
            table_store.image_array([ref, None]),
        ],
        schema=table_store.arrow_schema(columns),
    )
    table_id = table_store.new_table_id()
    part = table_store.part_name(table_id, 0)
    table_store.write_part(store.root, part, table)
    table_store.commit_table(store.engine, table_id, 2, columns, [part])
    record = table_store.get_table(store.engine, table_id)
    # A struct (the image) and a list are several Parquet leaf columns each: all come back.
    read = table_store.read_arrow(store.root, record, ["image", "emb", "id"])
    assert read.column_names == ["image", "emb", "id"]
    assert read.column("image").to_pylist() == [ref.to_row(), None]
    assert read.column("emb").to_pylist() == [[1, 2], []]
    assert read.column("id").to_pylist() == [1, 2]
    assert table_store.read_arrow(store.root, record).equals(table)


def test_a_failed_write_leaves_no_file(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(table: pa.Table, where: BinaryIO) -> None:
        where.write(b"half a part")
        raise OSError("disk full")

    monkeypatch.setattr(table_store, "_write_parquet", broken)
    with pytest.raises(OSError, match="disk full"):
        table_store.write_part(store.root, "tables/x/part-00000.parquet", pa.table({"a": [1]}))
    assert list((store.root / "tables" / "x").iterdir()) == []


def test_a_part_has_the_bytes_pyarrow_parquet_would_write(store: Store) -> None:
    # Parts are written through the writer pyarrow.parquet wraps (its import is skipped): given
    # the same settings, pyarrow.parquet.write_table writes the very same file.
    columns = [
        {"name": "id", "type": "int"},
        {"name": "label", "type": "string"},
        {"name": "score", "type": "float"},
        {"name": "ok", "type": "bool"},
        {"name": "tags", "type": "list", "element": "string"},
        {"name": "meta", "type": "json"},
        {"name": "image", "type": "image"},
    ]
    image = ImageRef(sha256="ab" * 32, format="png", width=4, height=3).to_row()
    table = pa.Table.from_pylist(
        [
            {"id": i, "label": f"class {i % 3}", "score": i / 7, "ok": i % 2 == 0,
             "tags": ["a"] * (i % 3), "meta": '{"k": 1}', "image": image if i % 4 else None}
            for i in range(500)
        ],
        schema=table_store.arrow_schema(columns),
    )  # fmt: skip
    table_store.write_part(store.root, "tables/t/part-00000.parquet", table)
    written = (store.root / "tables" / "t" / "part-00000.parquet").read_bytes()

    expected = pa.BufferOutputStream()
    pq.write_table(
        table,
        expected,
        compression=table_store.column_codecs(table.schema),
        row_group_size=table_store.ROW_GROUP_SIZE,
        use_dictionary=table_store.dictionary_columns(table.schema),
        column_encoding=table_store.column_encodings(table.schema),
    )
    assert written == expected.getvalue().to_pybytes()
    assert pq.read_table(store.root / "tables" / "t" / "part-00000.parquet").equals(table)


def test_types_map_to_arrow() -> None:
    assert table_store.arrow_type("list", "string") == pa.list_(pa.string())
    assert table_store.arrow_type("image") == table_store.IMAGE_STRUCT
    assert table_store.arrow_type("any") == pa.string()
    with pytest.raises(StoreError, match="unknown heron column type"):
        table_store.arrow_type("tensor")
    empty = table_store.read_arrow(
        Path("/nonexistent"), table_store.TableRecord("t", 0, COLUMNS, [], 0.0)
    )
    assert empty.num_rows == 0 and empty.column_names == ["id", "later", "emb"]
