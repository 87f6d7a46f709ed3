"""The lineage graph of the static report export, drawn as one SVG the way the live view lays
it out (ui/src/lineage/): left to right from producer to consumer, a box per run and artifact
version, and large fan-outs folded into one counted box (ui/src/lineage/cluster.ts's rule).

A static file cannot expand a folded box: its tooltip names every member instead. Everything
drawn is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from heron.server.artifact_models import LineageGraph, LineageNode
from heron.server.report_svg import escape as _e

# The live view's node box and spacing (dagre's ranksep and nodesep there).
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
# As many runs of one job (or versions of one collection) with the same neighbours fold into one.
CLUSTER_MIN = 5


@dataclass(frozen=True)
class Box:
    """A node as drawn: a run, an artifact version or a fold of several."""

    id: str
    kind: str  # "run" or "artifact": the colour and icon
    status: str
    label: str
    subtitle: str
    title: str  # the hover text: the full name, or every member of a fold
    start: bool
    folded: bool = False


def _subtitle(node: LineageNode) -> str:
    if node.status == "missing":
        return "run deleted" if node.kind == "run" else "artifact deleted"
    if node.status == "incomplete":
        return "files missing"
    if node.kind == "run":
        return f"{node.job_type or 'run'} · {node.state or ''}"
    aliases = f" · {', '.join(node.aliases)}" if node.aliases else ""
    return f"{node.type or 'artifact'}{aliases}"


def _group(node: LineageNode) -> str:
    return (
        f"run:{node.job_type or ''}" if node.kind == "run" else f"artifact:{node.type}:{node.name}"
    )


def fold(graph: LineageGraph) -> tuple[list[Box], list[tuple[str, str, str]]]:
    """(boxes, edges as (source, target, kind)): nodes of one kind and group (runs of a job type,
    versions of a collection) with the same neighbours become one box when there are at least
    CLUSTER_MIN of them; start nodes never fold; edges move onto the fold, once each."""
    incoming: dict[str, list[str]] = {}
    outgoing: dict[str, list[str]] = {}
    for edge in graph.edges:
        incoming.setdefault(edge.target, []).append(edge.source)
        outgoing.setdefault(edge.source, []).append(edge.target)
    start = set(graph.start)
    groups: dict[str, list[LineageNode]] = {}
    for node in graph.nodes:
        if node.id in start:
            continue
        signature = "|".join(
            [
                _group(node),
                ",".join(sorted(incoming.get(node.id, []))),
                ",".join(sorted(outgoing.get(node.id, []))),
            ]
        )
        groups.setdefault(signature, []).append(node)
    owner: dict[str, str] = {}
    folds: list[Box] = []
    for signature, members in groups.items():
        if len(members) < CLUSTER_MIN:
            continue
        first = members[0]
        what = (
            f"{first.job_type or 'other'} runs"
            if first.kind == "run"
            else f"{first.name or first.type or 'artifact'} versions"
        )
        box_id = f"cluster:{signature}"
        names = ", ".join(member.label for member in members)
        folds.append(
            Box(box_id, first.kind, "ok", f"{len(members)} {what}", "folded", names, False, True)
        )
        for member in members:
            owner[member.id] = box_id
    boxes = [
        Box(n.id, n.kind, n.status, n.label, _subtitle(n), n.label, n.id in start)
        for n in graph.nodes
        if n.id not in owner
    ]
    edges: dict[tuple[str, str], str] = {}
    for edge in graph.edges:
        key = (owner.get(edge.source, edge.source), owner.get(edge.target, edge.target))
        edges.setdefault(key, edge.kind)
    return [*boxes, *folds], [(s, t, k) for (s, t), k in edges.items()]


def _ranks(ids: Sequence[str], edges: Sequence[tuple[str, str, str]]) -> dict[str, int]:
    """Each box's column: the longest path to it from a box with no inputs, so data flows left
    to right as in the live view."""
    rank = dict.fromkeys(ids, 0)
    links = [(s, t) for s, t, _ in edges if s in rank and t in rank]
    # At most one pass per box settles a graph without cycles; a cycle stops growing there.
    for _ in range(len(ids)):
        changed = False
        for source, target in links:
            if rank[target] < rank[source] + 1 < len(ids):
                rank[target] = rank[source] + 1
                changed = True
        if not changed:
            break
    return rank


def _columns(boxes: Sequence[Box], edges: Sequence[tuple[str, str, str]]) -> list[list[Box]]:
    """Boxes per column, ordered so that edges cross little: each sits near the mean position
    of its neighbours (barycentre sweeps: down, up, down again)."""
    rank = _ranks([box.id for box in boxes], edges)
    columns: list[list[Box]] = [[] for _ in range(max(rank.values(), default=0) + 1)]
    for box in boxes:
        columns[rank[box.id]].append(box)
    inputs: dict[str, list[str]] = {}
    outputs: dict[str, list[str]] = {}
    for source, target, _ in edges:
        inputs.setdefault(target, []).append(source)
        outputs.setdefault(source, []).append(target)
    down = (inputs, range(1, len(columns)))
    for links, order in (down, (outputs, range(len(columns) - 2, -1, -1)), down):
        for c in order:
            position = {b.id: i for column in columns for i, b in enumerate(column)}
            centre = {}
            for box in columns[c]:
                near = [position[n] for n in links.get(box.id, []) if n in position]
                centre[box.id] = sum(near) / len(near) if near else position[box.id]
            columns[c].sort(key=lambda box: centre[box.id])
    return columns


def _short(label: str, limit: int = LABEL_CHARS) -> str:
    """A label that fits a box: long ones lose their middle, keeping both distinguishing ends."""
    if len(label) <= limit:
        return label
    keep = limit - 1
    return label[: keep - keep // 2] + "…" + label[-(keep // 2) :]


def _box_svg(box: Box, x: float, y: float) -> str:
    missing = box.status == "missing"
    color = MISSING_COLOR if missing else RUN_COLOR if box.kind == "run" else ARTIFACT_COLOR
    dashed = ' stroke-dasharray="4 3"' if missing or box.folded else ""
    strong = ' stroke-width="2"' if box.start else ""
    icon = "⋯" if box.folded else "▶" if box.kind == "run" else "◆"
    classes = f"node {box.kind} status-{box.status}{' start' if box.start else ''}"
    classes += " cluster" if box.folded else ""
    return (
        f'<g class="{classes}" data-node-label="{_e(box.label)}"'
        f' transform="translate({x:.1f},{y:.1f})"><title>{_e(box.title)}</title>'
        f'<rect width="{NODE_WIDTH}" height="{NODE_HEIGHT}" rx="10" fill="#fff" stroke="#cbd2dc"'
        f"{dashed}{strong}/>"
        f'<rect width="4" height="{NODE_HEIGHT}" rx="2" fill="{color}"/>'
        f'<text x="16" y="27" class="icon" fill="{color}">{icon}</text>'
        f'<text x="34" y="27" class="label">{_e(_short(box.label))}</text>'
        f'<text x="34" y="46" class="sub">{_e(_short(box.subtitle, SUBTITLE_CHARS))}</text></g>'
    )


def lineage_svg(graph: LineageGraph) -> str:
    """The graph as one SVG: runs indigo, versions green, missing ones red and dashed, folds
    dashed with a count; arrows from producer to consumer; full names on hover."""
    boxes, edges = fold(graph)
    columns = _columns(boxes, edges)
    tallest = max((len(column) for column in columns), default=0)
    width = len(columns) * (NODE_WIDTH + RANK_GAP) - RANK_GAP + 2 * MARGIN
    height = tallest * (NODE_HEIGHT + NODE_GAP) - NODE_GAP + 2 * MARGIN
    place: dict[str, tuple[float, float]] = {}
    for c, column in enumerate(columns):
        # Each column is centred vertically, as dagre centres a rank.
        used = len(column) * (NODE_HEIGHT + NODE_GAP) - NODE_GAP
        top = MARGIN + (height - 2 * MARGIN - used) / 2
        for i, box in enumerate(column):
            place[box.id] = (
                MARGIN + c * (NODE_WIDTH + RANK_GAP),
                top + i * (NODE_HEIGHT + NODE_GAP),
            )
    labels = {box.id: box.label for box in boxes}
    paths = []
    for source, target, kind in edges:
        if source not in place or target not in place:
            continue
        (x0, y0), (x1, y1) = place[source], place[target]
        x0, y0, y1 = x0 + NODE_WIDTH, y0 + NODE_HEIGHT / 2, y1 + NODE_HEIGHT / 2
        bend = (x1 - x0) / 2
        paths.append(
            f'<path class="edge {kind}" d="M{x0:.1f},{y0:.1f} C{x0 + bend:.1f},{y0:.1f} '
            f'{x1 - bend:.1f},{y1:.1f} {x1 - 2:.1f},{y1:.1f}" marker-end="url(#arrow)">'
            f"<title>{_e(labels[source])} → {_e(labels[target])}</title></path>"
        )
    nodes = "".join(_box_svg(box, *place[box.id]) for box in boxes)
    return (
        f'<svg class="lineage-graph" width="{width}" height="{height}" viewBox="0 0 {width} {height}"'
        f' role="img" aria-label="lineage graph">'
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8"'
        ' markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#94a3b8"/>'
        f"</marker></defs>{''.join(paths)}{nodes}</svg>"
    )
