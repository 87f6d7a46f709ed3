"""``heron sync``'s pusher against a real server: an offline store arrives whole, once."""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import heron
from heron.store.store import Store
from heron.sync.http import ApiClient, ServerRefused
from heron.sync.pusher import Pusher
from tests.sync.logged import contents, log_workflow
from tests.sync.server import ServerProcess


def _push(store_dir: Path, server: ServerProcess) -> dict[str, int]:
    store = Store.open(store_dir, create=False)
    client = ApiClient(server.url, server.api_key)
    try:
        counts = Pusher(store, client).push()
    finally:
        client.close()
        store.close()
    return {key: value for key, value in vars(counts).items() if value}


def test_an_offline_store_arrives_whole_and_a_second_push_sends_nothing(
    store_dir: Path, tmp_path: Path, server: ServerProcess
) -> None:
    run_ids = log_workflow(tmp_path)

    first = _push(store_dir, server)
    assert first["runs"] == 2
    assert first["metric_rows"] == 300 * 2 + 1  # loss and acc per step, and infer's score
    assert first["tables"] >= 1
    assert first["artifacts"] >= 1
    assert contents(server.store_dir, run_ids) == contents(store_dir, run_ids)

    assert _push(store_dir, server) == {}


def test_a_push_whose_cursors_were_lost_stores_nothing_twice(
    store_dir: Path, tmp_path: Path, server: ServerProcess
) -> None:
    run_ids = log_workflow(tmp_path, steps=50)
    _push(store_dir, server)
    before = contents(server.store_dir, run_ids)
    for state in (store_dir / "sync").glob("*.json"):
        state.unlink()

    again = _push(store_dir, server)

    assert again["blobs"] == 0 if "blobs" in again else True
    assert contents(server.store_dir, run_ids) == before
    server_store = Store.open(server.store_dir, create=False)
    try:
        with server_store.engine.connect() as connection:
            versions = connection.exec_driver_sql("SELECT count(*) FROM artifact_versions")
            assert versions.scalar() == 1
    finally:
        server_store.close()


def test_a_blob_that_does_not_hash_to_its_name_is_refused(server: ServerProcess) -> None:
    data = b"the bytes sent"
    claimed = hashlib.sha256(b"other bytes").hexdigest()
    client = ApiClient(server.url, server.api_key)

    with pytest.raises(ServerRefused) as refused:
        client.request("PUT", f"/api/sync/blobs/{claimed}", data=data)
    missing = client.json("POST", "/api/sync/blobs/missing", {"digests": [claimed]})
    client.close()

    assert refused.value.status == 422
    assert claimed in refused.value.message
    assert missing == {"missing": [claimed]}


def test_a_push_with_a_wrong_key_is_refused_naming_the_problem(
    store_dir: Path, tmp_path: Path, server: ServerProcess
) -> None:
    log_workflow(tmp_path, steps=5)
    store = Store.open(store_dir, create=False)
    client = ApiClient(server.url, "heron_notakey_0000")
    try:
        with pytest.raises(ServerRefused) as refused:
            Pusher(store, client).push()
    finally:
        client.close()
        store.close()
    assert refused.value.status == 401
    assert "key" in refused.value.message


def test_stores_pushing_identical_tables_at_once_all_arrive(
    tmp_path: Path, server: ServerProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Identical Parquet parts share one upload on the server: a client whose upload another
    client's table took sends it again instead of failing."""
    stores = []
    for number in range(4):
        store_dir = tmp_path / f"client-{number}"
        monkeypatch.setenv("HERON_DIR", str(store_dir))
        with heron.init(project="same", id=f"client-{number}") as run:
            run.log({"t": heron.Table(columns=["id", "label"], data=[[1, "a"], [2, "b"]])})
        stores.append(store_dir)

    with ThreadPoolExecutor(len(stores)) as pool:
        list(pool.map(lambda store_dir: _push(store_dir, server), stores))

    api = heron.Api(server.store_dir)
    for number in range(4):
        assert len(api.run(f"same/client-{number}").table("t")) == 2
    # A server keeping its blobs in its directory takes the parts as uploads, held once: not
    # also as blobs, as an object-store server (possibly several replicas) takes them.
    parts = [p.read_bytes() for p in (server.store_dir / "tables").rglob("*.parquet")]
    server_store = Store.open(server.store_dir, create=False)
    try:
        digests = [hashlib.sha256(data).hexdigest() for data in parts]
        assert parts and server_store.blobs.missing(digests) == set(digests)
    finally:
        server_store.close()


def test_a_blob_over_the_request_limit_is_refused_before_it_is_stored(
    server: ServerProcess,
) -> None:
    data = bytes(9 * 1024 * 1024)
    digest = hashlib.sha256(data).hexdigest()
    client = ApiClient(server.url, server.api_key)
    try:
        with pytest.raises(ServerRefused) as refused:
            client.request("PUT", f"/api/sync/blobs/{digest}", data=data)
        missing = client.json("POST", "/api/sync/blobs/missing", {"digests": [digest]})
    finally:
        client.close()
    assert refused.value.status == 413
    assert "/api/sync/uploads" in refused.value.message  # says how to send it instead
    assert missing == {"missing": [digest]}


def test_an_interrupted_upload_resumes_at_the_byte_the_server_holds(
    server: ServerProcess,
) -> None:
    data = b"0123456789" * 1000
    digest = hashlib.sha256(data).hexdigest()
    client = ApiClient(server.url, server.api_key)
    base = f"/api/sync/uploads/{digest}?upload=resume-test"
    try:
        client.request("PUT", f"{base}&offset=0", data=data[:4000])
        # Cut off here; the sender, starting again from 0, is told where to go on from.
        status, body = client.request("PUT", f"{base}&offset=0", data=data, accept=(409,))
        assert (status, json.loads(body)) == (409, {"offset": 4000})
        client.request("PUT", f"{base}&offset=4000", data=data[4000:])
        client.request("POST", f"/api/sync/uploads/{digest}/blob?upload=resume-test")
        missing = client.json("POST", "/api/sync/blobs/missing", {"digests": [digest]})
        _, stored = client.request("GET", f"/api/sync/blobs/{digest}")
    finally:
        client.close()
    assert missing == {"missing": []}
    assert stored == data
