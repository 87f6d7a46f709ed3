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

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    inspect,
    select,
    text,
)

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


def _blob_index_v5() -> tuple[Table, Table, Table]:
    """The blob index tables as step 4 -> 5 makes them (written out here, so a later change to
    them in ``schema`` comes with a step of its own)."""
    frozen = MetaData()
    packs = Table(
        "blob_packs",
        frozen,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("name", String(64), nullable=False, unique=True),
    )
    batches = Table(
        "blob_batches",
        frozen,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("created_at", Float, nullable=False),
    )
    blobs = Table(
        "blobs",
        frozen,
        Column("digest", LargeBinary(32), primary_key=True),
        Column("size", BigInteger, nullable=False),
        Column("pack", Integer, ForeignKey("blob_packs.id")),
        Column("offset", BigInteger, nullable=False),
        Column("batch", Integer, ForeignKey("blob_batches.id"), nullable=False),
        sqlite_with_rowid=False,
    )
    return packs, batches, blobs


_COPY_ROWS = 10_000  # index rows copied per statement by the step below


def _compact_blob_index(connection: Connection) -> None:
    """4 -> 5: the blob index keeps each digest as 32 bytes, once, with its pack and write
    numbered, instead of hex text stored twice with a pack name and a time on every row.

    Every row is copied; none is lost or changed in meaning. The blobs one index write stored
    shared its time, so each distinct time becomes one batch, numbered (on SQLite) by the last
    rowid it held: a sync cursor saved before the upgrade ("sent up to rowid N") then still
    says which batches were sent, and a batch it was inside of is checked again.
    """
    columns = {column["name"] for column in inspect(connection).get_columns("blobs")}
    if "sha256" not in columns:  # a store whose create_all already made the new index
        return
    packs, batches, blobs = _blob_index_v5()
    sqlite = connection.dialect.name == "sqlite"
    connection.execute(text("ALTER TABLE blobs RENAME TO blobs_v4"))
    key = inspect(connection).get_pk_constraint("blobs_v4").get("name")
    if not sqlite and key == "blobs_pkey":
        # PostgreSQL renames the table but not its key's index, whose name the new key takes.
        connection.execute(
            text("ALTER TABLE blobs_v4 RENAME CONSTRAINT blobs_pkey TO blobs_v4_pkey")
        )
    for table in (packs, batches, blobs):
        table.create(connection)
    order = "max(rowid)" if sqlite else "row_number() OVER (ORDER BY created_at)"
    numbers: dict[float, int] = {}
    for created_at, number in connection.execute(
        text(f"SELECT created_at, {order} FROM blobs_v4 GROUP BY created_at")
    ):
        numbers[float(created_at)] = int(number)
    if numbers:
        rows = [{"id": n, "created_at": t} for t, n in sorted(numbers.items(), key=lambda i: i[1])]
        for start in range(0, len(rows), _COPY_ROWS):
            connection.execute(batches.insert(), rows[start : start + _COPY_ROWS])
        if not sqlite:  # the next batch a writer adds must come after these
            connection.execute(
                text("SELECT setval(pg_get_serial_sequence('blob_batches', 'id'), :last)"),
                {"last": max(numbers.values())},
            )
    names = [
        str(name)
        for (name,) in connection.execute(
            text("SELECT DISTINCT location FROM blobs_v4 WHERE location <> '' ORDER BY location")
        )
    ]
    for start in range(0, len(names), _COPY_ROWS):
        connection.execute(packs.insert(), [{"name": n} for n in names[start : start + _COPY_ROWS]])
    pack_ids = {str(name): int(id_) for id_, name in connection.execute(select(packs))}
    last = ""
    while True:
        old = connection.execute(
            text(
                'SELECT sha256, size, location, "offset", created_at FROM blobs_v4 '
                "WHERE sha256 > :last ORDER BY sha256 LIMIT :limit"
            ),
            {"last": last, "limit": _COPY_ROWS},
        ).fetchall()
        if not old:
            break
        try:
            copied = [
                {
                    "digest": bytes.fromhex(str(digest)),
                    "size": int(size),
                    "pack": pack_ids[str(location)] if location else None,
                    "offset": int(offset),
                    "batch": numbers[float(created_at)],
                }
                for digest, size, location, offset, created_at in old
            ]
        except ValueError:
            bad = next(str(row[0]) for row in old if not _is_hex_digest(str(row[0])))
            raise StoreError(
                f"the blob index holds {bad!r}, which is not a sha256 digest: the store was "
                "left at its previous version (run `heron verify` on it with the previous heron)"
            ) from None
        connection.execute(blobs.insert(), copied)
        last = str(old[-1][0])
    connection.execute(text("DROP TABLE blobs_v4"))


def _is_hex_digest(value: str) -> bool:
    try:
        return len(value) == 64 and len(bytes.fromhex(value)) == 32
    except ValueError:
        return False


# Step i brings a store from version i to version i + 1. Version 1 is the first schema.
MIGRATIONS: list[Migration] = [
    _add_next_version,
    _add_access_tables,
    _add_comments,
    _compact_blob_index,
]

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
