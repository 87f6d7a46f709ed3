"""Make stored values JSON-safe: strict JSON has no NaN or infinity, which a summary may hold."""

from __future__ import annotations

import math
from typing import Any


def json_safe(value: Any) -> Any:
    """``value`` with NaN and ±infinity replaced by the strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"``."""
    if isinstance(value, float) and not math.isfinite(value):
        if math.isnan(value):
            return "NaN"
        return "Infinity" if value > 0 else "-Infinity"
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def finite_or_none(value: float | None) -> float | None:
    """A float for a chart: non-finite values become None (a gap), since JSON cannot carry them."""
    if value is None or not math.isfinite(value):
        return None
    return value


def flatten_config(config: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested config dicts flattened to dotted keys, for one column per leaf in the runs table."""
    flat: dict[str, Any] = {}
    for key, value in config.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(flatten_config(value, f"{full}."))
        else:
            flat[full] = json_safe(value)
    return flat
