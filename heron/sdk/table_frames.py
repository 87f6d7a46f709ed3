"""Columns of a pandas or polars DataFrame or a pyarrow Table, typed in one vectorised pass.

Columns Arrow can type (numbers, strings, bools, timestamps, lists of those) stay Arrow arrays;
anything else (objects such as heron.Image, dicts, mixed values) is checked value by value like
``add_data`` would.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from heron.errors import TableError
from heron.store.arrow_pack import dictionary_decoded

# ((heron type, list element), pyarrow Array or ChunkedArray: an Arrow table's column in the
# chunks it came in, since joining them would copy all of it)
Head = tuple[tuple[Any, Any], Any]


def columns_from_frame(frame: Any) -> Iterator[tuple[str, Head | None, list[Any]]]:
    """``(name, head, values)`` per column: ``head`` set for Arrow-typed columns, else ``values``."""
    import pyarrow as pa

    module = type(frame).__module__.split(".")[0]
    if module == "pandas":
        if not hasattr(frame, "columns"):
            raise TableError(f"dataframe= takes a DataFrame, got {type(frame).__name__}")
        for name in frame.columns:
            yield (str(name), *_pandas_column(str(name), frame[name]))
        return
    if module == "polars":
        frame = frame.to_arrow()
    if isinstance(frame, pa.RecordBatch):
        frame = pa.Table.from_batches([frame])
    if not isinstance(frame, pa.Table):
        raise TableError(
            f"dataframe= takes a pandas/polars DataFrame or a pyarrow Table, got {type(frame).__name__}"
        )
    for name, column in zip(frame.column_names, frame.columns, strict=True):
        # Kept in its chunks (pyarrow builds a 10,000,000-row text column from numpy in five):
        # joining them copied 0.66 s of a 10,000,000-row table's 2.7 s log.
        yield (name, *_arrow_column(name, column.chunk(0) if column.num_chunks == 1 else column))


def _pandas_column(name: str, series: Any) -> tuple[Head | None, list[Any]]:
    import pyarrow as pa

    if series.dtype.kind == "f":  # keep NaN as NaN (pandas would turn it into a null)
        array = pa.array(series.to_numpy(), from_pandas=False)
    else:
        # In object and string columns pandas marks a missing value with None or NaN.
        try:
            array = pa.array(series, from_pandas=True)
        except pa.ArrowException:  # any type Arrow cannot infer: check value by value
            return None, [None if _is_nan(value) else value for value in series.tolist()]
    return _arrow_column(name, array)


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and value != value


def _arrow_column(name: str, array: Any) -> tuple[Head | None, list[Any]]:
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = array.type
    if pa.types.is_dictionary(kind):
        array = dictionary_decoded(array)
        kind = array.type
    heron_type = _heron_type(kind)
    if heron_type is None:
        return None, array.to_pylist()
    if pa.types.is_uint64(kind) and len(array) and (pc.max(array).as_py() or 0) > 2**63 - 1:
        row = pc.index(pc.greater(array, pa.scalar(2**63 - 1, pa.uint64())), True).as_py()
        raise TableError(
            f"row {row}, column {name!r}: the int {array[row].as_py()} does not fit in 64 bits"
        )
    if heron_type[0] == "datetime":
        if kind.tz is None:  # naive timestamps are taken as UTC
            array = array.cast(pa.timestamp(kind.unit, tz="UTC"))
        array = array.cast(pa.timestamp("us", tz="UTC"), safe=False)
    elif pa.types.is_date(kind):
        array = array.cast(pa.timestamp("us", tz="UTC"))
    return (heron_type, array), []


def _heron_type(kind: Any) -> tuple[str, str | None] | None:
    import pyarrow as pa

    t = pa.types
    if t.is_null(kind):
        return "null", None
    if t.is_boolean(kind):
        return "bool", None
    if t.is_integer(kind):
        return "int", None
    if t.is_floating(kind):
        return "float", None
    if t.is_string(kind) or t.is_large_string(kind):
        return "string", None
    if t.is_timestamp(kind) or t.is_date(kind):
        return "datetime", None
    if t.is_list(kind) or t.is_large_list(kind) or t.is_fixed_size_list(kind):
        inner = _heron_type(kind.value_type)
        if inner is not None and inner[0] in ("bool", "int", "float", "string"):
            return "list", inner[0]
    return None
