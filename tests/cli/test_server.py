"""`heron server`: serves a store like `heron ui`, with probes, JSON access logs and workers."""

from __future__ import annotations

import socket
import subprocess
import sys
import uuid
from pathlib import Path

import click
import httpx
import sqlalchemy

import heron
from heron.cli.server import server as server_command
from heron.cli.server import shown_database
from heron.server.origin import TOKEN_HEADER
from tests.fixtures.heron_server import running_servers, start_server, wait_for


def test_with_no_flags_it_serves_the_local_store(store_dir: Path) -> None:
    heron.init(project="served", dir=store_dir).finish()
    with running_servers(["--dir", str(store_dir)]) as [server]:
        assert server.url.startswith("http://127.0.0.1:")
        assert "database: the store's SQLite file" in server.banner
        assert "auth: off" in server.banner and server.token
        projects = httpx.get(f"{server.url}api/projects", timeout=10).json()
        assert [p["name"] for p in projects] == ["served"]
        assert httpx.get(f"{server.url}api/health", timeout=10).json() == {"status": "ok"}
        ready = httpx.get(f"{server.url}api/ready", timeout=10)
        assert ready.status_code == 200
        assert ready.json() == {"status": "ready", "checks": {"database": "ok", "blobs": "ok"}}


def test_a_missing_store_directory_is_created(tmp_path: Path) -> None:
    with running_servers(["--dir", str(tmp_path / "new-store")]) as [server]:
        assert httpx.get(f"{server.url}api/projects", timeout=10).json() == []
    assert (tmp_path / "new-store" / "heron.db").exists()


def test_each_request_is_one_json_line_without_secrets(store_dir: Path) -> None:
    heron.init(project="served", dir=store_dir).finish()
    with running_servers(["--dir", str(store_dir)]) as [server]:
        answer = httpx.get(
            f"{server.url}api/projects?api_key=s3cr3t&token=hunter2&limit=5",
            headers={"X-Request-ID": "proxy-42"},
            timeout=10,
        )
        assert answer.headers["x-request-id"] == "proxy-42"
        missing = httpx.get(f"{server.url}api/projects/nope/runs", timeout=10)
        assert missing.status_code == 404
        generated = missing.headers["x-request-id"]
        refused = httpx.get(f"{server.url}api/projects", headers={"Host": "evil.example"})
        assert refused.status_code == 421

        def logged() -> bool:
            return (
                len([r for r in server.access_log() if r["path"].startswith("/api/projects")]) >= 3
            )

        wait_for(logged, "three access-log lines")
    records = [r for r in server.access_log() if r["path"].startswith("/api/projects")]
    listed, not_found, wrong_host = records[-3:]
    assert set(listed) == {
        "time", "method", "path", "query", "status", "duration_ms", "user", "request_id"
    }  # fmt: skip
    assert (listed["method"], listed["path"], listed["status"]) == ("GET", "/api/projects", 200)
    assert listed["request_id"] == "proxy-42" and listed["user"] is None
    assert listed["query"] == "api_key=***&token=***&limit=5"
    assert "s3cr3t" not in "\n".join(server.stderr_lines)
    assert "hunter2" not in "\n".join(server.stderr_lines)
    assert isinstance(listed["duration_ms"], float) and listed["duration_ms"] >= 0
    assert listed["time"].endswith("+00:00")
    assert (not_found["status"], not_found["request_id"]) == (404, generated)
    assert wrong_host["status"] == 421  # what the origin guard refuses is logged too


def test_no_access_log_writes_nothing_per_request(store_dir: Path) -> None:
    heron.init(project="served", dir=store_dir).finish()
    with running_servers(["--dir", str(store_dir), "--no-access-log"]) as [server]:
        for _ in range(3):
            httpx.get(f"{server.url}api/projects", timeout=10)
    assert server.access_log() == []


