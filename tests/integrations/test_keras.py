"""heron.integrations.keras.HeronCallback on a tiny Keras 3 model (torch backend)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import heron

os.environ.setdefault("KERAS_BACKEND", "torch")
import keras

from heron.integrations.keras import HeronCallback

# Keras' Variable.numpy() calls np.array() on a torch tensor, which numpy 2 flags because torch's
# __array__ takes no `copy` argument; saving a Keras model on the torch backend cannot avoid it.
# Only that warning, and only when Keras raises it, is ignored.
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning:keras"
)

CLASSES = ["circle", "square", "star"]


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.random((12, 8, 8, 1), dtype=np.float32), np.arange(12) % 3


def _model(output: str = "softmax") -> keras.Model:
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(3, activation=output)]
    )
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=output == "linear")
    model.compile("adam", loss, metrics=[keras.metrics.SparseCategoricalAccuracy(name="acc")])
    return model


def test_callback_logs_metrics_every_epoch_and_tables_every_n(store_dir: Path) -> None:
    x, y = _data()
    with heron.init(project="keras", config={"fc": 3}, dir=str(store_dir)) as run:
        callback = HeronCallback(
            run,
            validation_data=(x, y),
            class_names=CLASSES,
            ids=[f"ex{i}" for i in range(12)],
            log_every_n_epochs=2,
        )
        _model().fit(
            x, y, validation_data=(x, y), epochs=3, batch_size=4, verbose=0, callbacks=[callback]
        )
        path = run.path

    stored = heron.Api(store_dir).run(path)
    assert {"loss", "acc", "val/loss", "val/acc"} == set(stored.metric_keys())
    assert [row["_step"] for row in stored.scan_history() if "val/acc" in row] == [0, 1, 2]
    # every 2nd epoch (step 1) and the last one (step 2)
    assert stored.tables()["predictions"] == [1, 2]
    table = stored.table("predictions", step=2)
    assert table.columns == ["id", "image", "guess", "truth", *(f"score_{c}" for c in CLASSES)]
    assert table.get_column("id")[:2] == ["ex0", "ex1"]
    assert table.get_column("truth")[:3] == CLASSES
    scores = np.array([table.get_column(f"score_{c}") for c in CLASSES])
    np.testing.assert_allclose(scores.sum(axis=0), 1.0, rtol=1e-5)


def test_logits_are_turned_into_probabilities(store_dir: Path) -> None:
    x, y = _data()
    with heron.init(project="keras", dir=str(store_dir)):
        callback = HeronCallback(validation_data=(x, y), class_names=CLASSES, output="auto")
        _model("linear").fit(x, y, epochs=1, verbose=0, callbacks=[callback])
        table = callback.predictions_table()
    scores = np.array([table.get_column(f"score_{c}") for c in CLASSES])
    assert (scores >= 0).all()
    np.testing.assert_allclose(scores.sum(axis=0), 1.0, rtol=1e-6)


def test_save_model_logs_a_loadable_model_artifact(store_dir: Path, tmp_path: Path) -> None:
    x, y = _data()
    with heron.init(project="keras", config={"lr": 0.001}, dir=str(store_dir)) as run:
        callback = HeronCallback(
            run,
            log_every_n_epochs=0,
            save_model=True,
            model_artifact_name="tiny",
            model_aliases=["best"],
            model_metadata={"classes": CLASSES},
        )
        model = _model()
        model.fit(x, y, epochs=1, verbose=0, callbacks=[callback])

    artifact = heron.Api(store_dir).artifact("keras/tiny:best")
    assert artifact.type == "model"
    assert artifact.metadata["classes"] == CLASSES
    assert artifact.metadata["config"] == {"lr": 0.001}
    loaded = keras.saving.load_model(artifact.download(root=tmp_path / "model") / "model.keras")
    np.testing.assert_allclose(
        loaded(x[:2]).detach().numpy(), model(x[:2]).detach().numpy(), rtol=1e-5
    )


def test_callback_without_a_run_says_how_to_get_one() -> None:
    assert heron.run is None
    x, y = _data()
    with pytest.raises(RuntimeError, match=r"heron.init\(\)"):
        _model().fit(x, y, epochs=1, verbose=0, callbacks=[HeronCallback()])


def test_images_taken_from_a_dataset_artifact_keep_their_hash(store_dir: Path) -> None:
    x, y = _data()
    with heron.init(project="keras", dir=str(store_dir)) as run:
        dataset = heron.Table(columns=["id", "image"])
        for i in range(12):
            dataset.add_data(f"ex{i}", heron.Image((x[i, :, :, 0] * 255).astype(np.uint8)))
        artifact = heron.Artifact("shapes", type="dataset")
        artifact.add(dataset, "shapes")
        run.log_artifact(artifact)
    with heron.init(project="keras", dir=str(store_dir)) as run:
        stored = run.use_artifact("shapes:latest").get("shapes")
        images = stored.get_column("image")
        callback = HeronCallback(
            run,
            validation_data=(x, y),
            class_names=CLASSES,
            images=images,
            ids=stored.get_column("id"),
        )
        _model().fit(x, y, epochs=1, verbose=0, callbacks=[callback])
        path = run.path
    table = heron.Api(store_dir).run(path).table("predictions", step=0)
    logged = table.image(5)
    assert logged is not None and logged.sha256 == images[5].sha256


def test_a_second_fit_continues_at_the_next_step(store_dir: Path) -> None:
    x, y = _data()
    model = _model()
    with heron.init(project="keras", dir=str(store_dir)) as run:
        callback = HeronCallback(run, validation_data=(x, y), class_names=CLASSES)
        model.fit(x, y, epochs=2, verbose=0, callbacks=[callback])
        model.fit(x, y, epochs=1, verbose=0, callbacks=[callback])
        path = run.path
    assert heron.Api(store_dir).run(path).tables()["predictions"] == [0, 1, 2]
