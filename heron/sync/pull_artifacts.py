"""Remote mode's artifact reads: copy a project's artifact listing and lineage into the spool.

``Api.artifacts()``, ``artifact_versions()``, ``artifact_collections()``, ``lineage()`` and the
artifact lists of runs read the spool with the local code; in remote mode they first copy from the
server the versions of the projects they read (record, manifest and aliases, not the files' bytes:
those come when a version is opened with ``Api.artifact(ref)`` or used by a run) and the lineage
edges touching those projects, with the runs and versions at their other ends. A copied version
keeps the server's id and number; a version the spool already holds (same content) is kept and
takes the server's aliases. Every version and edge a copy adds is remembered
(:mod:`heron.sync.pulled`) so the pusher never sends it back as logged here.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sqlalchemy import and_, select

from heron.store import schema
from heron.store.artifacts import _entry_row
from heron.store.database import insert_ignoring_duplicates, write
from heron.store.manifest import ManifestEntry
from heron.store.runs import project_id
from heron.sync.read_models import ArtifactVersionRead, LineageEdges, VersionPage

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from heron.sync.pull_runs import RunPuller

logger = logging.getLogger("heron.sync")


def pull_artifacts(puller: RunPuller, projects: list[str]) -> None:
    """Copy the runs, artifact versions and lineage edges of ``projects`` and of the projects
    their edges lead to (those the key may read)."""
    queue, seen = list(projects), set[str]()
    edges: list[Any] = []
    while queue:
        project = queue.pop(0)
        if project in seen:
            continue
        seen.add(project)
        if not puller._safely(lambda p=project: _pull_project(puller, p, edges)):  # type: ignore[misc]
            continue
        for edge in edges:
            queue.extend(p for p in (edge.run_project, edge.version_project) if p not in seen)
    _store_edges(puller, edges)


def _pull_project(puller: RunPuller, project: str, edges: list[Any]) -> bool:
    puller._pull_runs(project)
    offset = 0
    versions: list[ArtifactVersionRead] = []
    while True:
        path = f"/api/sync/projects/{quote(project, safe='')}/artifacts/versions?offset={offset}"
        page = VersionPage.model_validate(puller.client.json("GET", path))
        versions.extend(page.versions)
        offset += len(page.versions)
        if not page.more or not page.versions:
            break
    _store_versions(puller, versions)
    path = f"/api/sync/projects/{quote(project, safe='')}/lineage/edges"
    edges.extend(LineageEdges.model_validate(puller.client.json("GET", path)).edges)
    return True


def _collection(connection: Connection, info: ArtifactVersionRead) -> tuple[int, int]:
    """(id, next version number) of the spool's collection for ``info``, made if missing."""
    c = schema.artifact_collections
    pid = project_id(connection, info.project, create=True)
    query = select(c.c.id, c.c.next_version).where(
        and_(c.c.project_id == pid, c.c.name == info.name)
    )
    if connection.execute(query).first() is None:
        insert_ignoring_duplicates(
            connection,
            c,
            [
                {
                    "project_id": pid,
                    "name": info.name,
                    "type": info.type,
                    "description": info.description,
                    "created_at": time.time(),
                }
            ],
        )
    row = connection.execute(query).one()
    return int(row[0]), int(row[1])


def _store_versions(puller: RunPuller, versions: list[ArtifactVersionRead]) -> None:
    if not versions:
        return
    v, a = schema.artifact_versions, schema.artifact_aliases
    with puller._locked() as pulled, write(puller.store.engine) as connection:
        for info in versions:
            collection_id, next_number = _collection(connection, info)
            held = connection.execute(
                select(v.c.id).where(v.c.collection_id == collection_id, v.c.digest == info.digest)
            ).first()
            if held is not None:
                version_id = str(held[0])
            else:
                taken = connection.execute(
                    select(v.c.id).where(
                        v.c.collection_id == collection_id, v.c.version == info.version
                    )
                ).first()
                if taken is not None:
                    logger.warning(
                        "heron: %s/%s:v%d of the server differs from the spool's version of that "
                        "number; the spool's is kept",
                        info.project,
                        info.name,
                        info.version,
                    )
                    continue
                version_id = info.version_id
                run_id = info.created_by_run_id
                if run_id is not None and not _run_held(connection, run_id):
                    run_id = None  # a run of a project this key may not read
                entries = [ManifestEntry(**entry.model_dump()) for entry in info.entries]
                connection.execute(
                    v.insert().values(
                        id=version_id,
                        collection_id=collection_id,
                        version=info.version,
                        digest=info.digest,
                        description=info.description,
                        metadata=info.metadata,
                        size=sum(e.size for e in entries),
                        file_count=len(entries),
                        created_by_run_id=run_id,
                        created_at=info.created_at,
                    )
                )
                rows = [_entry_row(version_id, e) for e in entries]
                for start in range(0, len(rows), 5000):
                    connection.execute(schema.artifact_files.insert(), rows[start : start + 5000])
                rowid = connection.exec_driver_sql(
                    "SELECT rowid FROM artifact_versions WHERE id = ?", (version_id,)
                ).scalar_one()
                pulled.add_rows("artifacts", [int(rowid)])
                if next_number <= info.version:
                    c = schema.artifact_collections
                    connection.execute(
                        c.update()
                        .where(c.c.id == collection_id)
                        .values(next_version=info.version + 1)
                    )
            for alias in info.aliases:  # where the server has them now
                connection.execute(
                    a.delete().where(a.c.collection_id == collection_id, a.c.alias == alias)
                )
                connection.execute(
                    a.insert().values(
                        collection_id=collection_id, alias=alias, version_id=version_id
                    )
                )


def _run_held(connection: Connection, run_id: str) -> bool:
    r = schema.runs
    return connection.execute(select(r.c.id).where(r.c.id == run_id)).first() is not None


def _store_edges(puller: RunPuller, edges: list[Any]) -> None:
    if not edges:
        return
    v, c, p, g = (
        schema.artifact_versions,
        schema.artifact_collections,
        schema.projects,
        schema.lineage,
    )
    with puller._locked() as pulled, write(puller.store.engine) as connection:
        added: list[int] = []
        for edge in edges:
            version = connection.execute(
                select(v.c.id)
                .join(c, c.c.id == v.c.collection_id)
                .join(p, p.c.id == c.c.project_id)
                .where(
                    p.c.name == edge.version_project,
                    c.c.name == edge.name,
                    v.c.digest == edge.digest,
                )
            ).first()
            if version is None or not _run_held(connection, edge.run_id):
                continue  # an end the spool could not copy (its project is not readable)
            key = (edge.run_id, str(version[0]), edge.direction)
            held = connection.execute(
                select(g.c.run_id).where(
                    g.c.run_id == key[0], g.c.version_id == key[1], g.c.direction == key[2]
                )
            ).first()
            if held is not None:
                continue
            connection.execute(
                g.insert().values(
                    run_id=key[0], version_id=key[1], direction=key[2], created_at=edge.created_at
                )
            )
            rowid = connection.exec_driver_sql(
                "SELECT rowid FROM lineage WHERE run_id = ? AND version_id = ? AND direction = ?",
                key,
            ).scalar_one()
            added.append(int(rowid))
        pulled.add_rows("lineage", added)
