"""Step 4 of the walkthrough: load trained models by alias and predict on the test split.

Each model gets an inference run that uses the model artifact and the dataset artifact it was
trained on (so lineage links test results back to both) and logs a "test_results" table with
the same columns as the validation predictions. The run also logs that table as a version of the
`predictions` artifact "inat_test_results", aliased by the model's alias, so the test results of
any two models compare in the artifacts view as the models' validation tables do.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tqdm import tqdm

import heron
from examples.inaturalist.backbone import BackboneSpec, FeatureCache
from examples.inaturalist.classifier import load_head, predict_logits
from examples.inaturalist.data import scan_split_tree
from examples.inaturalist.settings import (
    MODEL_ARTIFACT,
    PREDICTIONS_TYPE,
    TEST_RESULTS_ARTIFACT,
    TEST_RESULTS_KEY,
    Settings,
)
from examples.inaturalist.train_step import split_features
from heron.integrations.pytorch import log_predictions


def infer(
    settings: Settings, *, models: Sequence[str], dataset: str | None = None
) -> dict[str, float]:
    """Run inference for each model alias (e.g. `fc256-rmsprop-e5`); returns test accuracy by alias.

    `dataset` overrides the split artifact to test on (default: the one the model trained on).
    """
    settings.apply_threads()
    caches: dict[BackboneSpec, FeatureCache] = {}
    accuracies = {}
    for alias in tqdm(models, desc="inference", unit="model"):
        accuracies[alias] = infer_one(settings, caches, alias=alias, dataset=dataset)
        tqdm.write(f"{alias}: test/acc={accuracies[alias]:.3f}")
    return accuracies


def infer_one(
    settings: Settings, caches: dict[BackboneSpec, FeatureCache], *, alias: str, dataset: str | None
) -> float:
    """One inference run for the model `inat_model:<alias>`; returns its test accuracy."""
    reference = alias if ":" in alias else f"{MODEL_ARTIFACT}:{alias}"
    with heron.init(
        job_type="inference",
        name=f"infer-{reference.split(':')[-1]}",
        config={"model": reference},
        **settings.init_kwargs(),
    ) as run:
        model_artifact = run.use_artifact(reference)
        meta: dict[str, Any] = dict(model_artifact.metadata)
        source = dataset or str(meta["dataset"])
        run.config.update(
            {
                key: meta[key]
                for key in ("fc_size", "optimizer", "epochs", "lr", "backbone", "trainer")
                if key in meta
            }
            | {"dataset": source}
        )
        model_path = settings.download(model_artifact) / str(meta["model_file"])
        test = scan_split_tree(settings.download(run.use_artifact(source)))["test"]
        names = [str(name) for name in meta["classes"]]
        weights = meta.get("weights")
        spec = BackboneSpec(
            meta["backbone"],
            int(meta["input_size"]),
            Path(weights) if weights and weights != "package" else None,
        )
        if spec not in caches:
            caches[spec] = FeatureCache(settings.workdir / "features", spec)
        data = split_features(caches[spec], test, names)
        scores, are_probabilities = _scores(meta, model_path, data.x, len(names))
        table = log_predictions(
            run,
            TEST_RESULTS_KEY,
            scores,
            data.y,
            images=data.paths,
            class_names=names,
            ids=data.ids,
            probabilities=are_probabilities,
        )
        accuracy = float((scores.argmax(axis=1) == data.y).mean())
        run.summary["test/acc"] = accuracy
        results = heron.Artifact(
            TEST_RESULTS_ARTIFACT,
            type=PREDICTIONS_TYPE,
            description=f"{reference} on the test split of {source}",
            metadata={"model": reference, "dataset": source, "test/acc": accuracy},
        )
        results.add(table, TEST_RESULTS_KEY)
        run.log_artifact(results, aliases=[reference.split(":")[-1]])
    return accuracy


def _scores(
    meta: dict[str, Any], model_path: Path, features: Any, n_classes: int
) -> tuple[Any, bool]:
    """The model's scores on `features` and whether they are probabilities (Keras) or logits."""
    if meta.get("trainer") == "keras":
        from examples.inaturalist.keras_head import keras_probabilities, load_keras_head

        return keras_probabilities(load_keras_head(model_path), features), True
    head = load_head(model_path, int(meta["feature_dim"]), int(meta["fc_size"]), n_classes)
    return predict_logits(head, features), False
