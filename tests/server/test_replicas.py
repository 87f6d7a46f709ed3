"""Two `heron server` replicas on one PostgreSQL database serve one consistent store.

Real concurrent clients (threads, each with its own connection, released together by a
barrier) write through both replicas at once: version numbers stay dense and unique, identical
content makes one version, an alias ends on exactly one version, and a run id is created once.
A tiny reverse proxy (examples/team_server/proxy.py, as docs/team-server.md shows it) spreads
requests over both replicas.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from heron.store import users as user_store
from heron.store.store import Store
from tests.fixtures.heron_server import ServerProcess, running_servers, wait_for
from tests.fixtures.pg_databases import fresh_database

PROJECT = "team"
CLIENTS = 8


def _service(variable: str) -> str:
    value = os.environ.get(variable)
    if not value:
        pytest.fail(
            f"{variable} is not set: run the tests with `make test` (it starts the services)"
        )
    return value


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[list[ServerProcess], str]]:
    """Two replicas with accounts on, as docs/team-server.md sets them up: one PostgreSQL
    database, one S3 bucket prefix, their own cache directories; and an admin's API key.
    Shared by this module's tests, each of which writes to a project of its own."""
    root = tmp_path_factory.mktemp("cluster")
    with fresh_database() as pg_url:
        store = Store.open(root / "setup", database_url=pg_url)
        key = user_store.create_user(store.engine, "alice", admin=True).key
        store.close()
        blobs = f"s3://{_service('HERON_TEST_S3_BUCKET')}/replicas-{uuid.uuid4().hex[:12]}"
        env = {
            "AWS_ACCESS_KEY_ID": _service("HERON_TEST_S3_KEY"),
            "AWS_SECRET_ACCESS_KEY": _service("HERON_TEST_S3_SECRET"),
            "HERON_BLOBS_URL": blobs,
            "HERON_S3_ENDPOINT": _service("HERON_TEST_S3_ENDPOINT"),
        }
        arguments = [["--dir", str(root / f"replica-{n}"), "--db", pg_url] for n in range(2)]
        with running_servers(*arguments, env=env) as servers:
            assert all(f"blobs: {blobs};" in server.banner for server in servers)
            yield servers, key


@pytest.fixture
def project() -> str:
    """A project of this test's own on the shared replicas."""
    return f"team-{uuid.uuid4().hex[:8]}"


def _together(count: int, action: Callable[[int], httpx.Response]) -> list[httpx.Response]:
    """Run ``action(i)`` for i in range(count) on as many threads, released at one moment."""
    barrier = threading.Barrier(count)

    def run(i: int) -> httpx.Response:
        barrier.wait(timeout=60)
        return action(i)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def _client(servers: list[ServerProcess], key: str, i: int) -> httpx.Client:
    """A client of replica ``i % 2``, signed in with ``key``."""
    return httpx.Client(
        base_url=servers[i % 2].url,
        headers={"Authorization": f"Bearer {key}"},
        timeout=60,
    )


def _manifest(tag: str) -> dict[str, Any]:
    return {
        "name": "model",
        "type": "model",
        "entries": [{"path": "weights", "size": 0, "ref_uri": f"s3://weights/{tag}"}],
    }


def _commit(
    servers: list[ServerProcess], key: str, project: str, i: int, tag: str
) -> httpx.Response:
    with _client(servers, key, i) as client:
        return client.post(f"api/sync/projects/{project}/artifacts", json=_manifest(tag))


def _versions(server: ServerProcess, key: str, project: str) -> list[dict[str, Any]]:
    with _client([server, server], key, 0) as client:
        answer = client.get(f"api/projects/{project}/artifacts/model")
        assert answer.status_code == 200, answer.text
    return [
        {"version": int(v["version"].removeprefix("v")), "aliases": v["aliases"]}
        for v in answer.json()["versions"]
    ]


def test_versions_committed_through_both_replicas_are_numbered_once_each(
    cluster: tuple[list[ServerProcess], str],
    project: str,
) -> None:
    servers, key = cluster
    per_client = 3

    def commit_three(i: int) -> httpx.Response:
        answer = httpx.Response(500)
        for n in range(per_client):
            answer = _commit(servers, key, project, i + n, f"client-{i}-{n}")
            assert answer.status_code == 200, answer.text
        return answer

    _together(CLIENTS, commit_three)
    total = CLIENTS * per_client
    for server in servers:  # both replicas see the same, dense numbering
        numbers = sorted(v["version"] for v in _versions(server, key, project))
        assert numbers == list(range(total))
        latest = [v["version"] for v in _versions(server, key, project) if "latest" in v["aliases"]]
        assert latest == [total - 1]


