"""Small things a reader meets in a real browser: a run's Tables tab links each table by name,
counts read in the right number, the image viewer shows the row it came from and steps through the
page, and the truth x guess grid colours counts as the evaluation matrix does.

The data is the pipeline store of tests/fixtures/pipeline.py, whose guesses follow fixed rules.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.ui_server import UiServer
from tests.fixtures.pipeline import CLASSES, guess_for

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

Pipeline = tuple[UiServer, dict[str, Any]]
# The validation images the training runs predict, in logged order: 4 per class.
VAL = [(f"{c.lower()}_{k:02d}.png", c) for c in CLASSES for k in range(12, 16)]


def _rgb(locator: Locator) -> tuple[int, int, int]:
    """The red, green and blue of an element's computed background (its alpha aside)."""
    colour = locator.evaluate("element => getComputedStyle(element).backgroundColor")
    red, green, blue = (int(float(n)) for n in re.findall(r"[\d.]+", colour)[:3])
    return red, green, blue


def test_tables_tab_links_each_table_by_its_name(page: Page, pipeline_ui: Pipeline) -> None:
    server, ids = pipeline_ui
    page.goto(f"{server.url}/projects/pipeline/runs/{ids['train fc256']}?tab=tables")
    tables = page.get_by_test_id("run-tables")
    # Each step keeps its own link; the name opens the latest step.
    expect(tables.get_by_role("link", name="step 0 · 12 rows")).to_be_visible()
    tables.get_by_role("link", name="val_predictions", exact=True).click()
    expect(page).to_have_url(re.compile(r"/tables/val_predictions\?step=1$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("val_predictions")


def test_a_count_of_one_reads_in_the_singular(page: Page, pipeline_ui: Pipeline) -> None:
    server, ids = pipeline_ui
    # An artifact version holding a single file, on its page and in a comparison.
    page.goto(f"{server.url}/projects/pipeline/artifacts/predictions-fc256/v0")
    expect(page.get_by_text(re.compile(r"^1 file · "))).to_be_visible()
    # One run logged the split table: the workspace says "1 run", the table page "1 row" for a
    # filter that keeps one row.
    page.goto(f"{server.url}/projects/pipeline")
    tables = page.get_by_test_id("workspace-tables")
    expect(tables.locator("a", has_text="split_table").first).to_be_visible()
    expect(tables.get_by_role("link", name="split_table 1 run")).to_be_visible()
    page.goto(f"{server.url}/projects/pipeline/runs/{ids['split']}/tables/split_table?step=0")
    box = page.get_by_label("Filter expression")
    box.fill('row["id"] = "aves_00.png"')
    box.press("Enter")
    expect(page.locator(".explorer-foot [data-testid=pager-range]")).to_have_text("1–1 of 1 row")
    expect(page.locator("body")).not_to_contain_text(re.compile(r"\b1 (rows|files|runs)\b"))


def test_image_viewer_shows_the_row_and_steps_through_the_page(
    page: Page, pipeline_ui: Pipeline
) -> None:
    server, ids = pipeline_ui
    page.goto(
        f"{server.url}/projects/pipeline/runs/{ids['train fc1024']}/tables/val_predictions?step=1"
    )
    guesses = [guess_for("fc1024", i + 1, truth) for i, (_, truth) in enumerate(VAL)]
    opener = page.locator(".xrow[data-row='1'] [data-column='image'] button.thumb")
    opener.click()
    viewer = page.get_by_role("dialog", name="Image")
    expect(viewer.get_by_test_id("viewer-position")).to_have_text("2 of 12 on this page")

    def shows(at: int) -> None:
        expect(viewer.locator("tr[data-column='id'] td")).to_have_text(VAL[at][0])
        expect(viewer.locator("tr[data-column='truth'] td")).to_have_text(VAL[at][1])
        expect(viewer.locator("tr[data-column='guess'] td")).to_have_text(guesses[at])
        expect(viewer.locator("tr[data-column^='score_']")).to_have_count(len(CLASSES))

    shows(1)
    # Keys and buttons step through the page's rows; the ends stop.
    page.keyboard.press("ArrowRight")
    shows(2)
    viewer.get_by_role("button", name="Previous image").click()
    viewer.get_by_role("button", name="Previous image").click()
    shows(0)
    expect(viewer.get_by_role("button", name="Previous image")).to_be_disabled()
    page.keyboard.press("ArrowLeft")
    shows(0)
    for _ in range(len(VAL)):
        page.keyboard.press("ArrowRight")
    shows(len(VAL) - 1)
    expect(viewer.get_by_role("button", name="Next image")).to_be_disabled()
    # Escape closes it and gives the focus back to the thumbnail it was opened from.
    page.keyboard.press("Escape")
    expect(viewer).to_have_count(0)
    expect(opener).to_be_focused()


def test_truth_by_guess_grid_colours_as_the_evaluation_matrix(
    page: Page, pipeline_ui: Pipeline
) -> None:
    server, ids = pipeline_ui
    run = ids["infer fc256"]
    page.goto(
        f"{server.url}/projects/pipeline/runs/{run}/tables/test_predictions?step=0"
        "&group=truth,guess"
    )
    grid = page.get_by_role("table", name="truth by guess")
    right = _rgb(grid.locator("td[data-row='Aves'][data-col='Aves']"))
    wrong = _rgb(grid.locator("td[data-row='Aves'][data-col='Fungi']"))
    assert right != wrong
    page.goto(
        f"{server.url}/projects/pipeline/evaluation?run={run}"
        "&key=test_predictions&truth=truth&guess=guess"
    )
    matrix = page.locator(".run-evaluation table.confusion").first
    expect(matrix.get_by_role("button", name="truth Aves, guess Fungi: 1")).to_be_visible()
    cell = "td:has(button[data-truth='{}'][data-guess='{}'])"
    assert _rgb(matrix.locator(cell.format("Aves", "Aves"))) == right
    assert _rgb(matrix.locator(cell.format("Aves", "Fungi"))) == wrong
