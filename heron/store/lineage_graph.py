"""The lineage graph around some runs and artifact versions, with what each node is.

:func:`heron.store.lineage.walk` finds which nodes and edges lie within ``depth`` edges of the
start; :func:`lineage_graph` adds each node's record (the run, the version), in a few batched
reads. It never fails on a missing node: an edge may name a run or a version deleted since,
whose node then has no record, and a version whose files left the blob store says how many.
The SDK (``ApiRun``/``Artifact`` lineage) and the server's lineage view both draw from it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Engine

from heron.store import artifacts as artifact_store
from heron.store import runs as run_store
from heron.store.artifacts import VersionRecord
from heron.store.lineage import Direction, artifact_node_id, run_node_id, walk
from heron.store.runs import RunRecord


@dataclass(frozen=True)
class RunNode:
    """A run in the graph: ``record`` is None when the run was deleted."""

    id: str
    run_id: str
    depth: int
    record: RunRecord | None


@dataclass(frozen=True)
class ArtifactNode:
    """An artifact version in the graph: ``record`` is None when the version was deleted;
    ``missing_files`` counts its stored files whose bytes are no longer in the blob store."""

    id: str
    version_id: str
    depth: int
    record: VersionRecord | None
    missing_files: int = 0


@dataclass(frozen=True)
class Lineage:
    """Nodes within reach of ``start`` and the edges between them.

    An edge is ``(source, target, kind)`` with node ids, pointing the way data flows (kind
    ``output``: run -> version it logged; ``input``: version -> run that used it).
    ``truncated`` says nodes were left out at the walk's node limit.
    """

    start: list[str]
    runs: list[RunNode]
    artifacts: list[ArtifactNode]
    edges: list[tuple[str, str, str]]
    truncated: bool


def lineage_graph(
    engine: Engine,
    *,
    run_ids: Iterable[str] = (),
    version_ids: Iterable[str] = (),
    depth: int = 2,
    direction: Direction = "both",
    max_nodes: int | None = None,
) -> Lineage:
    """The graph within ``depth`` edges of the start runs and versions (see ``walk`` for
    ``direction`` and ``max_nodes``); runs and versions come in id order."""
    start_runs, start_versions = list(run_ids), list(version_ids)
    reached = walk(
        engine,
        run_ids=start_runs,
        version_ids=start_versions,
        depth=depth,
        direction=direction,
        max_nodes=max_nodes,
    )
    distance = reached.distance
    found_runs = {run.id: run for run in run_store.get_runs(engine, reached.run_ids())}
    runs = [
        RunNode(
            id=run_node_id(run_id),
            run_id=run_id,
            depth=distance[run_node_id(run_id)],
            record=found_runs.get(run_id),
        )
        for run_id in reached.run_ids()
    ]
    ids = reached.version_ids()
    found_versions = {version.id: version for version in artifact_store.get_versions(engine, ids)}
    absent = artifact_store.missing_blob_counts(engine, list(found_versions))
    artifacts = [
        ArtifactNode(
            id=artifact_node_id(version_id),
            version_id=version_id,
            depth=distance[artifact_node_id(version_id)],
            record=found_versions.get(version_id),
            missing_files=absent.get(version_id, 0),
        )
        for version_id in ids
    ]
    return Lineage(
        start=[run_node_id(r) for r in start_runs] + [artifact_node_id(v) for v in start_versions],
        runs=runs,
        artifacts=artifacts,
        edges=sorted(reached.edges),
        truncated=reached.truncated,
    )
