"""The whole walkthrough, end to end, in its tiny setting: 10 images per class, 1-2 epochs.

The default path (PyTorch loop) runs through `all`; the Keras trainer then trains one more variant
on the same split and is tested by alias, as a user following the README would.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import heron
from examples.inaturalist.cli import build_parser, main
from heron.sdk.logged_table import LoggedTable

# Saving the Keras head on the torch backend: see tests/examples/test_keras_backbone_and_head.py.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings(
        "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning:keras"
    ),
]

CLASSES = ["Bear", "Bird", "Cat", "Cow", "Dog", "Elephant", "Giraffe", "Horse", "Sheep", "Zebra"]
PREDICTION_COLUMNS = ["id", "image", "guess", "truth", *(f"score_{c}" for c in CLASSES)]


def _same_rows(a: LoggedTable, b: LoggedTable) -> bool:
    """Whether two tables hold the same rows: equal values, the same images (by content)."""
    x, y = a.to_pandas(), b.to_pandas()
    images = [i.sha256 for i in x.pop("image")] == [i.sha256 for i in y.pop("image")]
    return images and x.equals(y)


def _flags(store_dir: Path, workdir: Path) -> list[str]:
    return ["--dir", str(store_dir), "--workdir", str(workdir), "--project", "walkthrough"]


def test_all_steps_log_connected_artifacts_and_joinable_tables(
    store_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flags = _flags(store_dir, tmp_path / "work")
    assert main(["all", "--upload-per-class", "10", "--variants", "256:adam:2", *flags]) == 0
    assert "step times: upload" in capsys.readouterr().out
    api = heron.Api(store_dir)
    runs = {run.job_type: run for run in api.runs("walkthrough")}
    assert set(runs) == {"upload", "split", "train", "inference"}

    raw = api.artifact("walkthrough/inat_raw_data_100:latest")
    assert raw.type == "raw_data" and raw.get("raw_data").columns == ["id", "image", "label"]
    split = api.artifact("walkthrough/inat_balanced_100:latest")
    balanced = split.get("balanced_data").to_pandas()
    assert list(balanced.columns) == ["id", "image", "label", "split"]
    counts = balanced.groupby(["split", "label"]).size()
    assert set(counts["train"]) == {8} and set(counts["val"]) == {1} and set(counts["test"]) == {1}

    train = runs["train"]
    assert train.group == "fc-sweep" and train.name == "fc256-adam-e2"
    assert train.config["fc_size"] == 256 and train.config["optimizer"] == "adam"
    assert {"loss", "acc", "val/loss", "val/acc"} <= set(train.metric_keys())
    assert train.tables()["predictions"] == [0, 1]
    predictions = train.table("predictions", step=1)
    assert predictions.columns == PREDICTION_COLUMNS and len(predictions) == 10
    # Predictions refer to the dataset's own files: same ids, same image hashes.
    val = balanced[balanced["split"] == "val"].set_index("id")
    first_id = predictions.get_column("id")[0]
    image = predictions.image(0)
    assert image is not None
    assert image.sha256 == val.loc[first_id, "image"].sha256
    assert predictions.get_column("truth")[0] == val.loc[first_id, "label"]

    model = api.artifact("walkthrough/inat_model:fc256-e2")
    assert model.type == "model" and "fc256-adam-e2" in model.aliases
    assert model.metadata["fc_size"] == 256 and model.metadata["classes"] == CLASSES
    # The model holds its last epoch's validation predictions, to compare versions by.
    assert _same_rows(model.get("predictions"), predictions)

    inference = runs["inference"]
    results = inference.table("test_results")
    assert results.columns == PREDICTION_COLUMNS and len(results) == 10
    assert 0.0 <= inference.summary["test/acc"] <= 1.0
    tested = api.artifact("walkthrough/inat_test_results:fc256-adam-e2")
    assert tested.type == "predictions" and tested.metadata["model"] == "inat_model:fc256-adam-e2"
    assert _same_rows(tested.get("test_results"), results)
    assert tested.metadata["test/acc"] == inference.summary["test/acc"]

    upstream = api.lineage(inference, depth=6, direction="upstream")
    artifact_ids = {node["id"] for node in upstream["nodes"]}
    assert {f"artifact:{a.id}" for a in (raw, split, model)} <= artifact_ids

    # The Keras trainer on the same split, then inference on it by alias.
    dataset = ["--dataset", "inat_balanced_100:latest"]
    assert main(["train", "--trainer", "keras", "--variants", "64:adam:1", *dataset, *flags]) == 0
    assert main(["infer", "--models", "fc64-adam-e1", *flags]) == 0
    keras_run = next(
        r for r in heron.Api(store_dir).runs("walkthrough") if r.name == "fc64-adam-e1"
    )
    assert keras_run.config["trainer"] == "keras"
    assert keras_run.table("predictions", step=0).columns == PREDICTION_COLUMNS
    keras_model = api.artifact("walkthrough/inat_model:fc64-adam-e1")
    assert keras_model.metadata["model_file"] == "head.keras"
    assert _same_rows(keras_model.get("predictions"), keras_run.table("predictions", step=0))
    assert api.artifact("walkthrough/inat_test_results:fc64-adam-e1").version == "v1"


def test_inception_v3_without_weights_stops_before_any_run(store_dir: Path) -> None:
    with pytest.raises(SystemExit, match="needs --weights"):
        main(["train", "--backbone", "inception_v3", "--dir", str(store_dir)])
    with pytest.raises(SystemExit, match="weights file not found"):
        main(
            [
                "train",
                "--backbone",
                "inception_v3",
                "--weights",
                "missing.h5",
                "--dir",
                str(store_dir),
            ]
        )
    assert not store_dir.exists()


def test_every_flag_has_help() -> None:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "step")
    for name, sub in subparsers.choices.items():  # type: ignore[attr-defined]
        for action in sub._actions:
            assert action.help, f"{name} {action.option_strings} has no help"
