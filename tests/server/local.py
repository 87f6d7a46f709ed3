"""Helpers for tests of the server: a client that talks to an app the way heron's own pages do
(as 127.0.0.1, with its token), and a small store with an artifact to edit.

Starlette's TestClient names its host "testserver", which a heron server does not answer to, and
sends no Origin, so a write needs the server's token.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from heron.server.origin import TOKEN_HEADER
from heron.store import artifacts as artifact_store
from heron.store.manifest import ManifestEntry
from heron.store.store import Store

LOCAL_URL = "http://127.0.0.1:8080"


def local_client(app: FastAPI, *, raise_server_exceptions: bool = True) -> TestClient:
    """A TestClient on ``app`` addressed to 127.0.0.1 and sending the app's write token.

    ``raise_server_exceptions=False`` shows a 500 as the client would see it, instead of raising.
    """
    return TestClient(
        app,
        base_url=LOCAL_URL,
        headers={TOKEN_HEADER: app.state.write_token},
        raise_server_exceptions=raise_server_exceptions,
    )


def make_store(store_dir: Path, database_url: str | None = None, versions: int = 2) -> None:
    """A store with project "p" and an artifact "model" of ``versions`` versions."""
    store = Store.open(store_dir, database_url=database_url)
    try:
        for number in range(versions):
            data = f"weights {number}".encode()
            digest = store.blobs.put(data)
            artifact_store.commit_version(
                store.engine,
                project="p",
                name="model",
                type="model",
                description="",
                metadata={},
                entries=[ManifestEntry(path="w.bin", size=len(data), sha256=digest)],
                aliases=[],
                run_id=None,
            )
    finally:
        store.close()
