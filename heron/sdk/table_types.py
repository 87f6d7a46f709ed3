"""Column types of heron tables: what a Python value is, and whether a column accepts it.

Values are normalised on the way in (numpy/torch scalars become Python numbers, 1-D arrays
become lists, tuples become lists) so that building Arrow arrays later is one vectorised call
per column. A column's type is declared (``dtypes=``) or inferred from its first non-null
value; after that every value must fit, with two widenings that lose nothing users care about:
an inferred ``int`` column that meets a float becomes ``float``, and a ``list<int>`` becomes
``list<float>``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from heron.errors import TableError
from heron.sdk.media import Image
from heron.sdk.table_arrow import plain_array
from heron.sdk.values import text_problem, to_storable
from heron.store.jsonvalues import dumps
from heron.store.table_format import COLUMN_TYPES, ColumnType, ListElement

if TYPE_CHECKING:
    import pyarrow as pa

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1

# Python types users pass in dtypes= for a column, as heron types.
_PYTHON_TYPE_NAMES: dict[Any, ColumnType] = {
    str: "string",
    int: "int",
    float: "float",
    bool: "bool",
    _dt.datetime: "datetime",
    list: "list",
    dict: "json",
    object: "any",
}


@dataclass
class ColumnSpec:
    """A column's name and type; ``element`` is the item type of a ``list`` column."""

    name: str
    type: ColumnType = "null"
    element: ListElement | None = None
    declared: bool = False

    def describe(self) -> str:
        """The type as users read it in errors: ``float``, ``list<int>``..."""
        return describe(self.type, self.element)

    def to_json(self) -> dict[str, Any]:
        """The column as stored in the ``tables`` row (``element`` only for lists)."""
        out: dict[str, Any] = {"name": self.name, "type": self.type}
        if self.type == "list" and self.element is not None:
            out["element"] = self.element
        return out


def describe(kind: str, element: str | None) -> str:
    """``list<float>`` for lists with a known element type, else the type name."""
    return f"list<{element}>" if kind == "list" and element else kind


def parse_dtype(name: str, dtype: Any) -> ColumnSpec:
    """A column spec from a ``dtypes=`` entry: a heron type name, a Python type or heron.Image."""
    if dtype is Image:
        return ColumnSpec(name, "image", declared=True)
    if isinstance(dtype, str):
        kind, _, rest = dtype.partition("<")
        if kind in COLUMN_TYPES:
            element = rest.rstrip(">") or None
            if element is not None and (
                kind != "list" or element not in ("string", "int", "float", "bool")
            ):
                raise TableError(f"column {name!r}: unknown dtype {dtype!r}")
            return ColumnSpec(name, kind, element, declared=True)  # type: ignore[arg-type]
    elif dtype in _PYTHON_TYPE_NAMES:
        return ColumnSpec(name, _PYTHON_TYPE_NAMES[dtype], declared=True)
    allowed = ", ".join(COLUMN_TYPES)
    raise TableError(
        f"column {name!r}: unknown dtype {dtype!r}; use one of {allowed}, list<float>…"
    )


class _Mismatch(Exception):
    """A value that is valid on its own but not of its column's type."""


def normalize(value: Any) -> tuple[Any, ColumnType, ListElement | None]:
    """``value`` in stored form, with its heron type (and list element type).

    Raises TypeError (message without row/column: the caller adds them) for values no column
    can hold.
    """
    kind = type(value)
    if value is None:
        return None, "null", None
    if kind is str:
        return value, "string", None
    if kind is bool:
        return value, "bool", None
    if kind is float:
        return value, "float", None
    if kind is int:
        if not _INT64_MIN <= value <= _INT64_MAX:
            raise TypeError(f"the int {value} does not fit in 64 bits")
        return value, "int", None

    if isinstance(value, Image):
        return value, "image", None
    if isinstance(value, bool):
        return bool(value), "bool", None
    if isinstance(value, int):
        return normalize(int(value))
    if isinstance(value, float):
        return float(value), "float", None
    if isinstance(value, str):
        return str(value), "string", None
    if isinstance(value, _dt.datetime):
        if type(value).__name__ == "NaTType":
            return None, "null", None
        return value, "datetime", None
    if isinstance(value, _dt.date):  # a calendar date is stored as its midnight, UTC
        return _dt.datetime(value.year, value.month, value.day, tzinfo=_dt.UTC), "datetime", None
    if isinstance(value, Mapping):
        return _json_value(value), "json", None
    if isinstance(value, list | tuple):
        return _list_value(list(value))
    module = type(value).__module__.split(".")[0]
    if module in ("numpy", "torch"):
        return _normalize_array_like(value)
    if module == "PIL":
        raise TypeError("a PIL image must be wrapped: heron.Image(img)")
    raise TypeError(f"a value of type {type(value).__name__} cannot be stored in a table")


