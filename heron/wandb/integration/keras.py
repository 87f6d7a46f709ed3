"""``wandb.integration.keras`` on Keras 3 (any backend): the three callbacks W&B users import.

::

    from heron.wandb.integration.keras import (
        WandbEvalCallback, WandbMetricsLogger, WandbModelCheckpoint,
    )

- ``WandbMetricsLogger(log_freq="epoch" | "batch" | N, initial_global_step=0)`` logs Keras'
  metrics as ``epoch/<name>`` (with ``epoch/epoch`` and ``epoch/learning_rate``) after every
  epoch, and with batch logging also ``batch/<name>`` every N batches, each against its own
  step metric (``define_metric``), as W&B does.
- ``WandbModelCheckpoint(filepath, ...)`` is Keras' ``ModelCheckpoint``; every checkpoint it
  writes is also logged as a version of the ``model`` artifact ``run_<run id>_model``, aliased
  ``latest`` and ``epoch_<n>`` (``epoch_<n>_batch_<m>`` when saving every N batches). A
  ``filepath`` without a Keras file suffix (``"models/"``) is a directory: the model is saved
  as ``model.keras`` in it and the directory is logged.
- ``WandbEvalCallback(data_table_columns, pred_table_columns)`` is subclassed: fill
  ``self.data_table`` in ``add_ground_truth`` (logged once, before training, as the table
  ``val_data`` of the ``dataset`` artifact ``val``; read back as ``self.data_table_ref``) and
  ``self.pred_table`` in ``add_model_predictions`` (logged after every epoch as ``eval_data`` in
  the ``evaluation`` artifact ``run_<run id>_pred``). Images taken from ``data_table_ref`` keep
  their identity, so the table explorer joins predictions with the data on the image.

Keras is imported when a callback class is first looked up, not when this module is imported.
"""

from __future__ import annotations

import abc
import functools
import os
from collections.abc import Mapping
from typing import Any, Literal

from heron.errors import UsageError
from heron.integrations.keras_classes import import_keras, mix_in
from heron.integrations.prediction_tables import to_numpy
from heron.wandb import active
from heron.wandb.artifacts import Artifact
from heron.wandb.data_types import Table

# The callback classes are created on first access (module __getattr__ below).
WandbMetricsLogger: type[Any]
WandbModelCheckpoint: type[Any]
WandbEvalCallback: type[Any]

__all__ = ["WandbEvalCallback", "WandbMetricsLogger", "WandbModelCheckpoint"]

LogStrategy = Literal["epoch", "batch"]


def _metrics(logs: Mapping[str, Any] | None, prefix: str) -> dict[str, Any]:
    """Keras' logs under ``prefix`` with tensors turned into numbers."""
    out: dict[str, Any] = {}
    for key, value in (logs or {}).items():
        array = to_numpy(value)
        out[f"{prefix}{key}"] = float(array) if array.ndim == 0 else array.tolist()
    return out


