"""What W&B keeps about a run in ``config._wandb``: its ``wandb.plot`` charts and the class
labels of logged images' boxes and masks, read into plain data and turned into heron's charts."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from heron.errors import HeronError
from heron.sdk.charts import Chart
from heron.wandb.errors import UnsupportedWarning
from heron.wandb.plot import plot_table


@dataclass
class ChartSpec:
    """A ``wandb.plot`` chart as W&B records it in ``config._wandb.visualize``."""

    key: str  # the key the script logged the chart under
    preset: str  # W&B's chart name, e.g. wandb/line/v0
    fields: dict[str, str]
    strings: dict[str, str]


def logged_charts(marker: Any) -> dict[str, ChartSpec]:
    """The charts of a run by the key their table was logged under."""
    charts: dict[str, ChartSpec] = {}
    visualize = marker.get("visualize") if isinstance(marker, Mapping) else None
    if not isinstance(visualize, Mapping):
        return charts
    for key, entry in visualize.items():
        config = entry.get("panel_config") if isinstance(entry, Mapping) else None
        if not isinstance(config, Mapping) or not isinstance(config.get("panelDefId"), str):
            continue
        fields = config.get("fieldSettings")
        strings = config.get("stringSettings")
        table_key = _chart_table_key(config.get("userQuery")) or f"{key}_table"
        charts[table_key] = ChartSpec(
            key=str(key),
            preset=config["panelDefId"],
            fields={
                str(k): str(v)
                for k, v in (fields.items() if isinstance(fields, Mapping) else [])
                if isinstance(v, str)
            },
            strings={
                str(k): str(v)
                for k, v in (strings.items() if isinstance(strings, Mapping) else [])
                if isinstance(v, str)
            },
        )
    return charts


def _chart_table_key(query: Any) -> str | None:
    """The ``tableKey`` argument somewhere in a chart's user query."""
    if isinstance(query, Mapping):
        if query.get("name") == "tableKey" and isinstance(query.get("value"), str):
            return str(query["value"])
        children: Iterable[Any] = query.values()
    elif isinstance(query, list):
        children = query
    else:
        return None
    for child in children:
        found = _chart_table_key(child)
        if found is not None:
            return found
    return None


def chart(spec: ChartSpec, table: Any, notes: list[str], where: str) -> tuple[str, Any]:
    """The chart heron draws for a W&B preset (logged under the script's key), or the table
    alone, with a note, for a chart heron cannot draw."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnsupportedWarning)  # reported below instead
        try:
            drawn = plot_table(spec.preset, table, spec.fields, spec.strings)
        except HeronError as error:
            notes.append(f"{where}: chart {spec.preset!r} left out: {error.message}")
            return spec.key, table
    if not isinstance(drawn, Chart):
        notes.append(
            f"{where}: custom chart {spec.preset!r} is not drawn by heron; its table is kept"
        )
    return spec.key, drawn


def logged_class_labels(marker: Any) -> dict[str, dict[str, str]]:
    """Class labels of logged images' masks and boxes, kept by W&B in ``config._wandb``."""
    labels: dict[str, dict[str, str]] = {}
    if not isinstance(marker, Mapping):
        return labels
    for group in ("mask/class_labels", "bounding_box/class_labels"):
        entries = marker.get(group)
        if not isinstance(entries, Mapping):
            continue
        for name, entry in entries.items():
            value = entry.get("value") if isinstance(entry, Mapping) else None
            if isinstance(value, Mapping):
                key = str(name).split("_wandb_delimeter_", 1)[0]
                labels.setdefault(key, {}).update({str(k): str(v) for k, v in value.items()})
    return labels
