"""Fixtures: generated walkthrough tables (dataset splits, per-run predictions) on disk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from heron.query import Engine, TableSource
from tests.query.helpers import CLASSES, PREDICTION_COLUMNS, image_ref, predictions, write_table


@pytest.fixture(params=["off", "sync"])
def engine(request: pytest.FixtureRequest) -> Engine:
    """A private engine, reading Parquet directly or through in-memory copies of the tables."""
    return Engine(timeout=20, cache=request.param)


@pytest.fixture(scope="session")
def pred_table(tmp_path_factory: pytest.TempPathFactory) -> tuple[TableSource, pd.DataFrame]:
    """2,000 validation predictions in three part files, and their pandas twin."""
    rng = np.random.default_rng(7)
    data = predictions(rng, 2000)
    # A few awkward cells: a NaN score, a missing guess.
    data["score_Amphibia"][3] = float("nan")
    data["guess"][5] = None
    directory = tmp_path_factory.mktemp("preds")
    source = write_table(directory, PREDICTION_COLUMNS, data, "fc-1024", parts=3)
    return source, pd.DataFrame(data)


@pytest.fixture(scope="session")
def dataset_table(tmp_path_factory: pytest.TempPathFactory) -> tuple[TableSource, pd.DataFrame]:
    """A dataset split table: image, label, split (80/10/10, balanced)."""
    rows: dict[str, list[Any]] = {"image": [], "label": [], "split": []}
    k = 0
    for label in CLASSES:
        for split, count in (("train", 40), ("val", 5), ("test", 5)):
            for _ in range(count):
                rows["image"].append(image_ref(k))
                rows["label"].append(label)
                rows["split"].append(split)
                k += 1
    columns = [("image", "image"), ("label", "string"), ("split", "string")]
    source = write_table(tmp_path_factory.mktemp("dataset"), columns, rows, "raw-split")
    return source, pd.DataFrame(rows)


@pytest.fixture(scope="session")
def runs(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[TableSource, pd.DataFrame]]:
    """Three runs' predictions over overlapping validation images (0..399, 100..499, 0..449)."""
    rng = np.random.default_rng(11)
    out = []
    for i, ids in enumerate([range(0, 400), range(100, 500), range(0, 450)]):
        data = predictions(rng, 0, image_ids=list(ids), accuracy=0.5 + 0.15 * i)
        directory = tmp_path_factory.mktemp(f"run{i}")
        source = write_table(directory, PREDICTION_COLUMNS, data, f"run-{i}", parts=2)
        out.append((source, pd.DataFrame(data)))
    return out


@pytest.fixture
def tmp_tables(tmp_path: Path) -> Path:
    """A fresh directory for tables a single test writes."""
    return tmp_path
