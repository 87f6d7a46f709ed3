"""Grouped cells of the static report export, sized as the explorer draws them: a number
column's histogram (SVG) and a category's value bars.

Everything here returns markup built from escaped values only; sizes follow the explorer's
grouped cells (ui/src/explorer/summaries.tsx), so an exported report reads like the page it came
from.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

# The explorer's grouped rows by row height, and its default grouped column widths: a cell draws
# inside them less its padding (16 px across, 10 px down) and, for a histogram, its 18 px foot.
GROUP_HEIGHTS = {"s": 64, "m": 104, "l": 150, "xl": 224}
NUMBER_COLUMN_WIDTH = 210
TEXT_COLUMN_WIDTH = 230
IMAGE_COLUMN_WIDTH = 342
CELL_PADDING_X = 16
CELL_PADDING_Y = 10
HISTOGRAM_FOOT = 18


def escape(value: Any) -> str:
    """Any value as text safe inside an element or a quoted attribute of the export."""
    return html.escape(str(value), quote=True)


def fmt(value: Any) -> str:
    """A number as a grouped cell shows it (3 significant digits); anything else as text."""
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def cell_size(row_height: str, column_width: float | None, default_width: int) -> tuple[int, int]:
    """(width, height) a grouped cell draws in at this row height and column width."""
    height = GROUP_HEIGHTS.get(row_height, GROUP_HEIGHTS["m"])
    width = column_width if column_width is not None else default_width
    return int(width) - CELL_PADDING_X, height - CELL_PADDING_Y


def histogram_size(row_height: str, column_width: float | None) -> tuple[int, int]:
    """(width, plot height) of a histogram drawn in a grouped cell of this row height and width."""
    width, height = cell_size(row_height, column_width, NUMBER_COLUMN_WIDTH)
    return width, max(16, height - HISTOGRAM_FOOT)


def strip_image_size(row_height: str, runs: int) -> int:
    """The side of a thumbnail in a grouped image strip with one line per run."""
    _, height = cell_size(row_height, None, 0)
    return max(18, min(96, (height - 4) // max(runs, 1) - 4))


def histogram_svg(
    column: str,
    series: Sequence[Sequence[int]],
    colors: Sequence[str],
    edges: Sequence[float],
    means: Sequence[Any],
    *,
    width: int,
    height: int,
) -> str:
    """A histogram over shared bins, one series per run stacked (run 0 at the bottom), with the
    explorer's foot line: lowest edge, the mean of each run, highest edge."""
    bins = max((len(counts) for counts in series), default=0)
    peak = max(
        (sum(counts[b] if b < len(counts) else 0 for counts in series) for b in range(bins)),
        default=0,
    )
    rects = []
    if bins and peak > 0:
        slot = width / bins
        for b in range(bins):
            top = float(height)
            for run, counts in enumerate(series):
                count = counts[b] if b < len(counts) else 0
                if count <= 0:
                    continue
                # A non-zero count is never thinner than a pixel, as in the live cell.
                bar = max(1.0, count / peak * height)
                top -= bar
                lo = edges[b] if b < len(edges) else ""
                hi = edges[b + 1] if b + 1 < len(edges) else ""
                rects.append(
                    f'<rect x="{b * slot + 0.5:.1f}" y="{top:.1f}" width="{max(slot - 1, 0.5):.1f}"'
                    f' height="{bar:.1f}" fill="{escape(colors[run % len(colors)])}" opacity="0.9">'
                    f"<title>{escape(fmt(lo))} – {escape(fmt(hi))}: {count}</title></rect>"
                )
    axis = f'<line x1="0" x2="{width}" y1="{height - 0.5}" y2="{height - 0.5}" class="hist-axis"/>'
    svg = (
        f'<svg class="hist-plot" width="{width}" height="{height}" viewBox="0 0 {width} {height}"'
        f' role="img" aria-label="histogram of {escape(column)}">{axis}{"".join(rects)}</svg>'
    )
    mean = " · ".join("–" if m is None else fmt(m) for m in means)
    low = fmt(edges[0]) if edges else ""
    high = fmt(edges[-1]) if edges else ""
    foot = (
        f'<div class="hist-foot" style="width:{width}px"><span>{escape(low)}</span>'
        f'<span title="mean">μ {escape(mean)}</span><span>{escape(high)}</span></div>'
    )
    return f'<div class="hist" data-kind="histogram">{svg}{foot}</div>'


def values_html(per_run: Sequence[Any], colors: Sequence[str], *, width: int, height: int) -> str:
    """Every counted value of a categorical cell with a bar per run (lengths relative to the
    largest count shown), in a box that scrolls when the list is longer than the row."""
    order: list[Any] = []
    counts: list[dict[str, int]] = []
    for summary in per_run:
        found: dict[str, int] = {}
        for item in summary.get("values", []) if isinstance(summary, dict) else []:
            key = str(item["value"])
            if key not in found and key not in order:
                order.append(key)
            found[key] = int(item["count"])
        counts.append(found)
    top = max((c for found in counts for c in found.values()), default=0)
    label_width = min(110, max(54, int(width * 0.42)))
    bar_space = max(20, width - label_width - 34)
    lines = []
    for value in order:
        bars = "".join(
            f'<span class="value-bar"><span style="width:{_bar(found.get(value, 0), top, bar_space)}px;'
            f'background:{escape(colors[run % len(colors)])}"></span><em>{found.get(value, 0)}</em></span>'
            for run, found in enumerate(counts)
        )
        lines.append(
            f'<div class="value-row"><span class="value-label" style="width:{label_width}px"'
            f' title="{escape(value)}">{escape(value)}</span><span class="value-bars">{bars}</span></div>'
        )
    others = [s.get("other", 0) for s in per_run if isinstance(s, dict)]
    more = (
        f'<div class="value-more">other values: {" · ".join(str(o) for o in others)}</div>'
        if any(others)
        else ""
    )
    return (
        f'<div class="values" data-kind="values" style="width:{width}px;max-height:{height}px">'
        f"{''.join(lines)}{more}</div>"
    )


def _bar(count: int, top: int, space: int) -> int:
    return 0 if top <= 0 or count <= 0 else max(2, round(count / top * space))
