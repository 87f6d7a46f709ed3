"""What users hand to heron is checked at the call that hands it over, with an error naming the
key (or path, row, column) and the value; a refused call changes nothing."""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image as PILImage

import heron
from heron.errors import ArtifactError, ConfigError, MediaError, TableError, UsageError

# -- run.log ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "complaint"),
    [
        (
            {"loss\udcff": 1.0},
            r"log key 'loss\\udcff' holds '\\udcff' at position 4, a lone surrogate",
        ),
        ({"a\x00b": 1.0}, r"log key 'a\\x00b' holds a control character"),
        ({"line\nbreak": 1.0}, "control character"),
        ({"k" * 513: 1.0}, "has 513 characters; the limit is 512"),
        ({"_step": 1.0}, "'_step' is reserved"),
        ({"": 1.0}, "must not be empty"),
        ({3: 1.0}, "must be strings, got 3"),
        ({"train": {"x\udc80": 1.0}}, r"log key 'train/x\\udc80'"),
        ({"huge": 10**400}, "log key 'huge': 1000000.* is too large to log as a number"),
        ({"note": "caf\udce9"}, r"log key 'note': the string 'caf\\udce9' holds"),
        ({"ids": [1, 2**2000]}, r"log key 'ids'\[1\]: an int of 2001 bits is too large"),
    ],
)
def test_a_bad_key_or_value_is_refused_by_log(
    store_dir: Path, data: dict[Any, Any], complaint: str
) -> None:
    with heron.init(project="p") as run:
        with pytest.raises(UsageError, match=complaint):
            run.log({"ok": 1.0, **data}, step=0)
        assert run.step == 0  # nothing of the call was logged
        run.log({"ok": 2.0}, step=0)
    assert list(heron.Api().run(run.path).scan_history()) == [{"_step": 0, "ok": 2.0}]


def test_keys_up_to_the_limit_and_unicode_are_fine(store_dir: Path) -> None:
    long_key = "k" * 512
    with heron.init(project="p") as run:
        run.log({long_key: 1.0, "déjà/vu": 2.0, "名前": math.nan})
    row = next(iter(heron.Api().run(run.path).scan_history()))
    assert row[long_key] == 1.0 and row["déjà/vu"] == 2.0 and math.isnan(row["名前"])


def test_self_containing_and_deep_dicts_are_refused_by_log(store_dir: Path) -> None:
    cycle: dict[str, Any] = {"x": 1.0}
    cycle["again"] = cycle
    deep: dict[str, Any] = {}
    inner = deep
    for _ in range(5000):
        inner["a"] = {}
        inner = inner["a"]
    listed: list[Any] = [1.0]
    listed.append(listed)
    with heron.init(project="p") as run:
        with pytest.raises(
            UsageError, match="log key 'again/again' holds a dict that contains itself"
        ):
            run.log({"again": cycle})
        with pytest.raises(UsageError, match=r"'a/a/a/a.*nests deeper than 64 levels"):
            run.log(deep)
        with pytest.raises(UsageError, match=r"log key 'l'\[1\] contains itself"):
            run.log({"l": listed})
        run.log({"fine": 1.0})
    assert heron.Api().run(run.path).history()["fine"].tolist() == [1.0]


@pytest.mark.parametrize(
    ("step", "complaint"),
    [
        (2**63, r"step 9223372036854775808 is too large: steps are at most 2\*\*63-1"),
        (-1, "step must be >= 0, got -1"),
        (1.0, r"step must be an int, got 1\.0 \(float\)"),
        (True, "step must be an int, got True"),
        ("3", "step must be an int"),
    ],
)
def test_a_bad_step_is_refused(store_dir: Path, step: Any, complaint: str) -> None:
    with heron.init(project="p") as run, pytest.raises(UsageError, match=complaint):
        run.log({"x": 1.0}, step=step)


def test_steps_span_the_whole_int64_range_and_numpy_ints_are_steps(store_dir: Path) -> None:
    with heron.init(project="p") as run:
        run.log({"x": 1.0}, step=np.int64(3))
        run.log({"x": 2.0}, step=2**63 - 1)
        with pytest.raises(UsageError, match="has logged step 9223372036854775807, the largest"):
            run.log({"x": 3.0})
    history = heron.Api().run(run.path).history()
    assert history["_step"].tolist() == [3, 2**63 - 1]
    assert heron.Api().run(run.path).record.last_step == 2**63 - 1


