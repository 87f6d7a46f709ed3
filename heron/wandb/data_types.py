"""``wandb.Image``, ``wandb.Table``, ``wandb.Histogram``, ``wandb.Classes``, ``wandb.JoinedTable``.

Each is heron's own type with W&B's argument names and defaults: ``wandb.Image(...)`` makes a
:class:`heron.Image` (so a table of them takes heron's fast path), ``wandb.Table`` is a
:class:`heron.Table` with W&B's constructor and methods. Media heron does not store (video,
audio, 3-D objects, HTML, molecules) warn once and are logged as a marker naming their type.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from heron.errors import MediaError, TableError, UsageError
from heron.sdk.media import Histogram as _HeronHistogram
from heron.sdk.media import Image as _HeronImage
from heron.sdk.media import pil_from_array
from heron.sdk.table import Table as _HeronTable
from heron.sdk.table import TableMode
from heron.sdk.table_types import check_value
from heron.wandb.errors import ignored_arguments, unsupported

if TYPE_CHECKING:
    import pandas

    from heron.sdk.interfaces import ObjectResult, RunContext

DEFAULT_COLUMNS = ["Input", "Output", "Expected"]
"""W&B's columns for a Table made without ``columns=`` (kept for its users' code)."""


class Classes:
    """``wandb.Classes([{"id": 1, "name": "cat"}, ...])``: class ids and names for boxes and masks."""

    def __init__(self, class_set: Sequence[Mapping[str, Any]]) -> None:
        self._class_set = [dict(item) for item in class_set]
        for index, item in enumerate(self._class_set):
            if "id" not in item or "name" not in item:
                raise MediaError(f"Classes item {index} needs 'id' and 'name', got {item}")

    @property
    def class_set(self) -> list[dict[str, Any]]:
        """The ``{"id": ..., "name": ...}`` items, as given."""
        return [dict(item) for item in self._class_set]

    def as_map(self) -> dict[int, str]:
        """Class id to name."""
        return {int(item["id"]): str(item["name"]) for item in self._class_set}

    def __repr__(self) -> str:
        return f"<wandb.Classes {self.as_map()}>"


def _class_map(classes: Any) -> Any:
    if classes is None or isinstance(classes, Mapping):
        return classes
    if isinstance(classes, Classes):
        return classes.as_map()
    if isinstance(classes, Sequence) and all(isinstance(item, Mapping) for item in classes):
        return Classes(classes).as_map()
    return classes


class _ImageType(type):
    """Makes ``wandb.Image(...)`` return a heron.Image and ``isinstance`` accept any heron.Image."""

    def __instancecheck__(cls, instance: Any) -> bool:
        return isinstance(instance, _HeronImage)

    def __call__(
        cls,
        data_or_path: Any,
        mode: str | None = None,
        caption: str | None = None,
        grouping: int | None = None,
        classes: Any = None,
        boxes: Any = None,
        masks: Any = None,
        file_type: str | None = None,
    ) -> _HeronImage:
        if (
            mode is None
            and grouping is None
            and file_type is None
            and classes is None
            and boxes is None
            and masks is None
            and _plain_pixels(data_or_path)
        ):
            # The hot path (one image per table row): W&B reads these pixels as heron does.
            return _HeronImage(data_or_path, caption=caption)
        ignored = [
            name
            for name, value in (("grouping", grouping), ("file_type", file_type))
            if value is not None
        ]
        ignored_arguments("wandb.Image", ignored)
        return make_image(
            data_or_path, mode=mode, caption=caption, classes=classes, boxes=boxes, masks=masks
        )


class Image(metaclass=_ImageType):
    """``wandb.Image(data_or_path, mode=None, caption=None, classes=None, boxes=None, masks=None)``.

    Returns a :class:`heron.Image`. Takes numpy arrays (HW, HWC, and CHW), torch tensors
    (CHW, as W&B), PIL images, matplotlib figures, file paths, and another image (copied, with
    the new caption). Float pixels in [0, 1] are scaled to 0..255 (W&B would cast them to 0 or
    1); floats beyond that range are clipped and cast as W&B does. ``mode`` converts the pixels
    as W&B does (e.g. ``"L"`` makes a colour image grey). ``grouping`` and ``file_type`` are
    ignored, with a warning: heron stores arrays losslessly.
    """


def make_image(
    data: Any,
    *,
    mode: str | None = None,
    caption: str | None = None,
    classes: Any = None,
    boxes: Any = None,
    masks: Any = None,
) -> _HeronImage:
    """A heron.Image from what ``wandb.Image`` accepts, with W&B's reading of arrays."""
    if isinstance(data, _HeronImage):  # W&B copies the pixels, not the boxes or masks
        caption = caption if caption is not None else data.caption
        data = data.encoded_bytes()
    elif _is_array(data):
        data = _wandb_pixels(data)
        if mode is not None:
            from PIL import Image as PILImage

            data = pil_from_array(data).convert(mode)
            if mode not in ("L", "RGB", "RGBA"):
                data = data.convert("RGBA" if "A" in mode else "RGB")
            mode = None
            assert isinstance(data, PILImage.Image)
    return _HeronImage(
        data, caption=caption, boxes=boxes, masks=masks, classes=_class_map(classes), mode=mode
    )


