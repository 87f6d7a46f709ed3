"""``wandb.plot``: charts logged as a table plus a chart description (:class:`heron.sdk.charts.Chart`).

``wandb.log({"pr": wandb.plot.pr_curve(y_true, y_probas, labels)})`` stores the curve's points
as a table under ``pr`` (the table explorer reads it like any table) with a description the
workspace and the run page draw as a chart panel. Argument names, defaults, table columns and
the computed points follow W&B's: PR curves are interpolated at ``interp_size`` recall levels
with precision made monotone, ROC curves keep only the corners, values are rounded to 3
decimals, and probability column ``i`` belongs to the ``i``-th distinct label in ``y_true``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from heron.errors import UsageError
from heron.sdk.charts import Chart
from heron.sdk.table import Table
from heron.wandb.errors import ignored_arguments, unsupported

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

CustomChart = Chart
"""What every function here returns (W&B's name for it); log it with ``wandb.log``."""

__all__ = [
    "CustomChart",
    "bar",
    "confusion_matrix",
    "histogram",
    "line",
    "line_series",
    "plot_table",
    "pr_curve",
    "roc_curve",
    "scatter",
]


def _note_split_table(call: str, split_table: bool) -> None:
    # W&B moves the chart's table to a "Custom Chart Tables" section of its UI; heron keeps the
    # table under the logged key, next to its chart.
    if split_table:
        ignored_arguments(f"wandb.plot.{call}", ["split_table"])


def line(
    table: Table,
    x: str,
    y: str,
    stroke: str | None = None,
    title: str = "",
    split_table: bool = False,
) -> Chart:
    """A line chart of column ``y`` over column ``x``; one line per value of ``stroke``."""
    _note_split_table("line", split_table)
    return Chart(table, "line", x=x, y=y, series=stroke, title=title)


def scatter(table: Table, x: str, y: str, title: str = "", split_table: bool = False) -> Chart:
    """A scatter plot of column ``y`` against column ``x``."""
    _note_split_table("scatter", split_table)
    return Chart(table, "scatter", x=x, y=y, title=title)


def bar(table: Table, label: str, value: str, title: str = "", split_table: bool = False) -> Chart:
    """One bar per row: its ``label`` column names the bar, its ``value`` column sets the length."""
    _note_split_table("bar", split_table)
    return Chart(table, "bar", label=label, value=value, title=title)


def histogram(table: Table, value: str, title: str = "", split_table: bool = False) -> Chart:
    """A histogram of column ``value`` (binned when drawn)."""
    _note_split_table("histogram", split_table)
    return Chart(table, "histogram", value=value, title=title)


def line_series(
    xs: Iterable[Iterable[Any]] | Iterable[Any],
    ys: Iterable[Iterable[Any]],
    keys: Iterable[str] | None = None,
    title: str = "",
    xname: str = "x",
    split_table: bool = False,
) -> Chart:
    """Several lines on one chart: ``ys[i]`` over ``xs[i]`` (or over ``xs`` shared by all).

    The table has W&B's columns ``step``, ``lineKey`` (``keys[i]``, default ``line_i``) and
    ``lineVal``; ``xname`` labels the x axis.
    """
    _note_split_table("line_series", split_table)
    y_lists = [_as_list(series, f"ys[{index}]") for index, series in enumerate(ys)]
    x_items = _as_list(xs, "xs")
    if x_items and _is_series(x_items[0]):
        x_lists = [_as_list(series, f"xs[{index}]") for index, series in enumerate(x_items)]
    else:
        x_lists = [x_items] * len(y_lists)
    if len(x_lists) != len(y_lists):
        raise UsageError(
            f"line_series: {len(x_lists)} x-series but {len(y_lists)} y-series; give one "
            "x-series per y-series, or one shared by all"
        )
    names = [f"line_{index}" for index in range(len(y_lists))] if keys is None else list(keys)
    if len(names) != len(y_lists):
        raise UsageError(f"line_series: {len(names)} keys for {len(y_lists)} y-series")
    rows = [
        [_plain(x), name, _plain(y)]
        for name, x_list, y_list in zip(names, x_lists, y_lists, strict=True)
        for x, y in zip(x_list, y_list, strict=False)  # W&B pairs up to the shorter one
    ]
    table = Table(columns=["step", "lineKey", "lineVal"], data=rows)
    return Chart(table, "line", x="step", y="lineVal", series="lineKey", title=title, x_label=xname)


def confusion_matrix(
    probs: Sequence[Sequence[float]] | None = None,
    y_true: Sequence[Any] | None = None,
    preds: Sequence[Any] | None = None,
    class_names: Sequence[str] | None = None,
    title: str = "Confusion Matrix Curve",
    split_table: bool = False,
) -> Chart:
    """A confusion matrix from class probabilities (``probs``, argmax taken) or ``preds``.

    With ``class_names``, ``y_true`` and ``preds`` hold class indices into it; without, the
    distinct values seen are sorted and named ``Class_1``, ``Class_2``... The table has W&B's
    columns ``Actual``, ``Predicted`` and ``nPredictions``, one row per cell.
    """
    import numpy as np

    _note_split_table("confusion_matrix", split_table)
    if probs is not None and preds is not None:
        raise UsageError("confusion_matrix: give probs= or preds=, not both")
    if y_true is None:
        raise UsageError("confusion_matrix needs y_true=")
    if probs is not None:
        scores = np.asarray(_to_numpy(probs), dtype=np.float64)
        if scores.ndim != 2:
            raise UsageError(
                f"confusion_matrix: probs must be (N, classes), got shape {scores.shape}"
            )
        predicted = [int(index) for index in scores.argmax(axis=1)]
    elif preds is not None:
        predicted = [_plain(value) for value in _as_list(preds, "preds")]
    else:
        raise UsageError("confusion_matrix needs probs= or preds=")
    actual = [_plain(value) for value in _as_list(y_true, "y_true")]
    if len(predicted) != len(actual):
        raise UsageError(
            f"confusion_matrix: {len(predicted)} predictions but {len(actual)} true labels"
        )
    if class_names is not None:
        names = [str(name) for name in class_names]
        classes: list[Any] = list(range(len(names)))
        for label, values in (("preds", predicted), ("y_true", actual)):
            stray = sorted({v for v in values if v not in classes}, key=repr)
            if stray:
                raise UsageError(
                    f"confusion_matrix: {label} holds {stray[:5]}, which are not class indices "
                    f"0..{len(names) - 1} of class_names"
                )
    else:
        try:
            classes = sorted(set(predicted) | set(actual))
        except TypeError:
            raise UsageError(
                "confusion_matrix: labels of mixed types cannot be ordered; pass class_names="
            ) from None
        names = [f"Class_{index + 1}" for index in range(len(classes))]
    position = {value: index for index, value in enumerate(classes)}
    counts = np.zeros((len(classes), len(classes)))
    for truth, guess in zip(actual, predicted, strict=True):
        counts[position[truth], position[guess]] += 1
    rows = [
        [names[i], names[j], float(counts[i, j])]
        for i in range(len(classes))
        for j in range(len(classes))
    ]
    table = Table(columns=["Actual", "Predicted", "nPredictions"], data=rows)
    return Chart(
        table,
        "confusion_matrix",
        actual="Actual",
        predicted="Predicted",
        count="nPredictions",
        title=title,
    )


def pr_curve(
    y_true: Iterable[Any] | None = None,
    y_probas: Iterable[Any] | None = None,
    labels: list[str] | None = None,
    classes_to_plot: list[Any] | None = None,
    interp_size: int = 21,
    title: str = "Precision-Recall Curve",
    split_table: bool = False,
) -> Chart:
    """Precision-recall curves, one per class, at ``interp_size`` recall levels from 1 to 0.

    Columns ``class``, ``precision``, ``recall``; drawn as lines of precision over recall.
    """
    import numpy as np

    _note_split_table("pr_curve", split_table)
    truth, scores, plotted = _curve_inputs("pr_curve", y_true, y_probas, labels, classes_to_plot)
    levels = np.linspace(0, 1, interp_size)[::-1]
    rows: list[list[Any]] = []
    for name, positive, column in plotted:
        precision, recall = _precision_recall(truth == positive, scores[:, column])
        # Precision made monotone from the full-recall end, then read at each recall level.
        precision = np.maximum.accumulate(precision)[::-1]
        recall = recall[::-1]
        at_levels = precision[np.searchsorted(recall, levels, side="left")]
        rows.extend([name, _round(p), _round(r)] for p, r in zip(at_levels, levels, strict=True))
    table = Table(columns=["class", "precision", "recall"], data=rows)
    return Chart(
        table,
        "line",
        x="recall",
        y="precision",
        series="class",
        title=title,
        x_label="Recall",
        y_label="Precision",
    )


def roc_curve(
    y_true: Sequence[Any] | None = None,
    y_probas: Sequence[Sequence[float]] | None = None,
    labels: list[str] | None = None,
    classes_to_plot: list[Any] | None = None,
    title: str = "ROC Curve",
    split_table: bool = False,
) -> Chart:
    """ROC curves, one per class: ``tpr`` over ``fpr`` at every threshold that turns a corner.

    Columns ``class``, ``fpr``, ``tpr``.
    """
    _note_split_table("roc_curve", split_table)
    truth, scores, plotted = _curve_inputs("roc_curve", y_true, y_probas, labels, classes_to_plot)
    rows: list[list[Any]] = []
    for name, positive, column in plotted:
        fpr, tpr = _roc(truth == positive, scores[..., column])
        rows.extend([name, _round(f), _round(t)] for f, t in zip(fpr, tpr, strict=True))
    table = Table(columns=["class", "fpr", "tpr"], data=rows)
    return Chart(
        table,
        "line",
        x="fpr",
        y="tpr",
        series="class",
        title=title,
        x_label="False positive rate",
        y_label="True positive rate",
    )


# W&B's preset chart names, and the heron chart kind and roles each maps to.
_PRESETS: dict[str, tuple[str, dict[str, str]]] = {
    "wandb/line/v0": ("line", {"x": "x", "y": "y", "stroke": "series"}),
    "wandb/scatter/v0": ("scatter", {"x": "x", "y": "y"}),
    "wandb/bar/v0": ("bar", {"label": "label", "value": "value"}),
    "wandb/histogram/v0": ("histogram", {"value": "value"}),
    "wandb/lineseries/v0": ("line", {"step": "x", "lineVal": "y", "lineKey": "series"}),
    "wandb/area-under-curve/v0": ("line", {"x": "x", "y": "y", "class": "series"}),
    "wandb/confusion_matrix/v1": (
        "confusion_matrix",
        {"Actual": "actual", "Predicted": "predicted", "nPredictions": "count"},
    ),
}


def plot_table(
    vega_spec_name: str,
    data_table: Table,
    fields: Mapping[str, Any],
    string_fields: Mapping[str, Any] | None = None,
    split_table: bool = False,
) -> Chart | Table:
    """A chart from one of W&B's preset chart names (``wandb/line/v0``...) over ``data_table``.

    A custom Vega spec heron cannot draw warns once and returns the table itself, so logging it
    still stores the data.
    """
    _note_split_table("plot_table", split_table)
    strings = dict(string_fields or {})
    preset = _PRESETS.get(vega_spec_name)
    if preset is None:
        unsupported(
            f"custom Vega chart {vega_spec_name!r}",
            result_needed=False,
            hint="the table is logged without a chart",
        )
        return data_table
    kind, roles = preset
    mapped = {roles[name]: column for name, column in fields.items() if name in roles}
    unknown = sorted(set(fields) - set(roles))
    if unknown:
        ignored_arguments(f"wandb.plot.plot_table({vega_spec_name!r})", unknown)
    return Chart(
        data_table,
        kind,
        title=strings.get("title") or "",
        x_label=strings.get("x-axis-title") or strings.get("xname"),
        y_label=strings.get("y-axis-title"),
        **mapped,
    )


# -- helpers ---------------------------------------------------------------------------------


def _curve_inputs(
    call: str,
    y_true: Any,
    y_probas: Any,
    labels: Sequence[str] | None,
    classes_to_plot: Sequence[Any] | None,
) -> tuple[npt.NDArray[Any], npt.NDArray[np.float64], list[tuple[Any, Any, int]]]:
    """The labels, the score matrix, and ``(name, label value, score column)`` per plotted class."""
    import numpy as np

    if y_true is None or y_probas is None:
        missing = [name for name, v in (("y_true", y_true), ("y_probas", y_probas)) if v is None]
        raise UsageError(f"{call} needs {' and '.join(missing)}")
    truth = np.asarray(_to_numpy(y_true))
    try:
        scores = np.asarray(_to_numpy(y_probas), dtype=np.float64)
    except (TypeError, ValueError):
        raise UsageError(f"{call}: y_probas must be numbers of shape (N, classes)") from None
    if truth.ndim != 1:
        raise UsageError(f"{call}: y_true must be one label per example, got shape {truth.shape}")
    if scores.ndim != 2 or scores.shape[0] != truth.shape[0]:
        raise UsageError(
            f"{call}: y_probas must have shape ({truth.shape[0]}, classes) to match y_true, "
            f"got {scores.shape}"
        )
    classes = np.unique(truth)
    if classes.size > scores.shape[1]:
        raise UsageError(
            f"{call}: y_true has {classes.size} distinct labels but y_probas only "
            f"{scores.shape[1]} columns"
        )
    wanted = classes if classes_to_plot is None else np.asarray(classes_to_plot)
    integer_labels = np.issubdtype(classes.dtype, np.integer)
    plotted: list[tuple[Any, Any, int]] = []
    for column in np.where(np.isin(classes, wanted))[0]:
        value = classes[column]
        if labels is not None and integer_labels:
            if not 0 <= int(value) < len(labels):
                raise UsageError(
                    f"{call}: label {int(value)} has no name in labels (it has {len(labels)})"
                )
            name: Any = labels[int(value)]
        else:
            name = _plain(value)
        plotted.append((name, value, int(column)))
    return truth, scores, plotted


def _thresholds(
    positive: npt.NDArray[np.bool_], score: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """True and false positive counts at each distinct score, from the highest down."""
    import numpy as np

    order = np.argsort(score, kind="mergesort")[::-1]
    score, positive = score[order], positive[order]
    last_of_each = np.r_[np.where(np.diff(score))[0], score.size - 1]
    true_positives = np.cumsum(positive, dtype=np.float64)[last_of_each]
    false_positives = 1.0 + last_of_each - true_positives
    return true_positives, false_positives


def _precision_recall(
    positive: npt.NDArray[np.bool_], score: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Precision and recall from the lowest threshold up, ending at (1, 0)."""
    import numpy as np

    true_positives, false_positives = _thresholds(positive, score)
    precision = true_positives / (true_positives + false_positives)
    if true_positives[-1] == 0:
        recall = np.ones_like(true_positives)  # no positives: every threshold recalls "all"
    else:
        recall = true_positives / true_positives[-1]
    return np.r_[precision[::-1], 1.0], np.r_[recall[::-1], 0.0]


def _roc(
    positive: npt.NDArray[np.bool_], score: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """False and true positive rates from (0, 0), keeping only the points where the curve turns."""
    import numpy as np

    true_positives, false_positives = _thresholds(positive, score)
    if true_positives.size > 2:
        corners = np.r_[
            True,
            np.logical_or(np.diff(false_positives, 2), np.diff(true_positives, 2)),
            True,
        ]
        true_positives, false_positives = true_positives[corners], false_positives[corners]
    true_positives = np.r_[0.0, true_positives]
    false_positives = np.r_[0.0, false_positives]
    with np.errstate(invalid="ignore", divide="ignore"):
        fpr = false_positives / false_positives[-1]
        tpr = true_positives / true_positives[-1]
    return fpr, tpr


def _round(value: Any) -> float | None:
    """Rounded to 3 decimals the way numpy (and so W&B's pandas) rounds; NaN as a missing cell."""
    import numpy as np

    number = float(np.round(value, 3))
    return None if np.isnan(number) else number


def _to_numpy(values: Any) -> Any:
    """Torch tensors (on any device) and other array-likes as something numpy takes."""
    detach = getattr(values, "detach", None)
    if callable(detach):
        return detach().cpu().numpy()
    return values


def _as_list(values: Any, where: str) -> list[Any]:
    values = _to_numpy(values)
    tolist = getattr(values, "tolist", None)
    if callable(tolist):
        result = tolist()
        return result if isinstance(result, list) else [result]
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise UsageError(f"{where} must be a sequence, got {type(values).__name__}")
    return list(values)


def _is_series(value: Any) -> bool:
    return isinstance(value, Iterable) and not isinstance(value, str | bytes)


def _plain(value: Any) -> Any:
    """numpy scalars as the Python values a table cell takes."""
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "shape", None) == ():
        return item()
    return value
