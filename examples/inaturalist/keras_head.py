"""The fine-tuning head as a Keras 3 model, for `--trainer keras` (any Keras backend; torch here)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from examples.inaturalist.classifier import Variant


def import_keras() -> Any:
    """Import Keras on the torch backend unless a backend was chosen already."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras

    return keras


def build_keras_head(in_features: int, variant: Variant, n_classes: int, *, seed: int = 0) -> Any:
    """Dense(fc, relu) → Dropout → Dense(classes, softmax), compiled with the variant's optimizer."""
    keras = import_keras()
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input((in_features,)),
            keras.layers.Dense(variant.fc_size, activation="relu"),
            keras.layers.Dropout(0.2),
            keras.layers.Dense(n_classes, activation="softmax"),
        ]
    )
    optimizers = {
        "adam": lambda: keras.optimizers.Adam(variant.lr),
        "rmsprop": lambda: keras.optimizers.RMSprop(variant.lr),
        "sgd": lambda: keras.optimizers.SGD(variant.lr, momentum=0.9),
    }
    model.compile(
        optimizer=optimizers[variant.optimizer](),
        loss="sparse_categorical_crossentropy",
        # Named "acc" so both trainers log the same metric names (acc, val/acc).
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="acc")],
    )
    return model


def load_keras_head(path: Path) -> Any:
    """Load a head saved by the Keras trainer."""
    keras = import_keras()
    return keras.saving.load_model(path)


def keras_probabilities(model: Any, features: Any, batch_size: int = 256) -> Any:
    """Class probabilities of a Keras head, batched (calling the model avoids predict's warning)."""
    import numpy as np

    from examples.inaturalist.backbone import to_numpy

    outputs = [
        to_numpy(model(features[start : start + batch_size], training=False))
        for start in range(0, len(features), batch_size)
    ]
    return np.concatenate(outputs)