def _plain_pixels(data: Any) -> bool:
    """Whether ``data`` is a uint8 HW or HWC (3 or 4 channels) numpy array."""
    numpy = sys.modules.get("numpy")  # not imported: no array can be one
    return (
        numpy is not None
        and type(data) is numpy.ndarray
        and data.dtype == numpy.uint8
        and (data.ndim == 2 or (data.ndim == 3 and data.shape[2] in (3, 4)))
    )


def _is_array(data: Any) -> bool:
    module = type(data).__module__.split(".")[0]
    return module in ("numpy", "torch", "tensorflow", "jax", "jaxlib")


def _wandb_pixels(data: Any) -> Any:
    """Pixels as W&B reads them: squeezed, torch CHW to HWC, out-of-range floats cast."""
    import numpy as np

    is_torch = type(data).__module__.split(".")[0] == "torch"
    if is_torch:
        data = data.detach().cpu().numpy()
    elif hasattr(data, "numpy") and not isinstance(data, np.ndarray):
        data = data.numpy()  # TensorFlow eager tensors
    array = np.asarray(data)
    if array.ndim > 2:
        array = array.squeeze()
    if array.ndim == 4:
        raise MediaError(
            f"wandb.Image takes one image, got a batch of shape {array.shape}: "
            "log a list, e.g. [wandb.Image(x) for x in batch]"
        )
    if is_torch and array.ndim == 3 and array.shape[0] in (1, 3, 4):
        array = array.transpose(1, 2, 0)
    if array.dtype.kind == "f" and array.size and np.isfinite(array).all():
        low, high = float(array.min()), float(array.max())
        if low < -1.0 or high > 1.0:
            array = np.clip(array, 0, 255).astype(np.uint8)
    return array


# -- tables --------------------------------------------------------------------------------------


def _heron_dtype(dtype: Any) -> Any:
    if dtype is Image or dtype is _HeronImage:
        return "image"
    if isinstance(dtype, _HeronImage):
        return "image"
    if dtype in (int, float, str, bool, list, dict) or isinstance(dtype, str):
        return dtype
    return None


