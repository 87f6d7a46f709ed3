"""``wandb.keras``: W&B's legacy all-in-one ``WandbCallback`` on Keras 3, and the newer callbacks.

``WandbMetricsLogger``, ``WandbModelCheckpoint`` and ``WandbEvalCallback`` are importable from
here too, as from ``wandb.keras`` (they live in :mod:`heron.wandb.integration.keras`).

::

    from heron.wandb.keras import WandbCallback

    model.fit(x, y, validation_data=(vx, vy), callbacks=[WandbCallback(labels=classes)])

After every epoch it logs Keras' metrics under their own names plus ``epoch`` (one step per
epoch); when ``monitor`` improves it records ``best_<monitor>`` and ``best_epoch`` in the
summary and, with ``save_model``, saves ``model-best.keras`` in the run's directory and logs it
as the ``model`` artifact ``model-<run name>`` (aliases ``latest``, ``epoch_<n>``). It also
logs, when asked: metrics every ``log_batch_frequency`` batches, weight histograms
(``parameters/<layer>.weights`` / ``.bias``), ``examples`` (validation images captioned with the
model's guess, for ``input_type="image"``) and, with ``log_evaluation``, the validation
predictions as the table ``validation_predictions`` (heron's predictions table: id, image,
guess, truth, score per class).

Not supported (a warning names them): ``log_gradients``, which W&B computes with TensorFlow;
image or segmentation outputs (``output_type``), ``class_colors``, the row processors,
``validation_indexes``, ``validation_steps``, ``compute_flops`` and the model graph.
"""

from __future__ import annotations

import functools
import math
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Literal

from heron.errors import UsageError
from heron.integrations.keras_classes import import_keras, mix_in
from heron.integrations.prediction_tables import predictions_table, softmax, to_numpy
from heron.wandb import active
from heron.wandb.artifacts import Artifact
from heron.wandb.data_types import Histogram, make_image
from heron.wandb.errors import ignored_arguments, unsupported
from heron.wandb.integration import keras as integration
from heron.wandb.live_run import Run

# The callbacks are created on first access (module __getattr__ below).
WandbCallback: type[Any]
WandbMetricsLogger: type[Any]
WandbModelCheckpoint: type[Any]
WandbEvalCallback: type[Any]

__all__ = ["WandbCallback", "WandbEvalCallback", "WandbMetricsLogger", "WandbModelCheckpoint"]

_IMAGE_TYPES = ("image", "images", "segmentation_mask")


