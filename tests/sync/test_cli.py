"""``heron login`` and ``heron sync`` as a user runs them, against a real server."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.sync.logged import contents, log_workflow
from tests.sync.server import ServerProcess


def _heron(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HERON_")}
    environment["XDG_CONFIG_HOME"] = str(home / "config")
    return subprocess.run(
        [sys.executable, "-m", "heron.cli", *args], capture_output=True, text=True, env=environment
    )


def test_login_checks_the_key_and_sync_then_sends_a_store_once(
    store_dir: Path, tmp_path: Path, server: ServerProcess
) -> None:
    run_ids = log_workflow(tmp_path, steps=40)

    wrong = _heron("login", server.url, "--key", "heron_wrong_key", home=tmp_path)
    assert wrong.returncode == 1
    assert "error:" in wrong.stderr
    assert not (tmp_path / "config" / "heron" / "credentials").exists()

    signed_in = _heron("login", server.url, "--key", server.api_key, home=tmp_path)
    assert signed_in.returncode == 0, signed_in.stderr
    assert "as alice" in signed_in.stdout
    credentials = tmp_path / "config" / "heron" / "credentials"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600

    first = _heron("sync", str(store_dir), "--to", server.url, home=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "2 run records" in first.stdout
    assert "81 metric rows" in first.stdout  # 40 steps of loss and acc, and infer's score
    assert contents(server.store_dir, run_ids) == contents(store_dir, run_ids)

    second = _heron("sync", str(store_dir), "--to", server.url, home=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "nothing to send" in second.stdout


def test_sync_without_a_key_says_how_to_get_one(store_dir: Path, tmp_path: Path) -> None:
    log_workflow(tmp_path, steps=2)
    result = _heron("sync", str(store_dir), "--to", "http://127.0.0.1:9", home=tmp_path)
    assert result.returncode == 1
    assert "heron login http://127.0.0.1:9" in result.stderr


@pytest.mark.parametrize("url", ["ftp://host", "not a url"])
def test_sync_names_a_url_it_cannot_use(store_dir: Path, tmp_path: Path, url: str) -> None:
    log_workflow(tmp_path, steps=2)
    result = _heron("sync", str(store_dir), "--to", url, "--key", "k", home=tmp_path)
    assert result.returncode == 1
    assert repr(url) in result.stderr


def test_sync_waits_for_a_server_that_is_down_and_sends_when_it_is_back(
    store_dir: Path, tmp_path: Path, server: ServerProcess
) -> None:
    run_ids = log_workflow(tmp_path, steps=10)
    server.stop()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HERON_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "heron.cli", "sync", str(store_dir), "--to", server.url,
         "--key", server.api_key],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment,
    )  # fmt: skip
    assert process.stderr is not None
    for line in process.stderr:  # the user is told it will try again
        if "trying again" in line:
            break
    server.start()
    out, err = process.communicate(timeout=120)

    assert process.returncode == 0, err
    assert "sent to" in out
    assert contents(server.store_dir, run_ids) == contents(store_dir, run_ids)
