"""``wandb.Table``, ``wandb.Image``, ``wandb.Classes``, ``wandb.JoinedTable`` over heron.

Where W&B's behaviour is the point (default columns, ``get_column``, ``get_index``, ``data``,
``add_computed_columns``, the pixels of an image), the real ``wandb`` package (offline, no run)
says what is expected.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image as PILImage

import heron
import heron.wandb as wandb
from heron.errors import MediaError, TableError
from tests.fixtures.scenario import run_scenario


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for variable in ("WANDB_MODE", "WANDB_PROJECT", "WANDB_DIR", "WANDB_SILENT"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("WANDB_SILENT", "true")
    yield
    wandb.teardown()


@pytest.fixture
def real_wandb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The real wandb package, kept offline and inside tmp_path."""
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_DIR", str(tmp_path / "real-wandb"))
    (tmp_path / "real-wandb").mkdir()
    import wandb as real

    return real


def _pixels(image: Any) -> np.ndarray:
    """What W&B would store for a real wandb.Image: its PIL image as an array."""
    return np.asarray(image.image)


def test_table_api_matches_wandbs(real_wandb: Any) -> None:
    rows = [[1, "cat", 0.5], [2, "dog", 0.25], [3, "cat", 0.75]]
    for module in (real_wandb, wandb):
        assert module.Table().columns == ["Input", "Output", "Expected"]
    ours = wandb.Table(columns=["id", "label", "score"], data=rows)
    theirs = real_wandb.Table(columns=["id", "label", "score"], data=rows)
    assert ours.data == theirs.data
    assert ours.columns == theirs.columns
    assert ours.get_column("label") == theirs.get_column("label")
    assert np.array_equal(
        ours.get_column("score", convert_to="numpy"),
        theirs.get_column("score", convert_to="numpy"),
    )
    assert ours.get_index() == [int(i) for i in theirs.get_index()]
    for table in (ours, theirs):
        table.add_computed_columns(lambda ndx, row: {"double": row["score"] * 2, "n": ndx})
        table.add_column("flag", [True, False, True])
        table.add_data(4, "bird", 1.0, 2.0, 3, False)
    assert ours.data == theirs.data
    assert ours.columns == theirs.columns
    assert [list(row) for _, row in ours.iterrows()] == [row for _, row in theirs.iterrows()]
    pd.testing.assert_frame_equal(ours.get_dataframe(), theirs.get_dataframe())


def test_rows_dataframes_and_numpy_make_tables() -> None:
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    assert wandb.Table(dataframe=frame).data == [[1, "x"], [2, "y"]]
    assert wandb.Table(data=frame).columns == ["a", "b"]
    assert wandb.Table(columns=["p", "q"], rows=[[1, 2]]).data == [[1, 2]]
    assert wandb.Table(columns=["p", "q"], data=np.array([[1.5, 2.5]])).data == [[1.5, 2.5]]


def test_types_are_checked_unless_mixed_types_are_allowed() -> None:
    table = wandb.Table(columns=["id", "guess"])
    table.add_data("a", "Fungi")
    with pytest.raises(TableError, match=r"row 1, column 'guess': expected string, got int"):
        table.add_data("b", 3)
    mixed = wandb.Table(columns=["id", "guess"], allow_mixed_types=True)
    mixed.add_data("a", "Fungi")
    mixed.add_data("b", 3)
    mixed.add_data("c", None)
    assert mixed.get_column("guess") == ["Fungi", 3, None]


def test_cast_fixes_a_columns_type() -> None:
    table = wandb.Table(columns=["n", "image"])
    table.cast("n", float)
    table.cast("image", wandb.Image)
    table.add_data(1, None)
    assert table.types == {"n": "float", "image": "image"}
    with pytest.raises(TableError, match="column 'image'"):
        table.add_data(2.0, "not an image")


