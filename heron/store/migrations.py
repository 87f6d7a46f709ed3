"""Schema versioning for the metadata database.

heron runs inside its users' processes and must upgrade a store on open, with no configuration
files and on both SQLite and PostgreSQL, so it keeps a small ordered list of migration steps
instead of Alembic's script directory. A new store is created from ``schema.metadata`` and
stamped with the latest version (as Alembic's "create_all + stamp head" does); an older store
runs each later step in order, in one transaction. A store written by a newer heron is refused.

To change the schema: edit ``schema.py`` and append a step here that brings a store of the
previous version to the new one.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, Engine, inspect, select, text

from heron.errors import SchemaTooNewError, StoreError
from heron.store import schema
from heron.store.database import write

Migration = Callable[[Connection], None]


def _add_next_version(connection: Connection) -> None:
    """1 -> 2: each collection counts its version numbers, so a deleted one is never reused.

    The counter starts after the highest number in use. A number deleted before this step
    (the newest version of a collection, or a collection's last version) cannot be known.
    """
    connection.execute(
        text("ALTER TABLE artifact_collections ADD COLUMN next_version INTEGER NOT NULL DEFAULT 0")
    )
    connection.execute(
        text(
            "UPDATE artifact_collections SET next_version = COALESCE("
            "(SELECT MAX(v.version) + 1 FROM artifact_versions v"
            " WHERE v.collection_id = artifact_collections.id), 0)"
        )
    )


def _add_access_tables(connection: Connection) -> None:
    """2 -> 3: users, their API keys and sessions, project members and visibility.

    The tables are new and empty, so they are made from their current definitions; every
    project of an older store starts private, with no members (an admin grants roles).
    """
    for table in (
        schema.users,
        schema.api_keys,
        schema.auth_sessions,
        schema.project_members,
        schema.project_visibility,
    ):
        table.create(connection, checkfirst=True)  # a store may have been made by create_all


def _add_comments(connection: Connection) -> None:
    """3 -> 4: comments on reports and their panels, threaded by replies.

    Written out rather than made from ``schema.comments``, so a later change to that table
    comes with a step of its own. A store whose ``create_all`` already made the table keeps it.
    """
    if inspect(connection).has_table("comments"):
        return
    connection.execute(
        text(
            "CREATE TABLE comments ("
            "id VARCHAR(32) NOT NULL PRIMARY KEY,"
            " report_id VARCHAR(64) NOT NULL REFERENCES reports (id),"
            " panel_id VARCHAR(64),"
            " parent_id VARCHAR(32) REFERENCES comments (id),"
            " author VARCHAR(128) NOT NULL,"
            " body TEXT NOT NULL,"
            " created_at FLOAT NOT NULL,"
            " edited_at FLOAT,"
            " deleted_at FLOAT)"
        )
    )
    connection.execute(text("CREATE INDEX ix_comments_report ON comments (report_id, created_at)"))
    connection.execute(text("CREATE INDEX ix_comments_parent ON comments (parent_id)"))


# Step i brings a store from version i to version i + 1. Version 1 is the first schema.
MIGRATIONS: list[Migration] = [_add_next_version, _add_access_tables, _add_comments]

SCHEMA_VERSION = 1 + len(MIGRATIONS)


def current_version(connection: Connection) -> int | None:
    """The store's schema version, or None for an empty database."""
    if not inspect(connection).has_table(schema.store_meta.name):
        return None
    row = connection.execute(
        select(schema.store_meta.c.value).where(schema.store_meta.c.key == "schema_version")
    ).first()
    if row is None:
        raise StoreError("the metadata database has no schema_version: it is not a heron store")
    return int(row[0])


def upgrade(engine: Engine) -> int:
    """Create or upgrade the schema; returns the version the store is at afterwards."""
    with write(engine) as connection:
        if connection.dialect.name == "postgresql":
            # Serialise concurrent first opens of one database.
            connection.execute(text("SELECT pg_advisory_xact_lock(7423001)"))
        version = current_version(connection)
        if version is None:
            schema.metadata.create_all(connection)
            connection.execute(
                schema.store_meta.insert().values(key="schema_version", value=str(SCHEMA_VERSION))
            )
            return SCHEMA_VERSION
        if version > SCHEMA_VERSION:
            raise SchemaTooNewError(
                f"this store has schema version {version}, but this heron only knows up to "
                f"{SCHEMA_VERSION}: upgrade heron to open it (the store was left untouched)"
            )
        for step in range(version, SCHEMA_VERSION):
            MIGRATIONS[step - 1](connection)
        if version != SCHEMA_VERSION:
            connection.execute(
                schema.store_meta.update()
                .where(schema.store_meta.c.key == "schema_version")
                .values(value=str(SCHEMA_VERSION))
            )
        return SCHEMA_VERSION
