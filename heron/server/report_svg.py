"""Drawings of the static report export, sized as the live page draws them: a grouped cell's
histogram and value bars, and a lineage graph laid out left to right.

Everything here returns markup built from escaped values only; sizes follow the explorer's
grouped cells (ui/src/explorer/summaries.tsx) and the lineage view (ui/src/lineage/), so an
exported report reads like the page it came from.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from heron.server.artifact_models import LineageGraph, LineageNode

# The explorer's grouped rows by row height, and its default grouped column widths: a cell draws
# inside them less its padding (16 px across, 10 px down) and, for a histogram, its 18 px foot.
GROUP_HEIGHTS = {"s": 64, "m": 104, "l": 150, "xl": 224}
NUMBER_COLUMN_WIDTH = 210
TEXT_COLUMN_WIDTH = 230
IMAGE_COLUMN_WIDTH = 342
CELL_PADDING_X = 16
CELL_PADDING_Y = 10
HISTOGRAM_FOOT = 18

# The lineage view's node box and spacing (dagre's ranksep and nodesep there).
NODE_WIDTH = 210
NODE_HEIGHT = 62
RANK_GAP = 70
NODE_GAP = 18
MARGIN = 12
# What fits a node beside its icon: bold 12.5 px labels, 11.5 px subtitles.
LABEL_CHARS = 23
SUBTITLE_CHARS = 27
RUN_COLOR = "#6366f1"
ARTIFACT_COLOR = "#16a34a"
MISSING_COLOR = "#dc2626"


def _e(value: Any) -> str:
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
                    f' height="{bar:.1f}" fill="{_e(colors[run % len(colors)])}" opacity="0.9">'
                    f"<title>{_e(fmt(lo))} – {_e(fmt(hi))}: {count}</title></rect>"
                )
    axis = f'<line x1="0" x2="{width}" y1="{height - 0.5}" y2="{height - 0.5}" class="hist-axis"/>'
    svg = (
        f'<svg class="hist-plot" width="{width}" height="{height}" viewBox="0 0 {width} {height}"'
        f' role="img" aria-label="histogram of {_e(column)}">{axis}{"".join(rects)}</svg>'
    )
    mean = " · ".join("–" if m is None else fmt(m) for m in means)
    low = fmt(edges[0]) if edges else ""
    high = fmt(edges[-1]) if edges else ""
    foot = (
        f'<div class="hist-foot" style="width:{width}px"><span>{_e(low)}</span>'
        f'<span title="mean">μ {_e(mean)}</span><span>{_e(high)}</span></div>'
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
            f'background:{_e(colors[run % len(colors)])}"></span><em>{found.get(value, 0)}</em></span>'
            for run, found in enumerate(counts)
        )
        lines.append(
            f'<div class="value-row"><span class="value-label" style="width:{label_width}px"'
            f' title="{_e(value)}">{_e(value)}</span><span class="value-bars">{bars}</span></div>'
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


def _ranks(graph: LineageGraph) -> dict[str, int]:
    """Each node's column: the longest path to it from a node with no inputs (edges point from
    producer to consumer), so data flows left to right as in the live view."""
    ids = [node.id for node in graph.nodes]
    rank = dict.fromkeys(ids, 0)
    edges = [(e.source, e.target) for e in graph.edges if e.source in rank and e.target in rank]
    # At most one pass per node settles a graph without cycles; a cycle stops growing there.
    for _ in range(len(ids)):
        changed = False
        for source, target in edges:
            if rank[target] < rank[source] + 1 and rank[source] + 1 < len(ids):
                rank[target] = rank[source] + 1
                changed = True
        if not changed:
            break
    return rank


def _columns(graph: LineageGraph, rank: dict[str, int]) -> list[list[LineageNode]]:
    """Nodes per column, ordered so that edges cross little: each node sits near the mean
    position of its neighbours (barycentre sweeps: down, up, down again)."""
    columns: list[list[LineageNode]] = [[] for _ in range(max(rank.values(), default=0) + 1)]
    for node in graph.nodes:
        columns[rank[node.id]].append(node)
    inputs: dict[str, list[str]] = {}
    outputs: dict[str, list[str]] = {}
    for edge in graph.edges:
        inputs.setdefault(edge.target, []).append(edge.source)
        outputs.setdefault(edge.source, []).append(edge.target)
    down = (inputs, range(1, len(columns)))
    sweeps = (down, (outputs, range(len(columns) - 2, -1, -1)), down)
    for links, order in sweeps:
        for c in order:
            position = {n.id: i for column in columns for i, n in enumerate(column)}
            centre = {}
            for node in columns[c]:
                near = [position[n] for n in links.get(node.id, []) if n in position]
                centre[node.id] = sum(near) / len(near) if near else position[node.id]
            columns[c].sort(key=lambda node: centre[node.id])
    return columns


def _short(label: str, limit: int = LABEL_CHARS) -> str:
    """A label that fits a node: long ones lose their middle, keeping both distinguishing ends."""
    if len(label) <= limit:
        return label
    keep = limit - 1
    return label[: keep - keep // 2] + "…" + label[-(keep // 2) :]


def _subtitle(node: LineageNode) -> str:
    if node.status == "missing":
        return "run deleted" if node.kind == "run" else "artifact deleted"
    if node.status == "incomplete":
        return "files missing"
    if node.kind == "run":
        return f"{node.job_type or 'run'} · {node.state or ''}"
    aliases = f" · {', '.join(node.aliases)}" if node.aliases else ""
    return f"{node.type or 'artifact'}{aliases}"


def lineage_svg(graph: LineageGraph) -> str:
    """The graph as one SVG: a box per run and artifact version (runs indigo, versions green,
    missing ones red and dashed), arrows from producer to consumer, full names on hover."""
    rank = _ranks(graph)
    columns = _columns(graph, rank)
    tallest = max((len(column) for column in columns), default=0)
    width = len(columns) * (NODE_WIDTH + RANK_GAP) - RANK_GAP + 2 * MARGIN
    height = tallest * (NODE_HEIGHT + NODE_GAP) - NODE_GAP + 2 * MARGIN
    place: dict[str, tuple[float, float]] = {}
    for c, column in enumerate(columns):
        # Each column is centred vertically, as dagre centres a rank.
        top = (
            MARGIN + (height - 2 * MARGIN - (len(column) * (NODE_HEIGHT + NODE_GAP) - NODE_GAP)) / 2
        )
        for i, node in enumerate(column):
            place[node.id] = (
                MARGIN + c * (NODE_WIDTH + RANK_GAP),
                top + i * (NODE_HEIGHT + NODE_GAP),
            )
    labels = {node.id: node.label for node in graph.nodes}
    paths = []
    for edge in graph.edges:
        if edge.source not in place or edge.target not in place:
            continue
        x0, y0 = place[edge.source]
        x1, y1 = place[edge.target]
        x0, y0, x1, y1 = x0 + NODE_WIDTH, y0 + NODE_HEIGHT / 2, x1, y1 + NODE_HEIGHT / 2
        bend = (x1 - x0) / 2
        paths.append(
            f'<path class="edge {edge.kind}" d="M{x0:.1f},{y0:.1f} C{x0 + bend:.1f},{y0:.1f} '
            f'{x1 - bend:.1f},{y1:.1f} {x1 - 2:.1f},{y1:.1f}" marker-end="url(#arrow)">'
            f"<title>{_e(labels[edge.source])} → {_e(labels[edge.target])}</title></path>"
        )
    nodes = []
    start = set(graph.start)
    for node in graph.nodes:
        x, y = place[node.id]
        color = (
            MISSING_COLOR
            if node.status == "missing"
            else RUN_COLOR
            if node.kind == "run"
            else ARTIFACT_COLOR
        )
        dashed = ' stroke-dasharray="4 3"' if node.status == "missing" else ""
        icon = "▶" if node.kind == "run" else "◆"
        strong = ' stroke-width="2"' if node.id in start else ""
        nodes.append(
            f'<g class="node {node.kind} status-{node.status}{" start" if node.id in start else ""}"'
            f' data-node-label="{_e(node.label)}" transform="translate({x:.1f},{y:.1f})">'
            f"<title>{_e(node.label)}</title>"
            f'<rect width="{NODE_WIDTH}" height="{NODE_HEIGHT}" rx="10" fill="#fff" stroke="#cbd2dc"'
            f"{dashed}{strong}/>"
            f'<rect width="4" height="{NODE_HEIGHT}" rx="2" fill="{color}"/>'
            f'<text x="16" y="27" class="icon" fill="{color}">{icon}</text>'
            f'<text x="34" y="27" class="label">{_e(_short(node.label))}</text>'
            f'<text x="34" y="46" class="sub">{_e(_short(_subtitle(node), SUBTITLE_CHARS))}</text></g>'
        )
    return (
        f'<svg class="lineage-graph" width="{width}" height="{height}" viewBox="0 0 {width} {height}"'
        f' role="img" aria-label="lineage graph">'
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8"'
        ' markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#94a3b8"/>'
        f"</marker></defs>{''.join(paths)}{''.join(nodes)}</svg>"
    )
