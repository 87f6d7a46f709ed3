"""The artifact browser, lineage graph, version comparison and evaluation panel in a real browser."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.ui_server import UiServer

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

Pipeline = tuple[UiServer, dict[str, Any]]


def _version_id(page: Page, server: UiServer, name: str, version: str) -> str:
    response = page.request.get(f"{server.url}/api/projects/pipeline/artifacts/{name}/{version}")
    return str(response.json()["id"])


def test_lineage_shows_the_pipeline_and_the_deleted_artifact(
    page: Page, pipeline_ui: Pipeline
) -> None:
    server, ids = pipeline_ui
    page.goto(server.url + "/projects/pipeline/artifacts/inat-raw/v0?tab=lineage")
    expect(page.get_by_test_id("lineage-counts")).to_have_text("14 nodes · 15 edges")
    graph = page.get_by_test_id("lineage-graph")
    for label in (
        "upload raw",
        "inat-raw:v0",
        "balanced split",
        "inat-split:v0",
        "train fc256",
        "train fc1024",
        "inat-model:v0",
        "inat-model:v1",
        "infer fc256",
        "infer fc1024",
        "predictions-fc256:v0",
        "export bundle",
    ):
        expect(graph.locator(f'[data-node-label="{label}"]')).to_be_visible()
    expect(graph.locator(".react-flow__edge")).to_have_count(15)
    raw = _version_id(page, server, "inat-raw", "v0")
    split = _version_id(page, server, "inat-split", "v0")
    model = _version_id(page, server, "inat-model", "fc256")
    for source, target in (
        (f"run:{ids['upload']}", f"artifact:{raw}"),
        (f"artifact:{raw}", f"run:{ids['split']}"),
        (f"run:{ids['split']}", f"artifact:{split}"),
        (f"artifact:{split}", f"run:{ids['train fc256']}"),
        (f"run:{ids['train fc256']}", f"artifact:{model}"),
        (f"artifact:{model}", f"run:{ids['infer fc256']}"),
    ):
        expect(graph.locator(f'.react-flow__edge[data-id="{source}->{target}"]')).to_have_count(1)
    deleted = graph.locator('[data-node-status="missing"]')
    expect(deleted).to_have_count(1)
    expect(deleted).to_contain_text("artifact deleted")
    expect(page.get_by_text("1 missing or incomplete")).to_be_visible()
    # A click opens the node.
    graph.locator('[data-node-label="train fc256"]').click()
    expect(page).to_have_url(re.compile(rf"/projects/pipeline/runs/{ids['train fc256']}$"))


def test_versions_list_and_comparison(page: Page, pipeline_ui: Pipeline) -> None:
    server, _ = pipeline_ui
    page.goto(server.url + "/projects/pipeline/artifacts")
    page.get_by_role("link", name=re.compile("^inat-model")).click()
    v0 = page.locator('tr[data-version="v0"]')
    expect(v0).to_contain_text("fc256")
    expect(v0).to_contain_text("train fc256")
    expect(v0).to_contain_text("infer fc256")
    page.get_by_label("Pick v1").check()
    page.get_by_label("Pick v0").check()
    page.get_by_role("button", name="Compare v0 ↔ v1").click()
    expect(page).to_have_url(re.compile(r"/artifacts/inat-model/compare\?versions=v0,v1$"))
    expect(page.get_by_test_id("files-added").locator("li")).to_have_text(["optimizer.bin 16 B"])
    expect(page.get_by_test_id("files-removed").locator("li")).to_have_text(["history.csv 22 B"])
    expect(page.get_by_test_id("files-changed").locator("li")).to_have_count(3)
    expect(page.locator('tr[data-status="changed"]')).to_contain_text("fc_size")


def test_file_browser_previews_text_and_images(page: Page, pipeline_ui: Pipeline) -> None:
    server, _ = pipeline_ui
    page.goto(server.url + "/projects/pipeline/artifacts/inat-raw/v0?tab=files")
    page.locator('[data-path="README.md"]').click()
    expect(page.locator(".preview-text")).to_contain_text("Three classes of living things.")
    page.get_by_role("treeitem", name=re.compile("^▸ images")).click()
    page.get_by_role("treeitem", name=re.compile("^▸ Aves")).click()
    page.locator('[data-path="images/Aves/aves_03.png"]').click()
    image = page.locator(".preview-image")
    expect(image).to_be_visible()
    page.wait_for_function("document.querySelector('.preview-image').naturalWidth === 24")
    expect(page.get_by_role("link", name="Download .zip")).to_have_attribute(
        "href", "/api/projects/pipeline/artifacts/inat-raw/v0/archive?format=zip"
    )


def test_confusion_matrix_click_filters_the_rows(page: Page, pipeline_ui: Pipeline) -> None:
    server, ids = pipeline_ui
    page.goto(
        f"{server.url}/projects/pipeline/evaluation?run={ids['infer fc256']}"
        "&key=test_predictions&truth=truth&guess=guess"
    )
    expect(page.get_by_test_id("accuracy")).to_have_text("75.0%")
    # The fc256 rule is wrong on every fourth test row (one per class): Aves -> Fungi once.
    page.get_by_role("button", name="truth Aves, guess Fungi: 1").click()
    expect(page.get_by_test_id("rows-count")).to_have_text("1 row")
    rows = page.locator(".cell-rows tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Aves")
    expect(rows.first).to_contain_text("Fungi")
    page.get_by_role("button", name="truth Aves, guess Aves: 3").click()
    expect(page.get_by_test_id("rows-count")).to_have_text("3 rows")
    expect(page.locator(".cell-rows tbody tr")).to_have_count(3)
    # Normalised view, and two runs compared side by side.
    page.get_by_role("button", name="Normalised").click()
    expect(page.get_by_role("button", name="truth Aves, guess Aves: 3")).to_have_text("0.75")
    page.get_by_role("checkbox", name=re.compile("infer fc1024")).click()
    expect(page.locator(".run-evaluation")).to_have_count(2)
    # The chosen cell stays with its run when another run joins.
    expect(page.get_by_test_id("rows-count")).to_have_text("3 rows")


def test_file_browser_opens_a_table_in_the_explorer(page: Page, pipeline_ui: Pipeline) -> None:
    server, _ = pipeline_ui
    page.goto(server.url + "/projects/pipeline/artifacts/inat-split/v0?tab=files")
    page.locator('[data-path="split_table.table.parquet"]').click()
    explorer = page.locator(".file-preview section.explorer")
    pager = explorer.locator(".explorer-foot [data-testid=pager-range]")
    expect(pager).to_have_text("1–60 of 60 rows")
    # The row number first, then the table's columns in their logged order.
    expect(explorer.locator(".xth .xth-name")).to_have_text(["#", "id", "image", "label", "split"])

    # Grouped by split: 12 of the 20 images per class are for training.
    header = explorer.locator(".xth[data-column='split']")
    header.hover()
    header.get_by_role("button", name="split column menu").click()
    page.get_by_role("menuitem", name="Group by split").click()
    # The explorer's params are scoped, away from the page's own tab and file.
    expect(page).to_have_url(re.compile(r"[?&]t\.group=split(&|$)"))
    expect(page).to_have_url(re.compile(r"[?&]file=split_table\.table\.parquet(&|$)"))
    expect(pager).to_have_text("1–3 of 3 groups · 60 rows")
    train = explorer.locator(".xrow", has=page.locator("[data-column='split']", has_text="train"))
    expect(train.locator("[data-column='count']")).to_have_text("36")

    # Full page keeps the view; back to the files keeps it too.
    page.get_by_role("button", name="Full page").click()
    expect(page).to_have_url(re.compile(r"[?&]full=1(&|$)"))
    expect(page.locator(".file-tree")).to_have_count(0)
    expect(page.get_by_role("heading", level=1)).to_contain_text("split_table")
    full = page.locator("section.explorer")
    expect(full.locator(".explorer-foot [data-testid=pager-range]")).to_have_text(
        "1–3 of 3 groups · 60 rows"
    )
    page.reload()
    expect(
        full.locator(".xrow", has=page.locator("[data-column='split']", has_text="val")).locator(
            "[data-column='count']"
        )
    ).to_have_text("12")
    page.get_by_role("button", name="Back to files").click()
    expect(page.locator('[data-path="split_table.table.parquet"]')).to_have_attribute(
        "aria-selected", "true"
    )
    expect(pager).to_have_text("1–3 of 3 groups · 60 rows")

    # Another file starts from a fresh view.
    page.get_by_role("treeitem", name=re.compile("^▸ test")).click()
    page.get_by_role("treeitem", name=re.compile("^▸ Aves")).click()
    page.locator('[data-path="test/Aves/aves_16.png"]').click()
    expect(page.locator(".preview-image")).to_be_visible()
    expect(page).not_to_have_url(re.compile(r"t\.group"))


def test_compare_button_names_the_version_before(page: Page, pipeline_ui: Pipeline) -> None:
    server, _ = pipeline_ui
    page.goto(server.url + "/projects/pipeline/artifacts/inat-model/v1")
    page.get_by_role("link", name="Compare with v0").click()
    expect(page).to_have_url(re.compile(r"/artifacts/inat-model/compare\?versions=v0,v1$"))
    page.goto(server.url + "/projects/pipeline/artifacts/inat-model/v0")
    expect(page.get_by_role("heading", level=1)).to_contain_text("inat-model:v0")
    expect(page.get_by_role("link", name=re.compile("^Compare with"))).to_have_count(0)
