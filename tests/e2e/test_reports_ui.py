"""Reports in a real browser: built by clicking, saved, reloaded, exported; hostile markdown; a
panel whose run was deleted."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.ui_server import UiServer

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

Pipeline = tuple[UiServer, dict[str, Any]]


def _create(page: Page, server: UiServer, body: dict[str, Any]) -> str:
    response = page.request.post(
        f"{server.url}/api/projects/pipeline/reports",
        data=body,
        headers={"X-Heron-Token": server.token},
    )
    assert response.status == 201, response.text()
    return str(response.json()["id"])


def _settled(page: Page) -> None:
    """Wait until what the markdown could run has had its chance: every image in it has loaded or
    failed (an ``onerror`` would have fired), and the tasks queued so far (a clicked link's
    ``javascript:``) have run. A dialog opened by any of them reaches the page's handler first."""
    page.wait_for_function(
        "[...document.querySelectorAll('.markdown img')].every(image => image.complete)"
    )
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => setTimeout(done, 0)))")


def test_build_save_reload_and_export_a_report(
    page: Page, browser: Browser, pipeline_ui: Pipeline, tmp_path: Path
) -> None:
    server, _ = pipeline_ui
    page.goto(server.url + "/projects/pipeline/reports")
    page.get_by_label("New report title").fill("Balanced splits")
    page.get_by_role("button", name="Create report").click()
    expect(page).to_have_url(re.compile(r"/projects/pipeline/reports/\w+\?edit=1$"))
    page.get_by_label("Markdown").fill("## Verify data distribution\n\nGroup by **split**.")
    page.get_by_role("button", name="+ Table explorer").click()
    panel = page.locator('[data-panel="table"]')
    panel.get_by_label("Panel table key").fill("split_table")
    panel.get_by_label("Show balanced split").check()
    page.get_by_role("button", name="+ Evaluation").click()
    evaluation = page.locator('[data-panel="evaluation"]')
    evaluation.get_by_label("Panel table key").fill("test_predictions")
    # A new panel starts with the previous panel's run set; this one shows the inference run.
    evaluation.get_by_label("Show balanced split").uncheck()
    evaluation.get_by_label("Show infer fc256").check()
    expect(evaluation.get_by_test_id("accuracy")).to_have_text("75.0%")
    # Reorder: the evaluation panel moves above the table panel.
    evaluation.get_by_role("button", name="Move up").click()
    expect(page.locator("[data-panel]").first).to_have_attribute("data-panel", "evaluation")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    page.get_by_role("button", name="Done").click()
    page.reload()
    expect(page.get_by_role("heading", name="Balanced splits")).to_be_visible()
    expect(page.get_by_role("heading", name="Verify data distribution")).to_be_visible()
    expect(page.locator("[data-panel]")).to_have_count(2)
    expect(page.locator("[data-panel]").first).to_have_attribute("data-panel", "evaluation")
    expect(page.locator('[data-panel="table"]')).to_contain_text("aves_00.png")
    # The list shows it; the export opens on its own with its text and inlined images.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export HTML").click()
    exported = tmp_path / "report.html"
    download_info.value.save_as(exported)
    offline = browser.new_page()
    offline.goto(exported.as_uri())
    expect(offline.get_by_role("heading", name="Verify data distribution")).to_be_visible()
    expect(offline.get_by_text("accuracy 75.0%")).to_be_visible()
    thumbs = offline.locator("img.thumb")
    expect(thumbs.first).to_be_visible()
    # A visible <img> may still be decoding: wait until it has loaded or failed, then look.
    offline.wait_for_function("document.querySelector('img.thumb').complete")
    assert offline.evaluate("document.querySelector('img.thumb').naturalWidth") > 0
    offline.close()
    page.goto(server.url + "/projects/pipeline/reports")
    expect(page.get_by_role("link", name="Balanced splits")).to_be_visible()


def test_hostile_markdown_never_runs(page: Page, pipeline_ui: Pipeline) -> None:
    server, _ = pipeline_ui
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    report = _create(
        page,
        server,
        {
            "title": "Hostile",
            "blocks": [
                {
                    "id": "m",
                    "type": "markdown",
                    "text": "# Safe heading\n\n<img src=x onerror=alert(1)>\n\n<script>alert(2)</script>\n\n"
                    '[click me](javascript:alert(3))\n\n<a href="javascript:alert(4)">also</a>',
                }
            ],
        },
    )
    page.goto(f"{server.url}/projects/pipeline/reports/{report}")
    expect(page.get_by_role("heading", name="Safe heading")).to_be_visible()
    for link in page.locator(".markdown a").all():
        link.click()
    _settled(page)
    assert dialogs == []
    assert page.locator(".markdown script").count() == 0
    assert page.locator(".markdown [onerror]").count() == 0
    hrefs = page.locator(".markdown a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    assert not any(h and h.lower().startswith("javascript") for h in hrefs)
    # The editor's live preview is sanitised the same way.
    page.goto(f"{server.url}/projects/pipeline/reports/{report}?edit=1")
    expect(
        page.locator(".markdown-preview").get_by_role("heading", name="Safe heading")
    ).to_be_visible()
    _settled(page)
    assert dialogs == []


def test_panel_whose_run_was_deleted_says_so(page: Page, pipeline_ui: Pipeline) -> None:
    server, ids = pipeline_ui
    report = _create(
        page,
        server,
        {
            "title": "Stale run set",
            "blocks": [
                {
                    "id": "e",
                    "type": "panel",
                    "panel": "evaluation",
                    "runset": {"runs": [{"id": "gone1234"}, {"id": ids["infer fc1024"]}]},
                    "config": {"key": "test_predictions", "truth": "truth", "guess": "guess"},
                }
            ],
        },
    )
    page.goto(f"{server.url}/projects/pipeline/reports/{report}")
    expect(page.get_by_role("alert").first).to_contain_text("Run gone1234 no longer exists")
    expect(page.get_by_test_id("accuracy")).to_have_text("66.7%")
