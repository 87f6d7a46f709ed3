"""The MongoDB-style run filters of ``wandb.Api().runs(path, filters=..., order=...)``.

A filter is data, evaluated here against a run's fields (never ``eval``). Supported: a field
name (``state``, ``tags``, ``displayName``, ``group``, ``jobType``, ``createdAt``, ``host``,
``name`` (the run id), ``config.<key>[.value]``, ``summary_metrics.<key>``) with a value
(equality; for ``tags``, containment) or an operator dict (``$eq``, ``$ne``, ``$gt``,
``$gte``, ``$lt``, ``$lte``, ``$in``, ``$nin``, ``$exists``, ``$regex``), and ``$and``,
``$or``, ``$nor``, ``$not``. Anything else raises :class:`UnsupportedError` naming it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from heron.errors import UsageError
from heron.wandb.errors import UnsupportedError

_MISSING = object()


def field_value(document: Mapping[str, Any], field: str) -> Any:
    """The value a filter's field names in a run document (``_MISSING`` if absent)."""
    if field in document:
        return document[field]
    head, _, rest = field.partition(".")
    if head in ("config", "summary_metrics", "summary") and rest:
        value: Any = document.get(head, {})
        for part in rest.split("."):
            if isinstance(value, Mapping) and part in value:
                value = value[part]
            elif part == "value" and head == "config":
                continue  # W&B stores config entries as {"value": ...}
            else:
                return _MISSING
        return value
    return _MISSING


def matches(document: Mapping[str, Any], query: Mapping[str, Any]) -> bool:
    """Whether the run document satisfies every clause of ``query``."""
    if not isinstance(query, Mapping):
        raise UsageError(f"run filters must be a dict, got {type(query).__name__}")
    for key, condition in query.items():
        if key == "$and":
            if not all(matches(document, part) for part in _clauses(key, condition)):
                return False
        elif key == "$or":
            if not any(matches(document, part) for part in _clauses(key, condition)):
                return False
        elif key == "$nor":
            if any(matches(document, part) for part in _clauses(key, condition)):
                return False
        elif key.startswith("$"):
            raise UnsupportedError(f"heron.wandb does not support the run filter operator {key}")
        elif not _test(field_value(document, key), condition, key):
            return False
    return True


def _clauses(key: str, condition: Any) -> Sequence[Mapping[str, Any]]:
    if not isinstance(condition, list | tuple):
        raise UsageError(f"{key} takes a list of filters, got {type(condition).__name__}")
    return condition


def _test(value: Any, condition: Any, field: str) -> bool:
    if isinstance(condition, Mapping) and any(str(k).startswith("$") for k in condition):
        return all(
            _operator(value, operator, operand, field) for operator, operand in condition.items()
        )
    return _equals(value, condition)


def _equals(value: Any, expected: Any) -> bool:
    if value is _MISSING:
        return expected is None
    if isinstance(value, list) and not isinstance(expected, list):
        return expected in value  # {"tags": "x"}: the run has tag x
    return bool(_comparable(value) == _comparable(expected))


def _operator(value: Any, operator: str, operand: Any, field: str) -> bool:
    if operator == "$eq":
        return _equals(value, operand)
    if operator == "$ne":
        return not _equals(value, operand)
    if operator == "$exists":
        return (value is not _MISSING and value is not None) == bool(operand)
    if operator in ("$in", "$nin"):
        if not isinstance(operand, list | tuple | set):
            raise UsageError(f"{operator} on {field!r} takes a list, got {operand!r}")
        found = any(_equals(value, item) for item in operand)
        return found if operator == "$in" else not found
    if operator == "$regex":
        if value is _MISSING or value is None:
            return False
        candidates = value if isinstance(value, list) else [value]
        return any(re.search(str(operand), str(item)) for item in candidates)
    if operator == "$not":
        return not _test(value, operand, field)
    if operator in ("$gt", "$gte", "$lt", "$lte"):
        if value is _MISSING or value is None:
            return False
        left, right = _comparable(value), _comparable(operand)
        try:
            if operator == "$gt":
                return bool(left > right)
            if operator == "$gte":
                return bool(left >= right)
            if operator == "$lt":
                return bool(left < right)
            return bool(left <= right)
        except TypeError:
            return False
    raise UnsupportedError(
        f"heron.wandb does not support the run filter operator {operator} (on {field!r})"
    )


def _comparable(value: Any) -> Any:
    """ISO timestamps compare with the stored Unix times of ``createdAt``."""
    if isinstance(value, str) and len(value) >= 10 and value[4:5] == "-" and value[7:8] == "-":
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return value
    return value


def sort_key(document: Mapping[str, Any], field: str) -> tuple[int, Any]:
    """A key ordering runs by ``field``; runs without the field sort last, numbers before text."""
    value = field_value(document, field)
    if value is _MISSING or value is None:
        return (2, 0)
    value = _comparable(value)
    if isinstance(value, bool | int | float):
        return (0, float(value))
    return (1, str(value))
