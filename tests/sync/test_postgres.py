"""Sync into a server whose metadata is in PostgreSQL, as a team server's is."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import heron
from heron.store import artifacts as artifact_store
from heron.store.store import Store
from heron.sync.http import ApiClient
from heron.sync.pusher import Pusher
from tests.sync.logged import contents, log_workflow
from tests.sync.server import ServerProcess


@pytest.fixture
def pg_server(tmp_path: Path, pg_url: str) -> Iterator[ServerProcess]:
    """A running server on a fresh PostgreSQL database."""
    process = ServerProcess(tmp_path / "server-data", database_url=pg_url)
    process.start()
    try:
        yield process
    finally:
        process.stop()


def _push(store_dir: Path, server: ServerProcess) -> int:
    store = Store.open(store_dir, create=False)
    client = ApiClient(server.url, server.api_key)
    try:
        counts = Pusher(store, client).push()
    finally:
        client.close()
        store.close()
    return sum(value for value in vars(counts).values())


def test_an_offline_store_arrives_whole_on_postgresql_once(
    store_dir: Path, tmp_path: Path, pg_server: ServerProcess
) -> None:
    run_ids = log_workflow(tmp_path, steps=100)

    assert _push(store_dir, pg_server) > 0

    on_server = contents(pg_server.store_dir, run_ids, pg_server.database_url)
    assert on_server == contents(store_dir, run_ids)
    assert _push(store_dir, pg_server) == 0


def test_versions_pushed_at_once_are_numbered_without_duplicates_or_gaps(
    tmp_path: Path, pg_server: ServerProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    stores = []
    for number in range(4):
        store_dir = tmp_path / f"client-{number}"
        monkeypatch.setenv("HERON_DIR", str(store_dir))
        source = tmp_path / f"data-{number}"
        source.mkdir()
        (source / "part.txt").write_text(f"content of client {number}")
        with heron.init(project="race", name=f"client-{number}") as run:
            artifact = heron.Artifact("raw", type="dataset")
            artifact.add_dir(str(source))
            run.log_artifact(artifact)
        stores.append(store_dir)

    with ThreadPoolExecutor(len(stores)) as pool:
        list(pool.map(lambda store_dir: _push(store_dir, pg_server), stores))

    server = Store.open(pg_server.store_dir, database_url=pg_server.database_url, create=False)
    try:
        versions = artifact_store.list_versions(server.engine, project="race", name="raw")
        latest = artifact_store.resolve(server.engine, "race/raw:latest")
    finally:
        server.close()
    assert sorted(version.version for version in versions) == [0, 1, 2, 3]
    assert len({version.digest for version in versions}) == 4
    assert latest.version == 3
