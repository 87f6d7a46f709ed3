"""Large blobs go from the client straight to the object store, and resume after interruption.

A real ``heron server`` on PostgreSQL keeps its blobs in the shared SeaweedFS; clients reach
the object store through a small TCP relay (the server's ``--s3-public-endpoint``), which
counts the bytes they send it, while the server's access log shows every request it received.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

import heron
from heron.store import users as user_store
from heron.store.store import Store
from heron.store.tables import TableRecord, get_table, open_part
from heron.sync.direct import DIRECT_THRESHOLD, DirectUploader
from heron.sync.http import ApiClient, ServerRefused
from heron.sync.pusher import Pusher
from tests.fixtures.heron_server import ServerProcess, running_servers
from tests.fixtures.s3_support import keys, remove_test_objects, s3_client, use_s3
from tests.sync.server import ServerProcess as LocalServer

__all__ = ["remove_test_objects"]  # the fixture deleting what a test stored in the shared S3

MIB = 1024 * 1024
SIZE = 40 * MIB


class CountingRelay:
    """A TCP relay to ``upstream`` counting the bytes clients send through it."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.target = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.endpoint = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.sent = 0
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            upstream = socket.create_connection(self.target)
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, count: bool) -> None:
        try:
            while data := source.recv(1 << 16):
                if count:
                    with self._lock:
                        self.sent += len(data)
                target.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                target.shutdown(socket.SHUT_WR)
            source.close()

    def close(self) -> None:
        """Stop accepting connections."""
        self.listener.close()


@dataclass
class TeamServer:
    """A team server on S3, the relay its clients reach S3 by, and alice's key."""

    server: ServerProcess
    relay: CountingRelay
    key: str
    blobs_url: str

    def client(self) -> ApiClient:
        """An API client signed in as alice."""
        return ApiClient(self.server.url.rstrip("/"), self.key)

    def requests(self) -> list[str]:
        """``METHOD path`` of every request the server received so far."""
        return [f"{line['method']} {line['path']}" for line in self.server.access_log()]