def _normalize_array_like(value: Any) -> tuple[Any, ColumnType, ListElement | None]:
    shape = tuple(getattr(value, "shape", ()))
    if type(value).__name__ == "datetime64":
        import numpy as np

        if np.isnat(value):
            return None, "null", None
        return value.astype("datetime64[us]").item().replace(tzinfo=_dt.UTC), "datetime", None
    if len(shape) == 0:
        return normalize(value.item())
    if len(shape) == 1:
        return _list_value(value.tolist())
    raise TypeError(
        f"an array of shape {shape} is not a cell value: wrap an image in heron.Image(...), "
        "or pass .tolist() to store it as JSON"
    )


_ELEMENT_KINDS: dict[type, ListElement] = {str: "string", int: "int", float: "float", bool: "bool"}


def _list_value(items: list[Any]) -> tuple[Any, ColumnType, ListElement | None]:
    kinds = set(map(type, items))
    if kinds <= {float} or kinds <= {int} or kinds <= {str} or kinds <= {bool}:
        element = _ELEMENT_KINDS[next(iter(kinds))] if kinds else None
        if element == "int" and not all(_INT64_MIN <= i <= _INT64_MAX for i in items):
            raise TypeError("a list holds an int that does not fit in 64 bits")
        return items, "list", element
    if (
        kinds <= {int, float, type(None)}
        or kinds <= {str, type(None)}
        or kinds <= {bool, type(None)}
    ):
        scalar = kinds - {type(None)}
        if not scalar:
            return items, "list", None
        element = "float" if float in scalar else _ELEMENT_KINDS[next(iter(scalar))]
        return items, "list", element
    # Nested or mixed lists are JSON documents.
    return _json_value(items), "json", None


def _json_value(value: Any) -> Any:
    try:
        return to_storable(value, "value")
    except Exception as error:  # ConfigError: rephrased by the caller with row and column
        raise TypeError(f"not JSON-storable: {getattr(error, 'message', error)}") from None


def merge(
    spec: ColumnSpec, kind: ColumnType, element: ListElement | None
) -> tuple[ColumnType, ListElement | None]:
    """The column type after accepting a value of ``kind``; raises _Mismatch if it does not fit."""
    current = spec.type
    if kind == "null" or current == "any":
        return current, spec.element
    if current == "null" and not spec.declared:
        return kind, element
    if kind == current:
        if kind != "list" or element is None or element == spec.element:
            return current, spec.element
        if spec.element is None:
            return current, element
        if {element, spec.element} == {"int", "float"}:
            if spec.declared and spec.element == "int":
                raise _Mismatch
            return current, "float"
        raise _Mismatch
    if current == "float" and kind == "int":
        return current, None
    if current == "int" and kind == "float" and not spec.declared:
        return "float", None
    if current == "json" and kind == "list":
        return current, None
    raise _Mismatch


def check_value(
    spec: ColumnSpec, value: Any, row: int
) -> tuple[Any, ColumnType, ListElement | None]:
    """The stored form of ``value`` for column ``spec`` at ``row`` and the column's new type.

    Raises TableError naming the row, the column, the expected and the actual type.
    """
    try:
        stored, kind, element = normalize(value)
    except TypeError as error:
        raise TableError(f"row {row}, column {spec.name!r}: {error}") from None
    if spec.type == "any":
        if kind == "image":
            raise TableError(
                f"row {row}, column {spec.name!r}: images need an image column, not 'any'"
            )
        if kind == "datetime":
            stored = stored.isoformat()
        return stored, "any", None
    if spec.type == "json" and kind == "list":
        return stored, "json", None
    try:
        new_type, new_element = merge(spec, kind, element)
    except _Mismatch:
        raise TableError(
            f"row {row}, column {spec.name!r}: expected {spec.describe()}, got {describe(kind, element)} "
            f"({_short(value)})"
        ) from None
    return stored, new_type, new_element


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# -- Arrow --------------------------------------------------------------------------------------


def to_arrow_array(spec: ColumnSpec, values: list[Any], first_row: int = 0) -> pa.Array:
    """A column's normalised Python values as an Arrow array of its stored type.

    Image columns are built by the store (they need the images' digests). ``first_row`` is the
    table row of ``values[0]``, for error messages.
    """
    import pyarrow as pa

    from heron.store.tables import arrow_type

    if spec.type in ("json", "any"):
        return pa.array([None if v is None else dumps(v) for v in values], pa.string())
    if spec.type == "null":
        return pa.nulls(len(values))
    packed = plain_array(spec.type, values)
    if packed is not None:
        return packed
    try:
        return pa.array(values, arrow_type(spec.type, spec.element), from_pandas=False)
    except UnicodeEncodeError:
        raise TableError(_bad_text(spec, values, first_row)) from None
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as error:
        raise TableError(
            f"column {spec.name!r}: cannot store as {spec.describe()}: {error}"
        ) from None


def _bad_text(spec: ColumnSpec, values: list[Any], first_row: int) -> str:
    """Which row of a string (or list of strings) column holds text that is not valid UTF-8.

    Found only when Arrow refuses the column, so the rows that log fine pay nothing for it.
    """
    for row, value in enumerate(values):
        for text in value if isinstance(value, list) else [value]:
            problem = text_problem(text) if isinstance(text, str) else None
            if problem is not None:
                return f"row {first_row + row}, column {spec.name!r}: the string {_short(text)} {problem}"
    return f"column {spec.name!r} holds text that is not valid UTF-8"
