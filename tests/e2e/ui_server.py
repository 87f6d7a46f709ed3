"""A real `heron ui` process on a free port, as a user starts it, for the browser tests."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.fixtures.scripts import names_to_ids, run_script
from tests.fixtures.shared_stores import SharedStores

ROOT = Path(__file__).resolve().parents[2]


class UiServer:
    """A running `heron ui` process and its URL."""

    def __init__(self, store_dir: Path) -> None:
        index = ROOT / "heron" / "server" / "_static" / "index.html"
        if not index.is_file():
            pytest.fail("the UI is not built: run `make ui-build` (scripts/build_ui.sh) first")
        environment = {k: v for k, v in os.environ.items() if not k.startswith("HERON_")}
        # What the server says on stderr is kept, to tell why it did not start.
        self._stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed by stop)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "heron.cli", "ui", "--dir", str(store_dir), "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            env=environment,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        match = re.search(r"(http://\S+/)", line)
        if match is None:
            self.process.kill()
            self.process.wait(timeout=20)
            self._stderr.seek(0)
            said = self._stderr.read()[-3000:]
            self.stop()
            pytest.fail(f"heron ui did not print its URL: {line!r}; it said:\n{said}")
        self.url = match.group(1).rstrip("/")
        # The next line gives the token that a write without an Origin (a script's) must carry.
        self.token = self.process.stdout.readline().rsplit(" ", 1)[-1].strip()

    def stop(self) -> None:
        """End the server process."""
        self.process.terminate()
        self.process.wait(timeout=20)
        if self.process.stdout:
            self.process.stdout.close()
        self._stderr.close()


@contextmanager
def script_store_ui(
    shared_stores: SharedStores, name: str, script: str
) -> Iterator[tuple[UiServer, dict[str, str]]]:
    """`heron ui` over a copy of the store ``script`` logs (``run_id<TAB>name`` lines), and its
    run name -> id map; the store is logged again only when ``script`` or heron changes."""
    copy, ids = shared_stores.copy(
        name,
        lambda root: names_to_ids(run_script(script, str(root / "heron-data"))),
        sources=[Path(script)],
    )
    server = UiServer(copy / "heron-data")
    try:
        yield server, ids
    finally:
        server.stop()