def test_image_pixels_match_wandbs(real_wandb: Any, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    hwc = rng.integers(0, 256, (6, 5, 3), dtype=np.uint8)
    hw = rng.integers(0, 256, (6, 5), dtype=np.uint8)
    float_255 = rng.uniform(0, 255, (6, 5, 3))
    tensor = torch.from_numpy(hwc.transpose(2, 0, 1).copy())  # CHW, as torch gives it
    pil = PILImage.fromarray(hwc)
    path = tmp_path / "x.png"
    pil.save(path)
    for data in (hwc, hw, float_255, tensor, pil, str(path), hwc[None]):
        ours = wandb.Image(data, caption="c")
        theirs = real_wandb.Image(data, caption="c")
        assert np.array_equal(ours.to_numpy(), _pixels(theirs)), type(data)
        assert ours.caption == "c"
    grey = wandb.Image(hwc, mode="L")
    assert np.array_equal(grey.to_numpy(), _pixels(real_wandb.Image(hwc, mode="L")))
    copied = wandb.Image(wandb.Image(hwc, caption="old"))
    assert copied.caption == "old" and np.array_equal(copied.to_numpy(), hwc)
    assert isinstance(copied, wandb.Image) and isinstance(copied, heron.Image)


def test_images_heron_reads_where_wandb_would_fail(real_wandb: Any) -> None:
    chw = np.arange(3 * 4 * 5, dtype=np.uint8).reshape(3, 4, 5)
    assert np.array_equal(wandb.Image(chw).to_numpy(), chw.transpose(1, 2, 0))
    unit = np.full((4, 4, 3), 0.5)  # W&B casts floats in [0, 1] to 0; heron scales them
    assert wandb.Image(unit).to_numpy().max() == 128
    with pytest.raises(MediaError, match="log a list"):
        wandb.Image(torch.zeros(2, 3, 4, 4))


def test_matplotlib_figures_are_images() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(2, 1), dpi=50)
    axes.plot([0, 1], [1, 0])
    image = wandb.Image(figure)
    assert (image.width, image.height, image.format) == (100, 50, "png")
    assert wandb.Image(plt).format == "png"
    plt.close(figure)


def test_boxes_masks_and_classes_read_back(store_dir: Path) -> None:
    classes = wandb.Classes([{"id": 0, "name": "bg"}, {"id": 1, "name": "cat"}])
    mask = np.zeros((8, 8), np.uint8)
    mask[2:4, 2:4] = 1
    boxes = {
        "predictions": {
            "box_data": [
                {
                    "position": {"minX": 0.1, "maxX": 0.5, "minY": 0.2, "maxY": 0.6},
                    "class_id": 1,
                    "box_caption": "cat",
                    "scores": {"conf": 0.9},
                }
            ],
            "class_labels": {1: "cat"},
        }
    }
    image = wandb.Image(
        np.zeros((8, 8, 3), np.uint8),
        classes=classes,
        boxes=boxes,
        masks={"truth": {"mask_data": mask, "class_labels": {0: "bg", 1: "cat"}}},
    )
    run = wandb.init(project="p")
    table = wandb.Table(columns=["image"])
    table.add_data(image)
    wandb.log({"segments": table})
    wandb.finish()

    back = heron.Api(store_dir).run(run.path).table("segments").image(0)
    assert back is not None
    assert back.classes == {"0": "bg", "1": "cat"}
    assert back.boxes[0]["class_id"] == 1 and back.boxes[0]["x0"] == pytest.approx(0.1)
    assert np.array_equal(back.masks[0], mask)


def test_dataframes_image_lists_and_joined_tables_log_as_tables(store_dir: Path) -> None:
    images = [wandb.Image(np.full((4, 4), i, np.uint8), caption=f"n{i}") for i in range(3)]
    data = wandb.Table(columns=["id", "image"], data=[["a", images[0]], ["b", images[1]]])
    preds = wandb.Table(columns=["id", "guess"], data=[["b", "dog"], ["a", "cat"], ["z", "?"]])
    run = wandb.init(project="p")
    wandb.log(
        {
            "frame": pd.DataFrame({"x": [1.0, 2.0], "label": ["u", "v"]}),
            "examples": images,
            "joined": wandb.JoinedTable(data, preds, "id"),
        }
    )
    wandb.finish()

    stored = heron.Api(store_dir).run(run.path)
    assert sorted(stored.tables()) == ["examples", "frame", "joined"]
    assert stored.table("frame").to_pandas().to_dict("list") == {
        "x": [1.0, 2.0],
        "label": ["u", "v"],
    }
    examples = stored.table("examples").get_column("image")
    assert [image.caption for image in examples] == ["n0", "n1", "n2"]
    assert [image.sha256 for image in examples] == [image.sha256 for image in images]
    joined = stored.table("joined")
    assert joined.columns == ["id", "image", "guess"]
    assert [(row[0], row[2]) for _, row in joined.iterrows()] == [("a", "cat"), ("b", "dog")]
    assert joined.get_column("image")[0].sha256 == images[0].sha256


def test_incremental_tables_store_only_new_rows(store_dir: Path) -> None:
    run = wandb.init(project="p")
    table = wandb.Table(columns=["step", "loss"], log_mode="INCREMENTAL")
    for step in range(3):
        table.add_data(step, 1.0 / (step + 1))
        wandb.log({"progress": table})
    wandb.finish()
    stored = heron.Api(store_dir).run(run.path)
    assert stored.tables() == {"progress": [0, 1, 2]}
    assert len(stored.table("progress", step=2)) == 3


# -- the public W&B Tables notebooks, as scenario scripts run in their own process -------------