def test_a_non_number_is_logged_once_per_key_and_step(store_dir: Path) -> None:
    with heron.init(project="p") as run:
        run.log({"hist": heron.Histogram([1, 2, 3]), "loss": 1.0}, step=5)
        with pytest.raises(UsageError, match="'hist' was already logged at step 5"):
            run.log({"hist": heron.Histogram([4]), "loss": 0.5}, step=5)
        run.log({"loss": 0.5}, step=5)  # numbers at one step merge: the last one wins
        run.log({"hist": heron.Histogram([4])}, step=6)
    api_run = heron.Api().run(run.path)
    assert api_run.history()["loss"].tolist() == [0.5]
    assert api_run.summary["loss"] == 0.5
    assert run.failures == []


# -- config and summary ----------------------------------------------------------------------


def test_config_cycles_and_deep_nesting_are_refused_naming_the_key_path(store_dir: Path) -> None:
    cycle: dict[str, Any] = {"lr": 0.1}
    cycle["a"] = cycle
    with pytest.raises(ConfigError, match=r"^config\['a'\] contains itself"):
        heron.init(project="p", config=cycle)
    deep: dict[str, Any] = {}
    inner = deep
    for _ in range(5000):
        inner["b"] = {}
        inner = inner["b"]
    with heron.init(project="p", config={"lr": 0.1}) as run:
        with pytest.raises(ConfigError, match=r"^config\['opt'\]\['b'\]\['b'\].*deeper than 64"):
            run.config["opt"] = deep
        nested_list: list[Any] = []
        nested_list.append({"inner": nested_list})
        with pytest.raises(ConfigError, match=r"config\['layers'\]\[0\]\['inner'\] contains"):
            run.config.update({"layers": nested_list})
        with pytest.raises(ConfigError, match=r"config key 'b\\udcff' holds"):
            run.config.update({"b\udcff": 1})
        with pytest.raises(ConfigError, match=r"config\['seed'\]: an int of 4001 bits"):
            run.config.seed = 2**4000
        with pytest.raises(ConfigError, match=r"summary key 's\\udc80' holds"):
            run.summary["s\udc80"] = 1
        with pytest.raises(ConfigError, match=r"summary\['best'\]: the string 'x\\udc80'"):
            run.summary["best"] = "x\udc80"
        run.config["depth"] = {"a": {"b": {"c": [1, [2, [3]]]}}}  # nesting itself is fine
        run.config["seed"] = 2**64 - 1  # as are ints beyond int64
    stored = heron.Api().run(run.path).config
    assert stored == {"lr": 0.1, "depth": {"a": {"b": {"c": [1, [2, [3]]]}}}, "seed": 2**64 - 1}