def test_identical_content_committed_at_once_makes_one_version(
    cluster: tuple[list[ServerProcess], str],
    project: str,
) -> None:
    servers, key = cluster
    answers = _together(CLIENTS, lambda i: _commit(servers, key, project, i, "same"))
    assert [a.status_code for a in answers] == [200] * CLIENTS, [a.text for a in answers]
    bodies = [a.json() for a in answers]
    assert len({b["version_id"] for b in bodies}) == 1
    assert sorted(b["created"] for b in bodies) == [False] * (CLIENTS - 1) + [True]
    assert [v["version"] for v in _versions(servers[1], key, project)] == [0]


def test_an_alias_moved_through_both_replicas_ends_on_one_version(
    cluster: tuple[list[ServerProcess], str],
    project: str,
) -> None:
    servers, key = cluster
    for n in range(4):
        assert _commit(servers, key, project, n, f"v{n}").status_code == 200

    def move(i: int) -> httpx.Response:
        with _client(servers, key, i) as client:
            last = httpx.Response(500)
            for round_ in range(3):
                target = f"v{(i + round_) % 4}"
                last = client.post(
                    f"api/projects/{project}/artifacts/model/{target}/aliases",
                    json={"alias": "best"},
                )
                assert last.status_code == 200, last.text
            return last

    _together(CLIENTS, move)
    seen = []
    for server in servers:
        holders = [v["version"] for v in _versions(server, key, project) if "best" in v["aliases"]]
        assert len(holders) == 1
        seen.append(holders[0])
    assert seen[0] == seen[1]


def test_a_run_pushed_through_both_replicas_at_once_is_created_once(
    cluster: tuple[list[ServerProcess], str],
    project: str,
) -> None:
    servers, key = cluster

    def push(i: int) -> httpx.Response:
        record = {
            "id": "shared-run",
            "name": f"attempt {i}",
            "state": "running",
            "created_at": 1.0,
            "updated_at": 1.0 + i,
            "heartbeat_at": 1.0 + i,
        }
        with _client(servers, key, i) as client:
            return client.post(f"api/sync/projects/{project}/runs", json=record)

    answers = _together(CLIENTS, push)
    # The push is an idempotent upsert by id: every client is answered, none gets a conflict.
    assert [a.status_code for a in answers] == [200] * CLIENTS, [a.text for a in answers]
    for server in servers:
        with _client([server, server], key, 0) as client:
            runs = client.get(f"api/projects/{project}/runs").json()["runs"]
        assert [r["id"] for r in runs] == ["shared-run"]


def test_a_file_uploaded_through_one_replica_downloads_from_the_other(
    cluster: tuple[list[ServerProcess], str],
    project: str,
) -> None:
    servers, key = cluster
    data = os.urandom(300_000)
    digest = hashlib.sha256(data).hexdigest()
    with _client(servers, key, 0) as first:
        assert first.put(f"api/sync/blobs/{digest}", content=data).status_code == 200
        manifest = {
            "name": "model",
            "type": "model",
            "entries": [{"path": "weights.bin", "size": len(data), "sha256": digest}],
        }
        committed = first.post(f"api/sync/projects/{project}/artifacts", json=manifest)
        assert committed.status_code == 200, committed.text
    # The other replica never saw the upload: it reads the blob from the shared bucket.
    with _client(servers, key, 1) as second:
        answer = second.get(f"api/projects/{project}/artifacts/model/v0/files/weights.bin")
        assert answer.status_code == 200, answer.text
        assert answer.content == data


