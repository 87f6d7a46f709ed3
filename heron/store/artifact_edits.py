"""Changing a committed artifact version: its description and metadata, or deleting it.

A version's manifest never changes once committed; what a person may still edit is the text
around it (description, metadata) and whether the version exists at all. Deleting is guarded:
a version that still has aliases is refused unless the caller asks for the aliases to go too,
so a name someone resolves (``name:best``, ``name:latest``) never silently stops working.
Blobs the deleted version referred to stay in the blob store until ``heron gc`` finds them
unreferenced.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, and_, func, select

from heron.errors import ArtifactError, NotFoundError
from heron.store import schema
from heron.store.artifacts import LATEST, VersionRecord
from heron.store.database import write
from heron.store.jsonvalues import dumps


def update_version(
    engine: Engine,
    version: VersionRecord,
    *,
    description: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> None:
    """Replace the description and/or metadata of a committed version (None leaves it as is)."""
    values: dict[str, Any] = {}
    if description is not None:
        if not isinstance(description, str):
            raise ArtifactError(
                f"the description of {version.qualified_name} must be a string, got "
                f"{type(description).__name__}"
            )
        values["description"] = description
    if metadata is not None:
        try:
            values["metadata"] = dumps(metadata)
        except (TypeError, ValueError) as error:
            raise ArtifactError(
                f"metadata of {version.qualified_name} must be JSON-compatible: {error}"
            ) from None
    if not values:
        return
    v = schema.artifact_versions
    with write(engine) as connection:
        changed = connection.execute(v.update().where(v.c.id == version.id).values(**values))
        if not changed.rowcount:
            raise NotFoundError(f"{version.qualified_name} no longer exists")


def delete_version(engine: Engine, version: VersionRecord, *, delete_aliases: bool = False) -> None:
    """Delete a committed version: its manifest, aliases and lineage edges, in one transaction.

    Refused while the version has aliases (``latest`` included) unless ``delete_aliases``.
    When the newest version goes, ``latest`` moves to the newest one left. The version's
    number is never given to another version; a collection left with no versions keeps its
    row (and so its count) but is no longer listed or resolved.
    """
    v, a, c = schema.artifact_versions, schema.artifact_aliases, schema.artifact_collections
    with write(engine) as connection:
        # Lock the collection row (PostgreSQL), as commits do, so a version committed meanwhile
        # cannot race this one's ``latest``.
        connection.execute(select(c.c.id).where(c.c.id == version.collection_id).with_for_update())
        aliases = [
            str(row[0])
            for row in connection.execute(select(a.c.alias).where(a.c.version_id == version.id))
        ]
        exists = connection.execute(select(v.c.id).where(v.c.id == version.id)).first()
        if exists is None:
            raise NotFoundError(f"{version.qualified_name} no longer exists")
        if aliases and not delete_aliases:
            raise ArtifactError(
                f"{version.qualified_name} still has aliases ({', '.join(sorted(aliases))}): "
                "nothing was deleted; pass delete_aliases=True to delete it with its aliases"
            )
        connection.execute(a.delete().where(a.c.version_id == version.id))
        connection.execute(schema.lineage.delete().where(schema.lineage.c.version_id == version.id))
        connection.execute(
            schema.artifact_files.delete().where(schema.artifact_files.c.version_id == version.id)
        )
        connection.execute(v.delete().where(v.c.id == version.id))
        newest = connection.execute(
            select(v.c.id)
            .where(v.c.collection_id == version.collection_id)
            .order_by(v.c.version.desc())
            .limit(1)
        ).first()
        if newest is None:
            return
        has_latest = connection.execute(
            select(func.count()).where(
                and_(a.c.collection_id == version.collection_id, a.c.alias == LATEST)
            )
        ).scalar_one()
        if not has_latest:
            connection.execute(
                a.insert().values(
                    collection_id=version.collection_id, alias=LATEST, version_id=str(newest[0])
                )
            )
