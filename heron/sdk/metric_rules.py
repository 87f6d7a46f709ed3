"""What a run remembers of a metric besides its history: ``run.define_metric``.

A definition names a metric (or a glob such as ``val/*``), the metric its charts use as x-axis
(``step_metric``), whether it is hidden, and which aggregates the run's summary keeps for it:
``summary="max"`` keeps ``{"max": ...}`` instead of the last value, ``"min,last"`` keeps both,
``"none"`` keeps nothing. W&B scripts rely on exactly these summary shapes.
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from heron.errors import UsageError

AGGREGATES = ("min", "max", "mean", "first", "last", "copy", "none")


@dataclass
class MetricDefinition:
    """One ``define_metric`` call, as stored with the run."""

    name: str
    step_metric: str | None = None
    summary: tuple[str, ...] = ()
    hidden: bool = False

    def to_json(self) -> dict[str, Any]:
        """The stored form."""
        return {
            "name": self.name,
            "step_metric": self.step_metric,
            "summary": list(self.summary),
            "hidden": self.hidden,
        }


def parse_summary(summary: str | None) -> tuple[str, ...]:
    """``"min,max"`` as ``("min", "max")``; unknown aggregates fail naming the known ones."""
    if summary is None:
        return ()
    if not isinstance(summary, str):
        raise UsageError(f"summary must be a string such as 'max' or 'min,last', got {summary!r}")
    parts = tuple(part.strip() for part in summary.split(",") if part.strip())
    unknown = [part for part in parts if part not in AGGREGATES]
    if unknown:
        raise UsageError(
            f"summary {summary!r}: unknown aggregate(s) {unknown}; known: {AGGREGATES}"
        )
    return parts


@dataclass
class MetricRules:
    """The definitions of one run, applied to its summary as values are logged."""

    definitions: dict[str, MetricDefinition] = field(default_factory=dict)
    _counts: dict[str, tuple[int, float]] = field(default_factory=dict)

    def define(self, definition: MetricDefinition) -> None:
        """Add or replace the definition of ``definition.name``."""
        self.definitions[definition.name] = definition

    def aggregates_for(self, key: str) -> tuple[str, ...]:
        """The summary aggregates of ``key``: its own definition first, else a matching glob."""
        found = self.definitions.get(key)
        if found is None:
            for pattern, definition in self.definitions.items():
                if "*" in pattern and fnmatch.fnmatchcase(key, pattern):
                    found = definition
                    break
        return found.summary if found is not None else ()

    def observe(
        self, summary: dict[str, Any], explicit: set[str], values: Mapping[str, Any]
    ) -> None:
        """Fold logged ``values`` into ``summary`` (keys set explicitly are left alone)."""
        for key, value in values.items():
            if key in explicit:
                continue
            aggregates = self.aggregates_for(key)
            if not aggregates or aggregates == ("copy",) or aggregates == ("last",):
                summary[key] = value
                continue
            if "none" in aggregates:
                summary.pop(key, None)
                continue
            previous = summary.get(key)
            kept: dict[str, Any] = dict(previous) if isinstance(previous, dict) else {}
            number = value if isinstance(value, int | float) and not math.isnan(value) else None
            for aggregate in aggregates:
                if aggregate in ("last", "copy"):
                    kept["last"] = value
                elif aggregate == "first":
                    kept.setdefault("first", value)
                elif number is None:
                    continue
                elif aggregate == "min":
                    kept["min"] = min(kept.get("min", number), number)
                elif aggregate == "max":
                    kept["max"] = max(kept.get("max", number), number)
                elif aggregate == "mean":
                    count, total = self._counts.get(key, (0, 0.0))
                    self._counts[key] = (count + 1, total + number)
                    kept["mean"] = (total + number) / (count + 1)
            summary[key] = kept
