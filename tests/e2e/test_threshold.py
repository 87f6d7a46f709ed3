"""The evaluation panel's minimum score threshold in a real browser, on the pipeline store.

At the latest step (1) of the training runs' ``val_predictions`` the guessed class scores
0.6 + 0.02 * (row % 5) (tests/fixtures/pipeline.py), so of the 12 rows three (rows 0, 5, 10: one
aves, one fungi, one insecta image) have a top score below 0.61, and eight below 0.65.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from tests.e2e.ui_server import UiServer

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

Pipeline = tuple[UiServer, dict[str, Any]]


def _evaluation(server: UiServer, *run_ids: str, extra: str = "") -> str:
    runs = "".join(f"run={run_id}&" for run_id in run_ids)
    return (
        f"{server.url}/projects/pipeline/evaluation?{runs}key=val_predictions"
        f"&truth=truth&guess=guess{extra}"
    )


def _move_to(page: Page, hundredths: int) -> None:
    """Move the slider with the keyboard, from 0, one step (0.01) per key press."""
    slider = page.get_by_role("slider", name="Minimum score")
    slider.focus()
    page.keyboard.press("Home")
    for _ in range(hundredths):
        page.keyboard.press("ArrowRight")
    expect(page.get_by_test_id("threshold-value")).to_have_text(f"{hundredths / 100:.2f}")


def test_moving_the_slider_changes_the_counts_and_the_link_lists_the_rows(
    page: Page, pipeline_ui: Pipeline
) -> None:
    server, ids = pipeline_ui
    page.goto(_evaluation(server, ids["train fc256"]))
    card = page.locator(".run-evaluation", has_text="train fc256")
    kept, abstained = (
        card.get_by_test_id("threshold-kept"),
        card.get_by_test_id("threshold-abstained"),
    )
    expect(kept).to_have_text("12")
    expect(abstained).to_have_text("0")
    expect(card.get_by_text("no row below 0.00")).to_be_visible()
    # Threshold 0 leaves the unthresholded accuracy alone.
    expect(card.get_by_test_id("threshold-accuracy")).to_have_text(
        card.get_by_test_id("accuracy").inner_text()
    )

    _move_to(page, 61)
    expect(abstained).to_have_text("3")
    expect(kept).to_have_text("9")
    # fc256 is wrong on rows 0, 4 and 8 at step 1; row 0 falls below: 7 of the 9 kept are right.
    expect(card.get_by_test_id("threshold-accuracy")).to_have_text("77.8%")
    # One image of each class falls below: each class's abstained cell says 1.
    per_class = card.locator("table.per-class")
    for name in ("Aves", "Fungi", "Insecta"):
        expect(per_class.locator(f"tr[data-class='{name}'] td.abstained")).to_have_text("1")
    expect(page).to_have_url(re.compile(r"[?&]threshold=0\.61(&|$)"))

    _move_to(page, 65)
    expect(abstained).to_have_text("8")
    # Back to 0.61, then follow the link to the explorer, filtered to the three rows.
    _move_to(page, 61)
    link = card.get_by_role("link", name="Open the 3 rows below 0.61 in the table")
    link.click()
    expect(page).to_have_url(re.compile(rf"/projects/pipeline/runs/{ids['train fc256']}/tables/"))
    expect(page.get_by_test_id("pager-range")).to_have_text("1–3 of 3 rows")
    ids_shown = page.locator(".xrow [data-column='id']")
    expect(ids_shown).to_have_text(
        [re.compile("aves_12"), re.compile("fungi_13"), re.compile("insecta_14")]
    )


def test_following_the_link_right_after_moving_the_slider_stays_on_the_table(
    page: Page, pipeline_ui: Pipeline
) -> None:
    """The threshold reaches the URL once the slider rests; a click on the link before then
    must not let that late write bring the user back to the evaluation page."""
    server, ids = pipeline_ui
    page.goto(_evaluation(server, ids["train fc256"]))
    card = page.locator(".run-evaluation", has_text="train fc256")
    expect(card.get_by_test_id("threshold-abstained")).to_have_text("0")
    # The explorer's code is held back until the threshold is in the URL, so the navigation is
    # still under way when the write happens, however soon the click comes.
    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)

    page.route(re.compile(r"/assets/TablePage-[^/]*\.js$"), hold)
    _move_to(page, 61)
    card.get_by_role("link", name="Open the 3 rows below 0.61 in the table").click()
    expect(page).to_have_url(re.compile(r"/evaluation\?.*threshold=0\.61(&|$)"))
    for route in held:
        route.continue_()
    page.unroute(re.compile(r"/assets/TablePage-[^/]*\.js$"))
    expect(page).to_have_url(re.compile(rf"/projects/pipeline/runs/{ids['train fc256']}/tables/"))
    expect(page.get_by_test_id("pager-range")).to_have_text("1–3 of 3 rows")
    # The threshold was written before leaving: back on the evaluation page, it is still 0.61.
    page.go_back()
    expect(page).to_have_url(re.compile(r"[?&]threshold=0\.61(&|$)"))
    expect(page.get_by_test_id("threshold-value")).to_have_text("0.61")


def test_the_threshold_applies_to_every_run_and_draws_curves_per_class(
    page: Page, pipeline_ui: Pipeline
) -> None:
    server, ids = pipeline_ui
    page.goto(_evaluation(server, ids["train fc256"], ids["train fc1024"], extra="&threshold=0.65"))
    expect(page.locator(".run-evaluation")).to_have_count(2)
    for name in ("train fc256", "train fc1024"):
        card = page.locator(".run-evaluation", has_text=name)
        expect(card.get_by_test_id("threshold-abstained")).to_have_text("8")
    curves = page.get_by_role("region", name="PR and ROC curves")
    expect(curves.locator(".curve-legend tbody tr")).to_have_count(2)
    expect(curves.locator(".curve-holder canvas")).to_have_count(2)
    expect(curves.get_by_role("button", name="Aves")).to_have_attribute("aria-pressed", "true")
    # Choosing a class keeps it in the URL; the legend reads that class's curves.
    curves.get_by_role("button", name="Fungi").click()
    expect(page).to_have_url(re.compile(r"[?&]curve=Fungi(&|$)"))
    expect(curves.get_by_text("Over score_Fungi")).to_be_visible()
    page.reload()
    expect(page.get_by_test_id("threshold-value")).to_have_text("0.65")
    expect(
        page.get_by_role("region", name="PR and ROC curves").get_by_role("button", name="Fungi")
    ).to_have_attribute("aria-pressed", "true")


def test_a_table_without_score_columns_says_so(page: Page, pipeline_ui: Pipeline) -> None:
    server, ids = pipeline_ui
    run_id = ids["epochs"]["train 1 epoch"]
    page.goto(
        f"{server.url}/projects/epochs/evaluation?run={run_id}&key=val_predictions"
        "&truth=truth&guess=guess"
    )
    expect(page.get_by_test_id("threshold-problem")).to_contain_text(
        "needs a numeric score_<class> column for every class"
    )
    expect(page.get_by_role("slider", name="Minimum score")).to_be_disabled()
    expect(page.get_by_test_id("accuracy")).to_have_text("50.0%")
