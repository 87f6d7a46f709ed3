"""``heron users`` and ``heron projects``: accounts, keys, roles and visibility from the shell,
then used against a real ``heron server --auth`` process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
from click.testing import CliRunner

from heron.cli.main import cli
from heron.store.database import write
from heron.store.runs import project_id
from heron.store.store import Store
from tests.fixtures.heron_server import start_server, wait_for


def heron_command(*args: str, database_url: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``heron ARGS`` in its own process, as an operator would."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HERON_")}
    if database_url:
        environment["HERON_DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "heron.cli", *args],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )


def _make_projects(store_dir: Path, database_url: str | None) -> None:
    store = Store.open(store_dir, database_url=database_url)
    try:
        with write(store.engine) as connection:
            for project in ("vision", "audio"):
                project_id(connection, project, create=True)
    finally:
        store.close()


def test_operators_create_users_grant_roles_and_revoke_keys(
    store_dir: Path, database_url: str | None
) -> None:
    _make_projects(store_dir, database_url)
    where = ["--dir", str(store_dir)]

    created = heron_command(
        "users", "create", "alice", "--admin", *where, database_url=database_url
    )
    assert created.returncode == 0, created.stderr
    alice_key = created.stdout.strip()
    assert alice_key.startswith("heron_") and "\n" not in alice_key
    assert "shown once" in created.stderr and "created user alice (admin)" in created.stderr

    bob = heron_command("users", "create", "bob", *where, database_url=database_url)
    bob_key = bob.stdout.strip()
    again = heron_command("users", "create", "bob", *where, database_url=database_url)
    assert again.returncode == 1
    assert again.stderr.strip() == "error: a user named 'bob' already exists"

    granted = heron_command(
        "projects", "grant", "vision", "bob", "member", *where, database_url=database_url
    )
    assert granted.stdout.strip() == "bob is now writer of vision"
    shown = heron_command(
        "projects", "visibility", "audio", "public", *where, database_url=database_url
    )
    assert shown.stdout.strip() == "audio is public"
    members = heron_command("projects", "members", "vision", *where, database_url=database_url)
    assert members.stdout.splitlines() == ["vision is private", f"{'bob':<24} writer"]
    unknown = heron_command(
        "projects", "grant", "vision", "carol", "viewer", *where, database_url=database_url
    )
    assert unknown.returncode == 1 and "no user named 'carol'" in unknown.stderr
    bad_role = heron_command(
        "projects", "grant", "vision", "bob", "boss", *where, database_url=database_url
    )
    assert bad_role.returncode == 2 and "boss" in bad_role.stderr

    if database_url:
        # The database holds the accounts: an operator's machine needs no copy of the store.
        elsewhere = ["--dir", str(store_dir.parent / "operator-cache")]
        remote = heron_command("users", "list", *elsewhere, database_url=database_url)
        assert remote.returncode == 0, remote.stderr
        assert [line.split()[0] for line in remote.stdout.splitlines()[1:]] == ["alice", "bob"]
    listed = heron_command("users", "list", *where, database_url=database_url).stdout.splitlines()
    assert listed[0].split() == ["NAME", "ADMIN", "CREATED", "(UTC)", "KEYS", "IN", "USE"]
    bob_key_id = bob_key.split("_")[1]
    assert [line.split()[:2] for line in listed[1:]] == [["alice", "yes"], ["bob", "no"]]
    assert listed[2].endswith(bob_key_id)

    server_args = [*where, "--auth"]
    if database_url:
        server_args += ["--db", database_url]
    server = start_server(*server_args)
    try:
        wait_for(server.is_ready, "the server to be ready")

        def projects_seen(key: str | None) -> list[str]:
            headers = {"Authorization": f"Bearer {key}"} if key else {}
            answer = httpx.get(f"{server.url}api/projects", headers=headers, timeout=30)
            assert answer.status_code == 200, answer.text
            return [p["name"] for p in answer.json()]

        assert projects_seen(None) == ["audio"]
        assert projects_seen(bob_key) == ["audio", "vision"]
        assert projects_seen(alice_key) == ["audio", "vision"]

        revoked = heron_command(
            "users", "revoke-key", bob_key_id, *where, database_url=database_url
        )
        assert revoked.stdout.strip() == f"revoked key {bob_key_id} of bob"
        refused = httpx.get(
            f"{server.url}api/projects", headers={"Authorization": f"Bearer {bob_key}"}, timeout=30
        )
        assert refused.status_code == 401
        assert "has been revoked" in refused.json()["error"]["message"]
    finally:
        server.stop()


def test_the_commands_need_an_existing_store(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["users", "list", "--dir", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert (
        "there is no heron store at" in str(result.exception) or "no heron store" in result.output
    )
