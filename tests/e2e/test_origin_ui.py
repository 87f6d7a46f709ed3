"""Same-origin protection in a real browser: heron's own pages write with the server's token; a
page reached under a rebound name (DNS rebinding) gets nothing and changes nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, Playwright, Request, expect

from tests.e2e.chromium import CHROMIUM_ARGS
from tests.e2e.ui_server import UiServer
from tests.fixtures.local import make_store

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


@pytest.fixture
def small_ui(tmp_path: Path) -> Iterator[UiServer]:
    """`heron ui` over a store of its own: project "p", artifact "model" v0 and v1."""
    make_store(tmp_path / "heron-data")
    server = UiServer(tmp_path / "heron-data")
    yield server
    server.stop()


def _confirm(page: Page) -> None:
    page.get_by_role("dialog", name="Confirm alias change").get_by_role(
        "button", name="Confirm"
    ).click()


def test_the_ui_moves_and_removes_aliases_sending_its_token(page: Page, small_ui: UiServer) -> None:
    writes: list[Request] = []
    page.on("request", lambda request: writes.append(request) if request.method != "GET" else None)
    aliases = page.locator(".alias-list")

    page.goto(f"{small_ui.url}/projects/p/artifacts/model/v0")
    page.get_by_label("New alias").fill("best")
    page.get_by_role("button", name="Add alias").click()
    _confirm(page)
    expect(aliases).to_contain_text("best")

    page.goto(f"{small_ui.url}/projects/p/artifacts/model/v1")
    page.get_by_label("New alias").fill("best")
    page.get_by_role("button", name="Add alias").click()
    _confirm(page)
    expect(page.get_by_text("alias 'best' moved from v0 to v1")).to_be_visible()
    expect(aliases).to_contain_text("best")

    page.get_by_role("button", name="Remove alias best").click()
    _confirm(page)
    expect(aliases).not_to_contain_text("best")

    assert [request.method for request in writes] == ["POST", "POST", "DELETE"]
    for request in writes:
        headers = request.all_headers()
        assert headers.get("x-heron-token") == small_ui.token
        assert headers.get("origin") == small_ui.url


def test_a_rebound_name_gets_nothing_and_changes_nothing(
    playwright_instance: Playwright, chromium_path: str, small_ui: UiServer
) -> None:
    port = int(small_ui.url.rsplit(":", 1)[1])
    # The attacker's name now resolves to this machine, as a rebinding DNS server would make it.
    browser = playwright_instance.chromium.launch(
        executable_path=chromium_path,
        args=[*CHROMIUM_ARGS, "--host-resolver-rules=MAP attacker.example 127.0.0.1"],
    )
    try:
        page = browser.new_page()
        rebound = f"http://attacker.example:{port}"
        for path in ("/", "/api/projects", "/api/projects/p/artifacts/model/v0"):
            response = page.goto(rebound + path)
            assert response is not None and response.status == 421, path
            assert "HostError" in page.content() and "weights" not in page.content()
        answers = page.evaluate(
            """async () => {
                const post = await fetch('/api/projects/p/reports', {
                    method: 'POST', headers: {'content-type': 'application/json'},
                    body: JSON.stringify({title: 'planted'}),
                });
                const read = await fetch('/api/projects/p/reports');
                return [post.status, read.status, await read.text()];
            }"""
        )
        assert answers[0] == 421 and answers[1] == 421 and "planted" not in answers[2]
    finally:
        browser.close()
    reports = httpx.get(f"{small_ui.url}/api/projects/p/reports", timeout=30).json()
    assert reports == []
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", small_ui.url)