@pytest.fixture
def team(
    tmp_path: Path, pg_url: str, s3_settings: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[TeamServer]:
    """``heron server`` on PostgreSQL + S3, handing out part URLs that go through the relay."""
    with _team_server(tmp_path, pg_url, s3_settings, monkeypatch, {}) as team:
        yield team


@contextlib.contextmanager
def _team_server(
    tmp_path: Path,
    pg_url: str,
    s3_settings: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    extra_env: dict[str, str],
) -> Iterator[TeamServer]:
    blobs_url = use_s3(monkeypatch, s3_settings)
    store = Store.open(
        tmp_path / "setup",
        database_url=pg_url,
        blobs_url=blobs_url,
        s3_endpoint=s3_settings["endpoint"],
    )
    key = user_store.create_user(store.engine, "alice").key
    store.close()
    relay = CountingRelay(s3_settings["endpoint"])
    env = {
        "HERON_BLOBS_URL": blobs_url,
        "HERON_S3_ENDPOINT": s3_settings["endpoint"],
        **extra_env,
    }
    arguments = ["--dir", str(tmp_path / "server"), "--db", pg_url]
    arguments += ["--s3-public-endpoint", relay.endpoint]
    try:
        with running_servers(arguments, env=env) as servers:
            yield TeamServer(servers[0], relay, key, blobs_url)
    finally:
        relay.close()


@pytest.fixture
def client_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A local store holding a run that logged a 40 MiB file as an artifact."""
    for name in ("HERON_URL", "HERON_API_KEY", "HERON_DATABASE_URL", "HERON_BLOBS_URL"):
        monkeypatch.delenv(name, raising=False)
    store_dir = tmp_path / "client"
    monkeypatch.setenv("HERON_DIR", str(store_dir))
    weights = tmp_path / "weights.bin"
    weights.write_bytes(os.urandom(SIZE))
    with heron.init(project="big", name="train") as run:
        artifact = heron.Artifact("model", type="model")
        artifact.add_file(str(weights))
        run.log_artifact(artifact)
    return store_dir


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _missing(team: TeamServer, digests: list[str]) -> list[str]:
    answer = httpx.post(
        f"{team.server.url}api/sync/blobs/missing",
        json={"digests": digests},
        headers={"Authorization": f"Bearer {team.key}"},
        timeout=60,
    )
    answer.raise_for_status()
    missing: list[str] = answer.json()["missing"]
    return missing


def _push(store_dir: Path, client: ApiClient, pusher_hook: object = None) -> Pusher:
    store = Store.open(store_dir, create=False)
    pusher = Pusher(store, client)
    if pusher_hook is not None:
        pusher.direct.on_part = pusher_hook  # type: ignore[assignment]
    try:
        pusher.push()
    finally:
        store.close()
    return pusher


class Interrupted(Exception):
    """Raised by a test to cut a push off."""


def test_a_large_file_goes_straight_to_the_object_store(
    team: TeamServer, client_store: Path, tmp_path: Path, s3_settings: dict[str, str]
) -> None:
    digest = _digest(tmp_path / "weights.bin")
    client = team.client()
    try:
        _push(client_store, client)
    finally:
        client.close()

    assert _missing(team, [digest]) == []
    # The bytes went to the object store (through the relay), none through the server.
    assert team.relay.sent >= SIZE
    assert not [r for r in team.requests() if "/uploads/" in r or "/blobs/batch" in r]
    assert f"PUT /api/sync/blobs/{digest}" not in team.requests()
    assert f"POST /api/sync/direct/{digest}" in team.requests()
    # It is the blob, at its own key; nothing is left in staging.
    prefix = team.blobs_url.removeprefix(f"s3://{s3_settings['bucket']}/")
    assert f"{prefix}/objects/{digest[:2]}/{digest}" in keys(s3_settings, team.blobs_url)
    assert keys(s3_settings, team.blobs_url, "staging/") == []
    served = httpx.get(
        f"{team.server.url}api/sync/blobs/{digest}",
        headers={"Authorization": f"Bearer {team.key}"},
        timeout=120,
    )
    assert hashlib.sha256(served.content).hexdigest() == digest


def test_an_interrupted_upload_resumes_with_the_parts_not_yet_sent(
    team: TeamServer, client_store: Path, tmp_path: Path
) -> None:
    digest = _digest(tmp_path / "weights.bin")

    def stop_after_first(number: int, size: int) -> None:
        raise Interrupted(f"cut off after part {number}")

    client = team.client()
    try:
        with pytest.raises(Interrupted):
            _push(client_store, client, stop_after_first)
    finally:
        client.close()
    first = team.relay.sent
    state = json.loads(next((client_store / "sync").glob("*.direct.json")).read_text())
    assert state[digest]["done"] == [1]
    assert _missing(team, [digest]) == [digest]

    sent: list[int] = []
    client = team.client()
    try:
        _push(client_store, client, lambda number, size: sent.append(number))
    finally:
        client.close()

    part = 8 * MIB
    assert sent == [2, 3, 4, 5]
    resumed = team.relay.sent - first
    assert SIZE - part <= resumed < SIZE - part + MIB  # the remaining parts and their headers
    assert _missing(team, [digest]) == []
    assert json.loads(next((client_store / "sync").glob("*.direct.json")).read_text()) == {}


def test_an_upload_assembled_before_the_client_heard_back_is_stored_without_resending(
    team: TeamServer, client_store: Path, tmp_path: Path, s3_settings: dict[str, str]
) -> None:
    digest = _digest(tmp_path / "weights.bin")

    def stop_after_last(number: int, size: int) -> None:
        if number == 5:
            raise Interrupted("cut off before completing")

    client = team.client()
    try:
        with pytest.raises(Interrupted):
            _push(client_store, client, stop_after_last)
    finally:
        client.close()
    # The object store assembles the parts, as a completion whose answer was lost would.
    entry = json.loads(next((client_store / "sync").glob("*.direct.json")).read_text())[digest]
    prefix = team.blobs_url.removeprefix(f"s3://{s3_settings['bucket']}/")
    staging = f"{prefix}/staging/{digest}/{entry['staging']}"
    s3 = s3_client(s3_settings)
    bucket = s3_settings["bucket"]
    held = s3.list_parts(Bucket=bucket, Key=staging, UploadId=entry["upload_id"])["Parts"]
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key=staging,
        UploadId=entry["upload_id"],
        MultipartUpload={
            "Parts": [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]} for p in held]
        },
    )
    before = team.relay.sent

    sent: list[int] = []
    client = team.client()
    try:
        _push(client_store, client, lambda number, size: sent.append(number))
    finally:
        client.close()

    assert sent == []
    assert team.relay.sent == before
    assert _missing(team, [digest]) == []
    assert keys(s3_settings, team.blobs_url, "staging/") == []


def test_bytes_not_matching_the_announced_hash_are_refused_and_not_stored(
    team: TeamServer, tmp_path: Path, s3_settings: dict[str, str]
) -> None:
    path = tmp_path / "claimed.bin"
    path.write_bytes(os.urandom(DIRECT_THRESHOLD + MIB))
    claimed = hashlib.sha256(b"something else").hexdigest()
    client = team.client()
    uploader = DirectUploader(tmp_path / "store", client)
    try:
        with pytest.raises(ServerRefused) as refused:
            uploader.send(claimed, path)
        too_big = client.request(
            "POST", f"/api/sync/direct/{claimed}", json_body={"size": 1 << 45}, accept=(413,)
        )
    finally:
        uploader.close()
        client.close()

    assert refused.value.status == 422
    assert claimed in str(refused.value)
    assert _missing(team, [claimed]) == [claimed]
    assert keys(s3_settings, team.blobs_url, "staging/") == []
    assert keys(s3_settings, team.blobs_url, f"objects/{claimed[:2]}/") == []
    assert uploader.pending() == {}
    assert too_big[0] == 413


def test_a_server_keeping_blobs_in_its_directory_gets_them_in_chunks(
    client_store: Path, tmp_path: Path
) -> None:
    server = LocalServer(tmp_path / "server-data")
    server.start()
    digest = _digest(tmp_path / "weights.bin")
    client = ApiClient(server.url, server.api_key)
    try:
        direct = DirectUploader(tmp_path / "probe", client)
        assert direct.send(digest, tmp_path / "weights.bin") is False
        _push(client_store, client)
    finally:
        client.close()
        server.stop()

    store = Store.open(server.store_dir, create=False)
    try:
        assert hashlib.sha256(store.blobs.get(digest)).hexdigest() == digest
    finally:
        store.close()


def test_a_server_with_direct_uploads_off_takes_large_files_itself(
    client_store: Path,
    tmp_path: Path,
    pg_url: str,
    s3_settings: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    digest = _digest(tmp_path / "weights.bin")
    off = {"HERON_DIRECT_UPLOADS": "0"}
    with _team_server(tmp_path, pg_url, s3_settings, monkeypatch, off) as team:
        client = team.client()
        try:
            _push(client_store, client)
        finally:
            client.close()

        assert _missing(team, [digest]) == []
        assert team.relay.sent == 0
        assert f"POST /api/sync/uploads/{digest}/blob" in team.requests()


def test_table_parts_and_mid_sized_files_are_sent_as_blobs_every_replica_reads(
    team: TeamServer,
    tmp_path: Path,
    pg_url: str,
    s3_settings: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Nothing may be staged on the disk of the server process that took the bytes: behind a
    # load balancer another process registers the table, so no chunked upload at all.
    for name in ("HERON_URL", "HERON_API_KEY", "HERON_DATABASE_URL", "HERON_BLOBS_URL"):
        monkeypatch.delenv(name, raising=False)
    store_dir = tmp_path / "client"
    monkeypatch.setenv("HERON_DIR", str(store_dir))
    mid = tmp_path / "mid.bin"
    mid.write_bytes(os.urandom(12 * MIB))  # over one request, under the direct-upload size
    noise = [base64.b64encode(os.urandom(48 * 1024)).decode("ascii") for _ in range(250)]
    with heron.init(project="big", name="eval") as run:
        run.log({"small": heron.Table(columns=["id", "label"], data=[[1, "a"], [2, "b"]])})
        run.log({"large": heron.Table(columns=["id", "noise"], data=list(enumerate(noise)))})
        artifact = heron.Artifact("mid", type="data")
        artifact.add_file(str(mid))
        run.log_artifact(artifact)
    local = Store.open(store_dir, create=False)
    try:
        with local.engine.connect() as connection:
            ids = [row[0] for row in connection.exec_driver_sql("SELECT id FROM tables")]
        expected = {
            table_id: [_part_digest(local.root, get_table(local.engine, table_id), i)
                       for i in range(len(get_table(local.engine, table_id).parts))]
            for table_id in ids
        }  # fmt: skip
    finally:
        local.close()
    sizes = [os.path.getsize(p) for p in (store_dir / "tables").rglob("*.parquet")]
    assert max(sizes) > 8 * MIB and min(sizes) < MIB  # one part direct, one in one request

    client = team.client()
    try:
        _push(store_dir, client)
    finally:
        client.close()

    requests = team.requests()
    assert not [r for r in requests if "/uploads/" in r]
    assert f"POST /api/sync/direct/{_digest(mid)}" in requests
    assert _missing(team, [_digest(mid)]) == []
    # Another replica (its own empty directory, the same database and object store) reads
    # every part of both tables, byte for byte.
    other = Store.open(
        tmp_path / "other-replica",
        database_url=pg_url,
        blobs_url=team.blobs_url,
        s3_endpoint=s3_settings["endpoint"],
    )
    try:
        for table_id, digests in expected.items():
            record = get_table(other.engine, table_id)
            assert [_part_digest(other.root, record, i) for i in range(len(digests))] == digests
    finally:
        other.close()


def _part_digest(root: Path, record: TableRecord, index: int) -> str:
    fd = open_part(root, record, index)
    with open(fd, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
