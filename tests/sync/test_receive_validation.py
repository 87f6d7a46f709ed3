"""A pushed run record is checked before it is stored: a bad one would break the project's run
list for every reader of the project, not only for the writer who sent it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from heron.server import create_app
from heron.store import users as user_store
from heron.store.store import Store

RECORD = {"name": "run", "state": "finished", "created_at": 1.0, "updated_at": 2.0}
RECORD |= {"heartbeat_at": 2.0}


@pytest.fixture
def pushing(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    store = Store.open(tmp_path / "server", create=True)
    try:
        key = user_store.create_user(store.engine, "pusher").key
    finally:
        store.close()
    with TestClient(create_app(tmp_path / "server", auth=True), base_url="http://localhost") as c:
        yield c, {"Authorization": f"Bearer {key}"}


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("state", "done", "state"),
        ("config", "not json", "is not JSON text"),
        ("summary", "[1, 2]", "must be the JSON text of an object"),
        ("tags", '{"a": 1}', "tags must be the JSON text of a list of strings"),
        ("name", "n" * 257, "name"),
    ],
)
def test_a_malformed_run_record_is_refused_and_the_run_list_still_reads(
    pushing: tuple[TestClient, dict[str, str]], field: str, value: Any, said: str
) -> None:
    client, headers = pushing
    good = client.post("/api/sync/projects/p/runs", json={**RECORD, "id": "good"}, headers=headers)
    assert good.status_code == 200, good.text
    bad = {**RECORD, "id": "bad", field: value}
    refused = client.post("/api/sync/projects/p/runs", json=bad, headers=headers)
    assert refused.status_code == 422
    assert said in refused.json()["error"]["message"]
    listed = client.get("/api/projects/p/runs", headers=headers)
    assert listed.status_code == 200
    assert [run["id"] for run in listed.json()["runs"]] == ["good"]


def test_a_run_object_whose_payload_is_not_json_is_refused(
    pushing: tuple[TestClient, dict[str, str]],
) -> None:
    client, headers = pushing
    made = client.post("/api/sync/projects/p/runs", json={**RECORD, "id": "r"}, headers=headers)
    assert made.status_code == 200, made.text
    item = {"key": "chart", "step": 0, "kind": "chart", "logged_at": 1.0}
    url = "/api/sync/projects/p/runs/r/objects"
    refused = client.post(url, json={"objects": [{**item, "payload": "{oops"}]}, headers=headers)
    assert refused.status_code == 422
    assert "is not JSON text" in refused.json()["error"]["message"]
    stored = client.post(url, json={"objects": [{**item, "payload": "{}"}]}, headers=headers)
    assert stored.status_code == 200, stored.text


def _frame(digest: str, data: bytes) -> bytes:
    return digest.encode() + len(data).to_bytes(8, "big") + data


def test_a_blob_batch_stores_each_new_blob_once_and_refuses_a_wrong_hash_whole(
    pushing: tuple[TestClient, dict[str, str]],
) -> None:
    client, headers = pushing
    one, two = b"first blob", b"second blob"
    first, second = (hashlib.sha256(data).hexdigest() for data in (one, two))
    url = "/api/sync/blobs/batch"
    wrong = _frame(first, one) + _frame(second, one)
    refused = client.post(url, content=wrong, headers=headers)
    assert refused.status_code == 422
    missing = client.post("/api/sync/blobs/missing", json={"digests": [first]}, headers=headers)
    assert missing.json()["missing"] == [first]
    batch = _frame(first, one) + _frame(second, two) + _frame(first, one)
    assert client.post(url, content=batch, headers=headers).json() == {"stored": 2}
    assert client.post(url, content=batch, headers=headers).json() == {"stored": 0}
    assert client.get(f"/api/sync/blobs/{second}", headers=headers).content == two