def test_scenario_tables_quickstart(tmp_path: Path) -> None:
    api = run_scenario("tables_quickstart", tmp_path)
    (run,) = api.runs("table-quickstart")
    assert run.state == "finished"
    assert run.config == {
        "epochs": 2,
        "batch_size": 8,
        "lr": 0.001,
        "l1_size": 4,
        "l2_size": 8,
        "conv_kernel": 5,
        "img_count": 16,
    }
    history = run.history()
    assert history["loss"].notna().sum() == 2 * 4  # 32 training images in batches of 8
    assert history["epoch"].dropna().tolist() == [0.0, 1.0]
    assert history["acc"].dropna().between(0, 100).all()
    steps = run.tables()["test_predictions"]
    assert len(steps) == 2
    table = run.table("test_predictions", step=steps[-1])
    assert table.columns == ["id", "image", "guess", "truth"] + [f"score_{d}" for d in range(10)]
    assert len(table) == 2 * 8
    frame = table.to_pandas()
    assert frame["id"].tolist()[:3] == ["0_0", "1_0", "2_0"]
    assert set(frame["guess"]) <= set(range(10)) and set(frame["truth"]) <= set(range(10))
    scores = frame[[f"score_{d}" for d in range(10)]].sum(axis=1)
    assert np.allclose(scores, 1.0, atol=1e-4)
    image = table.image(0)
    assert image is not None and (image.width, image.height) == (28, 28)
    # the notebook hands wandb.Image a (1, 28, 28) array in [0, 1]: one grey channel, scaled
    assert image.to_numpy().ndim == 2 and image.to_numpy().max() > 200


def test_scenario_image_classification_tables(tmp_path: Path) -> None:
    api = run_scenario("image_classification_tables", tmp_path)
    runs = {run.job_type: run for run in api.runs("nature_photos")}
    assert set(runs) == {"upload", "data_split", "train", "inference"}
    train = runs["train"]
    assert train.config["fc_size"] == 16 and train.config["num_log_batches"] == 3
    assert train.tables() == {"predictions": [0, 1]}  # one table per epoch
    predictions = train.table("predictions", step=1)
    classes = ["Amphibia", "Aves", "Fungi", "Insecta", "Plantae"]
    assert predictions.columns == ["id", "image", "guess", "truth"] + [
        f"score_{name}" for name in classes
    ]
    frame = predictions.to_pandas()
    assert len(frame) == 10  # the two validation images of each class
    assert sorted(frame["truth"]) == sorted(classes * 2)
    assert set(frame["guess"]) <= set(classes)
    assert all(round(value, 4) == value for value in frame["score_Aves"])
    assert predictions.image(0) is not None and predictions.image(0).width == 12
    inference = runs["inference"]
    test_results = inference.table("test_results")
    assert len(test_results) == 10
    assert sorted(test_results.get_column("truth")) == sorted(classes * 2)
    model = api.artifact("nature_photos/iv3_finetuned:latest")
    assert model.metadata["epochs"] == 2
    assert [r.id for r in model.used_by()] == [inference.id]


def test_scenario_dataset_visualization(tmp_path: Path) -> None:
    api = run_scenario("dataset_visualization", tmp_path)
    project = "dsviz-demo-colab"
    raw = api.artifact(f"{project}/raw_data:latest").get("raw_examples")
    assert raw.columns == ["id", "train_image", "colored_image", "label_mask", "dominant_class"]
    assert len(raw) == 20
    example = raw.image(0, "train_image")
    assert example is not None
    assert example.classes == {"0": "road", "1": "car", "2": "sky"}
    assert {box["class_id"] for box in example.boxes} == {0, 1, 2}
    assert example.masks[0].shape == (16, 16) and set(np.unique(example.masks[0])) == {0, 1, 2}
    assert set(raw.get_column("dominant_class")) <= {"road", "car", "sky"}

    train = api.artifact(f"{project}/train_data:latest").get("train_table")
    test = api.artifact(f"{project}/test_data:latest").get("test_table")
    assert (len(train), len(test)) == (14, 6)
    # images taken from the dataset keep their identity in every later table
    assert train.image(0, "train_image").sha256 == example.sha256

    summary = api.artifact(f"{project}/summary_results:latest")
    joined = summary.get("test_results")
    assert joined.columns[:6] == [
        "id",
        "pred_mask_test",
        "dominant_pred_test",
        "road",
        "car",
        "sky",
    ]
    assert "train_image" in joined.columns
    assert sorted(joined.get_column("id")) == sorted(test.get_column("id"))
    row = joined.to_pandas().set_index("id").loc["scene_019"]
    assert row["pred_mask_test"].sha256 == row["train_image"].sha256
    assert 0.0 <= row["car"] <= 1.0
    model = api.artifact(f"{project}/trained_model:latest")
    assert [run.job_type for run in model.used_by()] == ["model_eval"]
