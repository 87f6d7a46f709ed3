"""A real heron server process for the sync tests: uvicorn on a free loopback port.

The server runs as a team server (accounts on) with one user, ``alice``, whose API key the
tests send; it is stopped and started again on the same port and store to test what an outage
does.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from heron.store import users
from heron.store.store import Store
from tests.fixtures.ports import free_port

_SERVE = """
import sys, uvicorn
from heron.server import create_app
app = create_app(sys.argv[1], database_url=sys.argv[3] or None, auth=True)
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


class ServerProcess:
    """``heron``'s app serving ``store_dir`` in a process of its own."""

    def __init__(
        self, store_dir: Path, port: int | None = None, *, database_url: str | None = None
    ) -> None:
        self.store_dir = store_dir
        self.database_url = database_url
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        store = Store.open(store_dir, database_url=database_url)
        try:
            self.api_key = users.create_user(store.engine, "alice").key
        finally:
            store.close()

    def start(self) -> None:
        """Start the server and wait until it answers."""
        environment = {k: v for k, v in os.environ.items() if not k.startswith("HERON_")}
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                _SERVE,
                str(self.store_dir),
                str(self.port),
                self.database_url or "",
            ],
            env=environment,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with status {self.process.returncode}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/info", timeout=2):
                    return
            except OSError:
                time.sleep(0.1)  # polling for the port to open
        raise RuntimeError("the server did not answer within 60 s")

    def stop(self) -> None:
        """Stop the server (as an outage would: the process goes away)."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None
