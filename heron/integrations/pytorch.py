"""PyTorch integration: log prediction tables from plain training loops; a Lightning logger.

A plain loop needs one call per evaluation::

    from heron.integrations.pytorch import log_predictions

    log_predictions(run, "predictions", logits, labels, images=batch_paths,
                    class_names=classes, ids=example_ids, step=epoch)

`HeronLogger` (for `lightning.pytorch.Trainer(logger=...)`) exists only when Lightning is installed.
Neither torch nor Lightning is imported until used.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import heron
from heron.integrations.prediction_tables import predictions_table, softmax, to_numpy

# HeronLogger is created on first access (module __getattr__ below); declared for type checkers.
HeronLogger: type[Any]

__all__ = ["HeronLogger", "log_predictions", "predictions_from_logits"]


def predictions_from_logits(
    logits: Any,
    labels: Any = None,
    *,
    images: Sequence[Any] | Any | None = None,
    class_names: Sequence[str] | None = None,
    ids: Sequence[Any] | None = None,
    probabilities: bool = False,
) -> heron.Table:
    """Build (without logging) a predictions table from a batch of logits.

    `logits` is an (N, classes) tensor or array; scores are its softmax unless `probabilities`
    says it already holds probabilities. `labels` are class indices (tensor, array or list).
    `images` are the inputs: a (N, C, H, W) or (N, H, W, C) tensor, or a list of paths, PIL
    images, arrays or heron.Image. Pass the dataset's file paths to make the table joinable with
    the dataset's own table on the image.
    """
    scores = to_numpy(logits)
    if not probabilities:
        scores = softmax(scores)
    label_values = None if labels is None else _as_list(labels)
    image_values = None if images is None else _as_list(images)
    return predictions_table(
        scores, class_names=class_names, labels=label_values, images=image_values, ids=ids
    )


def log_predictions(
    run: heron.Run,
    key: str,
    logits: Any,
    labels: Any = None,
    images: Sequence[Any] | Any | None = None,
    class_names: Sequence[str] | None = None,
    *,
    ids: Sequence[Any] | None = None,
    step: int | None = None,
    probabilities: bool = False,
    extra: Mapping[str, Any] | None = None,
) -> heron.Table:
    """Log a predictions table (id, image, guess, truth, score_<class>) under `key` and return it.

    Log every epoch's table under the same key: heron keeps one version per step, and runs that
    share the key can be compared row by row. `extra` values (e.g. epoch metrics) go into the
    same `run.log` call, so they share the step.
    """
    table = predictions_from_logits(
        logits, labels, images=images, class_names=class_names, ids=ids, probabilities=probabilities
    )
    data: dict[str, Any] = dict(extra or {})
    data[key] = table
    run.log(data, step=step)
    return table


def _as_list(values: Any) -> list[Any]:
    """Split a batch (tensor, array or sequence) into a list of per-example items."""
    if isinstance(values, list | tuple):
        return list(values)
    if hasattr(values, "detach") or hasattr(values, "shape"):
        return list(to_numpy(values))
    return list(values)


@functools.cache
def _lightning_logger_class() -> type:
    """Define HeronLogger on top of whichever Lightning package is installed."""
    try:
        from lightning.pytorch.loggers import Logger
        from lightning.pytorch.utilities import rank_zero_only
    except ImportError:
        try:
            from pytorch_lightning.loggers import Logger
            from pytorch_lightning.utilities import rank_zero_only
        except ImportError as error:
            raise ImportError(
                "lightning is required for heron.integrations.pytorch.HeronLogger: "
                "pip install lightning"
            ) from error

    class HeronLogger(Logger):  # type: ignore[misc]
        """Lightning logger writing metrics and hyperparameters to a heron run.

        Pass a run you started (`HeronLogger(run)`), or let the logger start one on first use
        with `HeronLogger(project=..., name=..., **init_kwargs)`; a run it started it also ends.
        """

        def __init__(self, run: heron.Run | None = None, **init_kwargs: Any) -> None:
            super().__init__()
            self._run = run
            self._init_kwargs = init_kwargs
            self._owns_run = run is None

        @property
        def experiment(self) -> heron.Run:
            """The heron run (started on first access when none was given)."""
            if self._run is None:
                self._run = heron.init(**self._init_kwargs)
            return self._run

        @property
        def name(self) -> str:
            return str(self._init_kwargs.get("project") or "heron")

        @property
        def version(self) -> str:
            return str(getattr(self.experiment, "id", "0"))

        @rank_zero_only  # type: ignore[untyped-decorator]
        def log_hyperparams(self, params: Any, *args: Any, **kwargs: Any) -> None:
            values = vars(params) if hasattr(params, "__dict__") else dict(params)
            self.experiment.config.update(_plain(values))

        @rank_zero_only  # type: ignore[untyped-decorator]
        def log_metrics(self, metrics: Mapping[str, Any], step: int | None = None) -> None:
            # Lightning hands over 0-d tensors or floats; heron stores plain numbers.
            data = {key: float(to_numpy(value)) for key, value in metrics.items()}
            self.experiment.log(data, step=step)

        @rank_zero_only  # type: ignore[untyped-decorator]
        def finalize(self, status: str) -> None:
            if self._owns_run and self._run is not None:
                self._run.finish()

    return HeronLogger


def _plain(values: Mapping[str, Any]) -> dict[str, Any]:
    """Hyperparameters as JSON-friendly values (objects become their repr)."""
    plain: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, bool | int | float | str) or value is None:
            plain[key] = value
        elif isinstance(value, list | tuple) and all(
            isinstance(v, int | float | str) for v in value
        ):
            plain[key] = list(value)
        else:
            plain[key] = repr(value)
    return plain


def __getattr__(name: str) -> Any:
    # HeronLogger must subclass Lightning's Logger, so it is defined when first asked for.
    if name == "HeronLogger":
        return _lightning_logger_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
