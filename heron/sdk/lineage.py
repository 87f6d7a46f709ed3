"""The lineage graph as the Python API returns it: runs and artifact versions joined by "used"
and "logged" edges, as plain dicts.

Edges point the way data flows: a run that *logged* a version is the ``source`` of an edge to it
(kind ``output``); a version a run *used* is the ``source`` of an edge to that run (kind
``input``). Walking both ways from a start node for ``depth`` edges gives the neighbourhood the
UI draws, e.g. raw data -> split run -> splits -> train runs -> models -> inference runs. The
walk and the nodes' records come from the store's one graph builder
(:mod:`heron.store.lineage_graph`), which the server's lineage view draws from too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from heron.store.lineage import Direction
from heron.store.lineage_graph import Lineage
from heron.store.lineage_graph import lineage_graph as store_lineage_graph

if TYPE_CHECKING:
    from heron.store.store import Store

__all__ = ["Direction", "lineage_graph"]


def lineage_graph(
    store: Store,
    *,
    run_ids: Iterable[str] = (),
    version_ids: Iterable[str] = (),
    depth: int = 2,
    direction: Direction = "both",
) -> dict[str, Any]:
    """``{"nodes": [...], "edges": [{"source", "target", "kind"}]}`` around the start nodes.

    ``depth`` counts edges from the start; ``direction`` follows edges against the data flow
    (``upstream``: where did this come from), with it (``downstream``: what was made from it),
    or both. Nodes carry what the UI shows: runs (name, job type, state) and versions (name,
    version, type, aliases, digest, size), each with ``depth`` (distance from the start).
    A run or version deleted since an edge was recorded has no node.
    """
    graph = store_lineage_graph(
        store.engine, run_ids=run_ids, version_ids=version_ids, depth=depth, direction=direction
    )
    return {
        "nodes": _nodes(graph),
        "edges": [{"source": s, "target": t, "kind": k} for s, t, k in graph.edges],
    }


def _nodes(graph: Lineage) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    for run in graph.runs:
        if run.record is None:
            continue
        record = run.record
        nodes.append(
            {
                "id": run.id,
                "kind": "run",
                "depth": run.depth,
                "run_id": record.id,
                "path": record.path,
                "project": record.project,
                "name": record.name,
                "job_type": record.job_type,
                "state": record.state,
                "created_at": record.created_at,
            }
        )
    for artifact in graph.artifacts:
        if artifact.record is None:
            continue
        version = artifact.record
        nodes.append(
            {
                "id": artifact.id,
                "kind": "artifact",
                "depth": artifact.depth,
                "version_id": version.id,
                "qualified_name": version.qualified_name,
                "project": version.project,
                "name": version.name,
                "version": f"v{version.version}",
                "type": version.type,
                "aliases": list(version.aliases),
                "digest": version.digest,
                "size": version.size,
                "file_count": version.file_count,
                "created_at": version.created_at,
            }
        )
    nodes.sort(
        key=lambda n: (n["depth"], n["kind"], n.get("qualified_name") or n.get("path") or "")
    )
    return nodes
