"""Replicas starting together on one PostgreSQL database create or upgrade its schema once.

Each process opens its own store directory on the shared database, as the replicas of a team
server do; they are released at the same moment (a line on their stdin) so their first opens
really overlap. Without the upgrade lock two of them would both create the tables (or both add
a column) and all but one would fail.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import sqlalchemy

from heron.store import schema
from heron.store.migrations import SCHEMA_VERSION
from heron.store.store import Store
from tests.fixtures.heron_server import running_servers

REPLICAS = 4

_OPEN = """
import sys
from heron.store.store import Store
from heron.store.migrations import current_version
sys.stdin.readline()  # the start signal
store = Store.open(sys.argv[1], database_url=sys.argv[2])
with store.engine.connect() as connection:
    print(current_version(connection))
store.close()
"""


def _open_together(tmp_path: Path, url: str) -> list[subprocess.CompletedProcess[str]]:
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _OPEN, str(tmp_path / f"replica-{n}"), url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "HERON_DATABASE_URL": ""},
        )
        for n in range(REPLICAS)
    ]
    # Every process has imported heron once it reads stdin; one line releases them all.
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    results = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=120)
        results.append(
            subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
        )
    return results


def _engine(url: str) -> sqlalchemy.Engine:
    return sqlalchemy.create_engine(
        url.replace("postgresql://", "postgresql+psycopg://", 1), poolclass=sqlalchemy.pool.NullPool
    )


def _stamps(url: str) -> list[str]:
    engine = _engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            sqlalchemy.select(schema.store_meta.c.value).where(
                schema.store_meta.c.key == "schema_version"
            )
        ).fetchall()
    engine.dispose()
    return [row[0] for row in rows]


def test_four_replicas_create_a_fresh_database_once(tmp_path: Path, pg_url: str) -> None:
    results = _open_together(tmp_path, pg_url)
    assert [(r.returncode, r.stdout.strip()) for r in results] == [
        (0, str(SCHEMA_VERSION))
    ] * REPLICAS, [r.stderr for r in results]
    assert _stamps(pg_url) == [str(SCHEMA_VERSION)]
    engine = _engine(pg_url)
    assert set(schema.metadata.tables) <= set(sqlalchemy.inspect(engine).get_table_names())
    engine.dispose()


def test_four_replicas_upgrade_an_old_database_once(tmp_path: Path, pg_url: str) -> None:
    Store.open(tmp_path / "first", database_url=pg_url).close()
    # Take the database back to schema version 1: before the version counter column.
    engine = _engine(pg_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE artifact_collections DROP COLUMN next_version")
        connection.execute(
            schema.store_meta.update()
            .where(schema.store_meta.c.key == "schema_version")
            .values(value="1")
        )
    results = _open_together(tmp_path, pg_url)
    assert [r.returncode for r in results] == [0] * REPLICAS, [r.stderr for r in results]
    assert _stamps(pg_url) == [str(SCHEMA_VERSION)]
    columns = [c["name"] for c in sqlalchemy.inspect(engine).get_columns("artifact_collections")]
    assert columns.count("next_version") == 1
    engine.dispose()


def test_four_servers_started_at_once_on_a_fresh_database_all_serve(
    tmp_path: Path, pg_url: str
) -> None:
    arguments = [
        ["--dir", str(tmp_path / f"replica-{n}"), "--db", pg_url, "--no-auth"]
        for n in range(REPLICAS)
    ]
    with running_servers(*arguments) as servers:
        for server in servers:
            assert httpx.get(f"{server.url}api/projects", timeout=10).json() == []
    assert _stamps(pg_url) == [str(SCHEMA_VERSION)]
