"""Symlinks planted inside a store are never followed: table parts are not read through them (by
the SDK's queries and by the server's table routes) and blobs are not written through them. The
store's own top-level directories may be links (to put them on another disk)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import heron
from heron.errors import IntegrityError
from heron.server import create_app
from heron.store.blobs import sha256_hex
from heron.store.store import Store
from tests.fixtures.local import local_client

KEY = "predictions"


@pytest.fixture
def logged(store_dir: Path) -> tuple[str, str, Path]:
    """A run that logged one table: (run path, run id, the table's directory in the store)."""
    table = heron.Table(columns=["id", "label"], data=[[i, f"row {i}"] for i in range(5)])
    with heron.init(project="p", dir=store_dir) as run:
        run.log({KEY: table})
    directories = [p for p in (store_dir / "tables").iterdir() if p.is_dir()]
    assert len(directories) == 1
    return run.path, run.id, directories[0]


def _plant_link_at_part(table_dir: Path, outside: Path) -> Path:
    """Replace the table's one part by a link to a copy of it outside the store (right bytes)."""
    part = next(table_dir.glob("*.parquet"))
    outside.mkdir(exist_ok=True)
    copy = outside / part.name
    shutil.copyfile(part, copy)
    part.unlink()
    part.symlink_to(copy)
    return copy


def _plant_link_at_directory(table_dir: Path, outside: Path) -> None:
    """Move the table's directory out of the store and leave a link to it in its place."""
    shutil.move(table_dir, outside)
    table_dir.symlink_to(outside, target_is_directory=True)


@pytest.mark.parametrize("plant", [_plant_link_at_part, _plant_link_at_directory])
def test_a_query_refuses_a_table_read_through_a_planted_link(
    store_dir: Path, tmp_path: Path, logged: tuple[str, str, Path], plant: object
) -> None:
    run_path, _, table_dir = logged
    assert len(heron.Api(store_dir).run(run_path).table(KEY).query().to_arrow()) == 5
    plant(table_dir, tmp_path / "outside")  # type: ignore[operator]
    table = heron.Api(store_dir).run(run_path).table(KEY)
    with pytest.raises(IntegrityError, match=f"table {table_dir.name}: its part 1 of 1 is a sym"):
        table.query().to_arrow()
    with pytest.raises(IntegrityError, match=f"table {table_dir.name}"):
        heron.Api(store_dir).run(run_path).table(KEY).to_arrow()


@pytest.fixture
def client(store_dir: Path, logged: tuple[str, str, Path]) -> Iterator[TestClient]:
    """A client on a server of the store, answering errors as a browser would see them."""
    with local_client(create_app(store_dir), raise_server_exceptions=False) as test_client:
        yield test_client


def _assert_refused(response: object, table_dir: Path, store_dir: Path) -> None:
    status = getattr(response, "status_code")  # noqa: B009
    body = getattr(response, "json")()  # noqa: B009
    assert status == 500, body
    message = body["error"]["message"]
    assert body["error"]["type"] == "IntegrityError"
    assert f"table {table_dir.name}" in message and "symlink" in message
    assert str(store_dir) not in message and str(store_dir.resolve()) not in message


@pytest.mark.parametrize("plant", [_plant_link_at_part, _plant_link_at_directory])
def test_the_servers_table_routes_refuse_a_planted_link(
    store_dir: Path,
    tmp_path: Path,
    logged: tuple[str, str, Path],
    client: TestClient,
    plant: object,
) -> None:
    _, run_id, table_dir = logged
    rows_url = f"/api/projects/p/runs/{run_id}/table/rows"
    assert client.get(rows_url, params={"key": KEY}).status_code == 200
    plant(table_dir, tmp_path / "outside")  # type: ignore[operator]
    _assert_refused(client.get(rows_url, params={"key": KEY}), table_dir, store_dir)
    request = {"tables": [{"run_id": run_id, "key": KEY}], "query": {}}
    _assert_refused(client.post("/api/projects/p/query", json=request), table_dir, store_dir)
    export = client.post("/api/projects/p/query/export", json={**request, "format": "parquet"})
    _assert_refused(export, table_dir, store_dir)


def test_a_linked_top_level_tables_directory_is_still_read(
    store_dir: Path, tmp_path: Path, logged: tuple[str, str, Path]
) -> None:
    run_path, _, _ = logged
    elsewhere = tmp_path / "other-disk" / "tables"
    shutil.move(store_dir / "tables", elsewhere)
    (store_dir / "tables").symlink_to(elsewhere, target_is_directory=True)
    table = heron.Api(store_dir).run(run_path).table(KEY)
    assert table.query().to_arrow().column("id").to_pylist() == [0, 1, 2, 3, 4]
    assert table.to_arrow().num_rows == 5


def test_a_blob_is_not_written_through_a_planted_objects_link(
    store_dir: Path, tmp_path: Path
) -> None:
    data = os.urandom(2 << 20)  # large enough to be a file of its own
    digest = sha256_hex(data)
    outside = tmp_path / "outside"
    outside.mkdir()
    store = Store.open(store_dir)
    try:
        (store_dir / "blobs" / "objects" / digest[:2]).symlink_to(outside)
        with pytest.raises(IntegrityError, match=f"cannot store blob {digest}.*symlink"):
            store.blobs.put(data)
        large = tmp_path / "large.bin"
        large.write_bytes(data)
        with pytest.raises(IntegrityError, match="symlink"):
            store.blobs.put_file(large)
        assert list(outside.iterdir()) == []
        assert not store.blobs.has(digest)
    finally:
        store.close()


def test_a_blob_is_not_packed_through_a_planted_packs_link(store_dir: Path, tmp_path: Path) -> None:
    Store.open(store_dir).close()
    packs = store_dir / "blobs" / "packs"
    outside = tmp_path / "outside-packs"
    shutil.move(packs, outside)
    packs.symlink_to(outside, target_is_directory=True)
    store = Store.open(store_dir)
    try:
        with pytest.raises(IntegrityError, match="symlink"):
            store.blobs.put(b"a small blob, packed")
        assert list(outside.iterdir()) == []
    finally:
        store.close()


def test_a_linked_top_level_blobs_directory_is_still_written(
    store_dir: Path, tmp_path: Path
) -> None:
    Store.open(store_dir).close()
    elsewhere = tmp_path / "other-disk" / "blobs"
    shutil.move(store_dir / "blobs", elsewhere)
    (store_dir / "blobs").symlink_to(elsewhere, target_is_directory=True)
    store = Store.open(store_dir)
    try:
        large, small = os.urandom(2 << 20), b"small"
        digests = [store.blobs.put(large), store.blobs.put(small)]
        assert [store.blobs.get(d) for d in digests] == [large, small]
        assert (elsewhere / "objects" / digests[0][:2] / digests[0]).is_file()
    finally:
        store.close()


def test_a_table_part_is_not_written_through_a_planted_link(
    store_dir: Path, tmp_path: Path
) -> None:
    import pyarrow as pa

    from heron.store import tables as table_store

    store = Store.open(store_dir)
    try:
        table_id = table_store.new_table_id()
        outside = tmp_path / "outside-table"
        outside.mkdir()
        (store_dir / "tables" / table_id).symlink_to(outside, target_is_directory=True)
        part = table_store.part_name(table_id, 1)  # the next increment of a table being logged
        with pytest.raises(IntegrityError, match=f"cannot write table {table_id}.*symlink"):
            table_store.write_part(store.root, part, pa.table({"a": [1, 2]}))
        assert list(outside.iterdir()) == []
    finally:
        store.close()
