"""The Keras side of the walkthrough: the head for `--trainer keras` and the InceptionV3 backbone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from examples.inaturalist.backbone import inception_v3_features
from examples.inaturalist.classifier import Variant
from examples.inaturalist.keras_head import build_keras_head, keras_probabilities, load_keras_head

# Keras' Variable.numpy() calls np.array() on a torch tensor, which numpy 2 flags because torch's
# __array__ takes no `copy` argument; saving a Keras model on the torch backend cannot avoid it.
# Only that warning, and only when Keras raises it, is ignored.
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning:keras"
)


def test_keras_head_trains_saves_and_reloads(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    y = np.arange(60) % 3
    x = (np.eye(3)[y] @ rng.normal(0, 3, (3, 8)) + rng.normal(0, 0.5, (60, 8))).astype(np.float32)
    model = build_keras_head(8, Variant(16, "adam", 3, 1e-2), 3)
    history = model.fit(x, y, validation_data=(x, y), epochs=3, batch_size=16, verbose=0)
    assert set(history.history) == {"acc", "loss", "val_acc", "val_loss"}
    scores = keras_probabilities(model, x)
    assert scores.shape == (60, 3)
    np.testing.assert_allclose(scores.sum(axis=1), 1.0, rtol=1e-5)
    model.save(tmp_path / "head.keras")
    np.testing.assert_allclose(
        keras_probabilities(load_keras_head(tmp_path / "head.keras"), x), scores, rtol=1e-5
    )


@pytest.mark.slow
def test_inception_v3_feature_plumbing_with_random_weights() -> None:
    # Real ImageNet weights cannot be installed offline; random ones exercise the same code path.
    features = inception_v3_features(None, 75)
    out = features(np.random.default_rng(0).random((2, 75, 75, 3), dtype=np.float32))
    assert out.shape == (2, 2048) and np.isfinite(out).all()
