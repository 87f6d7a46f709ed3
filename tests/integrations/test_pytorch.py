"""heron.integrations.pytorch: prediction tables from logits in a plain PyTorch training loop."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image as PILImage

import heron
from heron.integrations.pytorch import log_predictions, predictions_from_logits

CLASSES = ["cat", "dog", "owl"]


def test_table_from_logits_has_the_walkthrough_columns() -> None:
    logits = torch.tensor([[2.0, 0.0, 0.0], [0.0, 0.0, 5.0]], requires_grad=True)
    table = predictions_from_logits(
        logits,
        torch.tensor([0, 1]),
        images=torch.rand(2, 3, 8, 8),
        class_names=CLASSES,
        ids=["a", "b"],
    )
    assert table.columns == ["id", "image", "guess", "truth", "score_cat", "score_dog", "score_owl"]
    assert table.get_column("id") == ["a", "b"]
    assert table.get_column("guess") == ["cat", "owl"]
    assert table.get_column("truth") == ["cat", "dog"]
    scores = np.array([table.get_column(f"score_{c}") for c in CLASSES]).T
    np.testing.assert_allclose(scores.sum(axis=1), 1.0)
    np.testing.assert_allclose(scores[0], torch.softmax(logits[0], 0).detach().numpy(), rtol=1e-6)
    assert all(isinstance(image, heron.Image) for image in table.get_column("image"))


def test_probabilities_labels_and_images_are_optional() -> None:
    table = predictions_from_logits(np.array([[0.2, 0.8]]), probabilities=True)
    assert table.columns == ["id", "guess", "score_0", "score_1"]
    assert table.get_column("score_1") == [0.8]


def test_mismatched_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="1 labels for 2 predictions"):
        predictions_from_logits(torch.zeros(2, 3), torch.tensor([1]), class_names=CLASSES)


def test_training_loop_logs_one_table_per_epoch_joinable_on_image(
    store_dir: Path, tmp_path: Path
) -> None:
    # Tiny images on disk stand in for a dataset: the table refers to the very same files.
    rng = np.random.default_rng(0)
    paths = []
    for i in range(6):
        path = tmp_path / f"img{i}.png"
        PILImage.fromarray(rng.integers(0, 255, (8, 8, 3), dtype=np.uint8)).save(path)
        paths.append(path)
    inputs = torch.from_numpy(rng.normal(size=(6, 4)).astype(np.float32))
    labels = torch.tensor([0, 1, 2, 0, 1, 2])
    model = torch.nn.Linear(4, 3)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with heron.init(project="torch-loop", dir=str(store_dir)) as run:
        for epoch in range(2):
            loss = torch.nn.functional.cross_entropy(model(inputs), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            with torch.no_grad():
                logits = model(inputs)
            log_predictions(
                run,
                "predictions",
                logits,
                labels,
                images=paths,
                class_names=CLASSES,
                ids=[p.stem for p in paths],
                step=epoch,
                extra={"loss": loss.item()},
            )
        path = run.path

    stored = heron.Api(store_dir).run(path)
    assert stored.tables()["predictions"] == [0, 1]
    last = stored.table("predictions", step=1)
    assert last.columns[:4] == ["id", "image", "guess", "truth"] and len(last) == 6
    assert last.get_column("id") == [p.stem for p in paths]
    first_image = last.image(0)
    assert first_image is not None
    assert first_image.sha256 == heron.Image(str(paths[0])).sha256
    assert next(row["loss"] for row in stored.scan_history() if "loss" in row) > 0
