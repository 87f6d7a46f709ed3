"""The team server's own example, end to end, exactly as a user types it.

Two ``heron server`` replicas on a fresh PostgreSQL database and a fresh prefix of the shared
S3 bucket, the example round-robin proxy in front; ``heron users create``, ``heron login``, a
training script with only ``HERON_URL`` set, ``heron sync`` of a store logged offline; then
everything is read back through each replica, as its admin and as a second user with no role
(404), a viewer (reads) and a viewer writing (403).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fixtures.heron_server import ServerProcess, running_servers
from tests.server.test_replicas import _proxy

PROJECT = "vision"
WEIGHTS = bytes(range(256)) * 2000  # 512 kB: an artifact file worth checking byte for byte

_TRAIN = """
import sys
import numpy as np
import heron

with heron.init(project="vision", name=sys.argv[1]) as run:
    for step in range(50):
        run.log({"loss": 1.0 / (step + 1)}, step=step)
    table = heron.Table(columns=["id", "image", "label"])
    for row in range(4):
        table.add_data(row, heron.Image(np.full((8, 8, 3), row * 60, dtype=np.uint8)), f"c{row}")
    run.log({"predictions": table}, step=49)
    artifact = heron.Artifact("model", type="model")
    artifact.add_file(sys.argv[2], name="weights.bin")
    run.log_artifact(artifact, aliases=["best"])
    print(run.id)
"""

_OFFLINE = """
import sys
import heron

with heron.init(project="vision", name="offline", dir=sys.argv[1]) as run:
    for step in range(20):
        run.log({"acc": step / 20}, step=step)
    print(run.id)
"""


@pytest.fixture
def s3_prefix(s3_settings: dict[str, str]) -> Iterator[str]:
    """A fresh ``s3://bucket/prefix`` in the shared SeaweedFS; its objects are deleted after."""
    from tests.fixtures.s3_support import s3_client

    settings = s3_settings
    prefix = f"example-{uuid.uuid4().hex[:12]}"
    yield f"s3://{settings['bucket']}/{prefix}"
    client = s3_client(settings)
    for page in client.get_paginator("list_objects_v2").paginate(
        Bucket=settings["bucket"], Prefix=f"{prefix}/"
    ):
        objects = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if objects:
            client.delete_objects(
                Bucket=settings["bucket"], Delete={"Objects": objects, "Quiet": True}
            )


def _user_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a user's shell: no HERON_ settings but ``extra``, own config home."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HERON_")}
    environment["XDG_CONFIG_HOME"] = str(home / "config")
    environment.update(extra)
    return environment


def _run(args: list[str], home: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, capture_output=True, text=True, env=_user_env(home, **extra), cwd=home, check=False
    )


