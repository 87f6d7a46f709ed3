"""Side by side with six runs, in a real browser: readable panels in a strip that scrolls sideways,
one column chooser and one pager for all panels, and rows that scroll together.

The store is logged by six_runs_store.py (six runs, 120 rows each, different mistakes per run).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from tests.e2e import six_runs_store as fx
from tests.e2e.ui_server import UiServer

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "side-by-side"


def _url(six_runs: tuple[UiServer, dict[str, str]], query: str = "") -> str:
    server, ids = six_runs
    runs = ",".join(ids[name] for name in fx.RUNS)
    url = f"{server.url}/projects/{fx.PROJECT}/tables/predictions?runs={runs}&merge=side_by_side"
    return url + (f"&{query}" if query else "")


def _panels_ready(page: Page) -> None:
    """Every panel shows its first row."""
    for index in range(len(fx.RUNS)):
        expect(
            page.locator(f".side-panel[data-panel='{index}'] .xrow[data-row='0']")
        ).to_be_visible()


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def test_six_panels_are_readable_in_a_strip(
    page: Page, six_runs: tuple[UiServer, dict[str, str]]
) -> None:
    page.goto(_url(six_runs))
    _panels_ready(page)
    panels = page.locator(".side-panel")
    expect(panels).to_have_count(6)
    legend = page.locator(".run-legend .legend-item")
    for index, name in enumerate(fx.RUNS):
        panel = page.locator(f".side-panel[data-panel='{index}']")
        title = panel.locator(".side-title")
        expect(title).to_contain_text(f"[{index}]")
        expect(title).to_contain_text(name)
        expect(title).to_contain_text(f"{fx.ROWS} rows")
        # The panel's colour is the run's colour in the legend above.
        swatch = title.locator(".swatch").evaluate("e => getComputedStyle(e).backgroundColor")
        listed = legend.nth(index).locator(".swatch")
        assert swatch == listed.evaluate("e => getComputedStyle(e).backgroundColor")
        # Wide enough to read several whole columns, not just the id.
        box = panel.bounding_box()
        assert box is not None and box["width"] >= 480
        headers = panel.locator(".xth").evaluate_all(
            """(cells) => {
                const panel = cells[0].closest('.xgrid').getBoundingClientRect();
                return cells.filter((c) => {
                    const r = c.getBoundingClientRect();
                    return r.left >= panel.left - 1 && r.right <= panel.right + 1;
                }).length;
            }"""
        )
        assert headers >= 4, f"panel {index} shows {headers} whole columns (with the row number)"
    # Six readable panels do not fit 1440 px: the strip scrolls sideways to reach the last one.
    strip = page.locator(".side-by-side")
    assert strip.evaluate("e => e.scrollWidth > e.clientWidth + 100")
    _shot(page, "six-runs-1440")
    last = page.locator(".side-panel[data-panel='5']")
    last.scroll_into_view_if_needed()
    box = last.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 1440 + 1
    page.set_viewport_size({"width": 1000, "height": 800})
    _panels_ready(page)
    box = page.locator(".side-panel[data-panel='0']").bounding_box()
    assert box is not None and box["width"] >= 480
    _shot(page, "six-runs-1000")


def test_one_pager_pages_every_panel(page: Page, six_runs: tuple[UiServer, dict[str, str]]) -> None:
    page.goto(_url(six_runs))
    _panels_ready(page)
    pager = page.locator(".explorer [data-testid=pager-range]")
    expect(pager).to_have_count(1)
    expect(pager).to_have_text(f"1–100 of {fx.ROWS} rows in each run")
    # One line, not one word a line.
    box = pager.bounding_box()
    assert box is not None and box["height"] < 24
    page.get_by_role("button", name="Next page").click()
    expect(pager).to_have_text(f"101–{fx.ROWS} of {fx.ROWS} rows in each run")
    for index in range(len(fx.RUNS)):
        first = page.locator(f".side-panel[data-panel='{index}'] .xrow[data-row='0']")
        expect(first.locator("[data-column='id']")).to_have_text("img100")
        expect(first.locator(".row-index")).to_have_text("101")
    # A filter leaves each run its own mistakes; the pager counts the run with the most.
    page.get_by_role("button", name="First page").click()
    box_filter = page.get_by_label("Filter expression")
    box_filter.fill('row["guess"] != row["truth"]')
    box_filter.press("Enter")
    most = max(fx.mistakes(r) for r in range(len(fx.RUNS)))
    expect(pager).to_have_text(f"1–{most} of {most} rows in the largest run")
    for index in range(len(fx.RUNS)):
        title = page.locator(f".side-panel[data-panel='{index}'] .side-title")
        expect(title).to_contain_text(f"{fx.mistakes(index)} rows")


def test_one_column_chooser_for_all_panels(
    page: Page, six_runs: tuple[UiServer, dict[str, str]]
) -> None:
    page.goto(_url(six_runs))
    _panels_ready(page)
    columns = page.get_by_role("button", name=re.compile(r"^Columns"))
    expect(columns).to_have_count(1)
    columns.click()
    chooser = page.locator(".chooser")
    for name in fx.COLUMNS:
        expect(chooser.locator(f".chooser-item[data-column='{name}']")).to_be_visible()
    for name in ("image", "note"):
        chooser.get_by_label(f"Show {name}").click()
        expect(chooser.get_by_label(f"Show {name}")).not_to_be_checked()
    page.keyboard.press("Escape")
    expect(page.locator(".side-panel .xth[data-column='image']")).to_have_count(0)
    expect(page.locator(".side-panel .xth[data-column='note']")).to_have_count(0)
    for index in range(len(fx.RUNS)):
        panel = page.locator(f".side-panel[data-panel='{index}']")
        expect(panel.locator(".xth[data-column='score']")).to_be_visible()
    expect(page).to_have_url(re.compile(r"hide=image(%2C|,)note"))


def test_panels_scroll_together(page: Page, six_runs: tuple[UiServer, dict[str, str]]) -> None:
    page.goto(_url(six_runs, "hide=" + quote("image,note")))
    _panels_ready(page)
    grid = page.locator(".side-panel[data-panel='1'] .xgrid")
    grid.hover()
    page.mouse.wheel(0, 1500)
    # Every panel follows the one under the wheel, to the same place.
    page.wait_for_function(
        """() => {
            const grids = [...document.querySelectorAll('.side-panel .xgrid')];
            const top = grids[1].scrollTop;
            return top > 1000 && grids.every((g) => Math.abs(g.scrollTop - top) < 1);
        }"""
    )
    first_rows = page.locator(".side-panel .xgrid").evaluate_all(
        """(grids) => grids.map((g) => {
            const rows = [...g.querySelectorAll('.xrow')].filter(
                (r) => r.getBoundingClientRect().bottom > g.getBoundingClientRect().top + 40);
            return Math.min(...rows.map((r) => Number(r.dataset.row)));
        })"""
    )
    assert len(set(first_rows)) == 1, first_rows
    # Scrolling another panel back brings them all back.
    page.locator(".side-panel[data-panel='4'] .xgrid").evaluate("g => { g.scrollTop = 0; }")
    page.wait_for_function(
        """() => [...document.querySelectorAll('.side-panel .xgrid')].every((g) => g.scrollTop === 0)"""
    )


def test_grouped_panels_page_their_own_images(
    page: Page, six_runs: tuple[UiServer, dict[str, str]]
) -> None:
    page.goto(_url(six_runs, "group=truth&hide=note"))
    per_class = fx.ROWS // len(fx.CLASSES)
    for index in (0, 4):
        panel = page.locator(f".side-panel[data-panel='{index}']")
        expect(panel.locator(".side-title")).to_contain_text(f"{len(fx.CLASSES)} groups")
        row = panel.locator(".xrow", has=page.locator(".group-key", has_text="Fungi"))
        cell = row.locator("[data-column='image']")
        next_button = cell.get_by_role("button", name="Next images")
        # Paging on past the images the summary carried reads the rest from this panel's run.
        for _ in range(per_class):
            expect(cell.locator(".strip-count")).not_to_contain_text("loading")
            if next_button.is_disabled():
                break
            start = cell.locator(".strip").get_attribute("data-start")
            next_button.click()
            expect(cell.locator(".strip")).not_to_have_attribute("data-start", start or "")
        expect(cell.locator(".strip-count")).to_have_text(
            re.compile(rf"–{per_class} of {per_class}$")
        )
    # The pager counts groups.
    expect(page.locator("[data-testid=pager-range]")).to_have_text(
        f"1–{len(fx.CLASSES)} of {len(fx.CLASSES)} groups in each run"
    )