def test_workers_share_the_port_and_the_write_token(store_dir: Path) -> None:
    heron.init(project="served", dir=store_dir).finish()
    with running_servers(["--dir", str(store_dir), "--workers", "2"]) as [server]:
        assert "workers: 2" in server.banner
        assert server.token is not None
        headers = {TOKEN_HEADER: server.token}
        # Every write succeeds, whichever worker takes it: one token for the whole server.
        with httpx.Client(base_url=server.url, timeout=30) as client:
            for number in range(12):
                created = client.post(
                    "api/projects/served/reports",
                    json={"title": f"report {number}"},
                    headers={**headers, "Connection": "close"},
                )
                assert created.status_code == 201, created.text
            reports = client.get("api/projects/served/reports").json()
        assert len(reports) == 12

        def logged() -> bool:
            return len({r["request_id"] for r in server.access_log()}) >= 13

        wait_for(logged, "the workers' access-log lines")


def test_readiness_fails_when_the_database_goes_away(tmp_path: Path, pg_url: str) -> None:
    server = start_server("--dir", str(tmp_path / "cache"), "--db", pg_url, "--no-auth")
    try:
        wait_for(server.is_ready, "the server to be ready")
        admin = sqlalchemy.create_engine(
            pg_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
            + "/postgres",
            isolation_level="AUTOCOMMIT",
            poolclass=sqlalchemy.pool.NullPool,
        )
        name = pg_url.rsplit("/", 1)[1]
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.dispose()
        answer = httpx.get(f"{server.url}api/ready", timeout=30)
        assert answer.status_code == 503
        assert answer.json() == {
            "status": "unavailable",
            "checks": {"database": "failed", "blobs": "ok"},
        }
        assert name not in answer.text  # the probe reveals nothing about the deployment
        assert httpx.get(f"{server.url}api/health", timeout=10).status_code == 200
    finally:
        server.stop()


def test_a_blobs_url_that_is_not_s3_is_refused(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "heron.cli", "server", "--dir", str(tmp_path / "s"),
         "--blobs", "/some/dir", "--no-auth"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode != 0
    assert "--blobs" in result.stderr and "s3://bucket" in result.stderr


def test_help_explains_every_flag() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "heron.cli", "server", "--help"],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    for option in server_command.params:
        assert isinstance(option, click.Option)
        assert option.help, f"{option.opts} has no help"
        assert option.opts[0] in result.stdout


def test_a_printed_database_url_hides_its_password() -> None:
    assert shown_database("postgresql://heron:pa55@db:5432/heron") == (
        "postgresql://heron:***@db:5432/heron"
    )
    assert shown_database("postgresql://heron@db/heron") == "postgresql://heron@db/heron"


def test_on_postgresql_accounts_are_on_and_the_probes_stay_open(
    tmp_path: Path, pg_url: str
) -> None:
    with running_servers(["--dir", str(tmp_path / "cache"), "--db", pg_url]) as [server]:
        assert "auth: on" in server.banner and server.token is None
        # Load balancers probe without a key.
        assert httpx.get(f"{server.url}api/health", timeout=10).status_code == 200
        assert httpx.get(f"{server.url}api/ready", timeout=10).status_code == 200
        # Everything else wants one: a write without a key is refused.
        refused = httpx.post(f"{server.url}api/projects/p/reports", json={"title": "r"}, timeout=10)
        assert refused.status_code in (401, 403), refused.text


