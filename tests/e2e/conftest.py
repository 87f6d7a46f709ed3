"""Browser tests: a real `heron ui` on a free port, driven by Debian's Chromium through Playwright.

The stores are logged by tests/fixtures in their own process, like a user's script, once for every
suite that looks at them (tests/fixtures/shared_stores.py). A failing test leaves a screenshot in
test-artifacts/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from tests.e2e import six_runs_store
from tests.e2e.chromium import CHROMIUM_ARGS
from tests.e2e.ui_server import UiServer, script_store_ui
from tests.fixtures import explorer_store
from tests.fixtures.pipeline import log_pipeline_store
from tests.fixtures.populate import log_store
from tests.fixtures.shared_stores import SharedStores

ROOT = Path(__file__).resolve().parents[2]
# Test machines are small and busy (two cores, two test workers): allow a few seconds more.
expect.set_options(timeout=15_000)
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def e2e_store(shared_stores: SharedStores) -> tuple[Path, dict[str, str]]:
    """The logged store the browser looks at, and run name -> id."""
    copy, ids = shared_stores.copy("populate", lambda root: log_store(root / "heron-data"))
    return copy / "heron-data", ids


@pytest.fixture(scope="session")
def ui_server(e2e_store: tuple[Path, dict[str, str]]) -> Iterator[UiServer]:
    """`heron ui` serving the logged store for the whole session."""
    server = UiServer(e2e_store[0])
    yield server
    server.stop()


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    """Playwright's driver, started once."""
    with sync_playwright() as playwright:
        yield playwright


class _Chromium:
    """One Chromium for the session, started again if it went away (a test that crashed it)."""

    def __init__(self, playwright: Playwright, executable: str) -> None:
        self._playwright = playwright
        self._executable = executable
        self._browser: Browser | None = None

    def get(self) -> Browser:
        if self._browser is None or not self._browser.is_connected():
            self._browser = self._playwright.chromium.launch(
                executable_path=self._executable, args=CHROMIUM_ARGS
            )
        return self._browser

    def close(self) -> None:
        if self._browser is not None and self._browser.is_connected():
            self._browser.close()


@pytest.fixture(scope="session")
def _chromium(playwright_instance: Playwright, chromium_path: str) -> Iterator[_Chromium]:
    chromium = _Chromium(playwright_instance, chromium_path)
    yield chromium
    chromium.close()


@pytest.fixture
def browser(_chromium: _Chromium) -> Browser:
    """Chromium, started once per session: each test's pages live in a context of their own
    (cookies, storage and cache apart), which is cheaper than a browser per test."""
    return _chromium.get()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Remember each phase's outcome on the item, so fixtures can see that a test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A browser page; screenshotted into test-artifacts/ if the test fails."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    context.close()
    assert not errors, f"the page raised: {errors}"


@pytest.fixture(scope="session")
def pipeline_ui(shared_stores: SharedStores) -> Iterator[tuple[UiServer, dict[str, Any]]]:
    """`heron ui` over the upload -> split -> train -> infer store (tests/fixtures/pipeline.py)."""
    copy, ids = shared_stores.copy("pipeline", log_pipeline_store)
    server = UiServer(copy / "heron-data")
    yield server, ids
    server.stop()


@pytest.fixture(scope="module")
def explorer(shared_stores: SharedStores) -> Iterator[tuple[UiServer, dict[str, str]]]:
    """`heron ui` over the walkthrough-shaped store (tests/fixtures/explorer_store.py), and run
    name -> id."""
    copy, ids = shared_stores.copy(
        "explorer", lambda root: explorer_store.log_in_subprocess(root / "heron-data")
    )
    server = UiServer(copy / "heron-data")
    yield server, ids
    server.stop()


@pytest.fixture(scope="module")
def six_runs(shared_stores: SharedStores) -> Iterator[tuple[UiServer, dict[str, str]]]:
    """`heron ui` over six runs logging the same 120-row predictions table (six_runs_store.py),
    and run name -> id."""
    with script_store_ui(shared_stores, "six-runs", six_runs_store.__file__) as served:
        yield served
