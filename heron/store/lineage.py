"""Walking the lineage graph: runs and artifact versions joined by "used" and "logged" edges.

Edges point the way data flows: a run that *logged* a version is the ``source`` of an edge to it
(kind ``output``); a version a run *used* is the ``source`` of an edge to that run (kind
``input``). The SDK and the server both draw their graphs from :func:`walk`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import Connection, Engine, and_, select

from heron.errors import UsageError
from heron.store import schema
from heron.store.database import insert_ignoring_duplicates, write

Direction = Literal["both", "upstream", "downstream"]

_IN_CHUNK = 500  # values per IN (...) list


def run_node_id(run_id: str) -> str:
    """The node id of a run in the graph."""
    return f"run:{run_id}"


def artifact_node_id(version_id: str) -> str:
    """The node id of an artifact version in the graph."""
    return f"artifact:{version_id}"


@dataclass
class Walk:
    """What a walk reached: each node's distance from the start, and the edges followed."""

    distance: dict[str, int] = field(default_factory=dict)
    edges: set[tuple[str, str, str]] = field(default_factory=set)
    truncated: bool = False

    def run_ids(self) -> list[str]:
        """Ids of the runs reached, sorted."""
        return sorted(n.split(":", 1)[1] for n in self.distance if n.startswith("run:"))

    def version_ids(self) -> list[str]:
        """Ids of the artifact versions reached, sorted."""
        return sorted(n.split(":", 1)[1] for n in self.distance if n.startswith("artifact:"))


def walk(
    engine: Engine,
    *,
    run_ids: Iterable[str] = (),
    version_ids: Iterable[str] = (),
    depth: int = 2,
    direction: Direction = "both",
    max_nodes: int | None = None,
) -> Walk:
    """Follow edges for ``depth`` steps from the start runs and versions.

    ``direction`` follows edges against the data flow (``upstream``: where did this come from),
    with it (``downstream``: what was made from it), or both. With ``max_nodes``, nodes past the
    limit are left out and ``truncated`` says so.
    """
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 0:
        raise UsageError(f"depth must be an int >= 0, got {depth!r}")
    if direction not in ("both", "upstream", "downstream"):
        raise UsageError(f"direction must be 'both', 'upstream' or 'downstream', got {direction!r}")
    result = Walk()
    frontier_runs, frontier_versions = set(run_ids), set(version_ids)
    result.distance.update({run_node_id(r): 0 for r in frontier_runs})
    result.distance.update({artifact_node_id(v): 0 for v in frontier_versions})
    for level in range(1, depth + 1):
        if not frontier_runs and not frontier_versions:
            break
        found = lineage_edges(engine, run_ids=frontier_runs, version_ids=frontier_versions)
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
                ends.append(run_node == source)
            if version_id in frontier_versions:
                ends.append(version_node == source)
            if not any(_follows(from_source, direction) for from_source in ends):
                continue
            new_nodes = (run_node not in result.distance) + (version_node not in result.distance)
            if max_nodes is not None and new_nodes and len(result.distance) >= max_nodes:
                result.truncated = True
                continue
            result.edges.add((source, target, kind))
            if run_node not in result.distance:
                result.distance[run_node] = level
                next_runs.add(run_id)
            if version_node not in result.distance:
                result.distance[version_node] = level
                next_versions.add(version_id)
        frontier_runs, frontier_versions = next_runs, next_versions
    return result


def add_edge(connection: Connection, run_id: str, version_id: str, direction: str) -> None:
    """Record an edge inside an open write transaction (ignored if it exists)."""
    insert_ignoring_duplicates(
        connection,
        schema.lineage,
        [
            {
                "run_id": run_id,
                "version_id": version_id,
                "direction": direction,
                "created_at": time.time(),
            }
        ],
    )


def add_lineage(engine: Engine, run_id: str, version_id: str, direction: str) -> None:
    """Record that ``run_id`` used (``input``) or logged (``output``) a version."""
    if direction not in ("input", "output"):
        raise ValueError(f"direction must be 'input' or 'output', got {direction!r}")
    with write(engine) as connection:
        add_edge(connection, run_id, version_id, direction)


def lineage_edges(
    engine: Engine, *, run_ids: Iterable[str] = (), version_ids: Iterable[str] = ()
) -> list[tuple[str, str, str]]:
    """Edges (run_id, version_id, direction) touching any of these runs or versions."""
    runs, versions = sorted(set(run_ids)), sorted(set(version_ids))
    lin = schema.lineage
    edges: set[tuple[str, str, str]] = set()
    with engine.connect() as connection:
        for column, values in ((lin.c.run_id, runs), (lin.c.version_id, versions)):
            for start in range(0, len(values), _IN_CHUNK):
                chunk = values[start : start + _IN_CHUNK]
                query = select(lin.c.run_id, lin.c.version_id, lin.c.direction).where(
                    column.in_(chunk)
                )
                edges.update((str(r), str(v), str(d)) for r, v, d in connection.execute(query))
    return sorted(edges)


def runs_of_version(engine: Engine, version_id: str, direction: str) -> list[str]:
    """Ids of runs that logged (``output``) or used (``input``) a version, oldest edge first."""
    lin = schema.lineage
    with engine.connect() as connection:
        rows = connection.execute(
            select(lin.c.run_id)
            .where(and_(lin.c.version_id == version_id, lin.c.direction == direction))
            .order_by(lin.c.created_at)
        )
        return [str(r[0]) for r in rows]


def _follows(from_source: bool, direction: Direction) -> bool:
    if direction == "both":
        return True
    return from_source == (direction == "downstream")
