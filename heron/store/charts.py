"""The chart description stored with a logged table: its kind, which column plays which role,
and its title and axis labels.

A chart is a table plus this description. The table is stored like any logged table (so the
table explorer queries it); the description rides in the run's object payload next to the
table id, under ``"chart"``. The SDK checks a description with :func:`check_chart` before
logging, the server serves it, and the UI draws it as a panel.

::

    {"kind": "line", "fields": {"x": "recall", "y": "precision", "series": "class"},
     "title": "Precision-Recall Curve", "x_label": "Recall", "y_label": "Precision"}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, get_args

from heron.errors import UsageError

ChartKind = Literal["line", "scatter", "bar", "histogram", "confusion_matrix"]
CHART_KINDS: tuple[ChartKind, ...] = get_args(ChartKind)

ChartRole = Literal["x", "y", "series", "label", "value", "actual", "predicted", "count"]

# Per kind: the roles a chart must fill, and those it may.
REQUIRED_ROLES: dict[ChartKind, tuple[ChartRole, ...]] = {
    "line": ("x", "y"),
    "scatter": ("x", "y"),
    "bar": ("label", "value"),
    "histogram": ("value",),
    "confusion_matrix": ("actual", "predicted", "count"),
}
OPTIONAL_ROLES: dict[ChartKind, tuple[ChartRole, ...]] = {
    "line": ("series",),
    "scatter": ("series",),
    "bar": (),
    "histogram": (),
    "confusion_matrix": (),
}
# Roles drawn on a numeric axis: their columns must hold numbers.
NUMERIC_ROLES: frozenset[str] = frozenset({"x", "y", "value", "count"})
NUMERIC_TYPES: frozenset[str] = frozenset({"int", "float", "bool", "null"})
# Columns no role can draw: a chart reads single values, not images, lists or documents.
UNDRAWABLE_TYPES: frozenset[str] = frozenset({"image", "list", "json"})


def check_chart(
    kind: str,
    fields: Mapping[str, str | None],
    column_types: Mapping[str, str],
    *,
    title: str | None = None,
    x_label: str | None = None,
    y_label: str | None = None,
) -> dict[str, Any]:
    """The stored description of a chart over a table with ``column_types``.

    Raises :class:`~heron.errors.UsageError` naming the role and column when a required role
    is missing, a column is not in the table, or a numeric role's column holds no numbers.
    Roles mapped to ``None`` are left out (an optional role not used).
    """
    if kind not in CHART_KINDS:
        raise UsageError(f"chart kind must be one of {list(CHART_KINDS)}, got {kind!r}")
    chart_kind: ChartKind = kind
    allowed = REQUIRED_ROLES[chart_kind] + OPTIONAL_ROLES[chart_kind]
    chosen: dict[str, str] = {}
    for role, column in fields.items():
        if column is None:
            continue
        if role not in allowed:
            raise UsageError(f"a {kind} chart has no role {role!r}; its roles: {list(allowed)}")
        if not isinstance(column, str):
            raise UsageError(f"chart role {role!r} must name a column, got {column!r}")
        if column not in column_types:
            raise UsageError(
                f"chart role {role!r} names column {column!r}, which the table lacks; "
                f"its columns: {list(column_types)}"
            )
        if column_types[column].split("<")[0] in UNDRAWABLE_TYPES:  # list<float> is a list
            raise UsageError(
                f"chart role {role!r} names column {column!r}, which holds "
                f"{column_types[column]} values; a chart draws numbers and labels"
            )
        if role in NUMERIC_ROLES and column_types[column] not in NUMERIC_TYPES:
            raise UsageError(
                f"chart role {role!r} needs a numeric column, but {column!r} holds "
                f"{column_types[column]} values"
            )
        chosen[role] = column
    missing = [role for role in REQUIRED_ROLES[chart_kind] if role not in chosen]
    if missing:
        raise UsageError(f"a {kind} chart needs a column for {missing}")
    for name, text in (("title", title), ("x_label", x_label), ("y_label", y_label)):
        if text is not None and not isinstance(text, str):
            raise UsageError(f"chart {name} must be a string, got {type(text).__name__}")
    return {
        "kind": chart_kind,
        "fields": chosen,
        "title": title or "",
        "x_label": x_label,
        "y_label": y_label,
    }