def test_replicas_on_postgresql_and_s3_report_where_blobs_live_and_whether_s3_answers(
    tmp_path: Path, pg_url: str, s3_settings: dict[str, str]
) -> None:
    url = f"s3://{s3_settings['bucket']}/server-{uuid.uuid4().hex[:12]}"
    env = {
        "AWS_ACCESS_KEY_ID": s3_settings["key"],
        "AWS_SECRET_ACCESS_KEY": s3_settings["secret"],
        "HERON_S3_RETRIES": "1",
    }
    first = ["--dir", str(tmp_path / "a"), "--db", pg_url, "--blobs", url]
    first += ["--s3-endpoint", s3_settings["endpoint"]]
    # The second replica is not told the bucket: the database remembers it.
    second = ["--dir", str(tmp_path / "b"), "--db", pg_url]
    second += ["--s3-endpoint", s3_settings["endpoint"]]
    with running_servers(first, env=env) as [a], running_servers(second, env=env) as [b]:
        for server in (a, b):
            assert f"blobs: {url};" in server.banner
            answer = httpx.get(f"{server.url}api/ready", timeout=30)
            assert answer.json() == {"status": "ready", "checks": {"database": "ok", "blobs": "ok"}}
    # A replica that cannot reach the object store is alive but not ready.
    unreachable = ["--dir", str(tmp_path / "c"), "--db", pg_url]
    unreachable += ["--s3-endpoint", f"http://127.0.0.1:{_closed_port()}"]
    server = start_server(*unreachable, env=env)
    try:
        wait_for(lambda: _status(server.url, "api/health") == 200, "the server to answer")
        answer = httpx.get(f"{server.url}api/ready", timeout=30)
        assert answer.status_code == 503
        assert answer.json()["checks"] == {"database": "ok", "blobs": "failed"}

        def explained() -> bool:
            return any(r["event"] == "readiness_check_failed" for r in server.events())

        wait_for(explained, "the failed check in the log")
        event = server.events()[0]
        assert event["check"] == "blobs" and "127.0.0.1" in event["error"]
    finally:
        server.stop()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _status(base: str, path: str) -> int:
    try:
        return httpx.get(f"{base}{path}", timeout=10).status_code
    except httpx.HTTPError:
        return 0


def test_every_worker_of_a_team_server_knows_its_users(tmp_path: Path, pg_url: str) -> None:
    from heron.store import users as user_store
    from heron.store.store import Store

    store = Store.open(tmp_path / "setup", database_url=pg_url)
    key = user_store.create_user(store.engine, "alice").key
    store.close()
    arguments = ["--dir", str(tmp_path / "cache"), "--db", pg_url, "--workers", "2"]
    with running_servers(arguments) as [server]:
        assert "auth: on" in server.banner and "workers: 2" in server.banner
        for _ in range(8):  # a new connection each time, so both workers answer some
            me = httpx.get(
                f"{server.url}api/auth/me",
                headers={"Authorization": f"Bearer {key}", "Connection": "close"},
                timeout=30,
            )
            assert me.status_code == 200, me.text
            assert me.json()["user"]["name"] == "alice"
        wrong = httpx.get(
            f"{server.url}api/auth/me", headers={"Authorization": "Bearer heron_nope"}, timeout=30
        )
        assert wrong.status_code == 401


def test_a_replica_left_behind_by_a_schema_upgrade_is_not_ready(
    tmp_path: Path, pg_url: str
) -> None:
    from heron.store import schema
    from heron.store.migrations import SCHEMA_VERSION

    arguments = ["--dir", str(tmp_path / "cache"), "--db", pg_url, "--no-auth"]
    with running_servers(arguments) as [server]:
        # A newer heron upgraded the database under this replica.
        engine = sqlalchemy.create_engine(
            pg_url.replace("postgresql://", "postgresql+psycopg://", 1),
            poolclass=sqlalchemy.pool.NullPool,
        )
        with engine.begin() as connection:
            connection.execute(
                schema.store_meta.update()
                .where(schema.store_meta.c.key == "schema_version")
                .values(value=str(SCHEMA_VERSION + 1))
            )
        engine.dispose()
        answer = httpx.get(f"{server.url}api/ready", timeout=30)
        assert answer.status_code == 503
        assert answer.json()["checks"] == {"database": "failed", "blobs": "ok"}


def test_listening_beyond_this_machine_without_accounts_warns(store_dir: Path) -> None:
    heron.init(project="served", dir=store_dir).finish()
    server = start_server("--dir", str(store_dir), "--host", "0.0.0.0")
    try:
        assert "auth: off" in server.banner
        wait_for(lambda: any("without --auth" in line for line in server.stderr_lines), "a warning")
        warning = next(line for line in server.stderr_lines if "without --auth" in line)
        assert "0.0.0.0" in warning and "read the whole store" in warning
    finally:
        server.stop()
