"""A running run's page updates by itself while the run logs, and shows when it finishes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.ui_server import UiServer

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

LIVE_RUN = Path(__file__).with_name("live_run.py")


def test_running_run_updates_without_reload(tmp_path: Path, page: Page) -> None:
    store = tmp_path / "heron-data"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HERON_")}
    writer = subprocess.Popen(
        [sys.executable, str(LIVE_RUN), str(store), "24"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=environment,
    )
    server: UiServer | None = None
    try:
        assert writer.stdout is not None and writer.stdin is not None
        run_id = writer.stdout.readline().strip()
        server = UiServer(store)
        page.goto(f"{server.url}/projects/live/runs/{run_id}")
        badge = page.locator("h1 [data-state]")
        expect(badge).to_have_text("running")
        writer.stdin.write("go\n")
        writer.stdin.flush()
        # No reload from here on: the page polls while the run is running.
        expect(badge).to_have_text("finished", timeout=40_000)
        expect(page.get_by_test_id("run-info")).to_contain_text("23")
        page.get_by_role("tab", name="Charts").click()
        expect(page.locator('[data-metric="train/loss"] .chart-plot')).to_have_attribute(
            "data-ready", "1"
        )
    finally:
        if writer.stdin:
            writer.stdin.close()
        writer.wait(timeout=60)
        if writer.stdout:
            writer.stdout.close()
        if server is not None:
            server.stop()
