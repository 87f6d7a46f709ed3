"""Charts drawn against the step metric a W&B script named with ``define_metric``, in Chromium.

The store is logged by step_metric_store.py in its own process (``import heron.wandb as wandb``):
one run says ``define_metric("val/*", step_metric="epoch")``, the other defines nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e import step_metric_store
from tests.e2e.step_metric_store import DEFINED, EPOCHS, PLAIN, VAL_STEPS, val_acc
from tests.e2e.ui_server import UiServer, script_store_ui
from tests.fixtures.shared_stores import SharedStores

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


@pytest.fixture(scope="module")
def epochs_ui(shared_stores: SharedStores) -> Iterator[tuple[UiServer, dict[str, str]]]:
    """`heron ui` over the store of step_metric_store.py."""
    with script_store_ui(shared_stores, "step-metric", step_metric_store.__file__) as served:
        yield served


def _chart(page: Page, metric: str) -> Locator:
    return page.locator(f'.chart[data-metric="{metric}"]')


def _hover(page: Page, chart: Locator, fraction: float) -> Locator:
    """Point at ``fraction`` of the plot's width; returns the tooltip."""
    expect(chart.locator(".chart-plot")).to_have_attribute("data-ready", "1")
    chart.scroll_into_view_if_needed()
    box = chart.locator(".u-over").bounding_box()
    assert box is not None
    x = box["x"] + 1 + (box["width"] - 2) * fraction
    page.mouse.move(x, box["y"] + box["height"] * 0.5)
    return chart.locator(".chart-tooltip")


def _expect_points(page: Page, chart: Locator, label: str, xs: list[int]) -> None:
    """The first, middle and last points sit at ``xs``' first, middle and last values."""
    for fraction, at in ((0.0, 0), (0.5, len(xs) // 2), (1.0, -1)):
        tooltip = _hover(page, chart, fraction)
        expect(tooltip.locator(".chart-tooltip-step")).to_have_text(f"{label} {xs[at]}")
        expect(tooltip.locator(".chart-tooltip-value").first).to_have_text(str(val_acc(EPOCHS[at])))


def test_run_page_draws_val_metrics_against_epoch_and_can_switch_back_to_step(
    page: Page, epochs_ui: tuple[UiServer, dict[str, str]]
) -> None:
    server, ids = epochs_ui
    page.goto(f"{server.url}/projects/epochs/runs/{ids[DEFINED]}?tab=charts")
    val = _chart(page, "val/acc")
    expect(val).to_have_attribute("data-x-axis", "epoch")
    expect(val.locator(".chart-x-label")).to_have_text("epoch")
    _expect_points(page, val, "epoch", EPOCHS)
    # Metrics no definition matches stay on the step, and so does the step metric itself.
    expect(_chart(page, "train/loss")).to_have_attribute("data-x-axis", "step")
    expect(_chart(page, "epoch")).to_have_attribute("data-x-axis", "step")

    page.get_by_label("X-axis").select_option("step")
    expect(page).to_have_url(re.compile(r"[?&]x=step"))
    expect(val).to_have_attribute("data-x-axis", "step")
    _expect_points(page, val, "step", VAL_STEPS)
    page.reload()
    expect(page.get_by_label("X-axis")).to_have_value("step")
    expect(_chart(page, "val/acc")).to_have_attribute("data-x-axis", "step")

    page.get_by_label("X-axis").select_option("defined")
    expect(page).not_to_have_url(re.compile(r"[?&]x="))
    expect(_chart(page, "val/acc")).to_have_attribute("data-x-axis", "epoch")


def test_workspace_falls_back_to_step_for_a_run_without_a_definition(
    page: Page, epochs_ui: tuple[UiServer, dict[str, str]]
) -> None:
    server, ids = epochs_ui
    page.goto(f"{server.url}/projects/epochs")
    val = _chart(page, "val/acc")
    expect(val.locator(".chart-plot")).to_have_attribute("data-series-count", "2")
    # One run on its epochs (1-5), the other on its steps (10-54): the axis names both.
    expect(val).to_have_attribute("data-x-axis", "epoch / step")
    expect(val.locator(".chart-x-label")).to_have_text("epoch / step")
    tooltip = _hover(page, val, 0.0)
    expect(tooltip.locator(".chart-tooltip-step")).to_have_text("epoch / step 1")
    expect(tooltip).to_contain_text(DEFINED)
    tooltip = _hover(page, val, 1.0)
    expect(tooltip.locator(".chart-tooltip-step")).to_have_text("epoch / step 54")
    expect(tooltip).to_contain_text(PLAIN)

    # Alone on its run page, the run without a definition is drawn against its steps.
    page.goto(f"{server.url}/projects/epochs/runs/{ids[PLAIN]}?tab=charts")
    expect(_chart(page, "val/acc")).to_have_attribute("data-x-axis", "step")