def test_one_run_object_pushed_through_both_replicas_at_once_is_stored_once(
    cluster: tuple[list[ServerProcess], str],
    project: str,
) -> None:
    servers, key = cluster
    record = {"id": "r", "name": "r", "state": "running", "created_at": 1.0,
              "updated_at": 1.0, "heartbeat_at": 1.0}  # fmt: skip
    with _client(servers, key, 0) as client:
        assert client.post(f"api/sync/projects/{project}/runs", json=record).status_code == 200

    def push(i: int) -> httpx.Response:
        item = {"key": "summary_table", "step": 0, "kind": "histogram",
                "payload": f'{{"writer": {i}}}', "logged_at": 1.0}  # fmt: skip
        with _client(servers, key, i) as client:
            return client.post(
                f"api/sync/projects/{project}/runs/r/objects", json={"objects": [item]}
            )

    answers = _together(CLIENTS, push)
    assert [a.status_code for a in answers] == [200] * CLIENTS, [a.text for a in answers]


_TRAIN = """
import sys
import heron
run = heron.init(project=sys.argv[1], name="train", config={"lr": 0.1})
for step in range(300):
    run.log({"loss": 1.0 / (step + 1)}, step=step)
artifact = heron.Artifact("weights", type="model")
with artifact.new_file("weights.bin", mode="wb") as handle:
    handle.write(bytes(range(256)) * 1000)
run.log_artifact(artifact)
run.finish()
print(run.id)
"""


def test_the_sdk_logs_through_the_proxy_to_both_replicas(
    cluster: tuple[list[ServerProcess], str], project: str, tmp_path: Path
) -> None:
    servers, key = cluster
    with _proxy(servers) as url:
        trained = subprocess.run(
            [sys.executable, "-c", _TRAIN, project],
            capture_output=True,
            text=True,
            timeout=300,
            env={
                **os.environ,
                "HERON_URL": url,
                "HERON_API_KEY": key,
                "HERON_DIR": str(tmp_path / "spool"),
                "XDG_CONFIG_HOME": str(tmp_path / "config"),
                "HERON_DATABASE_URL": "",
            },
        )
    assert trained.returncode == 0, trained.stderr
    run_id = trained.stdout.strip().splitlines()[-1]
    # finish() waited for the push: each replica serves the whole run and its artifact.
    for n in range(len(servers)):
        with _client(servers, key, n) as client:
            runs = client.get(f"api/projects/{project}/runs").json()["runs"]
            assert [(r["id"], r["state"]) for r in runs] == [(run_id, "finished")]
            series = client.get(
                f"api/projects/{project}/series",
                params={"key": "loss", "run": run_id, "max_points": 1000},
            ).json()["series"]
            assert series[0]["steps"] == list(range(300))
            weights = client.get(f"api/projects/{project}/artifacts/weights/v0/files/weights.bin")
            assert weights.content == bytes(range(256)) * 1000


def test_a_browser_signed_in_through_one_replica_is_signed_in_on_the_other(
    cluster: tuple[list[ServerProcess], str],
) -> None:
    servers, key = cluster
    first, second = servers
    # As a browser does: the sign-in form posts from the server's own origin.
    origin = first.url.rstrip("/")
    signed_in = httpx.post(
        f"{first.url}api/auth/login", json={"key": key}, headers={"Origin": origin}, timeout=30
    )
    assert signed_in.status_code == 200, signed_in.text
    cookies = dict(signed_in.cookies)
    assert cookies
    me = httpx.get(f"{second.url}api/auth/me", cookies=cookies, timeout=30).json()
    assert me["user"]["name"] == "alice"


_CREATE_RUN = """
import sys, time
from heron.errors import RunExistsError
from heron.store import runs
from heron.store.store import Store
store = Store.open(sys.argv[1], database_url=sys.argv[2])
sys.stdin.readline()  # the start signal
now = time.time()
values = {"id": "same-id", "name": sys.argv[1], "state": "running", "created_at": now,
          "updated_at": now, "heartbeat_at": now, "last_step": -1}
try:
    runs.create_run(store.engine, "team", values)
except RunExistsError as error:
    print("exists:", error)
else:
    print("created")
store.close()
"""


def test_creating_one_run_id_from_four_processes_at_once_creates_it_once(
    tmp_path: Path, pg_url: str
) -> None:
    Store.open(tmp_path / "setup", database_url=pg_url).close()
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _CREATE_RUN, str(tmp_path / f"client-{n}"), pg_url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "HERON_DATABASE_URL": ""},
        )
        for n in range(4)
    ]
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    outputs = [process.communicate(timeout=120) for process in processes]
    said = sorted(stdout.strip() for stdout, _ in outputs)
    assert said == ["created"] + ["exists: a run with id 'same-id' already exists"] * 3, outputs
    store = Store.open(tmp_path / "setup", database_url=pg_url)
    from heron.store import runs

    assert [r.id for r in runs.list_runs(store.engine, "team")] == ["same-id"]
    store.close()


