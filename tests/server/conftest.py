"""Fixtures for the API tests: stores logged by tests/fixtures, and a client on a fresh app.

Clients address the app as 127.0.0.1 and send its write token, as heron's own pages do
(tests/fixtures/local.py); tests/server/test_origin.py checks what other requests get.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from heron.server import create_app
from tests.fixtures.local import local_client
from tests.fixtures.pipeline import log_pipeline_store
from tests.fixtures.populate import log_store
from tests.fixtures.shared_stores import SharedStores


@pytest.fixture(scope="session")
def logged_store(shared_stores: SharedStores) -> tuple[Path, dict[str, str]]:
    """A store with projects "nature" (4 runs) and "birds" (1 run), shared read-only by tests."""
    copy, ids = shared_stores.copy("populate", lambda root: log_store(root / "heron-data"))
    return copy / "heron-data", ids


@pytest.fixture
def run_ids(logged_store: tuple[Path, dict[str, str]]) -> dict[str, str]:
    """Run name -> run id in the logged store."""
    return logged_store[1]


@pytest.fixture
def client(logged_store: tuple[Path, dict[str, str]]) -> Iterator[TestClient]:
    """An HTTP client on an app serving the logged store."""
    with local_client(create_app(logged_store[0])) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def pipeline_store(shared_stores: SharedStores) -> tuple[Path, dict[str, Any]]:
    """The upload -> split -> train -> infer store of tests/fixtures/pipeline.py, read-only."""
    copy, ids = shared_stores.copy("pipeline", log_pipeline_store)
    return copy / "heron-data", ids


@pytest.fixture
def pipeline_client(
    pipeline_store: tuple[Path, dict[str, Any]], tmp_path: Path
) -> Iterator[TestClient]:
    """A client on a private copy of the pipeline store (tests may change it)."""
    import shutil

    copy = tmp_path / "heron-data"
    shutil.copytree(pipeline_store[0], copy)
    with local_client(create_app(copy)) as test_client:
        yield test_client
