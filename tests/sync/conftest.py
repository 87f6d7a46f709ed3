"""Fixtures of the sync tests: a real server process on a store of its own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sync.server import ServerProcess


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A running server on an empty store (``server.store_dir``)."""
    process = ServerProcess(tmp_path / "server-data")
    process.start()
    try:
        yield process
    finally:
        process.stop()
