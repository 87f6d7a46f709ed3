"""The rows of the blob index as they are stored, and the only module that reads or writes them.

Everyone else speaks of a blob by its lowercase hex sha256 (the API, the sync protocol, artifact
manifests, table image cells). The index keeps it as the 32 raw bytes instead, in a table keyed by
them alone (``WITHOUT ROWID`` on SQLite, so the key is not stored a second time in an index), with
the pack named by a small integer (``blob_packs``) and the write that indexed it by another
(``blob_batches``: when, and in which order, for gc's age rule and the sync pusher's cursor). A
64x64 image's row is then about 50 bytes where the hex key, the pack name and a float timestamp
on every row took over 200. This module converts between the two forms, both ways, for the
SQLAlchemy path (both databases) and for the sqlite3 path a run's writer takes.

A string that is not 64 lowercase hex digits is never a stored digest: it reads as absent.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection

# SQLAlchemy is imported where the SQLAlchemy path runs: a run's writer stores blobs through
# sqlite3 alone and must not load it.

_HEX_DIGEST = re.compile(r"[0-9a-f]{64}")
_CHUNK = 500  # digests per IN (...) list


@dataclass(frozen=True)
class BlobLocation:
    """Where a blob lives: a pack and offset, or (``pack == ""``) an object of its own."""

    size: int
    pack: str
    offset: int


@dataclass(frozen=True)
class IndexedBlob:
    """One index row, as the rest of heron speaks of it."""

    digest: str
    size: int
    pack: str
    offset: int
    created_at: float


Entry = tuple[str, int, str, int]
"""An index row to write: (hex digest, size, pack name or "" for an object of its own, offset)."""


def _stored(digest: str) -> bytes | None:
    """The stored form of a hex digest, or None when it cannot be one."""
    if len(digest) != 64 or not _HEX_DIGEST.fullmatch(digest):
        return None
    return bytes.fromhex(digest)


def _stored_all(digests: Iterable[str]) -> list[bytes]:
    """The stored forms of those of ``digests`` that can be stored, sorted (index order)."""
    keys = {_stored(digest) for digest in set(digests)}
    keys.discard(None)
    return sorted(key for key in keys if key is not None)


def _chunks(keys: list[bytes]) -> Iterable[list[bytes]]:
    for start in range(0, len(keys), _CHUNK):
        yield keys[start : start + _CHUNK]


_StoredRow = tuple[bytes, int, "int | None", int, int]


def _rows_to_store(entries: Sequence[Entry], packs: dict[str, int], batch: int) -> list[_StoredRow]:
    """(digest, size, pack id or None, offset, batch) in key order: sorted inserts fill pages."""
    rows = [
        (bytes.fromhex(digest), size, packs[pack] if pack else None, offset, batch)
        for digest, size, pack, offset in entries
    ]
    rows.sort(key=lambda row: row[0])
    return rows


# -- the sqlite3 path (a run's writer) ---------------------------------------------------------


def insert_sqlite(cursor: sqlite3.Cursor, entries: Sequence[Entry]) -> None:
    """Index written blobs inside the caller's write transaction; a digest already indexed keeps
    its row (two writers stored the same bytes)."""
    if not entries:
        return
    cursor.execute("INSERT INTO blob_batches (created_at) VALUES (?)", (time.time(),))
    batch = int(cursor.lastrowid or 0)
    packs: dict[str, int] = {}
    for name in {pack for _, _, pack, _ in entries if pack}:
        cursor.execute("INSERT INTO blob_packs (name) VALUES (?) ON CONFLICT DO NOTHING", (name,))
        (packs[name],) = cursor.execute(
            "SELECT id FROM blob_packs WHERE name = ?", (name,)
        ).fetchone()
    cursor.executemany(
        'INSERT INTO blobs (digest, size, pack, "offset", batch) VALUES (?, ?, ?, ?, ?) '
        "ON CONFLICT DO NOTHING",
        _rows_to_store(entries, packs, batch),
    )


def locate_sqlite(
    connection: sqlite3.Connection, digests: Iterable[str]
) -> dict[str, BlobLocation]:
    """Where each of those of ``digests`` the index holds lives."""
    found: dict[str, BlobLocation] = {}
    for chunk in _chunks(_stored_all(digests)):
        marks = ", ".join("?" * len(chunk))
        rows = connection.execute(
            'SELECT b.digest, b.size, p.name, b."offset" FROM blobs b '
            f"LEFT JOIN blob_packs p ON p.id = b.pack WHERE b.digest IN ({marks})",
            chunk,
        )
        for key, size, pack, offset in rows:
            found[bytes(key).hex()] = BlobLocation(int(size), pack or "", int(offset))
    return found


# -- the SQLAlchemy path (both databases) ------------------------------------------------------


def insert(connection: Connection, entries: Sequence[Entry]) -> None:
    """Index written blobs inside the caller's write transaction; a digest already indexed keeps
    its row (two writers stored the same bytes)."""
    if not entries:
        return
    from sqlalchemy import select

    from heron.store import schema
    from heron.store.database import insert_ignoring_duplicates

    batch = int(
        connection.execute(
            schema.blob_batches.insert()
            .values(created_at=time.time())
            .returning(schema.blob_batches.c.id)
        ).scalar_one()
    )
    names = sorted({pack for _, _, pack, _ in entries if pack})
    packs: dict[str, int] = {}
    if names:
        p = schema.blob_packs
        insert_ignoring_duplicates(connection, p, [{"name": name} for name in names])
        rows = connection.execute(select(p.c.name, p.c.id).where(p.c.name.in_(names)))
        packs = {str(name): int(id_) for name, id_ in rows}
    rows_to_store = [
        {"digest": key, "size": size, "pack": pack, "offset": offset, "batch": number}
        for key, size, pack, offset, number in _rows_to_store(entries, packs, batch)
    ]
    insert_ignoring_duplicates(connection, schema.blobs, rows_to_store)


def locate(connection: Connection, digests: Iterable[str]) -> dict[str, BlobLocation]:
    """Where each of those of ``digests`` the index holds lives (one query per 500)."""
    from sqlalchemy import select

    from heron.store import schema

    b, p = schema.blobs, schema.blob_packs
    found: dict[str, BlobLocation] = {}
    for chunk in _chunks(_stored_all(digests)):
        rows = connection.execute(
            select(b.c.digest, b.c.size, p.c.name, b.c.offset)
            .select_from(b.outerjoin(p, p.c.id == b.c.pack))
            .where(b.c.digest.in_(chunk))
        )
        for key, size, pack, offset in rows:
            found[bytes(key).hex()] = BlobLocation(int(size), pack or "", int(offset))
    return found


def present(connection: Connection, digests: Iterable[str]) -> set[str]:
    """Those of ``digests`` the index holds."""
    from sqlalchemy import select

    from heron.store import schema

    b = schema.blobs
    found: set[str] = set()
    for chunk in _chunks(_stored_all(digests)):
        rows = connection.execute(select(b.c.digest).where(b.c.digest.in_(chunk)))
        found.update(bytes(key).hex() for (key,) in rows)
    return found


def count(connection: Connection) -> int:
    """How many blobs the index holds."""
    from sqlalchemy import func, select

    from heron.store import schema

    return int(connection.execute(select(func.count()).select_from(schema.blobs)).scalar_one())


def every_row(connection: Connection) -> list[IndexedBlob]:
    """Every index row (for gc and verify, which look at all of them)."""
    from sqlalchemy import select

    from heron.store import schema

    b, p, w = schema.blobs, schema.blob_packs, schema.blob_batches
    rows = connection.execute(
        select(b.c.digest, b.c.size, p.c.name, b.c.offset, w.c.created_at).select_from(
            b.outerjoin(p, p.c.id == b.c.pack).join(w, w.c.id == b.c.batch)
        )
    )
    return [
        IndexedBlob(bytes(key).hex(), int(size), pack or "", int(offset), float(created_at))
        for key, size, pack, offset, created_at in rows
    ]


def delete(connection: Connection, digests: Iterable[str]) -> int:
    """Drop the index rows of ``digests``; how many there were."""
    from sqlalchemy import delete as delete_rows

    from heron.store import schema

    b = schema.blobs
    removed = 0
    for chunk in _chunks(_stored_all(digests)):
        removed += connection.execute(delete_rows(b).where(b.c.digest.in_(chunk))).rowcount
    return removed


def delete_at(connection: Connection, digest: str, pack: str, offset: int) -> bool:
    """Drop a blob's index row if it still says ``pack``/``offset``; whether it did."""
    from sqlalchemy import and_, select
    from sqlalchemy import delete as delete_rows

    from heron.store import schema

    key = _stored(digest)
    if key is None:
        return False
    b, p = schema.blobs, schema.blob_packs
    where_pack = (
        b.c.pack == select(p.c.id).where(p.c.name == pack).scalar_subquery()
        if pack
        else b.c.pack.is_(None)
    )
    statement = delete_rows(b).where(and_(b.c.digest == key, where_pack, b.c.offset == offset))
    return bool(connection.execute(statement).rowcount)


