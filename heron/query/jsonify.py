"""Turning Arrow query results into JSON-ready Python values, and heron's one JSON spelling of
NaN and the infinities (strict JSON has no such numbers)."""

from __future__ import annotations

import datetime as dt
import decimal
import math
from typing import Any

NAN_TEXT = "NaN"
INFINITY_TEXT = "Infinity"
NEGATIVE_INFINITY_TEXT = "-Infinity"


def non_finite_text(v: float) -> str:
    """The text heron's JSON carries for a NaN or infinite float: ``"NaN"``, ``"Infinity"`` or
    ``"-Infinity"`` (what JavaScript's ``Number()`` and Python's ``float()`` read back)."""
    if math.isnan(v):
        return NAN_TEXT
    return INFINITY_TEXT if v > 0 else NEGATIVE_INFINITY_TEXT


def json_value(v: Any) -> Any:
    """Make one cell JSON-safe: datetimes as ISO text, NaN and infinities as text
    (:func:`non_finite_text`).

    ``json.dumps(..., allow_nan=False)`` accepts every value this returns.
    """
    if v is None or isinstance(v, bool | int | str):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else non_finite_text(v)
    if isinstance(v, dict):
        return {str(k): json_value(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [json_value(x) for x in v]
    if isinstance(v, dt.datetime | dt.date | dt.time):
        return v.isoformat()
    if isinstance(v, decimal.Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    if isinstance(v, bytes):
        return v.hex()
    if isinstance(v, dt.timedelta):
        return v.total_seconds()
    return str(v)


def arrow_rows(table: Any, names: list[str]) -> list[dict[str, Any]]:
    """Rows of an Arrow table as dicts keyed by ``names`` (the user-visible column names)."""
    columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
    return [
        {name: json_value(col[r]) for name, col in zip(names, columns, strict=True)}
        for r in range(table.num_rows)
    ]
