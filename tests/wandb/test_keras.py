"""The W&B Keras callbacks on a tiny Keras 3 model (torch backend), read back with heron.Api."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import heron
import heron.wandb as wandb
from heron.errors import UsageError
from heron.server import create_app
from heron.wandb.errors import UnsupportedWarning

os.environ.setdefault("KERAS_BACKEND", "torch")
import keras

from heron.wandb.integration.keras import (
    WandbEvalCallback,
    WandbMetricsLogger,
    WandbModelCheckpoint,
)
from heron.wandb.keras import WandbCallback
from tests.fixtures.local import local_client
from tests.fixtures.scenario import run_scenario

# Keras' Variable.numpy() calls np.array() on a torch tensor, which numpy 2 flags because torch's
# __array__ takes no `copy` argument; saving a Keras model on the torch backend cannot avoid it.
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning:keras"
)

CLASSES = ["circle", "square", "star"]


@pytest.fixture(autouse=True)
def _store(store_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("HERON_DIR", str(store_dir))
    yield
    wandb.finish()


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.random((12, 8, 8, 1), dtype=np.float32), np.arange(12) % 3


def _model() -> keras.Model:
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Flatten(),
            keras.layers.Dense(3, activation="softmax", name="scores"),
        ]
    )
    model.compile(
        keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    return model


def _fit(callbacks: list[Any], epochs: int = 3, **kwargs: Any) -> None:
    x, y = _data()
    _model().fit(
        x,
        y,
        validation_data=(x, y),
        epochs=epochs,
        batch_size=4,
        verbose=0,
        callbacks=callbacks,
        **kwargs,
    )


def _stored(run: wandb.Run, store_dir: Path) -> heron.ApiRun:
    return heron.Api(store_dir).run(run.path)


# -- WandbMetricsLogger ----------------------------------------------------------------------


def test_metrics_logger_logs_each_epoch_against_its_epoch(store_dir: Path) -> None:
    run = wandb.init(project="keras")
    _fit([WandbMetricsLogger()])
    run.finish()

    stored = _stored(run, store_dir)
    rows = list(stored.scan_history())
    assert [row["epoch/epoch"] for row in rows] == [0, 1, 2]
    assert set(rows[0]) == {
        "_step",
        "epoch/epoch",
        "epoch/loss",
        "epoch/accuracy",
        "epoch/val_loss",
        "epoch/val_accuracy",
        "epoch/learning_rate",
    }
    assert rows[2]["epoch/learning_rate"] == pytest.approx(0.01)
    assert rows[2]["epoch/loss"] < rows[0]["epoch/loss"]
    definitions = stored.metric_definitions()
    assert definitions["epoch/*"]["step_metric"] == "epoch/epoch"


def test_metrics_logger_every_n_batches_counts_batches_across_epochs(store_dir: Path) -> None:
    run = wandb.init(project="keras")
    _fit([WandbMetricsLogger(log_freq=2)], epochs=2)  # 3 batches of 4 per epoch
    run.finish()

    stored = _stored(run, store_dir)
    batches = [row for row in stored.scan_history() if "batch/batch_step" in row]
    # Batches 0 and 2 of each epoch; batch_step advances by log_freq per logged batch.
    assert [row["batch/batch_step"] for row in batches] == [0, 2, 4, 6]
    assert all(
        {"batch/loss", "batch/accuracy", "batch/learning_rate"} <= set(row) for row in batches
    )
    assert [row["epoch/epoch"] for row in stored.scan_history() if "epoch/epoch" in row] == [0, 1]
    assert stored.metric_definitions()["batch/*"]["step_metric"] == "batch/batch_step"


def test_callbacks_need_a_run_and_a_valid_log_freq() -> None:
    with pytest.raises(UsageError, match=r"wandb.init\(\) before WandbMetricsLogger"):
        WandbMetricsLogger()
    with pytest.raises(UsageError, match="before WandbModelCheckpoint"):
        WandbModelCheckpoint("model.keras")
    wandb.init(project="keras")
    with pytest.raises(UsageError, match="log_freq must be"):
        WandbMetricsLogger(log_freq="step")


# -- WandbModelCheckpoint ---------------------------------------------------------------------


def test_model_checkpoint_logs_every_checkpoint_as_a_model_artifact(
    store_dir: Path, tmp_path: Path
) -> None:
    run = wandb.init(project="keras")
    _fit([WandbModelCheckpoint(str(tmp_path / "model.keras"))], epochs=2)
    run.finish()

    versions = heron.Api(store_dir).artifact_versions(f"run_{run.id}_model", project="keras")
    assert [v.version for v in versions] == ["v0", "v1"]
    assert versions[0].type == "model"
    assert "epoch_0" in versions[0].aliases
    assert {"latest", "epoch_1"} <= set(versions[1].aliases)
    assert [a.name for a in _stored(run, store_dir).logged_artifacts()] == [
        f"run_{run.id}_model"
    ] * 2
    # The checkpoint is the Keras model file itself: it loads back.
    directory = versions[1].download(tmp_path / "restored")
    model = keras.saving.load_model(Path(directory) / "model.keras")
    assert model.output_shape == (None, 3)


def test_model_checkpoint_best_only_and_every_n_batches(store_dir: Path, tmp_path: Path) -> None:
    run = wandb.init(project="keras")
    best = WandbModelCheckpoint(
        str(tmp_path / "best.keras"), monitor="val_loss", save_best_only=True, mode="min"
    )
    batches = WandbModelCheckpoint(
        str(tmp_path / "weights-{epoch}-{batch}.weights.h5"), save_weights_only=True, save_freq=2
    )
    _fit([best, batches], epochs=2)
    run.finish()

    api = heron.Api(store_dir)
    versions = api.artifact_versions(f"run_{run.id}_model", project="keras")
    aliases = {alias for version in versions for alias in version.aliases}
    # Every 2 batches over 2 epochs of 3: after batch 1 of epoch 0, batches 0 and 2 of epoch 1.
    assert {"epoch_0_batch_1", "epoch_1_batch_0", "epoch_1_batch_2"} <= aliases
    assert {"epoch_0", "epoch_1", "latest"} <= aliases
    files = {path for version in versions for path in version.manifest}
    assert "best.keras" in files and "weights-1-2.weights.h5" in files


# -- WandbEvalCallback ------------------------------------------------------------------------


class _Predictions(WandbEvalCallback):  # type: ignore[misc,valid-type]
    """The evaluation callback as W&B's examples write it: ids and images from the data table."""

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        super().__init__(
            data_table_columns=["idx", "image", "label"],
            pred_table_columns=["epoch", "idx", "image", "label", "pred"],
        )
        self.x, self.y = x, y

    def add_ground_truth(self, logs: dict[str, float] | None = None) -> None:
        for index, (image, label) in enumerate(zip(self.x, self.y, strict=True)):
            self.data_table.add_data(index, wandb.Image(image), CLASSES[int(label)])

    def add_model_predictions(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        guesses = np.argmax(self.model(self.x).detach().numpy(), axis=1)
        for index in self.data_table_ref.get_index():
            row = self.data_table_ref.data[index]
            self.pred_table.add_data(epoch, row[0], row[1], row[2], CLASSES[int(guesses[index])])


def test_eval_callback_logs_data_once_and_predictions_every_epoch_joinable(
    store_dir: Path,
) -> None:
    x, y = _data()
    run = wandb.init(project="keras")
    _fit([_Predictions(x, y)], epochs=2)
    run.finish()

    stored = _stored(run, store_dir)
    used = stored.used_artifacts()
    assert [(a.name, a.type) for a in used] == [("val", "dataset")]
    data = used[0].get("val_data")
    assert data.columns == ["idx", "image", "label"] and len(data) == 12
    predictions = heron.Api(store_dir).artifact_versions(f"run_{run.id}_pred", project="keras")
    assert [(p.version, p.type) for p in predictions] == [
        ("v0", "evaluation"),
        ("v1", "evaluation"),
    ]
    assert "latest" in predictions[1].aliases
    last = predictions[1].get("eval_data")
    assert last.columns == ["epoch", "idx", "image", "label", "pred"]
    assert set(last.get_column("epoch")) == {1}
    assert set(last.get_column("pred")) <= set(CLASSES)
    # The prediction rows hold the data table's own images: they join on the image.
    assert [image.sha256 for image in last.get_column("image")] == [
        image.sha256 for image in data.get_column("image")
    ]


def test_eval_callback_stays_abstract() -> None:
    wandb.init(project="keras")

    class Incomplete(WandbEvalCallback):  # type: ignore[misc,valid-type]
        def add_ground_truth(self, logs: dict[str, float] | None = None) -> None:
            pass

    with pytest.raises(TypeError, match="add_model_predictions"):
        Incomplete(["a"], ["b"])


# -- legacy WandbCallback ---------------------------------------------------------------------


def test_legacy_callback_logs_epochs_best_model_weights_and_examples(
    store_dir: Path, tmp_path: Path
) -> None:
    x, y = _data()
    run = wandb.init(project="keras", name="legacy-run")
    callback = WandbCallback(
        monitor="val_accuracy",
        log_weights=True,
        validation_data=(x, y),
        labels=CLASSES,
        input_type="image",
        predictions=4,
        log_evaluation=True,
    )
    _fit([callback], epochs=3)
    run.finish()

    stored = _stored(run, store_dir)
    rows = list(stored.scan_history())
    assert [row["epoch"] for row in rows] == [0, 1, 2]
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(rows[0])
    best = max(row["val_accuracy"] for row in rows)
    assert stored.summary["best_val_accuracy"] == best
    assert rows[stored.summary["best_epoch"]]["val_accuracy"] == best
    histograms = stored.histograms()
    assert set(histograms) == {"parameters/scores.weights", "parameters/scores.bias"}
    assert sorted(histograms["parameters/scores.bias"]) == [0, 1, 2]
    examples = stored.table("examples", step=2)
    captions = [image.caption for image in examples.get_column(examples.columns[0])]
    assert len(captions) == 4 and set(captions) <= set(CLASSES)
    evaluation = stored.table("validation_predictions")
    assert len(evaluation) == 12 and {"guess", "truth"} <= set(evaluation.columns)
    models = heron.Api(store_dir).artifact_versions("model-legacy-run", project="keras")
    assert models and models[-1].type == "model" and "latest" in models[-1].aliases
    assert "model-best.keras" in models[-1].manifest


def test_legacy_callback_names_what_it_cannot_do() -> None:
    wandb.init(project="keras")
    with pytest.warns(UnsupportedWarning, match="log_gradients"):
        WandbCallback(log_gradients=True, save_model=False)
    with pytest.warns(UnsupportedWarning, match="compute_flops="):
        WandbCallback(compute_flops=True, save_model=False)


# -- the public notebook, as a scenario script run in its own process ---------------------------


def test_scenario_keras_eval_callback_notebook(tmp_path: Path) -> None:
    api = run_scenario("keras_eval_callback", tmp_path)
    (run,) = api.runs("intro-keras")
    assert run.state == "finished"
    assert run.config["num_classes"] == 10 and run.config["epochs"] == 2
    history = list(run.scan_history())
    # 4 batches per epoch, logged every 10: the first batch of each epoch.
    assert [row["batch/batch_step"] for row in history if "batch/batch_step" in row] == [0, 10]
    epochs = [row for row in history if "epoch/epoch" in row]
    assert [row["epoch/epoch"] for row in epochs] == [0, 1]
    assert {"epoch/loss", "epoch/accuracy", "epoch/top@5_accuracy", "epoch/val_loss"} <= set(
        epochs[0]
    )

    (data_artifact,) = run.used_artifacts()
    assert (data_artifact.name, data_artifact.type) == ("val", "dataset")
    data = data_artifact.get("val_data")
    assert data.columns == ["idx", "image", "ground_truth"] and len(data) == 24
    assert data.get_column("idx") == list(range(24))
    versions = api.artifact_versions(f"run_{run.id}_pred", project="intro-keras")
    assert [version.version for version in versions] == ["v0", "v1"]
    for epoch, version in enumerate(versions):
        predictions = version.get("eval_data")
        assert predictions.columns == ["epoch", "idx", "image", "ground_truth", "prediction"]
        assert set(predictions.get_column("epoch")) == {epoch}
        assert predictions.get_column("ground_truth") == data.get_column("ground_truth")
        assert all(0 <= guess < 10 for guess in predictions.get_column("prediction"))
        # Each prediction row holds the data table's image: the explorer joins them on it.
        assert [i.sha256 for i in predictions.get_column("image")] == [
            i.sha256 for i in data.get_column("image")
        ]

    # The table explorer's query joins the data table with the last predictions on the image.
    with local_client(create_app(tmp_path / "heron-data")) as client:
        joined = client.post(
            "/api/projects/intro-keras/query",
            json={
                "tables": [
                    {"artifact": "val:v0", "name": "val_data"},
                    {"artifact": f"run_{run.id}_pred:latest", "name": "eval_data"},
                ],
                "query": {"merge": {"mode": "join", "on": "image"}, "page": {"size": 50}},
            },
        ).json()
    assert joined["total"] == 24
    first = joined["rows"][0]
    assert first["ground_truth"][0] == first["ground_truth"][1]  # the same example, both tables
    assert first["epoch"] == [None, 1]


def test_scenario_keras_model_checkpoint_notebook(tmp_path: Path) -> None:
    api = run_scenario("keras_model_checkpoint", tmp_path)
    (run,) = api.runs("intro-keras")
    assert run.state == "finished"
    epochs = [row for row in run.scan_history() if "epoch/epoch" in row]
    assert [row["epoch/epoch"] for row in epochs] == [0, 1]
    versions = api.artifact_versions(f"run_{run.id}_model", project="intro-keras")
    # filepath="models/" is a directory: each epoch's model.keras in it, logged as a model.
    assert [version.type for version in versions] == ["model", "model"]
    assert {"epoch_0"} <= set(versions[0].aliases)
    assert {"latest", "epoch_1"} <= set(versions[1].aliases)
    assert list(versions[1].manifest) == ["model.keras"]
    restored = keras.saving.load_model(Path(versions[1].download(tmp_path / "got")) / "model.keras")
    assert restored.output_shape == (None, 10)


def test_legacy_callback_as_the_legacy_notebook_uses_it_finishes_training(store_dir: Path) -> None:
    # W&B's legacy Keras notebook gives validation data to fit() only; W&B patches Keras to read
    # it there, heron does not: the evaluation table is skipped with a warning, training goes on.
    run = wandb.init(project="keras")
    # Recorded rather than pytest.warns: that would re-raise Keras' own numpy warning as ours.
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        callback = WandbCallback(
            monitor="val_loss", log_weights=True, log_evaluation=True, validation_steps=5
        )
        _fit([callback], epochs=2)
    run.finish()
    warned = [warning for warning in warned if warning.category is UnsupportedWarning]
    messages = " ".join(str(warning.message) for warning in warned)
    assert "validation_steps=" in messages
    assert "log_evaluation without validation_data" in messages
    stored = _stored(run, store_dir)
    assert [row["epoch"] for row in stored.scan_history()] == [0, 1]
    assert "validation_predictions" not in stored.tables()
    assert stored.summary["best_val_loss"] == min(row["val_loss"] for row in stored.scan_history())
