"""Report comments in a real browser: post, reply, edit, delete, reload; hostile text shown as
text; a panel's thread under the panel; the read-only share link (live panels, no edit controls);
on a team server, what a writer, a viewer and an owner may do with comments."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from heron.server.access import local_owner
from tests.e2e.ui_server import UiServer
from tests.fixtures.heron_server import ServerProcess, start_server, wait_for
from tests.fixtures.team import build_team_store

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

Pipeline = tuple[UiServer, dict[str, Any]]
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "comments"
HOSTILE = '<img src=x onerror="alert(1)"><script>alert(2)</script> see https://example.org/a?b=1.'


def _report(page: Page, server: UiServer, ids: dict[str, Any]) -> str:
    """A new report of project "pipeline" with a text block and a live table panel; its id."""
    body = {
        "title": "Splits to discuss",
        "blocks": [
            {"id": "m", "type": "markdown", "text": "Is the split balanced?"},
            {
                "id": "t",
                "type": "panel",
                "panel": "table",
                "title": "Split table",
                "runset": {"runs": [{"id": ids["split"]}]},
                "config": {"key": "split_table"},
            },
        ],
    }
    response = page.request.post(
        f"{server.url}/api/projects/pipeline/reports",
        data=body,
        headers={"X-Heron-Token": server.token},
    )
    assert response.status == 201, response.text()
    return str(response.json()["id"])


def _shots(page: Page, name: str) -> None:
    """Keep what the page looks like at two widths, its top and its comments, to be looked at
    by a person."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1440, 1000):
        page.set_viewport_size({"width": width, "height": 900})
        page.locator(".report-page .page-header").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"{name}_top_{width}.png"))
        page.get_by_role("region", name="Comments").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"{name}_{width}.png"))


def test_post_reply_edit_delete_and_reload(page: Page, pipeline_ui: Pipeline) -> None:
    server, ids = pipeline_ui
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        # The one dialog the page may open is the delete confirmation; a script's alert fails.
        dialogs.append(dialog.message)
        if dialog.type == "confirm":
            dialog.accept()
        else:
            dialog.dismiss()

    page.on("dialog", on_dialog)
    report = _report(page, server, ids)
    page.goto(f"{server.url}/projects/pipeline/reports/{report}")
    me = local_owner().name
    section = page.get_by_role("region", name="Comments")

    # A comment on the report, hostile markup and a link in it.
    section.get_by_label("Write a comment").fill(HOSTILE)
    section.get_by_role("button", name="Comment", exact=True).click()
    first = section.locator(".comment-threads > article.comment")
    expect(first).to_have_attribute("aria-label", f"Comment by {me}")
    expect(first.locator(".comment-body")).to_have_text(HOSTILE)
    link = first.get_by_role("link", name="https://example.org/a?b=1")
    expect(link).to_have_attribute("href", "https://example.org/a?b=1")
    assert first.locator("img, script").count() == 0

    # A comment on the panel, under the panel.
    panel = page.locator('[data-panel="table"]')
    expect(panel).to_contain_text("aves_00.png")
    panel.get_by_role("button", name="0 comments on this panel").click()
    panel.get_by_label("Comment on this panel").fill("Aves look over-represented")
    panel.get_by_role("button", name="Comment", exact=True).click()
    expect(panel.get_by_role("button", name="1 comment on this panel")).to_be_visible()
    expect(panel.locator(".comment-body")).to_have_text("Aves look over-represented")

    # A reply, then an edit of the reply.
    first.get_by_role("button", name="Reply").click()
    first.get_by_label("Write a reply").fill("The filter fixes it")
    first.get_by_role("button", name="Reply", exact=True).last.click()
    reply = first.locator(".comment-replies").get_by_role("article")
    expect(reply.locator(".comment-body")).to_have_text("The filter fixes it")
    reply.get_by_role("button", name="Edit").click()
    reply.get_by_label("Edit comment").fill("The split filter fixes it")
    reply.get_by_role("button", name="Save").click()
    expect(reply.locator(".comment-body")).to_have_text("The split filter fixes it")
    expect(reply.locator(".comment-edited")).to_have_text("edited")
    _shots(page, "thread")

    # Deleting the first comment keeps "deleted" in place above its reply.
    first.locator(":scope > .comment-actions").get_by_role("button", name="Delete").click()
    expect(first.locator(":scope > .comment-deleted")).to_have_text("deleted")
    expect(reply.locator(".comment-body")).to_have_text("The split filter fixes it")
    assert dialogs == ["Delete this comment?"]

    page.reload()
    section = page.get_by_role("region", name="Comments")
    top = section.locator(".comment-threads > .comment")
    expect(top).to_have_count(1)
    expect(top.locator(":scope > .comment-deleted")).to_have_text("deleted")
    expect(top.locator(".comment-replies .comment-body")).to_have_text("The split filter fixes it")
    expect(top.locator(".comment-replies .comment-edited")).to_be_visible()
    expect(panel.get_by_role("button", name="1 comment on this panel")).to_be_visible()
    # The reply goes too; with it the deleted comment it held, and the report has none left.
    top.locator(".comment-replies").get_by_role("button", name="Delete").click()
    expect(section.locator(".comment")).to_have_count(0)
    page.reload()
    expect(page.get_by_role("region", name="Comments").locator(".comment")).to_have_count(0)
    assert dialogs == ["Delete this comment?"] * 2


