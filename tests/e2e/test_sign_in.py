"""Signing in to a team server in a real browser: the sign-in page, who is signed in, signing
out, and write controls that only writers see (report editing, alias moves)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from heron.store import users as user_store
from heron.store.store import Store
from tests.fixtures.heron_server import ServerProcess, start_server, wait_for
from tests.fixtures.team import build_team_store

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "sign-in"


@pytest.fixture(scope="module")
def team_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[ServerProcess, Path, dict[str, Any]]]:
    """A real ``heron server --auth`` over the team store (tests/fixtures/team.py)."""
    directory = tmp_path_factory.mktemp("team-ui") / "heron-data"
    data = build_team_store(directory)
    server = start_server("--dir", str(directory), "--auth")
    try:
        wait_for(server.is_ready, "the team server to be ready")
        yield server, directory, data
    finally:
        server.stop()


def _sign_in(page: Page, key: str) -> None:
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()


def _sidebar_projects(page: Page) -> Any:
    return page.locator(".sidebar .nav-project .nav-label")


def _shoot(page: Page, name: str) -> None:
    if os.environ.get("HERON_SCREENSHOTS"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        for width in (1440, 1000):
            page.set_viewport_size({"width": width, "height": 800})
            page.screenshot(path=str(SHOTS / f"{name}-{width}.png"))
        page.set_viewport_size({"width": 1440, "height": 900})


def test_a_viewer_signs_in_reads_without_write_controls_and_signs_out(
    page: Page, team_server: tuple[ServerProcess, Path, dict[str, Any]]
) -> None:
    server, _, data = team_server
    url = server.url.rstrip("/")
    ids = data["ids"]["secret"]

    # Anonymous: the public project is browsable, the private one is not listed.
    page.goto(f"{url}/")
    expect(_sidebar_projects(page)).to_have_text(["open"])
    expect(page.locator(".sidebar-foot")).to_contain_text("Not signed in")
    page.locator(".sidebar-foot").get_by_role("link", name="Sign in").click()
    expect(page.get_by_role("heading", name="Sign in to heron")).to_be_visible()
    _shoot(page, "sign-in-page")

    _sign_in(page, "heron_0123456789abcdef_wrongwrongwrongwrongwrong")
    expect(page.get_by_role("alert")).to_contain_text("is not valid here")

    _sign_in(page, data["keys"]["viewer"])
    expect(page.get_by_test_id("signed-in-user")).to_have_text("viewer")
    expect(_sidebar_projects(page)).to_have_text(["open", "secret"])
    # The key is never kept where page scripts can read it.
    assert data["keys"]["viewer"] not in page.evaluate(
        "document.cookie + JSON.stringify(localStorage)"
    )

    page.goto(f"{url}/projects/secret/reports")
    expect(page.get_by_role("link", name="secret report")).to_be_visible()
    expect(page.get_by_label("New report title")).to_have_count(0)
    expect(page.get_by_role("button", name="Duplicate")).to_have_count(0)

    page.goto(f"{url}/projects/secret/reports/{ids['report_id']}?edit=1")
    expect(page.get_by_role("heading", name="secret report")).to_be_visible()
    expect(page.get_by_text("Read-only")).to_be_visible()
    expect(page.get_by_role("button", name="Edit")).to_have_count(0)
    expect(page.get_by_label("Report title")).to_have_count(0)

    page.goto(f"{url}/projects/secret/artifacts/model/v0")
    expect(page.locator(".alias-list")).to_contain_text("best")
    expect(page.get_by_label("New alias")).to_have_count(0)
    expect(page.get_by_role("button", name="Remove alias best")).to_have_count(0)
    _shoot(page, "viewer-version-page")

    page.locator(".sidebar-foot").get_by_role("button", name="Sign out").click()
    expect(page.locator(".sidebar-foot")).to_contain_text("Not signed in")
    expect(_sidebar_projects(page)).to_have_text(["open"])
    page.goto(f"{url}/projects/secret/reports")
    expect(page.get_by_text("no project named 'secret'")).to_be_visible()


def test_a_writer_sees_the_write_controls(
    page: Page, team_server: tuple[ServerProcess, Path, dict[str, Any]]
) -> None:
    server, _, data = team_server
    url = server.url.rstrip("/")
    page.goto(f"{url}/signin")
    _sign_in(page, data["keys"]["writer"])
    expect(page.get_by_test_id("signed-in-user")).to_have_text("writer")
    _shoot(page, "writer-projects")

    page.goto(f"{url}/projects/secret/reports/{data['ids']['secret']['report_id']}")
    expect(page.get_by_role("button", name="Edit")).to_be_visible()
    page.goto(f"{url}/projects/secret/artifacts/model/v0")
    expect(page.get_by_label("New alias")).to_be_visible()


def test_with_nothing_public_the_sign_in_page_comes_first(
    browser: Browser, team_server: tuple[ServerProcess, Path, dict[str, Any]]
) -> None:
    server, directory, data = team_server
    store = Store.open(directory)
    try:
        user_store.set_visibility(store.engine, "open", "private")
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        page = context.new_page()
        page.goto(f"{server.url.rstrip('/')}/projects/open")
        expect(page.get_by_role("heading", name="Sign in to heron")).to_be_visible()
        expect(page.get_by_text("without signing in")).to_have_count(0)
        _sign_in(page, data["keys"]["admin"])
        expect(page.get_by_test_id("signed-in-user")).to_have_text("admin")
        expect(page.locator(".account-badge")).to_have_text("admin")
        expect(_sidebar_projects(page)).to_have_text(["open", "secret"])
        context.close()
    finally:
        user_store.set_visibility(store.engine, "open", "public")
        store.close()


def test_an_ended_session_asks_to_sign_in_again_or_go_on_anonymously(
    page: Page, team_server: tuple[ServerProcess, Path, dict[str, Any]]
) -> None:
    server, _, _ = team_server
    url = server.url.rstrip("/")
    page.context.add_cookies([{"name": "heron_session", "value": "gone", "url": url}])
    page.goto(f"{url}/projects/open")
    expect(page.get_by_text("Your session has ended.")).to_be_visible()
    page.get_by_role("button", name="Continue without signing in").click()
    expect(page.locator(".sidebar-foot")).to_contain_text("Not signed in")
    expect(_sidebar_projects(page)).to_have_text(["open"])
