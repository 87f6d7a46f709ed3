"""HeronLogger for PyTorch Lightning.

Lightning is not a dependency of heron. Without it, asking for HeronLogger says what to install.
Its behaviour is checked against a minimal stand-in for Lightning's `Logger` base class, which is
all HeronLogger uses of Lightning: the methods Lightning's Trainer calls are what is under test.
"""

from __future__ import annotations

import importlib.util
import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import heron
import heron.integrations.pytorch as pytorch_integration

HAS_LIGHTNING = any(
    importlib.util.find_spec(name) is not None for name in ("lightning", "pytorch_lightning")
)


@pytest.fixture
def fresh_logger_class() -> Iterator[None]:
    pytorch_integration._lightning_logger_class.cache_clear()
    yield
    pytorch_integration._lightning_logger_class.cache_clear()


@pytest.mark.skipif(HAS_LIGHTNING, reason="checks the message shown when Lightning is missing")
def test_heron_logger_without_lightning_says_what_to_install(fresh_logger_class: None) -> None:
    with pytest.raises(ImportError, match="lightning is required"):
        _ = pytorch_integration.HeronLogger


@pytest.fixture
def stand_in_lightning(monkeypatch: pytest.MonkeyPatch, fresh_logger_class: None) -> None:
    class Logger:
        def __init__(self) -> None:
            pass

    def rank_zero_only(function: Callable[..., Any]) -> Callable[..., Any]:
        return function

    modules = {
        "lightning": types.ModuleType("lightning"),
        "lightning.pytorch": types.ModuleType("lightning.pytorch"),
        "lightning.pytorch.loggers": types.ModuleType("lightning.pytorch.loggers"),
        "lightning.pytorch.utilities": types.ModuleType("lightning.pytorch.utilities"),
    }
    modules["lightning.pytorch.loggers"].Logger = Logger  # type: ignore[attr-defined]
    modules["lightning.pytorch.utilities"].rank_zero_only = rank_zero_only  # type: ignore[attr-defined]
    for name, module in modules.items():
        monkeypatch.setitem(sys.modules, name, module)


def test_heron_logger_logs_hyperparameters_and_metrics(
    stand_in_lightning: None, store_dir: Path
) -> None:
    import torch

    logger = pytorch_integration.HeronLogger(
        project="lit", name="lightning-run", dir=str(store_dir)
    )
    assert logger.name == "lit"
    logger.log_hyperparams({"lr": 0.01, "layers": (64, 32), "loss": torch.nn.CrossEntropyLoss()})
    logger.log_metrics({"train/loss": torch.tensor(0.5), "epoch": 0}, step=0)
    logger.log_metrics({"train/loss": 0.25, "epoch": 1}, step=1)
    run_path = logger.experiment.path
    assert logger.version == logger.experiment.id
    logger.finalize("success")

    stored = heron.Api(store_dir).run(run_path)
    assert stored.state == "finished"
    assert stored.config["lr"] == 0.01 and stored.config["layers"] == [64, 32]
    assert stored.config["loss"].startswith("CrossEntropyLoss")
    rows = [row for row in stored.scan_history() if "train/loss" in row]
    assert [row["train/loss"] for row in rows] == [0.5, 0.25]


def test_heron_logger_leaves_a_given_run_open(stand_in_lightning: None, store_dir: Path) -> None:
    with heron.init(project="lit", dir=str(store_dir)) as run:
        logger = pytorch_integration.HeronLogger(run)
        logger.log_metrics({"acc": 0.5}, step=3)
        logger.finalize("success")
        assert run.state == "running"
        assert logger.experiment is run