@contextmanager
def _proxy(servers: list[ServerProcess]) -> Iterator[str]:
    """examples/team_server/proxy.py in front of ``servers``; yields its URL."""
    root = Path(__file__).resolve().parents[2]
    proxy = subprocess.Popen(
        [
            sys.executable,
            str(root / "examples" / "team_server" / "proxy.py"),
            "--port",
            "0",
            *(server.url for server in servers),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proxy.stdout is not None
        line = proxy.stdout.readline()
        assert line.startswith("proxy: listening on "), line
        yield line.rsplit(" ", 1)[1].strip()
    finally:
        proxy.terminate()
        proxy.wait(timeout=30)
        for stream in (proxy.stdout, proxy.stderr):
            if stream:
                stream.close()


def test_a_reverse_proxy_spreads_requests_over_both_replicas(
    cluster: tuple[list[ServerProcess], str],
    project: str,
) -> None:
    servers, key = cluster
    headers = {"Authorization": f"Bearer {key}", "X-Request-ID": "through-proxy"}
    with _proxy(servers) as url, httpx.Client(base_url=url, headers=headers, timeout=60) as client:
        for n in range(4):
            committed = client.post(
                f"api/sync/projects/{project}/artifacts", json=_manifest(f"p{n}")
            )
            assert committed.status_code == 200, committed.text
            assert committed.headers["x-request-id"] == "through-proxy"
        versions = client.get(f"api/projects/{project}/artifacts/model").json()["versions"]
        assert sorted(v["version"] for v in versions) == ["v0", "v1", "v2", "v3"]
        assert client.get("api/ready").status_code == 200

    def both_served() -> bool:
        return all(
            any(r["request_id"] == "through-proxy" for r in server.access_log())
            for server in servers
        )

    wait_for(both_served, "both replicas to log requests sent through the proxy")
    for server in servers:
        # The access log names the user the key belongs to.
        users = {r["user"] for r in server.access_log() if r["request_id"] == "through-proxy"}
        assert "alice" in users


def test_a_run_object_replaced_by_many_writers_at_once_is_kept_once(
    tmp_path: Path, pg_url: str
) -> None:
    from heron.store import runs

    store = Store.open(tmp_path / "setup", database_url=pg_url)
    try:
        runs.create_run(
            store.engine,
            PROJECT,
            {"id": "r", "name": "r", "state": "running", "created_at": 1.0,
             "updated_at": 1.0, "heartbeat_at": 1.0, "last_step": -1},
        )  # fmt: skip
        barrier = threading.Barrier(CLIENTS)

        def put(i: int) -> None:
            barrier.wait(timeout=60)
            runs.put_run_object(store.engine, "r", "predictions", 3, "table", {"writer": i})

        with ThreadPoolExecutor(CLIENTS) as pool:
            list(pool.map(put, range(CLIENTS)))  # every writer succeeds
        objects = runs.read_objects(store.engine, "r", key="predictions")
        assert len(objects) == 1
        assert objects[0][3]["writer"] in range(CLIENTS)
    finally:
        store.close()


def test_moving_an_alias_onto_a_version_another_replica_deleted_is_a_clear_not_found(
    tmp_path: Path, pg_url: str
) -> None:
    from heron.errors import NotFoundError
    from heron.store import artifacts as artifact_store
    from heron.store.artifact_edits import delete_version
    from tests.fixtures.local import make_store

    make_store(tmp_path / "a", pg_url, versions=3)
    store = Store.open(tmp_path / "a", database_url=pg_url)
    try:
        artifact_store.set_alias(
            store.engine, artifact_store.resolve(store.engine, "p/model:v0"), "best"
        )
        # This replica found v1; another deletes it before the move reaches the database.
        found = artifact_store.resolve(store.engine, "p/model:v1")
        delete_version(store.engine, found)
        with pytest.raises(NotFoundError, match=r"p/model:v1 no longer exists"):
            artifact_store.set_alias(store.engine, found, "best")
        best = artifact_store.resolve(store.engine, "p/model:best")
        assert best.version == 0
    finally:
        store.close()
