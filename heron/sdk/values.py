"""Checking and normalising what users hand to ``config`` and ``log``.

numpy and torch scalars are recognised by duck typing (``.item()`` on a 0-d value) so that
``import heron`` never has to import either library.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from heron.errors import ConfigError, UsageError


def as_scalar(value: Any) -> float | None:
    """``value`` as a float if it is a number (bool, int, float, numpy/torch 0-d), else None."""
    if isinstance(value, float):
        return value
    if isinstance(value, int):  # bool included
        return float(value)
    item = getattr(value, "item", None)
    if item is not None and getattr(value, "shape", None) in ((), None) and callable(item):
        try:
            result = item()
        except (TypeError, ValueError, RuntimeError):
            return None
        if isinstance(result, int | float):
            return float(result)
    return None


def to_storable(value: Any, where: str) -> Any:
    """A JSON-compatible copy of a config value; raises ConfigError naming ``where`` if impossible."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value
    scalar = as_scalar(value)
    if scalar is not None:
        item = value.item()
        return item if isinstance(item, bool | int) else scalar
    if isinstance(value, Mapping):
        result: dict[str, Any] = {}
        for key, inner in value.items():
            if not isinstance(key, str):
                raise ConfigError(f"config key {key!r} under {where} must be a string")
            result[key] = to_storable(inner, f"{where}[{key!r}]")
        return result
    if isinstance(value, list | tuple):
        return [to_storable(inner, f"{where}[{i}]") for i, inner in enumerate(value)]
    tolist = getattr(value, "tolist", None)
    if callable(tolist) and type(value).__module__.split(".")[0] in {"numpy", "torch"}:
        return to_storable(tolist(), where)
    raise ConfigError(
        f"{where} cannot be stored: a value of type {type(value).__name__} is not a number, "
        "string, bool, None, list or dict"
    )


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dicts flattened to ``a/b`` keys; non-string keys are refused."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if not isinstance(key, str):
            raise UsageError(f"log keys must be strings, got {key!r} ({type(key).__name__})")
        if not key:
            raise UsageError("log keys must not be empty")
        full = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{full}/"))
        else:
            flat[full] = value
    return flat


def is_finite(value: float) -> bool:
    """Whether a float is neither NaN nor infinite."""
    return math.isfinite(value)