def learning_rate(model: Any) -> float | None:
    """The optimizer's current learning rate as a float, or None when it cannot be read."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        return None
    try:
        rate = optimizer.learning_rate
        # A Keras variable's backend tensor: np.asarray on the variable itself warns on torch
        # under numpy 2, the tensor converts cleanly on every backend.
        value = to_numpy(getattr(rate, "value", rate))
    except (AttributeError, TypeError, ValueError):
        return None
    return float(value) if value.ndim == 0 else None


class MetricsLoggerBehaviour:
    """What WandbMetricsLogger does; mixed into ``keras.callbacks.Callback`` when Keras loads."""

    model: Any

    def __init__(
        self,
        log_freq: LogStrategy | int = "epoch",
        initial_global_step: int = 0,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        run = active.require("WandbMetricsLogger()")
        if log_freq == "batch":
            log_freq = 1
        if not (log_freq == "epoch" or (isinstance(log_freq, int) and log_freq > 0)):
            raise UsageError(
                f"log_freq must be 'epoch', 'batch' or a positive int, got {log_freq!r}"
            )
        self.logging_batch_wise = isinstance(log_freq, int)
        self.log_freq: int | None = log_freq if isinstance(log_freq, int) else None
        self.global_batch = 0
        self.global_step = initial_global_step
        if self.logging_batch_wise:
            run.define_metric("batch/batch_step")
            run.define_metric("batch/*", step_metric="batch/batch_step")
        else:
            run.define_metric("epoch/epoch")
            run.define_metric("epoch/*", step_metric="epoch/epoch")

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        """Log the epoch's metrics, ``epoch/epoch`` and ``epoch/learning_rate``."""
        data = _metrics(logs, "epoch/")
        data["epoch/epoch"] = epoch
        rate = learning_rate(self.model)
        if rate is not None:
            data["epoch/learning_rate"] = rate
        active.require("logging epoch metrics").log(data)

    def on_train_batch_end(self, batch: int, logs: Mapping[str, Any] | None = None) -> None:
        """With batch logging, log every ``log_freq``-th batch's running metrics."""
        self.global_step += 1
        if self.log_freq is None or batch % self.log_freq != 0:
            return
        data = _metrics(logs, "batch/")
        data["batch/batch_step"] = self.global_batch
        rate = learning_rate(self.model)
        if rate is not None:
            data["batch/learning_rate"] = rate
        active.require("logging batch metrics").log(data)
        self.global_batch += self.log_freq


class ModelCheckpointBehaviour:
    """What WandbModelCheckpoint adds to Keras' ModelCheckpoint: each checkpoint as an artifact."""

    save_freq: Any
    _current_epoch: int

    def __init__(
        self,
        filepath: str | os.PathLike[str],
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        save_weights_only: bool = False,
        mode: Literal["auto", "min", "max"] = "auto",
        save_freq: Literal["epoch"] | int = "epoch",
        initial_value_threshold: float | None = None,
        **kwargs: Any,
    ) -> None:
        path = os.fspath(filepath)
        suffixes = (".weights.h5",) if save_weights_only else (".keras", ".h5")
        # W&B's notebooks pass a directory ("models/"), where TensorFlow's Keras 2 wrote a
        # SavedModel; Keras 3 writes one file, so it goes inside and the directory is logged.
        self._directory = not path.endswith(suffixes)
        if self._directory:
            path = os.path.join(path, "model.weights.h5" if save_weights_only else "model.keras")
        super().__init__(  # type: ignore[call-arg]
            filepath=path,
            monitor=monitor,
            verbose=verbose,
            save_best_only=save_best_only,
            save_weights_only=save_weights_only,
            mode=mode,
            save_freq=save_freq,
            initial_value_threshold=initial_value_threshold,
            **kwargs,
        )
        active.require("WandbModelCheckpoint()")

    def on_train_batch_end(self, batch: int, logs: Mapping[str, Any] | None = None) -> None:
        """Save every ``save_freq`` batches (Keras' rule) and log the checkpoint."""
        if self._should_save_on_batch(batch):  # type: ignore[attr-defined]
            epoch = self._current_epoch
            self._save_model(epoch=epoch, batch=batch, logs=logs)  # type: ignore[attr-defined]
            path = self._get_file_path(epoch=epoch, batch=batch, logs=logs or {})  # type: ignore[attr-defined]
            self._log_checkpoint(path, ["latest", f"epoch_{epoch}_batch_{batch}"])

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        """Keras saves (when due); with ``save_freq="epoch"`` the checkpoint is logged."""
        super().on_epoch_end(epoch, logs)  # type: ignore[misc]
        if self.save_freq == "epoch":
            path = self._get_file_path(epoch=epoch, batch=None, logs=logs or {})  # type: ignore[attr-defined]
            self._log_checkpoint(path, ["latest", f"epoch_{epoch}"])

    def _log_checkpoint(self, path: str, aliases: list[str]) -> None:
        """Log the file (or directory) at ``path`` as a version of ``run_<id>_model``."""
        run = active.require("logging a checkpoint")
        if self._directory:
            path = os.path.dirname(path)
        if not os.path.exists(path):
            # save_best_only and no best yet: nothing was written, so there is nothing to log.
            return
        artifact = Artifact(f"run_{run.id}_model", type="model")
        if os.path.isdir(path):
            artifact.add_dir(path)
        else:
            artifact.add_file(path)
        run.log_artifact(artifact, aliases=aliases)