# -- the sync pusher's cursor ------------------------------------------------------------------


def last_batch(connection: Connection) -> int:
    """The number of the latest index write (0 before the first): a blob indexed later gets a
    larger one, so "sent everything up to batch N" is a cursor."""
    from sqlalchemy import func, select

    from heron.store import schema

    value = connection.execute(select(func.max(schema.blob_batches.c.id))).scalar()
    return int(value or 0)


def indexed_between(
    connection: Connection, after: int, upto: int, *, after_digest: str = "", limit: int = 1000
) -> list[tuple[str, int]]:
    """(digest, size) of at most ``limit`` blobs indexed by a write numbered in
    (``after``, ``upto``], in digest order from after ``after_digest``.

    The index is keyed by digest, not by write, so this scans it; a caller pages through one
    push's range with ``after_digest`` and so reads the index once per push.
    """
    from sqlalchemy import and_, select

    from heron.store import schema

    if after >= upto:
        return []
    b = schema.blobs
    where = [b.c.batch > after, b.c.batch <= upto]
    if after_digest:
        where.append(b.c.digest > bytes.fromhex(after_digest))
    rows = connection.execute(
        select(b.c.digest, b.c.size).where(and_(*where)).order_by(b.c.digest).limit(limit)
    )
    return [(bytes(key).hex(), int(size)) for key, size in rows]


def count_after(connection: Connection, after: int) -> int:
    """How many blobs were indexed by a write numbered after ``after`` (none read when there
    was no such write)."""
    from sqlalchemy import func, select

    from heron.store import schema

    if last_batch(connection) <= after:
        return 0
    b = schema.blobs
    value = connection.execute(
        select(func.count()).select_from(b).where(b.c.batch > after)
    ).scalar()
    return int(value or 0)
