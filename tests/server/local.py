"""A test client that talks to an app the way heron's own pages do: as 127.0.0.1, with its token.

Starlette's TestClient names its host "testserver", which a heron server does not answer to, and
sends no Origin, so a write needs the server's token.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from heron.server.origin import TOKEN_HEADER

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
