"""The fine-tuning head: a fully connected layer of variable size on frozen backbone features.

Plain PyTorch, no heron: `train_head` calls back after every epoch with the validation logits, and
the caller decides what to log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

if TYPE_CHECKING:
    import numpy as np
    import torch

OptimizerName = Literal["adam", "rmsprop", "sgd"]
OPTIMIZERS: tuple[OptimizerName, ...] = ("adam", "rmsprop", "sgd")
FC_SIZES = (256, 512, 1024, 2048)
# SGD needs a larger step than the adaptive optimizers to move in a few epochs.
DEFAULT_LR: dict[OptimizerName, float] = {"adam": 1e-3, "rmsprop": 1e-3, "sgd": 1e-2}


@dataclass(frozen=True)
class Variant:
    """One model variant of the sweep: head size and training regime."""

    fc_size: int
    optimizer: OptimizerName
    epochs: int
    lr: float

    @property
    def name(self) -> str:
        """Run name and model alias, e.g. `fc256-rmsprop-e5`."""
        return f"fc{self.fc_size}-{self.optimizer}-e{self.epochs}"

    @property
    def short_alias(self) -> str:
        """The alias without the optimizer, e.g. `fc256-e5` (the last variant logged wins it)."""
        return f"fc{self.fc_size}-e{self.epochs}"

    def config(self) -> dict[str, Any]:
        """The variant as run config / artifact metadata."""
        return asdict(self)

    @classmethod
    def parse(
        cls, text: str, *, optimizer: OptimizerName, epochs: int, lr: float | None
    ) -> Variant:
        """Parse `FC[:OPTIMIZER[:EPOCHS]]`, e.g. `256`, `1024:adam`, `512:sgd:1`.

        Parts left out take the given defaults; the learning rate defaults per optimizer.
        """
        parts = text.strip().split(":")
        if not 1 <= len(parts) <= 3 or not parts[0].isdigit():
            raise ValueError(
                f"bad variant {text!r}: expected FC[:OPTIMIZER[:EPOCHS]], e.g. 256:adam:5"
            )
        fc_size = int(parts[0])
        chosen = parts[1] if len(parts) > 1 and parts[1] else optimizer
        if chosen not in OPTIMIZERS:
            raise ValueError(f"bad optimizer {chosen!r} in variant {text!r}: one of {OPTIMIZERS}")
        opt = cast(OptimizerName, chosen)
        n_epochs = int(parts[2]) if len(parts) > 2 and parts[2] else epochs
        if fc_size < 1 or n_epochs < 1:
            raise ValueError(f"bad variant {text!r}: sizes and epochs must be positive")
        return cls(fc_size=fc_size, optimizer=opt, epochs=n_epochs, lr=lr or DEFAULT_LR[opt])


@dataclass
class EpochResult:
    """Metrics of one finished epoch plus the validation logits they came from."""

    epoch: int
    loss: float
    acc: float
    val_loss: float
    val_acc: float
    val_logits: np.ndarray

    def metrics(self) -> dict[str, float]:
        """The metrics under the names the runs log them as."""
        return {
            "loss": self.loss,
            "acc": self.acc,
            "val/loss": self.val_loss,
            "val/acc": self.val_acc,
        }


def build_head(
    in_features: int, fc_size: int, n_classes: int, dropout: float = 0.2
) -> torch.nn.Module:
    """Linear(in→fc) → ReLU → Dropout → Linear(fc→classes); outputs logits."""
    from torch import nn

    return nn.Sequential(
        nn.Linear(in_features, fc_size),
        nn.ReLU(),
        nn.Dropout(dropout),
        nn.Linear(fc_size, n_classes),
    )


def make_optimizer(head: torch.nn.Module, name: OptimizerName, lr: float) -> torch.optim.Optimizer:
    """The optimizer called `name` over the head's parameters."""
    import torch

    params = head.parameters()
    if name == "adam":
        return torch.optim.Adam(params, lr=lr)
    if name == "rmsprop":
        return torch.optim.RMSprop(
            params, lr=lr, alpha=0.9
        )  # rho of Keras RMSprop: same regime in both trainers
    return torch.optim.SGD(params, lr=lr, momentum=0.9)


def predict_logits(
    head: torch.nn.Module, features: np.ndarray, batch_size: int = 256
) -> np.ndarray:
    """Logits of `head` on `features`, in eval mode, batched."""
    import numpy as np
    import torch

    head.eval()
    outputs = []
    with torch.inference_mode():
        for start in range(0, len(features), batch_size):
            batch = torch.from_numpy(np.ascontiguousarray(features[start : start + batch_size]))
            outputs.append(head(batch).numpy())
    return np.concatenate(outputs) if outputs else np.zeros((0, 0), dtype=np.float32)


def train_head(
    train_x: np.ndarray,
    train_y: np.ndarray,
    val_x: np.ndarray,
    val_y: np.ndarray,
    variant: Variant,
    n_classes: int,
    *,
    batch_size: int = 32,
    seed: int = 0,
    on_epoch: Callable[[EpochResult], None] | None = None,
) -> torch.nn.Module:
    """Train a head on cached features for `variant.epochs` epochs; call `on_epoch` after each."""
    import numpy as np
    import torch
    from torch.nn import functional

    torch.manual_seed(seed)
    head = build_head(train_x.shape[1], variant.fc_size, n_classes)
    optimizer = make_optimizer(head, variant.optimizer, variant.lr)
    x = torch.from_numpy(np.ascontiguousarray(train_x, dtype=np.float32))
    y = torch.from_numpy(np.asarray(train_y, dtype=np.int64))
    val_targets = torch.from_numpy(np.asarray(val_y, dtype=np.int64))
    generator = torch.Generator().manual_seed(seed)
    for epoch in range(variant.epochs):
        head.train()
        total_loss, correct = 0.0, 0
        for batch in torch.randperm(len(x), generator=generator).split(batch_size):
            optimizer.zero_grad()
            logits = head(x[batch])
            loss = functional.cross_entropy(logits, y[batch])
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * len(batch)
            correct += int((logits.argmax(dim=1) == y[batch]).sum())
        val_logits = predict_logits(head, val_x)
        val_loss = float(functional.cross_entropy(torch.from_numpy(val_logits), val_targets))
        result = EpochResult(
            epoch=epoch,
            loss=total_loss / len(x),
            acc=correct / len(x),
            val_loss=val_loss,
            val_acc=float((val_logits.argmax(axis=1) == np.asarray(val_y)).mean()),
            val_logits=val_logits,
        )
        if on_epoch is not None:
            on_epoch(result)
    return head


def save_head(head: torch.nn.Module, path: Path) -> None:
    """Save the head's weights (a state_dict; the shape comes from the model's metadata)."""
    import torch

    torch.save(head.state_dict(), path)


def load_head(path: Path, in_features: int, fc_size: int, n_classes: int) -> torch.nn.Module:
    """Rebuild a head saved by `save_head`."""
    import torch

    head = build_head(in_features, fc_size, n_classes)
    head.load_state_dict(torch.load(path, weights_only=True))
    head.eval()
    return head
