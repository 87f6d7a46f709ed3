"""Keras 3 integration: a callback logging metrics and validation prediction tables to a heron run.

Usage::

    from heron.integrations.keras import HeronCallback

    model.fit(x, y, epochs=5, validation_data=(val_x, val_y), callbacks=[
        HeronCallback(run, validation_data=(val_x, val_y), class_names=classes,
                      images=val_paths, ids=val_ids, log_every_n_epochs=1, save_model=True),
    ])

Keras is imported when `HeronCallback` is first looked up, not when this module is imported.
Works with every Keras 3 backend (tensorflow, jax, torch).
"""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import heron
from heron.integrations.keras_classes import import_keras, mix_in
from heron.integrations.prediction_tables import predictions_table, softmax, to_numpy

if TYPE_CHECKING:
    import numpy.typing as npt


# HeronCallback is created on first access (module __getattr__ below); declared for type checkers.
HeronCallback: type[HeronCallbackBehaviour]

__all__ = ["HeronCallback"]

OutputKind = Literal["auto", "logits", "probabilities"]


class HeronCallbackBehaviour:
    """What HeronCallback does; mixed into `keras.callbacks.Callback` when Keras is loaded.

    Every epoch is one step of the run (a later `fit` continues after the last step logged), with
    Keras' metrics under their names and validation metrics as `val/<name>`.

    Args:
        run: the heron run to log to; default: the active run (`heron.run`) when training starts.
        log_every_n_epochs: log the validation predictions table after every N-th epoch (and
            after the last one); metrics are logged after every epoch. 0 turns tables off.
        validation_data: `(x, y)` to predict on for the table; `y` holds class indices.
        class_names: names for the `score_<class>` columns and the guess/truth values.
        images: one image per validation example for the `image` column: dataset file paths
            (best: the table then joins with the dataset table on the image hash), arrays, PIL
            images or heron.Image. Default: `x` itself when it looks like a batch of images.
        ids: one id per validation example (default: row numbers).
        predictions_key: the key every epoch's table is logged under.
        output: whether the model outputs `logits` or `probabilities`; `auto` checks the rows.
        save_model: at the end of training save the model (`.keras`) as a heron artifact.
        model_artifact_name / model_aliases / model_metadata: that artifact's name, aliases and
            metadata (the run config is stored too).
        batch_size: examples per forward pass when predicting.
    """

    model: Any  # set by Keras through Callback.set_model

    def __init__(
        self,
        run: heron.Run | None = None,
        *,
        log_every_n_epochs: int = 1,
        validation_data: tuple[Any, Any] | None = None,
        class_names: Sequence[str] | None = None,
        images: Sequence[Any] | None = None,
        ids: Sequence[Any] | None = None,
        predictions_key: str = "predictions",
        output: OutputKind = "auto",
        save_model: bool = False,
        model_artifact_name: str = "model",
        model_aliases: Sequence[str] = (),
        model_metadata: Mapping[str, Any] | None = None,
        batch_size: int = 64,
    ) -> None:
        super().__init__()
        if log_every_n_epochs < 0:
            raise ValueError("log_every_n_epochs must be 0 (no tables) or positive")
        self._run = run
        self.log_every_n_epochs = log_every_n_epochs
        self.validation_data = validation_data
        self.class_names = list(class_names) if class_names is not None else None
        self.images = images
        self.ids = ids
        self.predictions_key = predictions_key
        self.output = output
        self.save_model = save_model
        self.model_artifact_name = model_artifact_name
        self.model_aliases = list(model_aliases)
        self.model_metadata = dict(model_metadata or {})
        self.batch_size = batch_size
        self._epochs: int | None = None
        self._first_step = 0

    @property
    def run(self) -> heron.Run:
        """The run logged to: the one given, else the active run."""
        if self._run is None:
            if heron.run is None:
                raise RuntimeError(
                    "HeronCallback needs a run: pass run= or call heron.init() first"
                )
            self._run = heron.run
        return self._run

    def set_params(self, params: Mapping[str, Any]) -> None:
        """Keras hands over fit()'s parameters; the epoch count decides the last table."""
        super().set_params(params)  # type: ignore[misc]
        self._epochs = params.get("epochs")

    def on_train_begin(self, logs: Mapping[str, Any] | None = None) -> None:
        """Start this fit()'s epochs at the run's next step, so a second fit() continues on."""
        self._first_step = self.run.step

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        """Log this epoch's metrics and, every N epochs, the validation predictions table."""
        # One step per epoch, so "epoch" itself is not logged as a metric.
        data: dict[str, Any] = {}
        for key, value in (logs or {}).items():
            # Keras names validation metrics val_<name>; heron groups them as val/<name>.
            name = "val/" + key[4:] if key.startswith("val_") else key
            data[name] = float(to_numpy(value))
        if self._should_log_table(epoch):
            data[self.predictions_key] = self.predictions_table()
        self.run.log(data, step=self._first_step + epoch)

    def on_train_end(self, logs: Mapping[str, Any] | None = None) -> None:
        """Save the model as an artifact when `save_model` asked for it."""
        if self.save_model:
            self.log_model()

    def _should_log_table(self, epoch: int) -> bool:
        if self.validation_data is None or self.log_every_n_epochs == 0:
            return False
        last = self._epochs is not None and epoch + 1 == self._epochs
        return (epoch + 1) % self.log_every_n_epochs == 0 or last

    def predict_scores(self, x: Any) -> npt.NDArray[Any]:
        """Class scores (probabilities) of the model on `x`, in inference mode, batched."""
        import numpy as np

        # model(batch) rather than model.predict: predict's numpy conversion of torch tensors
        # emits a DeprecationWarning under numpy 2, and a loop over batches is all it does here.
        outputs = [
            to_numpy(self.model(x[start : start + self.batch_size], training=False))
            for start in range(0, len(x), self.batch_size)
        ]
        scores = np.concatenate(outputs).astype(np.float64)
        if self.output == "logits" or (self.output == "auto" and not _are_probabilities(scores)):
            scores = softmax(scores)
        return scores

    def predictions_table(self) -> heron.Table:
        """The validation predictions table for the model as it is now."""
        if self.validation_data is None:
            raise ValueError(
                "HeronCallback needs validation_data=(x, y) to build a predictions table"
            )
        x, y = self.validation_data
        images = self.images
        if images is None and getattr(x, "ndim", 0) in (3, 4):
            images = list(to_numpy(x))
        return predictions_table(
            self.predict_scores(x),
            class_names=self.class_names,
            labels=None if y is None else _class_indices(y),
            images=images,
            ids=self.ids,
        )

    def log_model(self) -> None:
        """Save the model as `model.keras` inside a `model` artifact of the run."""
        metadata = {"config": dict(self.run.config), **self.model_metadata}
        artifact = heron.Artifact(self.model_artifact_name, type="model", metadata=metadata)
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "model.keras"
            self.model.save(path)
            artifact.add_file(str(path), name="model.keras")
            self.run.log_artifact(artifact, aliases=self.model_aliases)


def _class_indices(y: Any) -> list[int]:
    """Labels as class indices, from indices of shape (N,) or (N, 1) or from one-hot rows."""
    labels = to_numpy(y)
    if labels.ndim == 2 and labels.shape[1] > 1:
        labels = labels.argmax(axis=1)
    return [int(label) for label in labels.reshape(-1)]


def _are_probabilities(scores: npt.NDArray[Any]) -> bool:
    import numpy as np

    return bool(np.all(scores >= 0) and np.allclose(scores.sum(axis=1), 1.0, atol=1e-3))


@functools.cache
def _callback_class() -> type:
    """Mix the behaviour into keras.callbacks.Callback (importing Keras now, not earlier)."""
    keras = import_keras("heron.integrations.keras.HeronCallback")
    return mix_in(
        "HeronCallback",
        HeronCallbackBehaviour,
        keras.callbacks.Callback,
        __name__,
        HeronCallbackBehaviour.__doc__,
    )


def __getattr__(name: str) -> Any:
    # HeronCallback must subclass Keras' Callback, so it is defined when first asked for.
    if name == "HeronCallback":
        return _callback_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
