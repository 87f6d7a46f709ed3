"""Click through the UI as a person would and check what they see."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.ui_server import UiServer

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def _row(page: Page, name: str):
    return page.locator(".vrow", has=page.get_by_role("link", name=name, exact=True))


def test_projects_list_leads_to_a_workspace(page: Page, ui_server: UiServer) -> None:
    page.goto(ui_server.url + "/")
    expect(page.get_by_role("heading", name="Projects")).to_be_visible()
    table = page.locator(".projects-table")
    expect(table.get_by_role("row", name=re.compile(r"nature\s+4\s+0"))).to_be_visible()
    expect(table.get_by_role("row", name=re.compile(r"birds\s+1\s+0"))).to_be_visible()
    table.get_by_role("link", name="nature").click()
    expect(page).to_have_url(re.compile(r"/projects/nature$"))
    expect(page.get_by_role("heading", name="nature")).to_be_visible()


def test_workspace_lists_runs_and_charts_them(page: Page, ui_server: UiServer) -> None:
    page.goto(ui_server.url + "/projects/nature")
    for name in (
        "iv3 fc 256 adam",
        "iv3 fc 1024 rmsprop",
        "iv3 fc 2048 diverged",
        "inference test split",
    ):
        expect(_row(page, name)).to_be_visible()
    expect(_row(page, "iv3 fc 2048 diverged").locator("[data-state]")).to_have_text("failed")
    expect(_row(page, "iv3 fc 256 adam").locator("[data-state]")).to_have_text("finished")
    # Charts are sectioned by prefix, one line per visible run that logged the metric.
    for section in ("test", "train", "val"):
        expect(page.locator(f'[data-section="{section}"]')).to_be_visible()
    val_loss = page.locator('[data-metric="val/loss"] .chart-plot')
    expect(val_loss).to_have_attribute("data-series-count", "3")
    expect(val_loss.locator("canvas")).to_have_count(1)
    # Hiding a run with its eye removes its line and records the choice in the URL.
    page.get_by_role("button", name="Hide iv3 fc 256 adam").click()
    expect(val_loss).to_have_attribute("data-series-count", "2")
    expect(page).to_have_url(re.compile(r"show="))
    page.reload()
    expect(page.get_by_role("button", name="Show iv3 fc 256 adam")).to_be_visible()
    expect(page.locator('[data-metric="val/loss"] .chart-plot')).to_have_attribute(
        "data-series-count", "2"
    )


def test_hovering_a_chart_shows_each_runs_value(page: Page, ui_server: UiServer) -> None:
    page.goto(ui_server.url + "/projects/nature")
    plot = page.locator('[data-metric="train/loss"] .chart-plot')
    expect(plot).to_have_attribute("data-ready", "1")
    box = plot.locator(".u-over").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    tooltip = page.locator(".chart-tooltip")
    expect(tooltip).to_contain_text("step")
    expect(tooltip).to_contain_text("iv3 fc 256 adam")
    expect(tooltip).to_contain_text("iv3 fc 1024 rmsprop")


def test_search_filter_sort_and_group_live_in_the_url(page: Page, ui_server: UiServer) -> None:
    page.goto(ui_server.url + "/projects/nature?view=table")
    # The full table shows config columns and summary metrics.
    expect(page.locator('.th[data-column="config.fc_size"]')).to_be_visible()
    expect(_row(page, "iv3 fc 256 adam").locator('[data-column="config.optimizer"]')).to_have_text(
        "adam"
    )
    expect(_row(page, "iv3 fc 1024 rmsprop").locator('[data-column="config.lr"]')).to_have_text(
        "0.0003"
    )
    page.get_by_label("Search runs").fill("adam")
    expect(page.locator(".vrow")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"q=adam"))
    page.get_by_label("Search runs").fill("")
    page.get_by_label("Filter config.fc_size").fill(">500")
    expect(page.locator(".vrow")).to_have_count(2)
    page.get_by_label("Filter config.fc_size").fill("")
    page.locator('.th[data-column="config.fc_size"]').click()
    names = page.locator('.vrow [data-column="name"]')
    expect(names.first).to_have_text("iv3 fc 256 adam")
    expect(page).to_have_url(re.compile(r"sort=config\.fc_size%3Aasc|sort=config\.fc_size:asc"))
    page.get_by_label("Group runs by").select_option("job_type")
    expect(page.locator(".group-row")).to_have_count(2)
    expect(page.locator(".group-row").filter(has_text="train")).to_contain_text("3 runs")
    # The link reproduces the view.
    url = page.url
    page.goto(url)
    expect(page.locator(".group-row")).to_have_count(2)


def test_run_page_shows_overview_charts_and_tables(page: Page, ui_server: UiServer) -> None:
    page.goto(ui_server.url + "/projects/nature")
    page.get_by_role("link", name="iv3 fc 1024 rmsprop", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("iv3 fc 1024 rmsprop"))).to_be_visible()
    config = page.get_by_test_id("run-config")
    expect(config.get_by_role("row", name=re.compile(r"fc_size\s+1024"))).to_be_visible()
    expect(
        config.get_by_role("row", name=re.compile(r"model\.backbone\s+inception_v3"))
    ).to_be_visible()
    info = page.get_by_test_id("run-info")
    expect(info).to_contain_text("fine-tune with a 1024-unit head")
    expect(info).to_contain_text("rmsprop")
    expect(info).to_contain_text("train")
    expect(page.get_by_test_id("run-summary")).to_contain_text("best_val_acc")
    page.get_by_role("tab", name="Charts").click()
    expect(page).to_have_url(re.compile(r"tab=charts"))
    expect(page.locator('[data-metric="val/acc"] .chart-plot')).to_have_attribute(
        "data-series-count", "1"
    )
    page.get_by_role("tab", name=re.compile("Tables")).click()
    expect(page.get_by_text("This run has logged no tables.")).to_be_visible()
    page.get_by_role("tab", name="Overview").click()
    expect(page.get_by_test_id("run-artifacts")).to_contain_text("Logged")


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/projects/nope", "no project named 'nope'"),
        ("/projects/nature/runs/ghost", "no run 'ghost' in project 'nature'"),
        ("/no/such/page", "There is no page at /no/such/page"),
    ],
)
def test_unknown_things_get_a_404_page(
    page: Page, ui_server: UiServer, path: str, message: str
) -> None:
    page.goto(ui_server.url + path)
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.get_by_text(message)).to_be_visible()


def test_unknown_table_or_step_gets_a_404_page(
    page: Page, ui_server: UiServer, e2e_store: tuple[Path, dict[str, str]]
) -> None:
    run_id = e2e_store[1]["iv3 fc 256 adam"]
    page.goto(f"{ui_server.url}/projects/nature/runs/{run_id}/tables/val/predictions?step=99")
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.locator(".not-found p")).to_contain_text(re.compile(r"step 99"))
    page.goto(f"{ui_server.url}/projects/nature/runs/{run_id}/tables/test/nothing")
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.locator(".not-found p")).to_contain_text(re.compile(r"no table .test/nothing"))


def test_logged_table_opens_from_the_run_page(page: Page, ui_server: UiServer) -> None:
    page.goto(ui_server.url + "/projects/nature")
    page.get_by_role("link", name="iv3 fc 256 adam", exact=True).click()
    page.get_by_role("tab", name=re.compile("Tables")).click()
    tables = page.get_by_test_id("run-tables")
    expect(tables).to_contain_text("val/predictions")
    tables.get_by_role("link", name=re.compile(r"step 0 · 12 rows")).click()
    expect(page).to_have_url(re.compile(r"/tables/val/predictions\?step=0"))
    expect(page.locator("h1")).to_contain_text("val/predictions")


def test_workspace_links_the_tables_of_visible_runs(page: Page, ui_server: UiServer) -> None:
    page.goto(ui_server.url + "/projects/nature")
    tables = page.get_by_test_id("workspace-tables")
    expect(tables).to_contain_text("val/predictions")
    expect(tables).to_contain_text("1 run")
    tables.locator("a", has_text="val/predictions").click()
    expect(page).to_have_url(re.compile(r"/projects/nature/tables/val/predictions\?runs="))
    expect(page.locator("h1")).to_contain_text("val/predictions")
