"""The team server's PostgreSQL going away in the middle of a ``heron sync``, and coming back.

A real server process keeps its metadata in a PostgreSQL of the test's own; the test stops that
PostgreSQL once the push has landed its first records, keeps it down a while and starts it
again. While it is down the server answers 503 naming the database (never a 500); the client
retries and finishes once it is back; afterwards the server holds what was logged exactly
once, and at no point does an artifact version show without its whole manifest.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import psycopg

import heron
from tests.fixtures.private_postgres import PrivatePostgres, private_postgres
from tests.sync.logged import contents, log_workflow
from tests.sync.server import ServerProcess

__all__ = ["private_postgres"]  # the fixture, imported for pytest to find

DOWN_SECONDS = 4.0
EXTRA_RUNS = 120


def _call(server: ServerProcess, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        server.url + path,
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {server.api_key}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def _server_rows(postgres: PrivatePostgres, table: str) -> int:
    with psycopg.connect(postgres.url, connect_timeout=5) as connection:
        row = connection.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(row[0]) if row else 0


def _whole_or_absent(server: ServerProcess, expected: set[tuple[str, str | None]]) -> str:
    """What the server shows of ``sync/raw:latest`` now: absent, whole, or down; anything else
    (a version whose manifest lacks files) fails the test."""
    status, body = _call(server, "GET", "/api/sync/projects/sync/artifacts/resolve?ref=raw:latest")
    if status == 404:
        return "absent"
    if status == 503:
        return "down"
    assert status == 200, body
    files = {(entry["path"], entry["sha256"]) for entry in body["entries"]}
    assert files == expected, f"artifact version {body['version']} is visible half-written"
    return "whole"


def test_a_push_outlives_the_database_going_away_and_lands_exactly_once(
    store_dir: Path, tmp_path: Path, private_postgres: PrivatePostgres
) -> None:
    run_ids = log_workflow(tmp_path, steps=3_000)
    # Many runs, so that most of the metrics are still to come when the first chunk has
    # landed and the database is cut off.
    for number in range(EXTRA_RUNS):
        with heron.init(project="sync", name=f"sweep-{number}") as run:
            for step in range(500):
                run.log({"loss": 1.0 / (step + 1)})
            run_ids[f"sweep-{number}"] = run.id
    local = contents(store_dir, run_ids)
    expected_files = set(local["artifact"]["files"])
    server = ServerProcess(tmp_path / "server-data", database_url=private_postgres.url)
    server.start()
    try:
        # Its output goes to files: a pipe nobody reads while the test polls could fill up.
        out_path, err_path = tmp_path / "sync.out", tmp_path / "sync.err"
        with out_path.open("wb") as out, err_path.open("wb") as err:
            sync = subprocess.Popen(
                [str(Path(sys.executable).parent / "heron"), "sync", str(store_dir),
                 "--to", server.url, "--key", server.api_key],
                stdout=out,
                stderr=err,
            )  # fmt: skip
        # Wait for the push to land its first metric chunk, then cut the database off.
        deadline = time.monotonic() + 120
        while _server_rows(private_postgres, "metrics") == 0:
            assert sync.poll() is None, err_path.read_text()
            assert time.monotonic() < deadline, "the push landed no metrics within 120 s"
            time.sleep(0.01)  # polling for the first rows
        private_postgres.stop()
        went_down = time.monotonic()

        seen_down = set()
        while time.monotonic() - went_down < DOWN_SECONDS:
            write = _call(server, "POST", "/api/sync/projects/sync/runs", _run_record())
            read = _call(server, "GET", "/api/projects/sync/artifacts")
            for status, body in (write, read):
                assert status == 503, (status, body)
                assert body["error"]["type"] == "DatabaseError"
                assert "database" in body["error"]["message"]
            seen_down.add(_whole_or_absent(server, expected_files))
            time.sleep(0.2)  # the database stays down a few seconds
        assert seen_down == {"down"}
        assert sync.poll() is None, (
            "the push ended (gave up, or finished first) while the database was down"
        )

        private_postgres.start()
        seen_after = []
        deadline = time.monotonic() + 120
        while sync.poll() is None:
            assert time.monotonic() < deadline, "the push did not finish within 120 s"
            seen_after.append(_whole_or_absent(server, expected_files))
        errors = err_path.read_text()
        assert sync.returncode == 0, errors
        assert "trying again" in errors, "the push never met the outage"
        assert "sent to" in out_path.read_text()
        assert "down" not in seen_after, "the server did not recover from the outage"

        # The server pools its connections (the recovery under test); this process reads
        # without a pool (a "heron_test_" URL), so no connection outlives the read.
        reader_url = private_postgres.url + "?application_name=heron_test_reader"
        on_server = contents(server.store_dir, run_ids, reader_url)
        assert on_server == local
        assert _whole_or_absent(server, expected_files) == "whole"
    finally:
        server.stop()


def _run_record() -> dict[str, Any]:
    now = time.time()
    return {
        "id": "outageprobe1",
        "name": "probe",
        "state": "finished",
        "created_at": now,
        "updated_at": now,
        "heartbeat_at": now,
    }