def _heron(*args: str, home: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    """``heron ARGS`` as the user runs it, from ``home``."""
    return _run([sys.executable, "-m", "heron.cli", *args], home, **extra)


def _script(source: str, *args: str, home: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    """A user's Python script, run as ``python script.py ARGS``."""
    path = home / "script.py"
    path.write_text(source)
    return _run([sys.executable, str(path), *args], home, **extra)


def _get(
    server: ServerProcess, key: str, path: str, params: dict[str, Any] | None = None
) -> httpx.Response:
    return httpx.get(
        f"{server.url}{path}",
        params=params,
        headers={"Authorization": f"Bearer {key}"},
        timeout=60,
    )


def _reads_everything(server: ServerProcess, key: str, runs: dict[str, str]) -> None:
    """Both runs, the metrics, the table's rows and an image's bytes, the artifact file."""
    from PIL import Image

    listed = _get(server, key, f"api/projects/{PROJECT}/runs")
    assert listed.status_code == 200, listed.text
    assert {(r["id"], r["name"], r["state"]) for r in listed.json()["runs"]} == {
        (runs["trained"], "trained", "finished"),
        (runs["offline"], "offline", "finished"),
    }
    series = _get(
        server, key, f"api/projects/{PROJECT}/series", {"key": "loss", "run": runs["trained"]}
    ).json()["series"]
    assert series[0]["steps"] == list(range(50))
    synced = _get(
        server, key, f"api/projects/{PROJECT}/series", {"key": "acc", "run": runs["offline"]}
    )
    assert synced.json()["series"][0]["steps"] == list(range(20))

    rows = _get(
        server,
        key,
        f"api/projects/{PROJECT}/runs/{runs['trained']}/table/rows",
        {"key": "predictions"},
    )
    assert rows.status_code == 200, rows.text
    page = rows.json()
    records = page["rows"]
    assert [(r["id"], r["label"]) for r in records] == [(n, f"c{n}") for n in range(4)]
    image = records[2]["image"]
    media = _get(server, key, image["url"].lstrip("/"))
    assert media.status_code == 200, media.text
    assert hashlib.sha256(media.content).hexdigest() == image["sha256"]
    # The image as a browser sees it (a PNG the server renders from the stored pixels).
    shown = _get(server, key, image["thumbnail_url"].lstrip("/"))
    assert shown.status_code == 200, shown.text
    with Image.open(io.BytesIO(shown.content)) as decoded:
        assert decoded.size == (8, 8)
        assert decoded.convert("RGB").getpixel((3, 3)) == (120, 120, 120)

    weights = _get(server, key, f"api/projects/{PROJECT}/artifacts/model/v0/files/weights.bin")
    assert weights.status_code == 200, weights.text
    assert weights.content == WEIGHTS


# The training script logs through the proxy, as the example does, or straight to one replica
# (whose tables the other replica must then read from the object store).
@pytest.mark.parametrize("through", ["proxy", "one-replica"])
def test_the_team_example_works_on_two_replicas_behind_a_proxy(
    tmp_path: Path, pg_url: str, s3_prefix: str, s3_settings: dict[str, str], through: str
) -> None:
    settings = s3_settings
    pg_database = pg_url  # a fresh database on the shared server (tests/conftest.py)
    aws = {"AWS_ACCESS_KEY_ID": settings["key"], "AWS_SECRET_ACCESS_KEY": settings["secret"]}
    # heron server --db postgresql://... --blobs s3://bucket/prefix --s3-endpoint http://...
    replicas = [
        ["--db", pg_database, "--blobs", s3_prefix, "--s3-endpoint", settings["endpoint"],
         "--dir", str(tmp_path / f"replica-{n}")]
        for n in range(2)
    ]  # fmt: skip
    with running_servers(*replicas, env=aws) as servers, _proxy(servers) as url:
        home = tmp_path / "alice"
        home.mkdir()

        # heron users create alice --admin: the key, and only the key, on stdout.
        created = _heron("users", "create", "alice", "--admin", "--db", pg_database, home=home)
        assert created.returncode == 0, created.stderr
        assert len(created.stdout.splitlines()) == 1
        alice = created.stdout.strip()
        assert alice

        # heron login http://server:8000 stores the key for the SDK and the CLI.
        login = _heron("login", url, "--key", alice, home=home)
        assert login.returncode == 0, login.stderr
        assert "as alice" in login.stdout
        train_url = url if through == "proxy" else servers[0].url
        if train_url != url:
            assert _heron("login", train_url, "--key", alice, home=home).returncode == 0

        # HERON_URL=... python train.py: the key comes from the login, the run ends with
        # nothing left to send.
        weights = home / "weights.bin"
        weights.write_bytes(WEIGHTS)
        trained = _script(
            _TRAIN, "trained", str(weights), home=home,
            HERON_URL=train_url, HERON_DIR=str(home / "spool"),
        )  # fmt: skip
        assert trained.returncode == 0, trained.stderr
        assert "without an API key" not in trained.stderr
        assert "not yet on" not in trained.stderr
        runs = {"trained": trained.stdout.strip()}

        # heron sync ./heron-data --to http://server:8000: a store logged offline.
        offline = _script(_OFFLINE, str(home / "heron-data"), home=home)
        assert offline.returncode == 0, offline.stderr
        runs["offline"] = offline.stdout.strip()
        first = _heron("sync", str(home / "heron-data"), "--to", url, home=home)
        assert first.returncode == 0, first.stderr
        assert re.search(r"\b1 run records?\b", first.stdout), first.stdout
        assert "20 metric rows" in first.stdout, first.stdout
        again = _heron("sync", str(home / "heron-data"), "--to", url, home=home)
        assert again.returncode == 0, again.stderr
        assert "nothing to send" in again.stdout

        # Every replica serves all of it to alice.
        for server in servers:
            _reads_everything(server, alice, runs)

        # bob, with no role: the private project does not exist for him.
        made = _heron("users", "create", "bob", "--db", pg_database, home=home)
        assert made.returncode == 0, made.stderr
        bob = made.stdout.strip()
        for server in servers:
            hidden = _get(server, bob, f"api/projects/{PROJECT}/runs")
            assert hidden.status_code == 404, hidden.text
            hidden_file = _get(
                server, bob, f"api/projects/{PROJECT}/artifacts/model/v0/files/weights.bin"
            )
            assert hidden_file.status_code == 404, hidden_file.text

        # As a viewer he reads everything through both replicas, and may not write.
        granted = _heron("projects", "grant", PROJECT, "bob", "viewer", "--db", pg_database,
                         home=home)  # fmt: skip
        assert granted.returncode == 0, granted.stderr
        for server in servers:
            _reads_everything(server, bob, runs)
            moved = httpx.post(
                f"{server.url}api/projects/{PROJECT}/artifacts/model/v0/aliases",
                json={"alias": "production"},
                headers={"Authorization": f"Bearer {bob}"},
                timeout=60,
            )
            assert moved.status_code == 403, moved.text
