"""heron.Image (arrays, PIL, files, bytes, boxes, masks), the hrw codec and heron.Histogram."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image as PILImage

import heron
from heron.errors import MediaError, UsageError
from heron.store import codec
from heron.store import runs as run_store

RNG = np.random.default_rng(7)


def jpeg_file(path: Path, seed: int = 0) -> Path:
    pixels = np.random.default_rng(seed).integers(0, 256, (16, 12, 3), dtype=np.uint8)
    PILImage.fromarray(pixels).save(path, "JPEG", quality=90)
    return path


# -- hrw ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "array",
    [
        RNG.integers(0, 256, (64, 64, 3), dtype=np.uint8),
        RNG.integers(0, 256, (5, 7), dtype=np.uint8),
        RNG.integers(0, 256, (3, 9, 1), dtype=np.uint8),
        RNG.integers(0, 256, (4, 4, 4), dtype=np.uint8),
        RNG.integers(0, 65536, (6, 5), dtype=np.uint16),
        RNG.integers(0, 65536, (2, 3, 3), dtype=np.uint16).astype(">u2"),
        np.zeros((1, 1), np.uint8),
    ],
    ids=["rgb", "hw", "hw1", "rgba", "u16", "u16-big-endian", "1px"],
)
def test_hrw_round_trips_arrays_exactly_and_deterministically(array: np.ndarray) -> None:
    encoded = codec.encode(array)
    decoded = codec.decode(encoded)
    assert decoded.shape == array.shape and np.array_equal(decoded, array)
    assert codec.encode(array.copy()) == encoded
    assert codec.encode_many([array, array]) == [encoded, encoded]
    header = codec.read_header(encoded)
    assert (header["width"], header["height"]) == (array.shape[1], array.shape[0])


def test_hrw_compresses_smooth_images_and_rejects_garbage() -> None:
    smooth = np.tile(np.arange(64, dtype=np.uint8), (64, 1))[:, :, None].repeat(3, axis=2)
    assert len(codec.encode(smooth)) < smooth.nbytes / 20
    with pytest.raises(ValueError, match="bad magic"):
        codec.decode(b"not an image")
    with pytest.raises(ValueError, match="newer"):
        codec.decode(codec.MAGIC + bytes([9]) + codec.encode(smooth)[5:])


# -- inputs ---------------------------------------------------------------------------------------------


def test_arrays_floats_pil_files_and_bytes(tmp_path: Path) -> None:
    pixels = RNG.integers(0, 256, (6, 4, 3), dtype=np.uint8)
    image = heron.Image(pixels, caption="cat")
    pixels[:] = 0  # the caller reuses its buffer: the image kept its own copy
    assert image.to_numpy().any() and (image.width, image.height, image.format) == (4, 6, "hrw")
    assert heron.Image(np.array([[0.0, 1.0]])).to_numpy().tolist() == [[0, 255]]
    assert heron.Image(np.array([[-1.0, 0.0, 1.0]])).to_numpy().tolist() == [[0, 128, 255]]
    assert heron.Image(np.array([[3, 200]], dtype=np.int64)).to_numpy().dtype == np.uint8
    for mode in ("L", "RGB", "RGBA"):
        pil = PILImage.fromarray(RNG.integers(0, 256, (5, 3, len(mode)), dtype=np.uint8).squeeze())
        assert np.array_equal(heron.Image(pil).to_numpy(), np.asarray(pil))
    palette = PILImage.new("P", (3, 2))
    assert heron.Image(palette).to_numpy().shape == (2, 3, 3)
    path = jpeg_file(tmp_path / "x.jpg")
    from_file = heron.Image(path)
    assert from_file.format == "jpeg" and (from_file.width, from_file.height) == (12, 16)
    assert from_file.encoded_bytes() == path.read_bytes()
    assert from_file.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (
        heron.Image(str(path)).sha256 == heron.Image(path.read_bytes()).sha256 == from_file.sha256
    )
    assert from_file.to_pil().format == "JPEG"
    hrw_bytes = heron.Image(codec.encode(np.eye(3, dtype=np.uint8)))
    assert hrw_bytes.format == "hrw" and hrw_bytes.to_numpy().tolist() == np.eye(3).tolist()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (np.zeros(5, np.uint8), "must be HW or HWC"),
        (np.zeros((2, 2, 2, 2), np.uint8), "must be HW or HWC"),
        (np.zeros((5, 4, 2), np.uint8), "1, 3 or 4 channels"),
        (np.zeros((0, 4), np.uint8), "must have pixels"),
        (np.zeros((2, 2), np.bool_), "dtype bool"),
        (np.zeros((2, 2), np.complex64), "dtype complex64"),
        (np.array([[0.0, 2.0]]), r"float pixels must be in \[0, 1\] or \[-1, 1\]"),
        (np.array([[np.nan]]), "finite"),
        (np.array([[-1, 300]]), r"0..255"),
        (12, "takes a numpy array"),
    ],
)
def test_impossible_arrays_are_refused(data: Any, message: str) -> None:
    with pytest.raises(MediaError, match=message):
        heron.Image(data)


def test_unreadable_files_are_refused_at_the_call(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match=r"cannot read image file .*missing\.png"):
        heron.Image(tmp_path / "missing.png")
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    with pytest.raises(MediaError, match=r"notes\.png' is not an image Pillow can read"):
        heron.Image(text)
    with pytest.raises(MediaError, match="image bytes is not an image"):
        heron.Image(b"\x00\x01")
    with pytest.raises(MediaError, match="caption must be a string"):
        heron.Image(np.zeros((2, 2), np.uint8), caption=3)  # type: ignore[arg-type]
    with pytest.raises(MediaError, match="mode 'RGB' does not fit"):
        heron.Image(np.zeros((2, 2), np.uint8), mode="RGB")


def test_an_image_in_a_table_is_checked_at_the_cell(tmp_path: Path) -> None:
    table = heron.Table(columns=["id", "image"])
    with pytest.raises(MediaError, match="cannot read image file"):
        table.add_data(0, heron.Image(tmp_path / "gone.jpg"))
    assert len(table) == 0


# -- boxes and masks --------------------------------------------------------------------------------


def test_boxes_masks_and_classes_round_trip(store_dir: Path) -> None:
    mask = np.zeros((8, 10), np.uint8)
    mask[2:5, 3:7] = 3
    big_mask = np.full((8, 10), 300, np.uint16)
    image = heron.Image(
        np.zeros((8, 10, 3), np.uint8),
        boxes=[
            {
                "x0": 0.1,
                "y0": 0.2,
                "x1": 0.5,
                "y1": 0.6,
                "class_id": 3,
                "score": 0.9,
                "caption": "cat",
            },
            {"x0": 1, "y0": 1, "x1": 9, "y1": 7, "relative": False},
        ],
        masks={"pred": mask, "truth": big_mask},
        classes=["background", "a", "b", "cat"],
    )
    assert image.boxes[0]["relative"] is True and image.boxes[1]["x1"] == 9.0
    with heron.init(project="p", dir=store_dir) as run:
        run.log({"t": heron.Table(columns=["image"], data=[[image]])})
    read = heron.Api(store_dir).run(run.path).table("t").image(0)
    assert read is not None
    assert read.boxes == image.boxes
    assert read.classes == {"0": "background", "1": "a", "2": "b", "3": "cat"}
    masks = read.masks
    assert np.array_equal(masks[0], mask) and np.array_equal(masks[1], big_mask)
    overlays = read.overlays
    assert overlays is not None and [m["name"] for m in overlays["masks"]] == ["pred", "truth"]
    assert overlays["masks"][0]["width"] == 10


def test_wandb_style_boxes_and_masks_are_accepted() -> None:
    image = heron.Image(
        np.zeros((10, 20), np.uint8),
        boxes={
            "predictions": {
                "box_data": [
                    {
                        "position": {"middle": [0.5, 0.5], "width": 0.2, "height": 0.4},
                        "class_id": 1,
                        "box_caption": "dog",
                        "scores": {"acc": 0.8},
                    },
                    {
                        "position": {"minX": 2, "maxX": 6, "minY": 1, "maxY": 9},
                        "domain": "pixel",
                        "class_id": 2,
                    },
                ],
                "class_labels": {1: "dog", 2: "cat"},
            }
        },
        masks={"truth": {"mask_data": np.ones((10, 20), np.int32), "class_labels": {0: "bg"}}},
    )
    first, second = image.boxes
    assert (
        first["x0"] == pytest.approx(0.4)
        and first["y1"] == pytest.approx(0.7)
        and first["group"] == "predictions"
    )
    assert first["scores"] == {"acc": 0.8} and first["caption"] == "dog"
    assert second["relative"] is False and second["x1"] == 6.0
    assert image.classes == {"0": "bg", "1": "dog", "2": "cat"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"masks": np.zeros((4, 5), np.uint8)}, r"mask 0 has shape \(4, 5\) but the image is 8x10"),
        ({"masks": {"m": np.zeros((8, 10, 3), np.uint8)}}, "mask 'm' must be a 2-D array"),
        ({"masks": np.zeros((8, 10), np.float32)}, "integer class ids"),
        (
            {"boxes": [{"x0": 1, "y0": 2, "x1": 5, "y1": 6}]},
            "pass relative=False for pixel coordinates",
        ),
        (
            {"boxes": [{"x0": 1, "y0": 2, "x1": 50, "y1": 6, "relative": False}]},
            "outside the image",
        ),
        ({"boxes": [{"x0": 0.1, "y0": 0.1}]}, r"lacks \['x1', 'y1'\]"),
        ({"boxes": [{"x0": 0, "y0": 0, "x1": 1, "y1": 1, "colour": "red"}]}, "unknown keys"),
        ({"classes": {"cat": "x"}}, "class ids must be integers"),
    ],
)
def test_bad_overlays_are_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(MediaError, match=message):
        heron.Image(np.zeros((8, 10, 3), np.uint8), **kwargs)


# -- logging, dedup, storage ----------------------------------------------------------------------------


def test_a_single_image_logs_on_its_own(store_dir: Path) -> None:
    with heron.init(project="p", dir=store_dir) as run:
        run.log({"sample": heron.Image(np.ones((3, 4), np.uint8), caption="one")}, step=2)
    api = heron.Api(store_dir)
    [(step, key, kind, payload)] = run_store.read_objects(api.store.engine, run.id)
    assert (step, key, kind) == (2, "sample", "image")
    assert (
        payload["caption"] == "one"
        and payload["format"] == "hrw"
        and (payload["width"], payload["height"]) == (4, 3)
    )
    assert api.store.blobs.has(payload["sha256"])


def test_images_are_stored_once_across_tables_steps_and_runs(
    store_dir: Path, tmp_path: Path
) -> None:
    arrays = [RNG.integers(0, 256, (16, 16, 3), dtype=np.uint8) for _ in range(20)]
    path = jpeg_file(tmp_path / "a.jpg")
    for _ in range(2):  # two runs
        with heron.init(project="p", dir=store_dir) as run:
            for step in range(2):
                predictions = heron.Table(
                    columns=["image"], data=[[heron.Image(a)] for a in arrays]
                )
                dataset = heron.Table(columns=["image"], data=[[heron.Image(path)]])
                run.log(
                    {
                        "predictions": predictions,
                        "dataset": dataset,
                        "by_path": heron.Table(columns=["i"], data=[[heron.Image(str(path))]]),
                    },
                    step=step,
                )
    api = heron.Api(store_dir)
    with api.store.engine.connect() as connection:
        stored = connection.exec_driver_sql("select count(*) from blobs").scalar()
    assert stored == 21
    tables = api.run(run.path)
    assert tables.table("dataset").image(0).sha256 == tables.table("by_path").image(0).sha256  # type: ignore[union-attr]
    assert tables.table("dataset").image(0).sha256 == hashlib.sha256(path.read_bytes()).hexdigest()  # type: ignore[union-attr]
    assert tables.table("dataset").image(0).encoded_bytes() == path.read_bytes()  # type: ignore[union-attr]


def test_small_images_go_into_pack_files_only(store_dir: Path) -> None:
    arrays = [RNG.integers(0, 256, (48, 48, 3), dtype=np.uint8) for _ in range(300)]  # ~7 KB each
    with heron.init(project="p", dir=store_dir) as run:
        run.log({"t": heron.Table(columns=["image"], data=[[heron.Image(a)] for a in arrays])})
    files = [p for p in (store_dir / "blobs").rglob("*") if p.is_file()]
    assert len(files) == 1 and files[0].parent.name == "packs"
    read = heron.Api(store_dir).run(run.path).table("t")
    assert all(
        np.array_equal(img.to_numpy(), a)
        for img, a in zip(read.get_column("image"), arrays, strict=True)
    )


def test_a_read_back_image_logs_again_without_new_bytes(store_dir: Path) -> None:
    with heron.init(project="p", dir=store_dir) as run:
        run.log(
            {"t": heron.Table(columns=["image"], data=[[heron.Image(np.eye(4, dtype=np.uint8))]])}
        )
    image = heron.Api(store_dir).run(run.path).table("t").image(0)
    with heron.init(project="p", dir=store_dir) as second:
        second.log({"t": heron.Table(columns=["image"], data=[[image]])})
    again = heron.Api(store_dir).run(second.path).table("t").image(0)
    assert again is not None and image is not None and again.sha256 == image.sha256


# -- thumbnails ---------------------------------------------------------------------------------------


def test_thumbnails_are_png_or_webp_and_cached(
    store_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from heron.store import thumbnails

    big = RNG.integers(0, 256, (300, 200, 3), dtype=np.uint8)
    with heron.init(project="p", dir=store_dir) as run:
        table = heron.Table(
            columns=["image"],
            data=[[heron.Image(big)], [heron.Image(jpeg_file(tmp_path / "j.jpg"))]],
        )
        run.log({"t": table})
    api = heron.Api(store_dir)
    hrw_image, jpeg_image = api.run(run.path).table("t").get_column("image")
    data, content_type = thumbnails.thumbnail(api.store, hrw_image.sha256, 64)
    assert content_type == "image/png"
    with PILImage.open(io.BytesIO(data)) as thumb:
        assert thumb.size == (43, 64)
    small, small_type = thumbnails.thumbnail(api.store, jpeg_image.sha256, 64)
    assert small_type == "image/webp"
    with PILImage.open(io.BytesIO(small)) as thumb:
        assert thumb.size == (12, 16)  # never scaled up
    cached = list((store_dir / "cache" / "thumbs" / "64").rglob("*.*"))
    assert sorted(p.suffix for p in cached) == [".png", ".webp"]

    def not_again(*args: Any) -> Any:
        raise AssertionError("thumbnail rendered twice")

    monkeypatch.setattr(thumbnails, "render_thumbnail", not_again)
    assert thumbnails.thumbnail(api.store, hrw_image.sha256, 64) == (data, "image/png")
    with pytest.raises(UsageError, match="thumbnail size"):
        thumbnails.thumbnail(api.store, hrw_image.sha256, 0)


# -- histograms ---------------------------------------------------------------------------------------


def test_histograms_log_per_step(store_dir: Path) -> None:
    values = np.concatenate([RNG.normal(size=1000), [np.nan, np.inf]])
    with heron.init(project="p", dir=store_dir) as run:
        for step in range(2):
            run.log({"weights": heron.Histogram(values, num_bins=10)}, step=step)
        run.log({"given": heron.Histogram(np_histogram=np.histogram([1, 2, 2, 3], bins=3))}, step=2)
    objects = run_store.read_objects(heron.Api(store_dir).store.engine, run.id)
    assert [(step, key, kind) for step, key, kind, _ in objects] == [
        (2, "given", "histogram"),
        (0, "weights", "histogram"),
        (1, "weights", "histogram"),
    ]
    payload = objects[1][3]
    assert len(payload["bins"]) == 11 and sum(payload["counts"]) == 1000
    assert payload["nan_count"] == 1 and payload["inf_count"] == 1
    assert objects[0][3]["counts"] == [1.0, 2.0, 1.0]


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((), {}, "either a sequence"),
        (([1],), {"num_bins": 0}, "num_bins"),
        (([1],), {"num_bins": 1000}, "num_bins"),
        (((1, "a"),), {}, "sequence of numbers"),
        ((), {"np_histogram": ([1, 2], [0, 1])}, r"len\(bin_edges\) == len\(counts\) \+ 1"),
    ],
)
def test_bad_histograms_are_refused(
    args: tuple[Any, ...], kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        heron.Histogram(*args, **kwargs)


def test_channels_first_arrays_are_read_as_hwc() -> None:
    chw = np.arange(3 * 4 * 5, dtype=np.uint8).reshape(3, 4, 5)
    image = heron.Image(chw)
    assert (image.width, image.height) == (5, 4)
    assert np.array_equal(image.to_numpy(), chw.transpose(1, 2, 0))