@pytest.mark.parametrize(
    ("arguments", "complaint"),
    [
        ({"name": "r" * 257}, "run name 'rrr.* is longer than 256 characters"),
        ({"group": "g\udcff"}, r"group 'g\\udcff' holds"),
        ({"job_type": "j" * 129}, "job_type .* is longer than 128"),
        ({"notes": "caf\udce9"}, r"notes 'caf\\udce9' holds"),
        ({"tags": ["ok", "t\udcff"]}, r"tag 't\\udcff' holds"),
    ],
)
def test_run_fields_the_store_cannot_hold_are_refused_by_init(
    store_dir: Path, arguments: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(UsageError, match=complaint):
        heron.init(project="p", **arguments)
    assert not store_dir.exists()


# -- tables and images -----------------------------------------------------------------------


def test_text_that_is_not_utf8_is_refused_in_tables_naming_row_and_column(store_dir: Path) -> None:
    with pytest.raises(TableError, match=r"column name 'a\\udcff' holds"):
        heron.Table(columns=["a\udcff"])
    with heron.init(project="p") as run:
        table = heron.Table(columns=["name", "tags"], data=[["ok", ["x"]], ["b\udcffd", ["y"]]])
        with pytest.raises(TableError, match=r"row 1, column 'name': the string 'b\\udcffd'"):
            run.log({"t": table})
        tags = heron.Table(columns=["tags"], data=[[["fine"]], [["fine", "no\udc80"]]])
        with pytest.raises(TableError, match=r"row 1, column 'tags': the string 'no\\udc80'"):
            run.log({"t": tags})
        run.log({"t": heron.Table(columns=["name"], data=[["ok"]])})
    assert run.failures == []
    assert len(heron.Api().run(run.path).table("t")) == 1


def test_captions_and_overlay_names_that_are_not_utf8_are_refused(store_dir: Path) -> None:
    pixels = np.zeros((8, 8), np.uint8)
    box = {"x0": 0, "y0": 0, "x1": 1, "y1": 1}
    with pytest.raises(MediaError, match=r"caption 'c\\udcff' holds"):
        heron.Image(pixels, caption="c\udcff")
    with pytest.raises(MediaError, match=r"image class name 'cat\\udcff' holds"):
        heron.Image(pixels, boxes=[{**box, "class_id": 1}], classes={1: "cat\udcff"})
    with pytest.raises(MediaError, match=r"image box 0 caption 'b\\udcff' holds"):
        heron.Image(pixels, boxes=[{**box, "caption": "b\udcff"}])
    with pytest.raises(MediaError, match=r"image mask name 'm\\udcff' holds"):
        heron.Image(pixels, masks={"m\udcff": np.zeros((8, 8), np.uint8)})
    fine = heron.Image(pixels, boxes=[{**box, "caption": "chat noir"}], classes={0: "café"})
    assert fine.classes == {"0": "café"}


def _encoded(fmt: str) -> bytes:
    pixels = (np.arange(48 * 64 * 3) % 251).astype(np.uint8).reshape(48, 64, 3)
    buffer = io.BytesIO()
    PILImage.fromarray(pixels).save(buffer, fmt)
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF"])
def test_a_truncated_image_is_refused_when_made(tmp_path: Path, fmt: str) -> None:
    data = _encoded(fmt)
    cut = data[: len(data) * 2 // 3]
    path = tmp_path / f"cut.{fmt.lower()}"
    path.write_bytes(cut)
    with pytest.raises(MediaError, match=f"image bytes is a damaged or truncated {fmt} image"):
        heron.Image(cut)
    with pytest.raises(MediaError, match=f"image file '{path}' is a damaged or truncated {fmt}"):
        heron.Image(path)
    whole = heron.Image(data)  # the complete file is fine, and reads back
    assert (whole.width, whole.height) == (64, 48)
    assert whole.to_numpy().shape[:2] == (48, 64)


def test_a_png_with_a_damaged_chunk_is_refused(tmp_path: Path) -> None:
    data = bytearray(_encoded("PNG"))
    data[len(data) // 2] ^= 0xFF  # inside the pixel data: its CRC no longer matches
    with pytest.raises(MediaError, match="damaged or truncated PNG"):
        heron.Image(bytes(data))


# -- wide tables -----------------------------------------------------------------------------


def test_a_table_of_ten_thousand_columns_logs_and_reads_back(store_dir: Path) -> None:
    names = [f"feature_{i}" for i in range(10_000)]
    table = heron.Table(columns=names)
    for row in range(3):
        table.add_data(*[float(row * 10_000 + i) for i in range(10_000)])
    table.add_column("label", ["a", "b", "c"])
    with pytest.raises(TableError, match="column 'feature_5' appears twice"):
        table.add_column("feature_5", [1, 2, 3])
    with heron.init(project="p") as run:
        run.log({"wide": table})
    logged = heron.Api().run(run.path).table("wide")
    assert logged.columns == [*names, "label"]
    frame = logged.to_pandas()
    assert frame["feature_9999"].tolist() == [9999.0, 19999.0, 29999.0]
    assert frame["label"].tolist() == ["a", "b", "c"]


# -- artifacts ---------------------------------------------------------------------------------


def test_artifact_text_and_metadata_the_store_cannot_hold_are_refused(
    store_dir: Path, tmp_path: Path
) -> None:
    with pytest.raises(ArtifactError, match=r"description of artifact 'data' holds '\\udcff'"):
        heron.Artifact("data", type="dataset", description="d\udcff")
    with pytest.raises(ArtifactError, match=r"artifact type 't\\udcff' holds"):
        heron.Artifact("data", type="t\udcff")
    with pytest.raises(ArtifactError, match=r"metadata\['k'\]: the string 'v\\udcff'"):
        heron.Artifact("data", type="dataset", metadata={"k": "v\udcff"})
    artifact = heron.Artifact("data", type="dataset", metadata={"rows": 3})
    (tmp_path / "f.txt").write_text("f")
    artifact.add_file(tmp_path / "f.txt")
    deep: dict[str, Any] = {}
    inner = deep
    for _ in range(3000):
        inner["a"] = {}
        inner = inner["a"]
    artifact.metadata["deep"] = deep  # changed after it was made: checked when logged
    with heron.init(project="p") as run:
        with pytest.raises(ArtifactError, match=r"metadata\['deep'\]\['a'\].*deeper than 64"):
            run.log_artifact(artifact)
        del artifact.metadata["deep"]
        run.log_artifact(artifact)
    assert heron.Api().artifact("p/data:v0").metadata == {"rows": 3}
