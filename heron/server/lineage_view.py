"""The lineage graph the browser draws, from the store's graph builder (heron.store.lineage_graph).

A node whose run or version has since been deleted (or a version whose files were removed from
the blob store) comes back with a ``status`` saying so, so the graph still renders and shows the
gap instead of an error.
"""

from __future__ import annotations

from sqlalchemy import Engine

from heron.errors import UsageError
from heron.server.artifact_models import LineageEdge, LineageGraph, LineageNode
from heron.store.lineage import Direction
from heron.store.lineage_graph import ArtifactNode, RunNode, lineage_graph

MAX_NODES = 2000


def lineage(
    engine: Engine,
    *,
    run_ids: list[str],
    version_ids: list[str],
    depth: int,
    direction: Direction = "both",
) -> LineageGraph:
    """The graph within ``depth`` edges of the start runs and versions."""
    if not 0 <= depth <= 50:
        raise UsageError(f"depth must be in 0..50, got {depth}")
    graph = lineage_graph(
        engine,
        run_ids=run_ids,
        version_ids=version_ids,
        depth=depth,
        direction=direction,
        max_nodes=MAX_NODES,
    )
    nodes = [_run_node(node) for node in graph.runs]
    nodes.extend(_artifact_node(node) for node in graph.artifacts)
    nodes.sort(key=lambda n: (n.depth, n.kind, n.label))
    return LineageGraph(
        start=graph.start,
        nodes=nodes,
        edges=[
            LineageEdge(source=s, target=t, kind=k)  # type: ignore[arg-type]
            for s, t, k in graph.edges
        ],
        truncated=graph.truncated,
    )


def _run_node(node: RunNode) -> LineageNode:
    run = node.record
    if run is None:  # a deleted run: show the gap, not an error
        return LineageNode(
            id=node.id,
            kind="run",
            status="missing",
            depth=node.depth,
            label=f"deleted run {node.run_id[:8]}",
            run_id=node.run_id,
        )
    return LineageNode(
        id=node.id,
        kind="run",
        status="ok",
        depth=node.depth,
        label=run.name,
        project=run.project,
        run_id=run.id,
        job_type=run.job_type,
        state=run.state,
    )


def _artifact_node(node: ArtifactNode) -> LineageNode:
    version = node.record
    if version is None:
        return LineageNode(
            id=node.id,
            kind="artifact",
            status="missing",
            depth=node.depth,
            label=f"deleted artifact {node.version_id[:8]}",
            version_id=node.version_id,
        )
    return LineageNode(
        id=node.id,
        kind="artifact",
        status="incomplete" if node.missing_files else "ok",
        depth=node.depth,
        label=f"{version.name}:v{version.version}",
        project=version.project,
        version_id=version.id,
        name=version.name,
        version=f"v{version.version}",
        type=version.type,
        aliases=list(version.aliases),
        size=version.size,
        file_count=version.file_count,
        missing_files=node.missing_files,
    )
