"""Build the classification predictions table the framework integrations (and the W&B Keras
callbacks in ``heron.wandb``) log.

The layout follows the walkthrough's prediction tables: `id`, `image`, `guess`, `truth` and one
`score_<class>` column per class, so tables logged under one key by several runs can be merged.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import heron

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt


def to_numpy(value: Any) -> npt.NDArray[Any]:
    """Convert a framework tensor or array-like to a numpy array, on the CPU, without gradients."""
    import numpy as np

    detach = getattr(value, "detach", None)
    if callable(detach):  # torch: np.asarray(tensor) warns under numpy 2 and fails on GPU tensors
        return np.asarray(detach().cpu().numpy())
    return np.asarray(value)


def softmax(logits: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
    """Row-wise softmax, shifted by the row maximum so large logits do not overflow."""
    import numpy as np

    shifted = logits.astype(np.float64) - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    result: npt.NDArray[np.float64] = exp / exp.sum(axis=1, keepdims=True)
    return result


def as_image(value: Any) -> heron.Image:
    """Wrap one table image: heron.Image as is; a path (str/PathLike) or array/PIL image wrapped.

    Paths are passed through untouched so the stored bytes, hence the image hash, equal the
    dataset file's: prediction tables then join with the dataset tables on the image.
    """
    if isinstance(value, heron.Image):
        return value
    if isinstance(value, str | os.PathLike):
        return heron.Image(os.fspath(value))
    return heron.Image(image_array(value))


def image_array(value: Any) -> Any:
    """An image as something heron.Image takes: uint8 HWC/HW arrays from CHW float tensors.

    PIL images pass through. Float pixels in [0, 1] are scaled by 255; other float ranges (e.g.
    normalized network inputs) are min-max rescaled per image so they stay viewable.
    """
    import numpy as np

    if hasattr(value, "getpixel"):  # a PIL image
        return value
    array = to_numpy(value)
    if array.ndim == 3 and array.shape[0] in (1, 3) and array.shape[-1] not in (1, 3):
        array = np.transpose(array, (1, 2, 0))  # CHW (torch layout) -> HWC
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if np.issubdtype(array.dtype, np.floating):
        low, high = float(array.min()), float(array.max())
        if low >= 0.0 and high <= 1.0:
            array = array * 255.0
        elif high > low:
            array = (array - low) / (high - low) * 255.0
        array = np.clip(np.rint(array), 0, 255)
    return array.astype(np.uint8)


def class_name_list(class_names: Sequence[str] | None, n_classes: int) -> list[str]:
    """The class names, or `0..n-1` as strings when none are given; checked against the scores."""
    names = [str(i) for i in range(n_classes)] if class_names is None else list(class_names)
    if len(names) != n_classes:
        raise ValueError(f"{len(names)} class names given for {n_classes} score columns")
    return names


def predictions_table(
    probabilities: npt.NDArray[Any],
    *,
    class_names: Sequence[str] | None = None,
    labels: Sequence[Any] | npt.NDArray[Any] | None = None,
    images: Sequence[Any] | None = None,
    ids: Sequence[Any] | None = None,
) -> heron.Table:
    """A table with one row per example: id, image, guess, truth, score_<class> for every class.

    `labels` are class indices (or class names); without them the `truth` column is left out,
    as is `image` without `images`. `ids` default to the row numbers.
    """
    import numpy as np

    if probabilities.ndim != 2:
        raise ValueError(f"expected (examples, classes) scores, got shape {probabilities.shape}")
    n_rows, n_classes = probabilities.shape
    names = class_name_list(class_names, n_classes)
    for what, given in (("labels", labels), ("images", images), ("ids", ids)):
        if given is not None and len(given) != n_rows:
            raise ValueError(f"{len(given)} {what} for {n_rows} predictions")
    columns = ["id"]
    columns += ["image"] if images is not None else []
    columns += ["guess"]
    columns += ["truth"] if labels is not None else []
    columns += [f"score_{name}" for name in names]
    table = heron.Table(columns=columns)
    guesses = np.argmax(probabilities, axis=1)
    for row in range(n_rows):
        values: list[Any] = [str(ids[row]) if ids is not None else str(row)]
        if images is not None:
            values.append(as_image(images[row]))
        values.append(names[int(guesses[row])])
        if labels is not None:
            values.append(label_name(labels[row], names))
        values += [float(score) for score in probabilities[row]]
        table.add_data(*values)
    return table


def label_name(label: Any, names: Sequence[str]) -> str:
    """A ground-truth label as its class name (labels may be indices, 0-d tensors or names)."""
    if isinstance(label, str):
        return label
    return names[int(label)]