def test_the_share_link_opens_the_report_read_only_with_live_panels(
    page: Page, pipeline_ui: Pipeline
) -> None:
    server, ids = pipeline_ui
    report = _report(page, server, ids)
    page.goto(f"{server.url}/projects/pipeline/reports/{report}")
    page.get_by_role("button", name="Share").click()
    link = page.get_by_label("Share link").input_value()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "share_box_1440.png"))
    assert link == f"{server.url}/projects/pipeline/reports/{report}?read=1"

    # Even asked to edit, the shared page shows no edit controls.
    page.goto(link + "&edit=1")
    expect(page.get_by_text("Read-only", exact=True)).to_be_visible()
    panel = page.locator('[data-panel="table"]')
    expect(panel).to_contain_text("aves_00.png")
    for name in ("Edit", "Save", "Done", "Duplicate", "Share"):
        expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)
    expect(page.get_by_label("Markdown")).to_have_count(0)
    expect(page.get_by_role("button", name="Remove block")).to_have_count(0)
    expect(page.get_by_role("link", name="Export HTML")).to_be_visible()

    # The reader's run toggle works in place and is not saved.
    panel.get_by_role("button", name="Hide balanced split").click()
    expect(panel).not_to_contain_text("aves_00.png")
    panel.get_by_role("button", name="Show balanced split").click()
    expect(panel).to_contain_text("aves_00.png")
    # The local user may still comment from the shared page.
    section = page.get_by_role("region", name="Comments")
    section.get_by_label("Write a comment").fill("Read and agreed")
    section.get_by_role("button", name="Comment", exact=True).click()
    expect(section.locator(".comment-body")).to_have_text("Read and agreed")
    _shots(page, "shared")


@pytest.fixture(scope="module")
def team_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, Any]]]:
    """A real ``heron server --auth`` over the team store (tests/fixtures/team.py): its URL."""
    directory = tmp_path_factory.mktemp("team-comments") / "heron-data"
    data = build_team_store(directory)
    server: ServerProcess = start_server("--dir", str(directory), "--auth")
    try:
        wait_for(server.is_ready, "the team server to be ready")
        yield server.url.rstrip("/"), data
    finally:
        server.stop()


def _signed_in(browser: Browser, url: str, key: str, name: str) -> Page:
    page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{url}/signin")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("signed-in-user")).to_have_text(name)
    return page


def test_on_a_team_server_writers_comment_viewers_read_and_owners_moderate(
    browser: Browser, team_server: tuple[str, dict[str, Any]]
) -> None:
    url, data = team_server
    shared = f"{url}/projects/secret/reports/{data['ids']['secret']['report_id']}?read=1"
    pages: list[Page] = []
    try:
        writer = _signed_in(browser, url, data["keys"]["writer"], "writer")
        pages.append(writer)
        writer.goto(shared)
        section = writer.get_by_role("region", name="Comments")
        section.get_by_label("Write a comment").fill("Signed by the writer")
        section.get_by_role("button", name="Comment", exact=True).click()
        expect(section.locator(".comment-author")).to_have_text("writer")

        viewer = _signed_in(browser, url, data["keys"]["viewer"], "viewer")
        pages.append(viewer)
        viewer.goto(shared)
        section = viewer.get_by_role("region", name="Comments")
        expect(section.locator(".comment-body")).to_have_text("Signed by the writer")
        expect(section.get_by_label("Write a comment")).to_have_count(0)
        for action in ("Reply", "Edit", "Delete"):
            expect(section.get_by_role("button", name=action)).to_have_count(0)

        owner = _signed_in(browser, url, data["keys"]["owner"], "owner")
        pages.append(owner)
        owner.on("dialog", lambda dialog: dialog.accept())
        owner.goto(shared)
        section = owner.get_by_role("region", name="Comments")
        comment = section.locator(".comment")
        expect(comment.locator(".comment-body")).to_have_text("Signed by the writer")
        # The owner may remove the writer's comment but not rewrite it.
        expect(comment.get_by_role("button", name="Edit")).to_have_count(0)
        comment.get_by_role("button", name="Delete").click()
        expect(section.locator(".comment")).to_have_count(0)
        viewer.reload()
        expect(viewer.get_by_role("region", name="Comments")).to_contain_text("No comments yet.")
    finally:
        for page in pages:
            page.context.close()
