"""The table format's one definition: typed image cells, column type tags, artifact table paths."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import heron
from heron.errors import IntegrityError
from heron.store import tables as table_store
from heron.store.gc import referenced_digests
from heron.store.store import Store
from heron.store.table_format import (
    COLUMN_TYPES,
    IMAGE_FIELDS,
    TABLE_SUFFIX,
    ImageRef,
    MaskRef,
    artifact_table_name,
    artifact_table_path,
    column_type,
    field_metadata,
    image_columns,
    is_artifact_table_path,
    is_image_column,
)

DIGEST = "ab" * 32
MASK_DIGEST = "cd" * 32


def _stored_rows(store_dir: Path, run_path: str, key: str) -> tuple[pa.Schema, list[dict]]:
    """The Arrow schema and rows of a logged table, read straight from its Parquet part."""
    table = heron.Api(store_dir).run(run_path).table(key)
    store = Store.open(store_dir)
    try:
        record = table_store.get_table(store.engine, table.id)
        part = pq.read_table(store.root / record.parts[0])
    finally:
        store.close()
    return part.schema, part.to_pylist()


def _log(store_dir: Path, table: heron.Table) -> str:
    with heron.init(project="p", dir=store_dir) as run:
        run.log({"t": table})
    return run.path


def test_an_image_cell_round_trips_through_a_logged_table_as_one_typed_value(
    store_dir: Path,
) -> None:
    mask = np.zeros((6, 8), np.uint8)
    mask[1:3, 2:5] = 3
    boxed = heron.Image(
        np.full((6, 8, 3), 40, np.uint8),
        caption="a cat",
        boxes=[{"x0": 0.1, "y0": 0.2, "x1": 0.5, "y1": 0.6, "class_id": 3, "score": 0.9}],
        masks={"pred": mask},
        classes={0: "background", 3: "cat"},
    )
    plain = heron.Image(np.full((6, 8), 7, np.uint8))
    run_path = _log(
        store_dir, heron.Table(columns=["id", "image"], data=[[0, boxed], [1, plain], [2, None]])
    )
    schema, rows = _stored_rows(store_dir, run_path, "t")
    assert image_columns(schema) == ["image"]
    stored = [row["image"] for row in rows]
    assert stored[2] is None

    ref = ImageRef.from_row(stored[0])
    assert (ref.format, ref.width, ref.height, ref.caption) == ("hrw", 8, 6, "a cat")
    assert ref.sha256 == boxed.sha256
    assert ref.boxes[0]["class_id"] == 3 and ref.boxes[0]["relative"] is True
    assert ref.classes == {"0": "background", "3": "cat"}
    assert [(m.name, m.width, m.height) for m in ref.masks] == [("pred", 8, 6)]
    assert ref.digests() == [ref.sha256, ref.masks[0].sha256]
    # The stored struct is exactly what the reference writes back: old stores read the same.
    assert ref.to_row() == stored[0]
    assert ImageRef.from_row(stored[1]).to_row() == stored[1]
    assert stored[1]["overlays"] is None

    # The SDK hands the same reference back as a heron.Image backed by the store.
    image = heron.Api(store_dir).run(run_path).table("t").image(0)
    assert image is not None
    assert (image.sha256, image.boxes, image.classes) == (ref.sha256, boxed.boxes, ref.classes)
    assert np.array_equal(image.masks[0], mask)


def test_the_stored_overlays_text_is_the_documented_json() -> None:
    # A cell as heron has always written it: compact JSON with sorted keys, absent parts left out.
    overlays = json.dumps(
        {
            "boxes": [{"x0": 0.1, "y0": 0.2, "x1": 0.5, "y1": 0.6, "relative": True}],
            "masks": [{"sha256": MASK_DIGEST, "width": 4, "height": 3, "name": "truth"}],
            "classes": {"1": "dog"},
        },
        separators=(",", ":"),
        sort_keys=True,
    )
    row = {
        "sha256": DIGEST,
        "format": "png",
        "width": 4,
        "height": 3,
        "caption": None,
        "overlays": overlays,
    }
    ref = ImageRef.from_row(row)
    assert ref.masks == (MaskRef(MASK_DIGEST, 4, 3, "truth"),)
    assert ref.to_row() == row
    assert list(row) == [f.name for f in IMAGE_FIELDS] == table_store.IMAGE_STRUCT.names
    only_classes = ImageRef(DIGEST, "png", 4, 3, classes={"2": "bird"})
    assert only_classes.to_row()["overlays"] == '{"classes":{"2":"bird"}}'
    assert ImageRef(DIGEST, "png", 4, 3).to_row()["overlays"] is None


def test_a_damaged_image_cell_is_refused_naming_where_it_is() -> None:
    with pytest.raises(IntegrityError, match=r"row 4, column 'image'.*no sha256"):
        ImageRef.from_row({"sha256": None, "format": "png"}, where="row 4, column 'image'")
    bad = {"sha256": DIGEST, "format": "png", "width": 1, "height": 1, "overlays": "{nope"}
    with pytest.raises(IntegrityError, match=rf"image {DIGEST}.*overlays are not valid"):
        ImageRef.from_row(bad)


def test_a_value_that_looks_like_an_image_is_not_one(store_dir: Path, tmp_path: Path) -> None:
    # A json column whose values have an image's keys stays JSON: the column type decides.
    lookalike = {"sha256": DIGEST, "format": "png", "width": 1, "height": 1}
    image = heron.Image(np.zeros((2, 2, 3), np.uint8))
    run_path = _log(store_dir, heron.Table(columns=["meta", "image"], data=[[lookalike, image]]))
    schema, _ = _stored_rows(store_dir, run_path, "t")
    assert image_columns(schema) == ["image"]
    assert column_type(schema.field("meta")) == "json"
    logged = heron.Api(store_dir).run(run_path).table("t")
    assert logged.get_column("meta") == [lookalike]
    assert isinstance(logged.get_column("image")[0], heron.Image)

    # A Parquet struct with exactly the image fields but no heron type tag is not an image.
    cell = ImageRef(DIGEST, "png", 1, 1).to_row()
    untagged = pa.table({"cell": pa.array([cell], table_store.IMAGE_STRUCT)})
    assert untagged.schema.field("cell").type == table_store.IMAGE_STRUCT
    pq.write_table(untagged, tmp_path / "lookalike.parquet")
    read_back = pq.read_schema(tmp_path / "lookalike.parquet")
    assert image_columns(read_back) == [] and not is_image_column(read_back.field("cell"))


def test_every_column_type_has_a_stored_arrow_type_and_a_tag_that_reads_back(
    tmp_path: Path,
) -> None:
    columns = [{"name": kind, "type": kind} for kind in COLUMN_TYPES]
    schema = table_store.arrow_schema(columns)
    pq.write_table(schema.empty_table(), tmp_path / "all.parquet")
    read_back = pq.read_schema(tmp_path / "all.parquet")
    assert [column_type(f) for f in read_back] == list(COLUMN_TYPES)
    assert image_columns(read_back) == ["image"]
    assert column_type(pa.field("x", pa.int64())) is None
    assert column_type(pa.field("x", pa.int64(), metadata={"heron.type": "nope"})) is None
    assert field_metadata("image", runs=3) == {"heron.type": "image", "heron.runs": "3"}


def test_artifact_table_paths() -> None:
    assert artifact_table_path("preds") == "preds" + TABLE_SUFFIX == "preds.table.parquet"
    assert artifact_table_path("preds.table.parquet") == "preds.table.parquet"
    assert is_artifact_table_path("a/preds.table.parquet")
    assert not is_artifact_table_path("a/preds.parquet")
    assert artifact_table_name("a/preds.table.parquet") == "a/preds"


def test_gc_keeps_every_blob_an_image_cell_refers_to(store_dir: Path) -> None:
    mask = np.ones((4, 4), np.uint8)
    image = heron.Image(np.zeros((4, 4, 3), np.uint8), masks=[mask], classes=["bg", "fg"])
    run_path = _log(store_dir, heron.Table(columns=["image"], data=[[image], [None]]))
    _, rows = _stored_rows(store_dir, run_path, "t")
    ref = ImageRef.from_row(rows[0]["image"])
    assert len(ref.digests()) == 2
    store = Store.open(store_dir)
    try:
        with store.engine.connect() as connection:
            assert set(ref.digests()) <= referenced_digests(store, connection)
    finally:
        store.close()


def test_the_query_engine_has_a_type_for_every_column_type() -> None:
    from heron.query.types import IMAGE_FIELD_TYPES, ValueType, duckdb_type

    image_sql = duckdb_type(ValueType("image"))
    for f in IMAGE_FIELDS:
        assert f"{f.name} " in image_sql and IMAGE_FIELD_TYPES[f.name] == f.type
    for kind in COLUMN_TYPES:
        assert duckdb_type(ValueType(kind, "float" if kind == "list" else None))


def test_a_query_result_image_cell_is_the_stored_struct_plus_its_urls() -> None:
    from heron.query.results import ImageCell

    stored = [f.name for f in IMAGE_FIELDS]
    assert list(ImageCell.__annotations__) == [*stored, "url", "thumbnail_url"]
