"""Step 3 of the walkthrough: train a sweep of model variants, logging validation predictions.

Every variant is one run in the group "fc-sweep". After every epoch it logs loss/acc metrics and
the validation predictions table under the key "predictions" (id, image, guess, truth,
score_<class>), and at the end it logs the trained head as a `model` artifact aliased by variant,
holding the last epoch's validation predictions as its table "predictions" too, so versions of the
model compare table to table in the artifacts view.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from tqdm import tqdm

import heron
from examples.inaturalist.backbone import BackboneSpec, FeatureCache
from examples.inaturalist.classifier import EpochResult, Variant, save_head, train_head
from examples.inaturalist.data import ImageRecord, class_names, scan_split_tree
from examples.inaturalist.settings import MODEL_ARTIFACT, MODEL_TYPE, PREDICTIONS_KEY, Settings
from heron.integrations.pytorch import log_predictions

if TYPE_CHECKING:
    import numpy as np

Trainer = Literal["torch", "keras"]
TRAINERS: tuple[Trainer, ...] = ("torch", "keras")


@dataclass
class SplitFeatures:
    """One split's backbone features with what the prediction tables need about each image."""

    x: np.ndarray
    y: np.ndarray
    paths: list[Path]
    ids: list[str]


def split_features(
    cache: FeatureCache, records: Sequence[ImageRecord], names: Sequence[str]
) -> SplitFeatures:
    """Backbone features and class indices for `records` (features come from the cache)."""
    import numpy as np

    paths = [r.path for r in records]
    return SplitFeatures(
        x=cache.features(paths),
        y=np.array([names.index(r.label) for r in records], dtype=np.int64),
        paths=paths,
        ids=[r.id for r in records],
    )


def train(
    settings: Settings,
    *,
    dataset: str,
    variants: Sequence[Variant],
    backbone: BackboneSpec,
    trainer: Trainer = "torch",
    batch_size: int = 32,
    group: str = "fc-sweep",
) -> list[str]:
    """Train every variant in its own run; returns the model aliases logged (one per variant)."""
    settings.apply_threads()
    cache = FeatureCache(settings.workdir / "features", backbone)
    aliases = []
    for variant in tqdm(variants, desc="variants", unit="model"):
        aliases.append(
            train_variant(
                settings,
                cache,
                dataset=dataset,
                variant=variant,
                trainer=trainer,
                batch_size=batch_size,
                group=group,
            )
        )
    return aliases


def train_variant(
    settings: Settings,
    cache: FeatureCache,
    *,
    dataset: str,
    variant: Variant,
    trainer: Trainer,
    batch_size: int,
    group: str,
) -> str:
    """Train one variant in one run and log its model artifact; returns the variant alias."""
    spec = cache.spec
    config: dict[str, Any] = {
        **variant.config(),
        "backbone": spec.name,
        "input_size": spec.input_size,
        "weights": os.fspath(spec.weights) if spec.weights else "package",
        "dataset": dataset,
        "trainer": trainer,
        "batch_size": batch_size,
        "seed": settings.seed,
    }
    with heron.init(
        job_type="train",
        group=group,
        name=variant.name,
        config=config,
        tags=[spec.name, variant.optimizer],
        **settings.init_kwargs(),
    ) as run:
        data_dir = settings.download(run.use_artifact(dataset))
        splits = scan_split_tree(data_dir)
        names = class_names(splits["train"])
        train_data = split_features(cache, splits["train"], names)
        val_data = split_features(cache, splits["val"], names)
        run.config.update(
            {"n_train": len(train_data.ids), "n_val": len(val_data.ids), "classes": names}
        )
        with tempfile.TemporaryDirectory() as scratch:
            if trainer == "torch":
                model_file, predictions = _train_torch(
                    run,
                    variant,
                    train_data,
                    val_data,
                    names,
                    batch_size,
                    settings.seed,
                    Path(scratch),
                )
            else:
                model_file, predictions = _train_keras(
                    run,
                    variant,
                    train_data,
                    val_data,
                    names,
                    batch_size,
                    settings.seed,
                    Path(scratch),
                )
            metadata = {
                **config,
                "classes": names,
                "feature_dim": int(train_data.x.shape[1]),
                "model_file": model_file.name,
            }
            artifact = heron.Artifact(
                MODEL_ARTIFACT,
                type=MODEL_TYPE,
                description=f"{spec.name} + FC head {variant.name}",
                metadata=metadata,
            )
            artifact.add_file(str(model_file), name=model_file.name)
            artifact.add(predictions, PREDICTIONS_KEY)
            run.log_artifact(artifact, aliases=[variant.name, variant.short_alias])
    return variant.name


def _train_torch(
    run: heron.Run,
    variant: Variant,
    train_data: SplitFeatures,
    val_data: SplitFeatures,
    names: list[str],
    batch_size: int,
    seed: int,
    scratch: Path,
) -> tuple[Path, heron.Table]:
    """Train the head in a plain PyTorch loop; the pytorch integration logs each epoch's table.

    Returns the saved head and the last epoch's validation predictions.
    """
    tables: list[heron.Table] = []

    def log_epoch(result: EpochResult) -> None:
        table = log_predictions(
            run,
            PREDICTIONS_KEY,
            result.val_logits,
            val_data.y,
            images=val_data.paths,
            class_names=names,
            ids=val_data.ids,
            step=result.epoch,
            extra=result.metrics(),  # the step is the epoch
        )
        tables.append(table)
        tqdm.write(
            f"{variant.name} epoch {result.epoch + 1}/{variant.epochs}: "
            + _metrics_text(result.metrics())
        )

    head = train_head(
        train_data.x,
        train_data.y,
        val_data.x,
        val_data.y,
        variant,
        len(names),
        batch_size=batch_size,
        seed=seed,
        on_epoch=log_epoch,
    )
    path = scratch / "head.pt"
    save_head(head, path)
    return path, tables[-1]


def _train_keras(
    run: heron.Run,
    variant: Variant,
    train_data: SplitFeatures,
    val_data: SplitFeatures,
    names: list[str],
    batch_size: int,
    seed: int,
    scratch: Path,
) -> tuple[Path, heron.Table]:
    """Train the head with Keras `fit`; the Keras callback logs metrics and each epoch's table.

    Returns the saved model and its validation predictions after the last epoch.
    """
    from examples.inaturalist.keras_head import build_keras_head
    from heron.integrations.keras import HeronCallback

    model = build_keras_head(train_data.x.shape[1], variant, len(names), seed=seed)
    callback = HeronCallback(
        run,
        validation_data=(val_data.x, val_data.y),
        class_names=names,
        images=val_data.paths,
        ids=val_data.ids,
        predictions_key=PREDICTIONS_KEY,
        log_every_n_epochs=1,
    )
    history = model.fit(
        train_data.x,
        train_data.y,
        validation_data=(val_data.x, val_data.y),
        epochs=variant.epochs,
        batch_size=batch_size,
        verbose=0,
        callbacks=[callback],
    )
    for epoch in range(variant.epochs):
        values = {key: float(history.history[key][epoch]) for key in history.history}
        tqdm.write(f"{variant.name} epoch {epoch + 1}/{variant.epochs}: " + _metrics_text(values))
    path = scratch / "head.keras"
    model.save(path)
    return path, callback.predictions_table()


def _metrics_text(metrics: dict[str, float]) -> str:
    return " ".join(f"{key}={value:.3f}" for key, value in metrics.items())
