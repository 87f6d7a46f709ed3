"""The lineage graph the browser draws: like heron.sdk.lineage, but never fails on a missing node.

An edge may name a run or a version that has since been deleted (or a version whose files were
removed from the blob store); such nodes come back with a ``status`` saying so, so the graph
still renders and shows the gap instead of an error.
"""

from __future__ import annotations

from sqlalchemy import Engine, and_, func, select

from heron.errors import NotFoundError, UsageError
from heron.server.artifact_models import LineageEdge, LineageGraph, LineageNode
from heron.store import artifacts as artifact_store
from heron.store import runs as run_store
from heron.store import schema
from heron.store.lineage import Direction, Walk, artifact_node_id, run_node_id, walk

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
    reached = walk(
        engine,
        run_ids=run_ids,
        version_ids=version_ids,
        depth=depth,
        direction=direction,
        max_nodes=MAX_NODES,
    )
    start = [run_node_id(r) for r in run_ids] + [artifact_node_id(v) for v in version_ids]
    return LineageGraph(
        start=start,
        nodes=_nodes(engine, reached),
        edges=[
            LineageEdge(source=s, target=t, kind=k)  # type: ignore[arg-type]
            for s, t, k in sorted(reached.edges)
        ],
        truncated=reached.truncated,
    )


def _nodes(engine: Engine, reached: Walk) -> list[LineageNode]:
    nodes: list[LineageNode] = []
    distance = reached.distance
    for run_id in reached.run_ids():
        node_id = run_node_id(run_id)
        try:
            run = run_store.get_run(engine, run_id)
        except NotFoundError:  # a deleted run: show the gap, not an error
            nodes.append(
                LineageNode(
                    id=node_id,
                    kind="run",
                    status="missing",
                    depth=distance[node_id],
                    label=f"deleted run {run_id[:8]}",
                    run_id=run_id,
                )
            )
            continue
        nodes.append(
            LineageNode(
                id=node_id,
                kind="run",
                status="ok",
                depth=distance[node_id],
                label=run.name,
                project=run.project,
                run_id=run.id,
                job_type=run.job_type,
                state=run.state,
            )
        )
    version_ids = reached.version_ids()
    found = {v.id: v for v in artifact_store.get_versions(engine, version_ids)}
    absent = _missing_blob_counts(engine, list(found))
    for version_id in version_ids:
        node_id = artifact_node_id(version_id)
        version = found.get(version_id)
        if version is None:
            nodes.append(
                LineageNode(
                    id=node_id,
                    kind="artifact",
                    status="missing",
                    depth=distance[node_id],
                    label=f"deleted artifact {version_id[:8]}",
                    version_id=version_id,
                )
            )
            continue
        missing_files = absent.get(version_id, 0)
        nodes.append(
            LineageNode(
                id=node_id,
                kind="artifact",
                status="incomplete" if missing_files else "ok",
                depth=distance[node_id],
                label=f"{version.name}:v{version.version}",
                project=version.project,
                version_id=version.id,
                name=version.name,
                version=f"v{version.version}",
                type=version.type,
                aliases=list(version.aliases),
                size=version.size,
                file_count=version.file_count,
                missing_files=missing_files,
            )
        )
    nodes.sort(key=lambda n: (n.depth, n.kind, n.label))
    return nodes


def _missing_blob_counts(engine: Engine, version_ids: list[str]) -> dict[str, int]:
    """Per version, how many stored files have no blob in the store's index."""
    if not version_ids:
        return {}
    f, b = schema.artifact_files, schema.blobs
    counts: dict[str, int] = {}
    with engine.connect() as connection:
        for start in range(0, len(version_ids), 500):
            chunk = version_ids[start : start + 500]
            query = (
                select(f.c.version_id, func.count())
                .select_from(f.outerjoin(b, b.c.sha256 == f.c.sha256))
                .where(
                    and_(
                        f.c.version_id.in_(chunk),
                        f.c.ref_uri.is_(None),
                        f.c.sha256.is_not(None),
                        b.c.sha256.is_(None),
                    )
                )
                .group_by(f.c.version_id)
            )
            counts.update({str(v): int(n) for v, n in connection.execute(query)})
    return counts
