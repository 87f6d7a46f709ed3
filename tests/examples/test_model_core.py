"""The ML core of the walkthrough: backbone features, the feature cache, the FC head, variants."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from examples.inaturalist.backbone import BackboneSpec, FeatureCache, load_images
from examples.inaturalist.classifier import (
    EpochResult,
    Variant,
    load_head,
    predict_logits,
    save_head,
    train_head,
)
from examples.inaturalist.data import export_animal_mnist


def test_variant_parsing_fills_defaults_and_names_runs() -> None:
    plain = Variant.parse("256", optimizer="rmsprop", epochs=5, lr=None)
    assert plain == Variant(256, "rmsprop", 5, 1e-3)
    assert (plain.name, plain.short_alias) == ("fc256-rmsprop-e5", "fc256-e5")
    assert Variant.parse("512:sgd:1", optimizer="adam", epochs=5, lr=None) == Variant(
        512, "sgd", 1, 1e-2
    )
    assert Variant.parse("1024:adam", optimizer="sgd", epochs=2, lr=0.5).lr == 0.5
    for bad in ("", "x", "256:lbfgs", "256:adam:0", "1:2:3:4"):
        with pytest.raises(ValueError):
            Variant.parse(bad, optimizer="adam", epochs=1, lr=None)


def test_load_images_makes_rgb_at_the_input_size(tmp_path: Path) -> None:
    records = export_animal_mnist(tmp_path, 1)
    batch = load_images([r.path for r in records[:2]], 40)
    assert batch.shape == (2, 40, 40, 3) and batch.dtype == np.float32
    assert batch.min() >= 0.0 and batch.max() <= 1.0
    assert np.array_equal(batch[..., 0], batch[..., 2]), "grayscale repeated over channels"


def test_feature_cache_computes_each_image_once_and_persists(tmp_path: Path) -> None:
    records = export_animal_mnist(tmp_path / "img", 1)[:4]
    paths = [r.path for r in records]
    spec = BackboneSpec("efficientnet_lite0", 32)
    cache = FeatureCache(tmp_path / "cache", spec)
    features = cache.features(paths)
    assert features.shape == (4, 1280)
    assert np.isfinite(features).all() and features.std() > 0
    reloaded = FeatureCache(tmp_path / "cache", spec)
    reloaded._function = lambda images: pytest.fail("cached features were recomputed")  # type: ignore[assignment,misc]
    assert np.array_equal(reloaded.features(paths[::-1]), features[::-1])


def test_feature_cache_refuses_too_small_inputs(tmp_path: Path) -> None:
    records = export_animal_mnist(tmp_path, 1)[:1]
    with pytest.raises(ValueError, match="at least 75 px"):
        FeatureCache(None, BackboneSpec("inception_v3", 64, tmp_path / "w.h5")).features(
            [records[0].path]
        )


def test_inception_backbone_reports_a_missing_weights_file(tmp_path: Path) -> None:
    records = export_animal_mnist(tmp_path, 1)[:1]
    cache = FeatureCache(None, BackboneSpec("inception_v3", 75, tmp_path / "missing.h5"))
    with pytest.raises(FileNotFoundError, match=r"missing\.h5"):
        cache.features([records[0].path])


def _blobs(n: int, classes: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centers = rng.normal(0, 3, (classes, 16))
    y = np.arange(n) % classes
    return (centers[y] + rng.normal(0, 1, (n, 16))).astype(np.float32), y


@pytest.mark.parametrize("optimizer", ["adam", "rmsprop", "sgd"])
def test_head_learns_separable_data_and_reports_every_epoch(optimizer: str) -> None:
    x, y = _blobs(120, 3)
    variant = Variant.parse(f"32:{optimizer}:4", optimizer="adam", epochs=1, lr=1e-2)
    epochs: list[EpochResult] = []
    head = train_head(x[:90], y[:90], x[90:], y[90:], variant, 3, on_epoch=epochs.append)
    assert [r.epoch for r in epochs] == [0, 1, 2, 3]
    assert epochs[-1].val_logits.shape == (30, 3)
    assert epochs[-1].val_acc > 0.9 and epochs[-1].val_loss < epochs[0].val_loss
    assert set(epochs[0].metrics()) == {"loss", "acc", "val/loss", "val/acc"}
    assert (predict_logits(head, x[90:]).argmax(1) == y[90:]).mean() == epochs[-1].val_acc


def test_saved_head_predicts_the_same(tmp_path: Path) -> None:
    x, y = _blobs(40, 4)
    head = train_head(x, y, x, y, Variant(16, "adam", 1, 1e-3), 4)
    save_head(head, tmp_path / "head.pt")
    again = load_head(tmp_path / "head.pt", 16, 16, 4)
    np.testing.assert_allclose(predict_logits(again, x), predict_logits(head, x), rtol=1e-6)