class Table(_HeronTable):
    """``wandb.Table(columns=None, data=None, rows=None, dataframe=None, dtype=None,
    optional=True, allow_mixed_types=False, log_mode="IMMUTABLE")``.

    A :class:`heron.Table`. Without ``columns`` the columns are W&B's
    ``["Input", "Output", "Expected"]``; ``dataframe`` (or a DataFrame as ``data``) sets them.
    ``allow_mixed_types=True`` lets a column hold values of different types (stored as JSON;
    images still need a column of their own). ``log_mode="INCREMENTAL"`` stores only new rows at
    each log. ``optional=False`` is not enforced (heron columns always accept None): a warning
    says so.
    """

    def __init__(
        self,
        columns: Sequence[str] | None = None,
        data: Any = None,
        rows: Any = None,
        dataframe: Any = None,
        dtype: Any = None,
        optional: bool | Sequence[bool] = True,
        allow_mixed_types: bool = False,
        log_mode: str | None = "IMMUTABLE",
    ) -> None:
        if log_mode not in (None, "IMMUTABLE", "MUTABLE", "INCREMENTAL"):
            raise UsageError(
                f"log_mode must be 'IMMUTABLE', 'MUTABLE' or 'INCREMENTAL', got {log_mode!r}"
            )
        if optional is not True:
            ignored_arguments("wandb.Table", ["optional"])
        self._mixed = bool(allow_mixed_types)
        if not self._mixed:  # heron's own add_data, without a call in between (the hot path)
            object.__setattr__(self, "add_data", _HeronTable.add_data.__get__(self))
        if data is None and rows is not None:
            data = rows
        if dataframe is None and data is not None and _module(data) in ("pandas", "polars"):
            dataframe, data = data, None
        mode: TableMode | None = "incremental" if log_mode == "INCREMENTAL" else None
        if dataframe is not None:
            super().__init__(dataframe=dataframe, mode=mode)
        else:
            super().__init__(
                columns=list(columns) if columns is not None else list(DEFAULT_COLUMNS),
                mode=mode,
            )
        if dtype is not None and not self._mixed:
            dtypes = dtype if isinstance(dtype, list) else [dtype] * len(self.columns)
            for name, each in zip(self.columns, dtypes, strict=False):
                self.cast(name, each)
        if dataframe is None and data is not None:
            rows_list = data.tolist() if hasattr(data, "tolist") else list(data)
            for row in rows_list:
                self.add_data(*row)

    def add_data(self, *data: Any) -> None:
        """Append one row (W&B's ``add_data``); with ``allow_mixed_types`` a column that meets a
        value of another type becomes a mixed (JSON) column."""
        if not self._mixed:
            super().add_data(*data)
            return
        try:
            super().add_data(*data)
        except TableError:
            if len(data) != len(self.columns):
                raise
            self._widen_for(data)
            super().add_data(*data)

    def _widen_for(self, row: Sequence[Any]) -> None:
        for spec, value in zip(self._specs, row, strict=True):
            try:
                check_value(spec, value, len(self))
            except TableError:
                if spec.type == "image" or isinstance(value, _HeronImage):
                    raise
                self._apply_dtypes({spec.name: "any"})

    def add_row(self, *row: Any) -> None:
        """The old name of :meth:`add_data`."""
        self.add_data(*row)

    def add_column(  # type: ignore[override]  # W&B's third argument is optional=
        self, name: str, data: Any, optional: bool = False, dtype: Any = None
    ) -> None:
        """Add a column with one value per row (W&B's ``add_column(name, data, optional)``)."""
        values = data.tolist() if hasattr(data, "tolist") else list(data)
        if self._mixed and dtype is None:
            try:
                super().add_column(name, values)
            except TableError:
                super().add_column(name, values, dtype="any")
            return
        super().add_column(name, values, dtype=dtype)

    def cast(self, col_name: str, dtype: Any, optional: bool = False) -> None:
        """Fix a column's type: a Python type, ``wandb.Image`` or a heron type name."""
        del optional  # heron columns always accept None
        heron_dtype = _heron_dtype(dtype)
        if heron_dtype is None:
            ignored_arguments("Table.cast", [f"dtype {dtype!r}"])
            return
        self._apply_dtypes({col_name: heron_dtype})

    def get_dataframe(self) -> pandas.DataFrame:
        """The table as a pandas DataFrame (images stay heron.Image objects)."""
        import pandas

        return pandas.DataFrame(self.data, columns=self.columns)

    def index_ref(self, index: int) -> int:
        """The index of row ``index`` (W&B links rows of two tables with it)."""
        if not 0 <= index < len(self):
            raise TableError(f"row {index} is out of range: the table has {len(self)} rows")
        return index