class WandbCallbackBehaviour:
    """What WandbCallback does; mixed into ``keras.callbacks.Callback`` when Keras loads."""

    model: Any

    def __init__(
        self,
        monitor: str = "val_loss",
        verbose: int = 0,
        mode: Literal["auto", "min", "max"] = "auto",
        save_weights_only: bool = False,
        log_weights: bool = False,
        log_gradients: bool = False,
        save_model: bool = True,
        training_data: Any = None,
        validation_data: Any = None,
        labels: Sequence[str] | None = None,
        predictions: int = 36,
        generator: Iterator[Any] | None = None,
        input_type: str | None = None,
        output_type: str | None = None,
        log_evaluation: bool = False,
        validation_steps: int | None = None,
        class_colors: Any = None,
        log_batch_frequency: int | None = None,
        log_best_prefix: str = "best_",
        save_graph: bool | None = None,
        validation_indexes: Any = None,
        validation_row_processor: Callable[..., Any] | None = None,
        prediction_row_processor: Callable[..., Any] | None = None,
        infer_missing_processors: bool = True,
        log_evaluation_frequency: int = 0,
        compute_flops: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__()
        run = active.require("WandbCallback()")
        if mode not in ("auto", "min", "max"):
            raise UsageError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
        if log_gradients:
            unsupported(
                "WandbCallback(log_gradients=True) on Keras 3",
                result_needed=False,
                hint="W&B computes them with TensorFlow; use wandb.watch(model) on a PyTorch model",
            )
        if output_type in _IMAGE_TYPES:
            unsupported(f"WandbCallback(output_type={output_type!r})", result_needed=False)
        passed = {
            "validation_steps": validation_steps is not None,
            "class_colors": class_colors is not None,
            "save_graph": bool(save_graph),
            "validation_indexes": validation_indexes is not None,
            "validation_row_processor": validation_row_processor is not None,
            "prediction_row_processor": prediction_row_processor is not None,
            "infer_missing_processors": infer_missing_processors is not True,
            "compute_flops": compute_flops,
        }
        ignored_arguments(
            "WandbCallback", [name for name, given in passed.items() if given] + list(kwargs)
        )
        del training_data  # W&B uses it only for gradients
        self.monitor = monitor
        self.verbose = verbose
        self.save_weights_only = save_weights_only
        self.log_weights = log_weights
        self.save_model = save_model
        self.validation_data = validation_data
        self.labels = list(labels) if labels is not None else None
        self.predictions = predictions
        self.generator = generator
        self.input_type = input_type
        self.output_type = output_type
        self.log_evaluation = log_evaluation
        self.log_evaluation_frequency = log_evaluation_frequency
        self.log_batch_frequency = log_batch_frequency
        self.log_best_prefix = log_best_prefix
        maximise = mode == "max" or (
            mode == "auto" and ("acc" in monitor or monitor.startswith("fmeasure"))
        )
        self.monitor_op: Callable[[float, float], bool] = (
            (lambda a, b: a > b) if maximise else (lambda a, b: a < b)
        )
        self.best = -math.inf if maximise else math.inf
        self.filepath = os.path.join(
            run.dir, "model-best.weights.h5" if save_weights_only else "model-best.keras"
        )

    # -- Keras hooks --------------------------------------------------------------------------

    def on_train_batch_end(self, batch: int, logs: Mapping[str, Any] | None = None) -> None:
        """Every ``log_batch_frequency`` batches, log the running metrics as a step."""
        if self.log_batch_frequency and batch % self.log_batch_frequency == 0:
            _run().log(_numbers(logs), commit=True)

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        """Log the epoch (weights, examples, metrics) and keep the best model."""
        run = _run()
        extra: dict[str, Any] = {}
        if self.log_weights:
            extra.update(self.weight_histograms())
        if self.input_type in _IMAGE_TYPES:
            if self.generator is not None:
                self.validation_data = next(self.generator)
            examples = self.example_images()
            if examples is not None:
                extra["examples"] = examples
        if self.log_evaluation_frequency > 0 and epoch % self.log_evaluation_frequency == 0:
            table = self.validation_predictions()
            if table is not None:
                extra["validation_predictions"] = table
        metrics = _numbers(logs)
        run.log({**extra, "epoch": epoch, **metrics}, commit=True)
        current = metrics.get(self.monitor)
        if isinstance(current, float) and self.monitor_op(current, self.best):
            if self.log_best_prefix:
                run.summary[f"{self.log_best_prefix}{self.monitor}"] = current
                run.summary[f"{self.log_best_prefix}epoch"] = epoch
            if self.save_model:
                self._save_best(epoch)
            self.best = current

    def on_train_end(self, logs: Mapping[str, Any] | None = None) -> None:
        """With ``log_evaluation``, log the final model's validation predictions."""
        if self.log_evaluation:
            table = self.validation_predictions()
            if table is not None:
                _run().log({"validation_predictions": table})

    # -- what is logged -----------------------------------------------------------------------

    def weight_histograms(self) -> dict[str, Any]:
        """``parameters/<layer>.weights`` (and ``.bias``) histograms of every layer with weights."""
        out: dict[str, Any] = {}
        for layer in self.model.layers:
            weights = layer.get_weights()
            if len(weights) == 1:
                out[f"parameters/{layer.name}.weights"] = Histogram(weights[0])
            elif len(weights) == 2:
                out[f"parameters/{layer.name}.weights"] = Histogram(weights[0])
                out[f"parameters/{layer.name}.bias"] = Histogram(weights[1])
        return out

    def _validation(self, what: str) -> tuple[Any, Any] | None:
        """``(x, y)`` from ``validation_data``; without it, ``what`` is skipped with a warning."""
        data = self.validation_data
        if not isinstance(data, Sequence) or len(data) < 2:
            # W&B patches Keras to read model.fit's validation data; heron does not patch Keras.
            unsupported(
                f"WandbCallback {what} without validation_data=(x, y) given to the callback",
                result_needed=False,
                hint="pass validation_data=(x, y) to WandbCallback as well",
            )
            return None
        return data[0], data[1]

    def _scores(self, x: Any) -> Any:
        import numpy as np

        # model(batch) rather than predict(): predict's numpy conversion of torch tensors warns
        # under numpy 2, and batching is all it would add.
        outputs = [
            to_numpy(self.model(x[i : i + 64], training=False)) for i in range(0, len(x), 64)
        ]
        return np.concatenate(outputs).astype(np.float64)

    def example_images(self) -> list[Any] | None:
        """The first ``predictions`` validation images, captioned with the model's guess."""
        data = self._validation("example images (input_type)")
        if data is None:
            return None
        x = data[0][: self.predictions]
        scores = self._scores(x)
        captions: list[str]
        if scores.ndim == 2 and scores.shape[1] > 1:
            guesses = scores.argmax(axis=1)
            captions = [self.labels[g] if self.labels else str(int(g)) for g in guesses]
        else:  # one output: a binary score, or a regression value
            flat = scores.reshape(len(scores), -1)[:, 0]
            if self.labels and len(self.labels) == 2:
                captions = [self.labels[int(value > 0.5)] for value in flat]
            else:
                captions = [f"{value:.3g}" for value in flat]
        return [
            make_image(to_numpy(image), caption=caption)
            for image, caption in zip(x, captions, strict=True)
        ]

    def validation_predictions(self) -> Any:
        """heron's predictions table for the validation data, with the model as it is now
        (None, with a warning, without validation data or class scores)."""
        import numpy as np

        data = self._validation("log_evaluation")
        if data is None:
            return None
        x, y = data
        scores = self._scores(x)
        if scores.ndim != 2 or scores.shape[1] < 2:
            unsupported(
                "WandbCallback(log_evaluation=True) for models without class scores",
                result_needed=False,
            )
            return None
        if not (np.all(scores >= 0) and np.allclose(scores.sum(axis=1), 1.0, atol=1e-3)):
            scores = softmax(scores)
        truth = to_numpy(y)
        if truth.ndim == 2 and truth.shape[1] > 1:
            truth = truth.argmax(axis=1)
        images = list(to_numpy(x)) if getattr(x, "ndim", 0) in (3, 4) else None
        return predictions_table(
            scores,
            class_names=self.labels,
            labels=[int(label) for label in truth.reshape(-1)],
            images=images,
        )

    def _save_best(self, epoch: int) -> None:
        """Save the model over ``model-best`` and log it as ``model-<run name>``."""
        if self.save_weights_only:
            self.model.save_weights(self.filepath, overwrite=True)
        else:
            self.model.save(self.filepath, overwrite=True)
        run = _run()
        name = re.sub(r"[^A-Za-z0-9_.\-]", "-", f"model-{run.name}")
        artifact = Artifact(name, type="model")
        artifact.add_file(self.filepath)
        run.log_artifact(artifact, aliases=["latest", f"epoch_{epoch}"])


def _run() -> Run:
    run = active.current()
    if run is None:
        raise UsageError("WandbCallback: the run was finished during training")
    return run


def _numbers(logs: Mapping[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in (logs or {}).items():
        array = to_numpy(value)
        out[key] = float(array) if array.ndim == 0 else array.tolist()
    return out


@functools.cache
def _callback_class() -> type:
    """Mix the behaviour into keras.callbacks.Callback (importing Keras now, not earlier)."""
    keras = import_keras("heron.wandb.keras.WandbCallback")
    return mix_in(
        "WandbCallback", WandbCallbackBehaviour, keras.callbacks.Callback, __name__, __doc__
    )


def __getattr__(name: str) -> Any:
    # WandbCallback subclasses Keras' Callback, so it is defined when first asked for.
    if name == "WandbCallback":
        return _callback_class()
    if name in __all__:
        # W&B's notebooks also import the newer callbacks from wandb.keras.
        return getattr(integration, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
