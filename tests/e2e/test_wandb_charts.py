"""``wandb.plot`` charts drawn as panels in the workspace and on the run page, in Chromium.

The store is logged by wandb_charts_store.py in its own process (``import heron.wandb as wandb``,
as a W&B user's script would): two runs that each log every kind of chart.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e import wandb_charts_store
from tests.e2e.ui_server import UiServer, script_store_ui
from tests.e2e.wandb_charts_store import CLASSES, RUNS
from tests.fixtures.shared_stores import SharedStores

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


@pytest.fixture(scope="module")
def charts_ui(shared_stores: SharedStores) -> Iterator[tuple[UiServer, dict[str, str]]]:
    """`heron ui` over a store where two runs logged every chart kind."""
    with script_store_ui(shared_stores, "wandb-charts", wandb_charts_store.__file__) as served:
        yield served


def _panel(page: Page, key: str) -> Locator:
    return page.locator(f'.logged-chart[data-chart="{key}"]')


def _expect_axes(panel: Locator, x: str, y: str) -> None:
    expect(panel.locator(".axis-x")).to_have_text(x)
    expect(panel.locator(".axis-y")).to_have_text(y)


def test_workspace_draws_every_chart_kind_for_the_visible_runs(
    page: Page, charts_ui: tuple[UiServer, dict[str, str]]
) -> None:
    server, _ = charts_ui
    page.goto(server.url + "/projects/charts")
    section = page.get_by_role("region", name="Logged charts")
    expect(section.locator(".section-count")).to_have_text("8")

    conf = _panel(page, "conf")
    expect(conf.locator(".chart-title")).to_contain_text("Pets confusion")
    # One 3x3 matrix per run (newest run first, as in the runs table), each headed by its run.
    expect(conf.locator("table.confusion")).to_have_count(2)
    expect(conf.locator(".confusion-run-name")).to_have_text(list(reversed(RUNS)))
    expect(conf.locator("td.cell")).to_have_count(18)
    expect(conf.locator("table.confusion").first.locator("thead th.col-head")).to_have_text(CLASSES)

    pr = _panel(page, "pr")
    expect(pr.locator(".chart-title")).to_contain_text("Precision-Recall Curve")
    # A line per class per run, with the axes W&B labels.
    expect(pr.locator(".chart-plot")).to_have_attribute("data-series-count", "6")
    expect(pr.locator(".chart-plot canvas")).to_have_count(1)
    _expect_axes(pr, "Recall", "Precision")
    expect(pr.locator(".chart-legend li")).to_have_count(6)
    expect(pr.locator(".chart-legend")).to_contain_text("wide net · bird")

    roc = _panel(page, "roc")
    _expect_axes(roc, "False positive rate", "True positive rate")
    expect(roc.locator(".chart-plot")).to_have_attribute("data-series-count", "6")

    line = _panel(page, "acc_line")
    expect(line.locator(".chart-title")).to_contain_text("Accuracy")
    expect(line.locator(".chart-plot")).to_have_attribute("data-series-count", "4")
    _expect_axes(line, "epoch", "acc")

    bars = _panel(page, "class_counts")
    expect(bars.locator(".bar-row")).to_have_count(3)
    expect(bars.locator(".bar-label")).to_have_text(["cat", "dog", "bird"])
    expect(bars.locator(".bar")).to_have_count(6)  # a bar per run per class
    expect(bars.locator('.bar-row[data-label="bird"] .bar-value')).to_have_text(["16", "15"])

    hist = _panel(page, "error_hist")
    expect(hist.locator(".chart-plot")).to_have_attribute("data-series-count", "2")
    _expect_axes(hist, "error", "count")

    scatter = _panel(page, "size_scatter")
    expect(scatter.locator(".chart-title")).to_contain_text("Score by size")
    expect(scatter.locator(".chart-plot")).to_have_attribute("data-series-count", "2")

    series = _panel(page, "series")
    expect(series.locator(".chart-plot")).to_have_attribute("data-series-count", "4")
    _expect_axes(series, "epoch", "lineVal")


def test_hiding_a_run_removes_its_part_of_every_chart(
    page: Page, charts_ui: tuple[UiServer, dict[str, str]]
) -> None:
    server, _ = charts_ui
    page.goto(server.url + "/projects/charts")
    expect(_panel(page, "pr").locator(".chart-plot")).to_have_attribute("data-series-count", "6")
    page.get_by_role("button", name="Hide small net").click()
    expect(_panel(page, "pr").locator(".chart-plot")).to_have_attribute("data-series-count", "3")
    expect(_panel(page, "conf").locator("table.confusion")).to_have_count(1)
    expect(_panel(page, "class_counts").locator(".bar")).to_have_count(3)


def test_run_page_draws_the_runs_charts_and_their_tables_open_in_the_explorer(
    page: Page, charts_ui: tuple[UiServer, dict[str, str]]
) -> None:
    server, ids = charts_ui
    run_id = ids["wide net"]
    page.goto(f"{server.url}/projects/charts/runs/{run_id}?tab=charts")
    conf = _panel(page, "conf")
    expect(conf.locator("td.cell")).to_have_count(9)
    # A single run's matrix has no run heading; the diagonal holds most of the 60 examples.
    expect(conf.locator(".confusion-run-name")).to_have_count(0)
    expect(conf.locator('td[data-actual="dog"][data-predicted="dog"]')).to_have_text(
        re.compile(r"^\d+$")
    )
    pr = _panel(page, "pr")
    expect(pr.locator(".chart-plot")).to_have_attribute("data-series-count", "3")
    expect(pr.locator(".chart-legend li")).to_have_text(CLASSES)
    # Pointing at a point names its series and its values.
    over = _panel(page, "series").locator(".u-over")
    over.scroll_into_view_if_needed()
    box = over.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 3, box["y"] + box["height"] - 3)  # near (0, 1) of "up"
    tooltip = _panel(page, "series").locator(".chart-tooltip")
    expect(tooltip).to_contain_text("up")
    expect(tooltip).to_contain_text("epoch 0 · lineVal 1")
    # The chart's table is an ordinary table of the run.
    page.get_by_role("tab", name=re.compile("Tables")).click()
    tables = page.get_by_test_id("run-tables")
    expect(tables.get_by_role("row", name=re.compile(r"^pr\b"))).to_be_visible()
    # The table's name opens its latest step, as its step chip does.
    tables.get_by_role("row", name=re.compile(r"^pr\b")).get_by_role(
        "link", name="pr", exact=True
    ).click()
    expect(page.get_by_text("63 rows").first).to_be_visible()
