"""``wandb.watch``: gradient and parameter histograms of PyTorch models, logged as W&B does.

``wandb.watch(model, log="all", log_freq=100)`` hooks the model: every ``log_freq``-th backward
pass through a parameter logs its gradient as ``gradients/<name>``, and every ``log_freq``-th
forward pass of the model logs each parameter as ``parameters/<name>`` (64-bin histograms over
the finite values, like W&B's). The histograms join the step of the script's next
``wandb.log``, as W&B's do. A second model watched in the process gets W&B's ``graph_<n>``
prefix (``gradients/graph_1fc.weight``). ``wandb.unwatch(model)`` removes the hooks.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal

from heron.errors import UsageError
from heron.sdk.media import Histogram
from heron.wandb import active
from heron.wandb.errors import unsupported

if TYPE_CHECKING:
    import torch

WatchLog = Literal["gradients", "parameters", "all"]
WATCH_LOGS: tuple[WatchLog | None, ...] = ("gradients", "parameters", "all", None)
NUM_BINS = 64

_lock = threading.Lock()
_next_index = 0  # models watched so far in this process: W&B numbers them across runs
_handles: dict[int, list[Any]] = {}  # id(model) -> its hook handles
_logged_at: dict[tuple[str, str], int] = {}  # (run id, key) -> the step it was last logged at


def watch(
    models: Any,
    criterion: Any = None,
    log: WatchLog | None = "gradients",
    log_freq: int = 1000,
    idx: int | None = None,
    log_graph: bool = False,
) -> list[Any]:
    """Log histograms of ``models``' gradients and/or parameters every ``log_freq`` passes.

    ``models`` is a ``torch.nn.Module`` or a sequence of them; ``log`` is ``"gradients"``,
    ``"parameters"``, ``"all"`` or None (hook nothing). ``log_graph`` (W&B's model graph) is
    not supported: it warns and nothing is drawn. Returns an empty list (W&B's graphs).
    """
    global _next_index
    active.require("wandb.watch()")
    if log not in WATCH_LOGS:
        raise UsageError(
            f"watch(log=...) must be 'gradients', 'parameters', 'all' or None, got {log!r}"
        )
    if isinstance(log_freq, bool) or not isinstance(log_freq, int) or log_freq < 0:
        raise UsageError(f"watch(log_freq=...) must be a non-negative int, got {log_freq!r}")
    if log_graph:
        unsupported("wandb.watch(log_graph=True) (the model graph)", result_needed=False)
    del criterion  # W&B uses it only to draw the graph
    import torch

    model_list = list(models) if isinstance(models, Sequence) else [models]
    for model in model_list:
        if not isinstance(model, torch.nn.Module):
            raise UsageError(
                f"wandb.watch takes a torch.nn.Module (or a list of them), got {type(model).__name__}"
            )
    with _lock:
        first = _next_index if idx is None else idx
        _next_index += len(model_list)
    for offset, model in enumerate(model_list):
        number = first + offset
        prefix = f"graph_{number}" if number > 0 else ""
        handles = _handles.setdefault(id(model), [])
        if log in ("parameters", "all"):
            handles.append(_hook_parameters(model, prefix, log_freq))
        if log in ("gradients", "all"):
            handles.extend(_hook_gradients(model, prefix, log_freq))
    return []


def unwatch(models: Any = None) -> None:
    """Remove the hooks ``watch`` put on ``models`` (every watched model when None)."""
    if models is None:
        with _lock:
            every = [handle for handles in _handles.values() for handle in handles]
            _handles.clear()
        for handle in every:
            handle.remove()
        return
    model_list = list(models) if isinstance(models, Sequence) else [models]
    for model in model_list:
        with _lock:
            handles = _handles.pop(id(model), None)
        if handles is None:
            unsupported(
                f"unwatching {type(model).__name__}, which was not watched", result_needed=False
            )
            continue
        for handle in handles:
            handle.remove()


class _Every:
    """True on every ``n``-th call (every call when ``n`` is 0 or 1), as W&B counts."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.count = 0
        self._lock = threading.Lock()

    def __call__(self) -> bool:
        with self._lock:
            self.count += 1
            if self.count < self.n:
                return False
            self.count = 0
            return True


def _hook_parameters(model: torch.nn.Module, prefix: str, log_freq: int) -> Any:
    due = _Every(log_freq)

    def after_forward(module: torch.nn.Module, inputs: Any, output: Any) -> None:
        if not due():
            return
        values = {
            f"parameters/{prefix}{name}": histogram_of(parameter.detach())
            for name, parameter in module.named_parameters()
        }
        _log({key: value for key, value in values.items() if value is not None})

    return model.register_forward_hook(after_forward)


def _hook_gradients(model: torch.nn.Module, prefix: str, log_freq: int) -> list[Any]:
    handles = []
    for name, parameter in model.named_parameters():
        if not parameter.requires_grad:
            continue
        key = f"gradients/{prefix}{name}"
        due = _Every(log_freq)

        def on_gradient(grad: torch.Tensor, key: str = key, due: _Every = due) -> None:
            if due():
                histogram = histogram_of(grad.detach())
                if histogram is not None:
                    _log({key: histogram})

        # torch leaves Tensor.register_hook untyped; typed here so mypy accepts the call
        # whether or not torch is installed where it runs.
        register_hook: Callable[..., Any] = parameter.register_hook
        handles.append(register_hook(on_gradient))
    return handles


def histogram_of(tensor: torch.Tensor) -> Histogram | None:
    """A 64-bin histogram of the finite values of ``tensor`` (None when it has none).

    Bins span the values' min to max; all-equal values make one bin holding them all (W&B's
    shape for that case).
    """
    import torch

    flat = tensor.reshape(-1).float().cpu()
    flat = flat[torch.isfinite(flat)]
    if flat.numel() == 0:
        return None
    low, high = flat.min().item(), flat.max().item()
    if low == high:
        return Histogram(np_histogram=([float(flat.numel())], [low, high]))
    counts = torch.histc(flat, bins=NUM_BINS, min=low, max=high)
    edges = torch.linspace(low, high, steps=NUM_BINS + 1)
    return Histogram(np_histogram=(counts.tolist(), edges.tolist()))


def _log(values: dict[str, Histogram]) -> None:
    run = active.current()
    if run is None or not values:
        return  # the run finished while the model is still training: nothing to log to
    step = run.step
    with _lock:
        # A step holds one histogram per key: with more passes than logged steps (log_freq
        # below the batches between two wandb.log calls), the step keeps the first one.
        fresh = {
            key: value for key, value in values.items() if _logged_at.get((run.id, key)) != step
        }
        _logged_at.update({(run.id, key): step for key in fresh})
    if fresh:
        run.log(fresh, commit=False)
