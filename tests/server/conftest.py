"""Fixtures for the API tests: a store logged by populate.py, and a client on a fresh app.

Clients address the app as 127.0.0.1 and send its write token, as heron's own pages do
(tests/server/local.py); tests/server/test_origin.py checks what other requests get.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from heron.server import create_app
from tests.server.local import local_client
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
    with local_client(create_app(logged_store[0])) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def pipeline_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The upload -> split -> train -> infer store of tests/server/pipeline.py, read-only."""
    from tests.server.pipeline import log_pipeline_store

    root = tmp_path_factory.mktemp("pipeline")
    return root / "heron-data", log_pipeline_store(root / "heron-data", root / "work")


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