class EvalCallbackBehaviour(abc.ABC):
    """What WandbEvalCallback does; subclass it and implement the two ``add_*`` methods."""

    data_table: Table
    pred_table: Table
    data_table_ref: Table

    def __init__(
        self,
        data_table_columns: list[str],
        pred_table_columns: list[str],
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        active.require("WandbEvalCallback()")
        self.data_table_columns = data_table_columns
        self.pred_table_columns = pred_table_columns

    def on_train_begin(self, logs: Mapping[str, Any] | None = None) -> None:
        """Build the data table with ``add_ground_truth`` and log it once."""
        self.init_data_table(column_names=self.data_table_columns)
        self.add_ground_truth(logs)
        self.log_data_table()

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        """Build this epoch's predictions table with ``add_model_predictions`` and log it."""
        self.init_pred_table(column_names=self.pred_table_columns)
        self.add_model_predictions(epoch, logs)
        self.log_pred_table()

    @abc.abstractmethod
    def add_ground_truth(self, logs: Mapping[str, Any] | None = None) -> None:
        """Fill ``self.data_table`` (``self.data_table.add_data(...)``), once before training."""

    @abc.abstractmethod
    def add_model_predictions(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        """Fill ``self.pred_table`` for this epoch (rows may reuse ``self.data_table_ref``'s)."""

    def init_data_table(self, column_names: list[str]) -> None:
        """A new, empty ``self.data_table`` with these columns (mixed types allowed)."""
        self.data_table = Table(columns=column_names, allow_mixed_types=True)

    def init_pred_table(self, column_names: list[str]) -> None:
        """A new, empty ``self.pred_table`` with these columns."""
        self.pred_table = Table(columns=column_names)

    def log_data_table(
        self, name: str = "val", type: str = "dataset", table_name: str = "val_data"
    ) -> None:
        """Log ``self.data_table`` in an artifact used by the run; keep it as ``data_table_ref``."""
        artifact = Artifact(name, type=type)
        artifact.add(self.data_table, table_name)
        active.require("logging the data table").use_artifact(artifact)
        artifact.wait()
        reference = artifact.get(table_name)
        assert isinstance(reference, Table)  # the logged version reads its table back as one
        self.data_table_ref = reference

    def log_pred_table(
        self,
        type: str = "evaluation",
        table_name: str = "eval_data",
        aliases: list[str] | None = None,
    ) -> None:
        """Log ``self.pred_table`` as the next version of the run's ``run_<id>_pred`` artifact."""
        run = active.require("logging the predictions table")
        artifact = Artifact(f"run_{run.id}_pred", type=type)
        artifact.add(self.pred_table, table_name)
        run.log_artifact(artifact, aliases=aliases or ["latest"])


@functools.cache
def _class(name: str) -> type:
    """Mix a behaviour into Keras' callback class (importing Keras now, not earlier)."""
    keras = import_keras("heron.wandb.integration.keras")
    behaviour, base = {
        "WandbMetricsLogger": (MetricsLoggerBehaviour, keras.callbacks.Callback),
        "WandbModelCheckpoint": (ModelCheckpointBehaviour, keras.callbacks.ModelCheckpoint),
        "WandbEvalCallback": (EvalCallbackBehaviour, keras.callbacks.Callback),
    }[name]
    # abc.ABCMeta keeps WandbEvalCallback abstract, as W&B's is.
    meta = abc.ABCMeta if behaviour is EvalCallbackBehaviour else type
    return mix_in(name, behaviour, base, __name__, behaviour.__doc__, meta)


def __getattr__(name: str) -> Any:
    # The callbacks subclass Keras' classes, so they are defined when first asked for.
    if name in __all__:
        return _class(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
