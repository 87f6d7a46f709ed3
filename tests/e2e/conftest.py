"""Browser tests: a real `heron ui` on a free port, driven by Debian's Chromium through Playwright.

The store is logged by tests/server/populate.py in its own process, like a user's script. A failing
test leaves a screenshot in test-artifacts/.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from tests.e2e.chromium import CHROMIUM_ARGS
from tests.server.populate import log_store

ROOT = Path(__file__).resolve().parents[2]
# Test machines are small and busy (two cores, two test workers): allow a few seconds more.
expect.set_options(timeout=15_000)
ARTIFACTS = ROOT / "test-artifacts"


class UiServer:
    """A running `heron ui` process and its URL."""

    def __init__(self, store_dir: Path) -> None:
        index = ROOT / "heron" / "server" / "_static" / "index.html"
        if not index.is_file():
            pytest.fail("the UI is not built: run `make ui-build` (scripts/build_ui.sh) first")
        environment = {k: v for k, v in os.environ.items() if not k.startswith("HERON_")}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "heron.cli", "ui", "--dir", str(store_dir), "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=environment,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        match = re.search(r"(http://\S+/)", line)
        if match is None:
            self.stop()
            pytest.fail(f"heron ui did not print its URL: {line!r}")
        self.url = match.group(1).rstrip("/")
        # The next line gives the token that a write without an Origin (a script's) must carry.
        self.token = self.process.stdout.readline().rsplit(" ", 1)[-1].strip()

    def stop(self) -> None:
        """End the server process."""
        self.process.terminate()
        self.process.wait(timeout=20)
        if self.process.stdout:
            self.process.stdout.close()


@pytest.fixture(scope="session")
def e2e_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The logged store the browser looks at, and run name -> id."""
    directory = tmp_path_factory.mktemp("e2e") / "heron-data"
    return directory, log_store(directory)


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


@pytest.fixture
def browser(playwright_instance: Playwright, chromium_path: str) -> Iterator[Browser]:
    """A fresh Chromium for one test."""
    instance = playwright_instance.chromium.launch(
        executable_path=chromium_path, args=CHROMIUM_ARGS
    )
    yield instance
    instance.close()


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
def pipeline_ui(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[UiServer, dict[str, Any]]]:
    """`heron ui` over the upload -> split -> train -> infer store (tests/server/pipeline.py)."""
    from tests.server.pipeline import log_pipeline_store

    root = tmp_path_factory.mktemp("e2e-pipeline")
    ids = log_pipeline_store(root / "heron-data", root / "work")
    server = UiServer(root / "heron-data")
    yield server, ids
    server.stop()
