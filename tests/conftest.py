"""Fixtures shared by every test: a fresh store per test, and the real services.

PostgreSQL, SeaweedFS (S3) and Chromium are started by ``scripts/services.sh`` (``make test``
and ``.ci/run`` call it) and found through ``HERON_TEST_*`` variables. A test that needs one of
them fails, rather than skips, when it is missing: a skipped test would hide that CI ran nothing.

The stores several suites look at are logged once per version of the code and copied for each
user (``shared_stores``, tests/fixtures/shared_stores.py). Under `make test`'s two workers the
browser tests run on one of them (``pytest_xdist_make_scheduler``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.pg_databases import fresh_database
from tests.fixtures.shared_stores import SharedStores


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadgroup`` as `make test` means it: the browser tests on one worker, one after
    another (they share a few servers and must not fight for two cores with a second Chromium),
    every other test module as one unit, so module fixtures are built once.

    pytest-xdist marks a grouped test by rewriting a private attribute that pytest 9 no longer
    reads, so its own loadgroup silently spread the browser tests over both workers.
    """
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class BrowserGroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            if nodeid.startswith("tests/e2e/"):
                return "e2e"
            return nodeid.split("::", 1)[0]

    return BrowserGroupScheduling(config, log)


def _service(variable: str) -> str:
    value = os.environ.get(variable)
    if not value:
        pytest.fail(
            f"{variable} is not set: run the tests with `make test` (it starts the services)"
        )
    return value


@pytest.fixture
def store_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty store directory, also set as $HERON_DIR for code that reads it."""
    directory = tmp_path / "heron-data"
    monkeypatch.setenv("HERON_DIR", str(directory))
    monkeypatch.delenv("HERON_DATABASE_URL", raising=False)
    return directory


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test; dropped afterwards."""
    with fresh_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    """Run a test on both metadata backends: None means the store's own SQLite file."""
    if request.param == "sqlite":
        return None
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def s3_settings() -> dict[str, str]:
    """Endpoint, bucket and credentials of the test S3 server (SeaweedFS)."""
    return {
        "endpoint": _service("HERON_TEST_S3_ENDPOINT"),
        "bucket": _service("HERON_TEST_S3_BUCKET"),
        "key": _service("HERON_TEST_S3_KEY"),
        "secret": _service("HERON_TEST_S3_SECRET"),
    }


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Path of Debian's Chromium for Playwright."""
    return _service("HERON_TEST_CHROMIUM")


@pytest.fixture(scope="session")
def shared_stores(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> SharedStores:
    """Logged stores, built once for the code that builds them; each user gets its own copy."""
    cache = getattr(request.config, "cache", None)
    if cache is not None:
        directory = Path(cache.mkdir("heron-stores"))
    else:  # without pytest's cache, share them within the run (the workers' common temp dir)
        directory = tmp_path_factory.getbasetemp().parent / "heron-stores"
    return SharedStores(directory, tmp_path_factory.mktemp)
