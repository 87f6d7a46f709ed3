"""The lineage graph: runs and artifact versions joined by "used" and "logged" edges.

Edges point the way data flows: a run that *logged* a version is the ``source`` of an edge to it
(kind ``output``); a version a run *used* is the ``source`` of an edge to that run (kind
``input``). Walking both ways from a start node for ``depth`` edges gives the neighbourhood the
UI draws, e.g. raw data -> split run -> splits -> train runs -> models -> inference runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from heron.store import artifacts as artifact_store
from heron.store import runs as run_store
from heron.store.lineage import (
    Direction,
    Walk,
    artifact_node_id,
    run_node_id,
    walk,
)

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
    """
    reached = walk(
        store.engine, run_ids=run_ids, version_ids=version_ids, depth=depth, direction=direction
    )
    return {
        "nodes": _nodes(store, reached),
        "edges": [{"source": s, "target": t, "kind": k} for s, t, k in sorted(reached.edges)],
    }


def _nodes(store: Store, reached: Walk) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    distance = reached.distance
    for run_id in reached.run_ids():
        record = run_store.get_run(store.engine, run_id)
        nodes.append(
            {
                "id": run_node_id(run_id),
                "kind": "run",
                "depth": distance[run_node_id(run_id)],
                "run_id": record.id,
                "path": record.path,
                "project": record.project,
                "name": record.name,
                "job_type": record.job_type,
                "state": record.state,
                "created_at": record.created_at,
            }
        )
    for version in artifact_store.get_versions(store.engine, reached.version_ids()):
        node = artifact_node_id(version.id)
        nodes.append(
            {
                "id": node,
                "kind": "artifact",
                "depth": distance[node],
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
