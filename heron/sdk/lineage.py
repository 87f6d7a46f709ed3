"""The lineage graph: runs and artifact versions joined by "used" and "logged" edges.

Edges point the way data flows: a run that *logged* a version is the ``source`` of an edge to it
(kind ``output``); a version a run *used* is the ``source`` of an edge to that run (kind
``input``). Walking both ways from a start node for ``depth`` edges gives the neighbourhood the
UI draws, e.g. raw data -> split run -> splits -> train runs -> models -> inference runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal

from heron.errors import UsageError
from heron.store import artifacts as artifact_store
from heron.store import runs as run_store

if TYPE_CHECKING:
    from heron.store.store import Store

Direction = Literal["both", "upstream", "downstream"]


def run_node_id(run_id: str) -> str:
    """The node id of a run in the graph."""
    return f"run:{run_id}"


def artifact_node_id(version_id: str) -> str:
    """The node id of an artifact version in the graph."""
    return f"artifact:{version_id}"


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
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 0:
        raise UsageError(f"depth must be an int >= 0, got {depth!r}")
    if direction not in ("both", "upstream", "downstream"):
        raise UsageError(f"direction must be 'both', 'upstream' or 'downstream', got {direction!r}")
    distance: dict[str, int] = {}
    frontier_runs = set(run_ids)
    frontier_versions = set(version_ids)
    for run_id in frontier_runs:
        distance[run_node_id(run_id)] = 0
    for version_id in frontier_versions:
        distance[artifact_node_id(version_id)] = 0
    edges: set[tuple[str, str, str]] = set()
    for level in range(1, depth + 1):
        if not frontier_runs and not frontier_versions:
            break
        found = artifact_store.lineage_edges(
            store.engine, run_ids=frontier_runs, version_ids=frontier_versions
        )
        next_runs: set[str] = set()
        next_versions: set[str] = set()
        for run_id, version_id, kind in found:
            run_node, version_node = run_node_id(run_id), artifact_node_id(version_id)
            source, target = (
                (run_node, version_node) if kind == "output" else (version_node, run_node)
            )
            # Each frontier end of the edge decides whether it is followed: walking from the
            # source goes downstream (with the data), from the target upstream.
            ends = []
            if run_id in frontier_runs:
                ends.append(run_node)
            if version_id in frontier_versions:
                ends.append(version_node)
            if not any(_follows(end == source, direction) for end in ends):
                continue
            edges.add((source, target, kind))
            if run_node not in distance:
                distance[run_node] = level
                next_runs.add(run_id)
            if version_node not in distance:
                distance[version_node] = level
                next_versions.add(version_id)
        frontier_runs, frontier_versions = next_runs, next_versions
    return {
        "nodes": _nodes(store, distance),
        "edges": [{"source": s, "target": t, "kind": k} for s, t, k in sorted(edges)],
    }


def _follows(from_source: bool, direction: Direction) -> bool:
    if direction == "both":
        return True
    return from_source == (direction == "downstream")


def _nodes(store: Store, distance: dict[str, int]) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    run_ids = [n.split(":", 1)[1] for n in distance if n.startswith("run:")]
    version_ids = [n.split(":", 1)[1] for n in distance if n.startswith("artifact:")]
    for run_id in sorted(run_ids):
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
    for version in artifact_store.get_versions(store.engine, sorted(version_ids)):
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