def _module(value: Any) -> str:
    return type(value).__module__.split(".")[0]


class JoinedTable(_HeronTable):
    """``wandb.JoinedTable(table1, table2, join_key)``: two tables joined on a column.

    Made at once as a table holding the inner join (rows whose key appears in both, in
    ``table1``'s order), so logging it or adding it to an artifact stores an ordinary table the
    explorer shows: ``table1``'s columns, then ``table2``'s except its key, a name both use
    getting the prefix ``2.``. ``join_key`` is one column name or ``[name1, name2]``. Rows added
    to the two tables afterwards are not in it (W&B would join them when logging).
    """

    def __init__(self, table1: Any, table2: Any, join_key: str | Sequence[str]) -> None:
        if isinstance(join_key, str):
            keys = (join_key, join_key)
        elif isinstance(join_key, Sequence) and len(join_key) == 2:
            keys = (str(join_key[0]), str(join_key[1]))
        else:
            raise UsageError("JoinedTable join_key must be a column name or a list of two names")
        for index, table in enumerate((table1, table2), start=1):
            if not isinstance(table, _HeronTable):
                unsupported(
                    f"JoinedTable of table{index} given as {type(table).__name__}",
                    result_needed=True,
                    hint="pass the Table itself (artifact.get(name) reads one back)",
                )
        for table, key in zip((table1, table2), keys, strict=True):
            if key not in table.columns:
                raise TableError(f"join key {key!r} is not a column; columns: {table.columns}")
        self._table1: _HeronTable = table1
        self._table2: _HeronTable = table2
        self._join_key = keys
        key1, key2 = keys
        right_key = table2.columns.index(key2)
        right: dict[Any, list[list[Any]]] = {}
        for _, row in table2.iterrows():
            right.setdefault(_hashable(row[right_key]), []).append(row)
        left_key = table1.columns.index(key1)
        keep = [i for i, name in enumerate(table2.columns) if name != key2]
        names = list(table1.columns) + [
            f"2.{table2.columns[i]}" if table2.columns[i] in table1.columns else table2.columns[i]
            for i in keep
        ]
        rows = [
            row + [match[i] for i in keep]
            for _, row in table1.iterrows()
            for match in right.get(_hashable(row[left_key]), [])
        ]
        super().__init__(columns=names, data=rows)


def _hashable(value: Any) -> Any:
    if isinstance(value, _HeronImage):
        return value.sha256
    if isinstance(value, list):
        return tuple(value)
    if isinstance(value, dict):
        return repr(sorted(value.items()))
    return value


# -- histograms ----------------------------------------------------------------------------------


class Histogram(_HeronHistogram):
    """``wandb.Histogram(sequence=None, np_histogram=None, num_bins=64)``."""

    def __init__(self, sequence: Any = None, np_histogram: Any = None, num_bins: int = 64) -> None:
        super().__init__(sequence, np_histogram=np_histogram, num_bins=num_bins)


# -- media heron does not store -------------------------------------------------------------------


class Unsupported:
    """A W&B media type heron does not store: warns once when made, logs a marker."""

    kind = "media"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        del args, kwargs
        unsupported(f"wandb.{type(self).__name__}", result_needed=False)

    def log_to(self, run: RunContext, key: str, step: int) -> ObjectResult:
        """A marker saying which W&B media type was logged here (what ``run.log`` calls)."""
        return "unsupported", {"type": f"wandb.{type(self).__name__}"}


class Video(Unsupported):
    """Not stored by heron (warns once; logging it records a marker)."""


class Audio(Unsupported):
    """Not stored by heron (warns once; logging it records a marker)."""


class Html(Unsupported):
    """Not stored by heron (warns once; logging it records a marker)."""


class Object3D(Unsupported):
    """Not stored by heron (warns once; logging it records a marker)."""


class Molecule(Unsupported):
    """Not stored by heron (warns once; logging it records a marker)."""


class Graph(Unsupported):
    """Not stored by heron (warns once; logging it records a marker)."""
