"""Engines for the metadata database: SQLite (WAL, one writer at a time) or PostgreSQL.

SQLite allows one writer; a transaction that starts as a reader and later writes can fail at
once with "database is locked" instead of waiting. So heron opens write transactions with
``BEGIN IMMEDIATE`` (via :func:`write`), which waits up to the busy timeout for the write lock,
and leaves read transactions deferred so readers (the UI) never block writers.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, event, insert
from sqlalchemy.pool import NullPool

from heron.store.sqlite_connection import BUSY_TIMEOUT_S, CONNECTION_PRAGMAS


def sqlite_engine(path: str) -> Engine:
    """An engine on a SQLite file, in WAL mode, safe to share between threads and processes."""
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_S},
        # A small pool of long-lived connections; SQLite connections are cheap but pragmas are not free.
        pool_size=4,
        max_overflow=8,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in CONNECTION_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if connection.get_execution_options().get("heron_write"):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")

    return engine


def postgres_engine(url: str) -> Engine:
    """An engine on PostgreSQL (``postgresql://...``; the psycopg 3 driver is used)."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    if _is_test(url):
        return create_engine(url, poolclass=NullPool)
    return create_engine(url, pool_pre_ping=True)


def _is_test(url: str) -> bool:
    # Tests create and drop a database per test; pooled connections would keep it alive.
    return "heron_test_" in url


def make_engine(url_or_path: str) -> Engine:
    """An engine for a database URL (``postgresql://...``, ``sqlite:///...``) or a SQLite path."""
    if url_or_path.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
        return postgres_engine(url_or_path.replace("postgres://", "postgresql://", 1))
    if url_or_path.startswith("sqlite:///"):
        return sqlite_engine(url_or_path[len("sqlite:///") :])
    return sqlite_engine(url_or_path)


_writer_locks: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()
_writer_locks_guard = threading.Lock()


def _writer_lock(engine: Engine) -> threading.Lock:
    with _writer_locks_guard:
        return _writer_locks.setdefault(engine, threading.Lock())


@contextmanager
def write(engine: Engine) -> Iterator[Connection]:
    """A write transaction: waits for SQLite's write lock up front; commits on success.

    On SQLite, threads of one process also queue on a Python lock first: two of them contending
    for the database lock would otherwise sleep in SQLite's busy handler (milliseconds each),
    which costs far more than waiting for each other here.
    """
    if engine.dialect.name != "sqlite":
        with engine.connect() as connection, connection.begin():
            yield connection
        return
    with (
        _writer_lock(engine),
        engine.connect().execution_options(heron_write=True) as connection,
        connection.begin(),
    ):
        yield connection


def insert_ignoring_duplicates(
    connection: Connection, table: Table, rows: Sequence[dict[str, Any]]
) -> None:
    """Insert rows, silently skipping any whose primary key already exists."""
    if not rows:
        return
    dialect = connection.dialect.name
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        connection.execute(sqlite_insert(table).on_conflict_do_nothing(), list(rows))
    elif dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        connection.execute(pg_insert(table).on_conflict_do_nothing(), list(rows))
    else:  # pragma: no cover - only the two dialects above are supported
        connection.execute(insert(table), list(rows))


def insert_if_absent(connection: Connection, table: Table, row: dict[str, Any]) -> bool:
    """Insert one row unless its primary key (or another unique key) is taken; whether it was.

    Unlike a plain insert, losing a race to another writer is an answer, not an error that
    aborts the transaction (``INSERT ... ON CONFLICT DO NOTHING RETURNING`` on both backends:
    the row count is not reliable for it on PostgreSQL, the returned key is).
    """
    key = list(table.primary_key.columns)
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        statement: Any = pg_insert(table).values(**row).on_conflict_do_nothing()
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        statement = sqlite_insert(table).values(**row).on_conflict_do_nothing()
    return connection.execute(statement.returning(*key)).first() is not None


def upsert(connection: Connection, table: Table, row: dict[str, Any]) -> None:
    """Insert one row, or replace the non-key columns of the row with its primary key.

    One statement (``INSERT ... ON CONFLICT (key) DO UPDATE``), so two writers replacing one
    row at once both succeed and one of their rows is kept, where delete-then-insert would
    make the second fail on the key the first inserted.
    """
    key = [column.name for column in table.primary_key.columns]
    changes = {name: value for name, value in row.items() if name not in key}
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        statement: Any = pg_insert(table).values(**row)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        statement = sqlite_insert(table).values(**row)
    connection.execute(statement.on_conflict_do_update(index_elements=key, set_=changes))
