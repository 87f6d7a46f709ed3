"""Fixtures for the API tests: a store logged by populate.py, and a client on a fresh app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from heron.server import create_app
from tests.server.populate import log_store


@pytest.fixture(scope="session")
def logged_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A store with projects "nature" (4 runs) and "birds" (1 run), shared read-only by tests."""
    directory = tmp_path_factory.mktemp("served") / "heron-data"
    return directory, log_store(directory)


@pytest.fixture
def run_ids(logged_store: tuple[Path, dict[str, str]]) -> dict[str, str]:
    """Run name -> run id in the logged store."""
    return logged_store[1]


@pytest.fixture
def client(logged_store: tuple[Path, dict[str, str]]) -> Iterator[TestClient]:
    """An HTTP client on an app serving the logged store."""
    with TestClient(create_app(logged_store[0])) as test_client:
        yield test_client
