"""Alias moves from many clients at once, through a real `heron ui`, on SQLite and PostgreSQL.

SQLite's single writer serialises them by nature; on PostgreSQL two moves of one alias used to
both insert it, and the loser answered a 500 quoting SQL. Every move must now succeed or be a
clean 404 (removing an alias another client already moved), and every alias name one version.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from heron.store import artifacts as artifact_store
from heron.store.store import Store
from tests.fixtures.local import make_store

VERSIONS = 4
ALIASES = ("best", "prod", "staging", "candidate", "review")
MOVES = 400
CLIENTS = 16


@pytest.fixture
def served(store_dir: Path, database_url: str | None) -> Iterator[tuple[str, str]]:
    """`heron ui` over a store whose artifact "model" has four versions: (url, token)."""
    make_store(store_dir, database_url, versions=VERSIONS)
    extra = ["--database-url", database_url] if database_url else []
    process = subprocess.Popen(
        [sys.executable, "-m", "heron.cli", "ui", "--dir", str(store_dir), "--port", "0", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = re.search(r"(http://\S+/)", process.stdout.readline())
        token = re.search(r"X-Heron-Token: (\S+)", process.stdout.readline())
        assert url is not None and token is not None
        yield url.group(1), token.group(1)
    finally:
        process.terminate()
        process.wait(timeout=20)
        if process.stdout:
            process.stdout.close()


def test_concurrent_alias_moves_never_fail(
    served: tuple[str, str], store_dir: Path, database_url: str | None
) -> None:
    url, token = served
    base = f"{url}api/projects/p/artifacts/model"
    chooser = random.Random(14)
    # Mostly moves, some removals, so aliases keep being created afresh (the racy insert).
    plan = [
        (
            "DELETE" if chooser.random() < 0.25 else "POST",
            f"v{chooser.randrange(VERSIONS)}",
            chooser.choice(ALIASES),
        )
        for _ in range(MOVES)
    ]

    limits = httpx.Limits(max_connections=CLIENTS)
    with httpx.Client(headers={"X-Heron-Token": token}, timeout=120, limits=limits) as client:

        def send(step: tuple[str, str, str]) -> tuple[int, str]:
            method, version, alias = step
            if method == "POST":
                response = client.post(f"{base}/{version}/aliases", json={"alias": alias})
            else:
                response = client.delete(f"{base}/{version}/aliases/{alias}")
            return response.status_code, response.text

        with ThreadPoolExecutor(CLIENTS) as pool:
            answers = list(pool.map(send, plan))

    statuses = Counter(status for status, _ in answers)
    failures = [text for status, text in answers if status >= 500]
    assert not failures, failures[:3]
    moves = [
        status
        for (method, _, _), (status, _) in zip(plan, answers, strict=True)
        if method == "POST"
    ]
    assert set(moves) == {200}, statuses
    assert set(statuses) <= {200, 404}, statuses
    for _, text in answers:
        assert "SELECT" not in text and "INSERT" not in text and str(store_dir) not in text

    store = Store.open(store_dir, database_url=database_url, create=False)
    try:
        versions = artifact_store.list_versions(store.engine, project="p", name="model")
    finally:
        store.close()
    held = Counter(alias for version in versions for alias in version.aliases)
    assert held["latest"] == 1 and all(count == 1 for count in held.values()), held
    # The API shows the same: each alias on one version, and latest on the newest.
    listed = httpx.get(base, timeout=60).json()["versions"]
    shown = Counter(alias for v in listed for alias in v["aliases"])
    assert shown == held
    assert "latest" in listed[0]["aliases"] and listed[0]["version"] == f"v{VERSIONS - 1}"
