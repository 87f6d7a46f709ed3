"""``wandb.watch``: gradient and parameter histograms of a real PyTorch model, read back with heron.Api."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

import heron
import heron.wandb as wandb
from heron.errors import UsageError
from heron.wandb.errors import UnsupportedWarning

PARAMETERS = ["0.weight", "0.bias", "2.weight", "2.bias"]


@pytest.fixture(autouse=True)
def _store(store_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("HERON_DIR", str(store_dir))
    yield
    wandb.unwatch()
    wandb.finish()


def _model() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))


def _train(model: torch.nn.Module, batches: int) -> None:
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    inputs, targets = torch.randn(batches, 16, 4), torch.randint(0, 2, (batches, 16))
    for batch in range(batches):
        loss = torch.nn.functional.cross_entropy(model(inputs[batch]), targets[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        wandb.log({"loss": loss.item()})


def _stored(run: wandb.Run, store_dir: Path) -> heron.ApiRun:
    return heron.Api(store_dir).run(run.path)


# Every test passes idx=0: W&B numbers watched models across the whole process, and a model
# numbered n > 0 gets the key prefix graph_<n>.


def test_watch_all_logs_both_histograms_every_log_freq_batches(store_dir: Path) -> None:
    run = wandb.init(project="watch")
    model = _model()
    wandb.watch(model, log="all", log_freq=2, idx=0)
    _train(model, batches=5)
    run.finish()

    stored = _stored(run, store_dir)
    histograms = stored.histograms()
    assert set(histograms) == {
        f"{kind}/{name}" for kind in ("gradients", "parameters") for name in PARAMETERS
    }
    # The 2nd and 4th batch, on the step their loss was logged to.
    for steps in histograms.values():
        assert sorted(steps) == [1, 3]
    assert [row["_step"] for row in stored.scan_history(["loss"])] == [0, 1, 2, 3, 4]
    weight = histograms["parameters/0.weight"][3]
    assert len(weight["bins"]) == 65 and len(weight["counts"]) == 64
    assert sum(weight["counts"]) == 4 * 8  # every value of the 8x4 weight, once
    bias_grad = histograms["gradients/2.bias"][1]
    assert sum(bias_grad["counts"]) == 2


def test_watch_defaults_to_gradients_and_parameters_follow_the_trained_values(
    store_dir: Path,
) -> None:
    run = wandb.init(project="watch")
    model = _model()
    wandb.watch(model, log_freq=1, idx=0)
    _train(model, batches=2)
    run.finish()
    histograms = _stored(run, store_dir).histograms()
    assert set(histograms) == {f"gradients/{name}" for name in PARAMETERS}
    assert sorted(histograms["gradients/0.weight"]) == [0, 1]

    run = wandb.init(project="watch")
    model = _model()
    wandb.watch(model, log="parameters", log_freq=1, idx=0)
    _train(model, batches=1)
    run.finish()
    weights = _stored(run, store_dir).histograms("parameters/2.weight")["parameters/2.weight"][0]
    # Logged on the forward pass, before the optimizer step changed the weights.
    assert weights["bins"][0] == pytest.approx(_model()[2].weight.min().item())
    assert weights["bins"][-1] == pytest.approx(_model()[2].weight.max().item())


def test_more_passes_than_logged_steps_keep_one_histogram_per_step(store_dir: Path) -> None:
    run = wandb.init(project="watch")
    model = _model()
    wandb.watch(model, log="gradients", log_freq=1, idx=0)
    for _ in range(3):  # three backward passes before the step is logged
        model(torch.randn(2, 4)).sum().backward()
    wandb.log({"loss": 1.0})
    run.finish()
    assert sorted(_stored(run, store_dir).histograms("gradients/0.bias")["gradients/0.bias"]) == [0]


def test_unwatch_stops_logging_and_a_second_model_gets_wandbs_prefix(store_dir: Path) -> None:
    run = wandb.init(project="watch")
    first, second = _model(), _model()
    wandb.watch([first, second], log="parameters", log_freq=1, idx=0)
    _train(first, batches=1)
    _train(second, batches=1)
    wandb.unwatch(first)
    _train(first, batches=1)
    run.finish()
    histograms = _stored(run, store_dir).histograms()
    assert sorted(histograms["parameters/0.weight"]) == [0]  # not step 2, after unwatch
    assert sorted(histograms["parameters/graph_10.weight"]) == [1]  # W&B's prefix + "0.weight"

    # Without idx, numbering goes on from the models watched before in this process.
    run = wandb.init(project="watch")
    third = _model()
    wandb.watch(third, log="parameters", log_freq=1)
    _train(third, batches=1)
    run.finish()
    keys = set(_stored(run, store_dir).histograms())
    assert len(keys) == 4 and all(key.startswith("parameters/graph_") for key in keys)


def test_watch_refuses_what_it_cannot_hook_and_warns_on_the_graph() -> None:
    with pytest.raises(UsageError, match=r"wandb.init\(\) before wandb.watch"):
        wandb.watch(_model())
    wandb.init(project="watch")
    with pytest.raises(UsageError, match=r"torch\.nn\.Module"):
        wandb.watch("not a model")
    with pytest.raises(UsageError, match="log="):
        wandb.watch(_model(), log="weights")  # type: ignore[arg-type]
    with pytest.warns(UnsupportedWarning, match="log_graph"):
        assert wandb.watch(_model(), log=None, log_graph=True) == []


def test_histogram_of_constant_and_non_finite_tensors() -> None:
    # Imported here: importing the submodule binds wandb.watch to it until wandb.unwatch() (the
    # fixture's) gives the package its function back.
    from heron.wandb.torch_watch import histogram_of

    constant = histogram_of(torch.full((3, 3), 0.5))
    assert constant is not None
    assert (constant.bins, constant.counts) == ([0.5, 0.5], [9.0])
    mixed = histogram_of(torch.tensor([0.0, float("nan"), 1.0, float("inf")]))
    assert mixed is not None and sum(mixed.counts) == 2
    assert histogram_of(torch.tensor([float("nan")])) is None
