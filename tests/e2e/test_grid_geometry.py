"""The explorer's grid keeps its shape whatever the user changes: row height, merge mode, grouping,
window width, scrolling. After each change the rows on screen are read back from the browser: no
two rows overlap, no gap lies between consecutive rows, every cell is as tall as its row and sits
under its column's header, nothing drawn in a cell reaches outside it (an image lies whole inside
it), and every text cell shows its text (the point at its middle belongs to the cell, not to a row
drawn over it).

Three stores: the walkthrough-shaped explorer store (two runs, sixty validation images, ten
classes: tests/fixtures/explorer_store.py), the pipeline store's epochs project, whose three
training runs log ``val_predictions`` (tests/fixtures/pipeline.py), and six runs logging one
120-row table (six_runs_store.py), so a joined row stacks two, three or six lines.
Screenshots of each row height, joined and concatenated, at 1440 and 1000 px are kept in
test-artifacts/grid/.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from tests.e2e import six_runs_store
from tests.e2e.explorer_page import pager
from tests.e2e.ui_server import UiServer
from tests.fixtures import explorer_store as fx
from tests.fixtures import pipeline

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "grid"
HEIGHTS = ("Small", "Medium", "Large", "Extra large")
PAGE = 100  # rows on a page, the explorer's default

# Everything wrong with the rows in sight of the grid, as sentences naming the row and column.
_PROBLEMS_JS = """
(grid) => {
  const problems = [];
  const tol = 1;
  const view = grid.getBoundingClientRect();
  const top = grid.querySelector(".xthead").getBoundingClientRect().bottom;
  const bottom = view.top + grid.clientHeight;
  const left = view.left;
  const right = view.left + grid.clientWidth;
  const rows = [...grid.querySelectorAll(".xtbody > .xrow")]
    .map((el) => ({ el, i: Number(el.dataset.row), box: el.getBoundingClientRect() }))
    .sort((a, b) => a.i - b.i);
  if (rows.length === 0) return ["no rows are drawn"];
  for (let k = 1; k < rows.length; k++) {
    const a = rows[k - 1];
    const b = rows[k];
    if (b.i !== a.i + 1) problems.push(`rows ${a.i} and ${b.i} are drawn without the rows between`);
    else if (b.box.top < a.box.bottom - tol)
      problems.push(`row ${b.i} overlaps row ${a.i} by ${(a.box.bottom - b.box.top).toFixed(1)} px`);
    else if (b.box.top > a.box.bottom + tol)
      problems.push(`a gap of ${(b.box.top - a.box.bottom).toFixed(1)} px lies between rows ${a.i} and ${b.i}`);
  }
  // The rows drawn must cover the grid's visible body: no blank band at the top or bottom.
  const first = rows[0].box;
  const last = rows[rows.length - 1].box;
  if (first.top > top + tol) problems.push(`the first drawn row starts ${(first.top - top).toFixed(1)} px below the header`);
  const total = Number(grid.getAttribute("aria-rowcount"));
  if (rows[rows.length - 1].i < total - 1 && last.bottom < bottom - tol)
    problems.push(`the rows drawn end ${(bottom - last.bottom).toFixed(1)} px above the grid's bottom`);
  const inside = (inner, outer, horizontal) =>
    inner.top >= outer.top - tol &&
    inner.bottom <= outer.bottom + tol &&
    (!horizontal || (inner.left >= outer.left - tol && inner.right <= outer.right + tol));
  const scrolls = (el) => ["auto", "scroll"].includes(getComputedStyle(el).overflowY);
  for (const row of rows) {
    if (row.box.bottom <= top || row.box.top >= bottom) continue;
    const whole = row.box.top >= top - tol && row.box.bottom <= bottom + tol;
    for (const cell of row.el.querySelectorAll(":scope > .xtd")) {
      const box = cell.getBoundingClientRect();
      if (box.right <= left || box.left >= right) continue;
      const where = `row ${row.i}, column ${cell.dataset.column ?? "#"}`;
      // The cell sits under its column's header.
      const header = cell.dataset.column
        ? grid.querySelector(`.xth[data-column="${CSS.escape(cell.dataset.column)}"]`)
        : null;
      if (header) {
        const h = header.getBoundingClientRect();
        if (Math.abs(h.left - box.left) > tol || Math.abs(h.width - box.width) > tol)
          problems.push(`${where}: the cell (${box.left.toFixed(0)}, ${box.width.toFixed(0)} px wide) is not under its header (${h.left.toFixed(0)}, ${h.width.toFixed(0)} px)`);
      }
      if (Math.abs(box.height - row.el.clientHeight) > tol)
        problems.push(`${where}: the cell is ${box.height.toFixed(1)} px tall in a ${row.el.clientHeight} px row`);
      // Every element drawn in the cell lies inside it; images whole, both ways. A scrolling
      // part of a cell (a long list of values) is checked as one box: its inside scrolls.
      const walk = (el) => {
        for (const child of el.children) {
          const b = child.getBoundingClientRect();
          if (b.width === 0 && b.height === 0) continue;
          const image = child.matches(".thumb, img");
          if (!inside(b, box, image))
            problems.push(
              `${where}: ${image ? "an image" : `a <${child.tagName.toLowerCase()} class="${child.getAttribute("class") ?? ""}">`} ` +
                `(${b.top.toFixed(0)}..${b.bottom.toFixed(0)}, ${b.left.toFixed(0)}..${b.right.toFixed(0)}) ` +
                `is cut by its cell (${box.top.toFixed(0)}..${box.bottom.toFixed(0)}, ${box.left.toFixed(0)}..${box.right.toFixed(0)})`,
            );
          if (!scrolls(child)) walk(child);
        }
      };
      walk(cell);
      const hasMedia = cell.querySelector("img, svg, .thumb") !== null;
      if (!hasMedia && cell.innerText.trim() === "") problems.push(`${where}: the cell is blank`);
      if (!whole) continue;
      // The text a reader should see is not covered: the middle of each piece of text belongs
      // to this cell, not to a neighbouring row drawn over it.
      for (const el of cell.querySelectorAll("*")) {
        const own = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim() !== "");
        if (!own) continue;
        const b = el.getBoundingClientRect();
        if (b.width === 0 || b.height === 0) continue;
        const x = Math.min(Math.max(b.left + Math.min(b.width / 2, 6), left + 1), right - 1);
        const y = b.top + b.height / 2;
        if (y <= top || y >= bottom) continue;
        // Text scrolled out of a scrolling part of the cell is out of sight on purpose.
        let port = el.parentElement;
        while (port && port !== cell && !scrolls(port)) port = port.parentElement;
        if (port && port !== cell) {
          const p = port.getBoundingClientRect();
          if (y <= p.top || y >= p.bottom) continue;
        }
        const hit = document.elementFromPoint(x, y);
        if (hit !== null && !cell.contains(hit)) {
          const other = hit.closest(".xrow");
          problems.push(
            `${where}: the text "${el.textContent.trim().slice(0, 20)}" is hidden by ` +
              (other ? `row ${other.dataset.row}` : `<${hit.tagName.toLowerCase()} class="${hit.getAttribute("class") ?? ""}">`),
          );
        }
      }
    }
  }
  return problems;
}
"""


# Every grid on the page (side by side draws one per run), its problems prefixed by its panel.
_ALL_PROBLEMS_JS = f"""
() => [...document.querySelectorAll(".xgrid")].flatMap((grid, k, all) => {{
  const found = ({_PROBLEMS_JS})(grid);
  return all.length > 1 ? found.map((p) => `grid ${{k}}: ${{p}}`) : found;
}})
"""


def _problems(page: Page) -> list[str]:
    result: list[str] = page.evaluate(_ALL_PROBLEMS_JS)
    return result


def _expect_sound(page: Page, after: str) -> None:
    """The grid on screen has none of the problems above. The browser gets until its next few
    frames to lay out what the change brought (a query's answer, images): the check is repeated
    until it passes or the time is up, and then the problems are the failure message."""
    page.wait_for_selector(".xgrid .xrow")
    found: list[str] = []
    try:
        page.wait_for_function(
            f"() => ({_ALL_PROBLEMS_JS})().length === 0",
            timeout=5_000,
        )
    except PlaywrightError:
        found = _problems(page)
    assert not found, f"after {after}: " + "; ".join(found[:12])


def _row_height(page: Page) -> float:
    box = page.locator(".xgrid .xrow").first.bounding_box()
    assert box is not None
    return box["height"]


def _set_row_height(page: Page, label: str) -> float:
    """Choose a row height; the grid is checked and its first row's height returned. The radio
    reads checked once React has drawn the grid again with the new setting."""
    choice = page.get_by_role("radio", name=f"{label} rows", exact=True)
    choice.click()
    expect(choice).to_have_attribute("aria-checked", "true")
    _expect_sound(page, f"choosing {label} rows")
    return _row_height(page)


def _top_row(page: Page) -> int:
    """The row whose top edge is at the top of the grid's body."""
    top: int = page.locator(".xgrid").first.evaluate(
        """(g) => {
          const edge = g.querySelector(".xthead").getBoundingClientRect().bottom;
          const rows = [...g.querySelectorAll(".xtbody > .xrow")];
          const at = rows.find((r) => Math.abs(r.getBoundingClientRect().top - edge) < 1);
          return at ? Number(at.dataset.row) : -1;
        }"""
    )
    return top


def _scroll_grid(page: Page, to: str) -> None:
    grid = page.locator(".xgrid").first
    grid.evaluate(f"(g) => {{ g.scrollTop = {to}; }}")


def _shot(page: Page, name: str) -> None:
    """Keep what the reader sees, to look at (test-artifacts/ is not committed)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def _exercise(page: Page, rows: int, lines: int, group_by: str, name: str) -> None:
    """Every change, each followed by the geometry check: the four row heights, join ->
    concatenate -> side by side -> join, group -> ungroup, 1440 -> 1000 px, scroll down and back."""
    expect(pager(page)).to_have_text(re.compile(rf"of {rows} rows$"))
    expect(page.locator(".xrow[data-row='0'] .run-value").first).to_be_visible()
    _expect_sound(page, "opening the joined table")
    heights = []
    for label in HEIGHTS:
        heights.append(_set_row_height(page, label))
        _shot(page, f"{name}_1440_join_{label.replace(' ', '_').lower()}")
    # Taller settings give taller rows, and a joined row holds one line per run.
    assert heights == sorted(heights) and heights[0] < heights[-1], heights
    assert heights[0] >= lines * 15, f"{lines} runs' lines in a {heights[0]} px row"
    _set_row_height(page, "Medium")

    page.get_by_role("radio", name="Concatenate").click()
    expect(pager(page)).to_have_text(re.compile(r"of \d+ rows$"))
    expect(page.locator(".xth[data-column='source']")).to_be_visible()
    _expect_sound(page, "switching to Concatenate")
    _shot(page, f"{name}_1440_concat_medium")
    for label in ("Extra large", "Small"):
        _set_row_height(page, label)
    page.get_by_role("radio", name="Side by side").click()
    expect(page.locator(".side-panel")).to_have_count(lines)
    for panel in range(lines):
        expect(
            page.locator(f".side-panel[data-panel='{panel}'] .xrow[data-row='0']")
        ).to_be_visible()
    _expect_sound(page, "switching to Side by side")
    _set_row_height(page, "Large")
    _shot(page, f"{name}_1440_side_by_side_large")
    page.get_by_role("radio", name="Join", exact=True).click()
    expect(pager(page)).to_have_text(re.compile(rf"of {rows} rows$"))
    expect(page.locator(".xrow[data-row='0'] .run-value").first).to_be_visible()
    _expect_sound(page, "switching back to Join")
    _set_row_height(page, "Medium")

    header = page.locator(f".xth[data-column='{group_by}']")
    header.hover()
    header.get_by_role("button", name=f"{group_by} column menu").click()
    page.get_by_role("menuitem", name=f"Group by {group_by}").click()
    expect(page.locator(".xgrid[data-grouped='true']")).to_be_visible()
    _expect_sound(page, f"grouping by {group_by}")
    _shot(page, f"{name}_1440_grouped_medium")
    for label in ("Small", "Extra large", "Medium"):
        _set_row_height(page, label)
    page.get_by_role("button", name="Ungroup").click()
    expect(page.locator(".xgrid[data-grouped='false']")).to_be_visible()
    _expect_sound(page, "ungrouping")

    page.set_viewport_size({"width": 1000, "height": 900})
    _expect_sound(page, "narrowing the window to 1000 px")
    for label in HEIGHTS:
        _set_row_height(page, label)
        _shot(page, f"{name}_1000_join_{label.replace(' ', '_').lower()}")
    page.get_by_role("radio", name="Concatenate").click()
    expect(page.locator(".xth[data-column='source']")).to_be_visible()
    _expect_sound(page, "switching to Concatenate at 1000 px")
    _shot(page, f"{name}_1000_concat_extra_large")
    page.get_by_role("radio", name="Join", exact=True).click()
    expect(page.locator(".xrow[data-row='0'] .run-value").first).to_be_visible()
    _set_row_height(page, "Large")
    page.set_viewport_size({"width": 1440, "height": 900})
    _expect_sound(page, "widening the window to 1440 px")

    # Scrolled to the end of the page of rows, the last row shows whole, and back at the top.
    last_row = page.locator(f".xrow[data-row='{min(rows, PAGE) - 1}']")
    _scroll_grid(page, "g.scrollHeight")
    expect(last_row).to_be_visible()
    _expect_sound(page, "scrolling to the bottom")
    last = last_row.bounding_box()
    grid = page.locator(".xgrid").first.bounding_box()
    assert last is not None and grid is not None
    assert last["y"] + last["height"] <= grid["y"] + grid["height"] + 1, "the last row is cut"
    _scroll_grid(page, "0")
    expect(page.locator(".xrow[data-row='0']")).to_be_visible()
    _expect_sound(page, "scrolling back to the top")


def test_two_joined_runs_keep_their_shape(
    page: Page, explorer: tuple[UiServer, dict[str, str]]
) -> None:
    server, ids = explorer
    runs = ",".join(ids[name] for name in fx.RUNS)
    page.goto(f"{server.url}/projects/{fx.PROJECT}/tables/predictions?runs={runs}&step=2")
    _exercise(page, fx.N_VAL, len(fx.RUNS), "truth", "two_runs")
    # Scrolled down, a new row height keeps the row at the top of the view there.
    for label, scrolled in (("Large", 20), ("Small", 30), ("Extra large", 12)):
        _scroll_grid(page, f"{scrolled} * document.querySelector('.xrow').offsetHeight")
        expect(page.locator(f".xrow[data-row='{scrolled}']")).to_be_visible()
        _set_row_height(page, label)
        assert _top_row(page) == scrolled, f"{label}: row {_top_row(page)} at the top"


def test_different_images_per_run_tile_their_cell(
    page: Page, explorer: tuple[UiServer, dict[str, str]]
) -> None:
    """Joined on the class, a row pairs different images of the two runs: both show whole."""
    server, ids = explorer
    runs = ",".join(ids[name] for name in fx.RUNS)
    page.goto(f"{server.url}/projects/{fx.PROJECT}/tables/predictions?runs={runs}&step=2&on=truth")
    pairs = fx.PER_CLASS * fx.PER_CLASS * len(fx.CLASSES)
    expect(pager(page)).to_have_text(re.compile(rf"of {pairs} rows$"))
    # Row 0 pairs image 0 with itself; row 1 pairs it with another image of its class.
    images = page.locator(".xrow[data-row='1'] [data-column='image'] .per-run.images .thumb")
    expect(images).to_have_count(len(fx.RUNS))
    for label in HEIGHTS:
        _set_row_height(page, label)
        _shot(page, f"join_on_truth_1440_{label.replace(' ', '_').lower()}")
    page.set_viewport_size({"width": 1000, "height": 900})
    _set_row_height(page, "Small")
    _shot(page, "join_on_truth_1000_small")
    # Narrowed by hand, the column still holds both images whole, smaller.
    header = page.locator(".xth[data-column='image']")
    before = images.first.bounding_box()
    handle = header.get_by_role("separator", name="Resize image")
    box = handle.bounding_box()
    assert box is not None and before is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] - 40, box["y"] + box["height"] / 2, steps=4)
    page.mouse.up()
    expect(page).to_have_url(re.compile(r"widths="))
    _expect_sound(page, "narrowing the image column")
    after = images.first.bounding_box()
    assert after is not None and after["width"] < before["width"]
    _set_row_height(page, "Large")


def test_three_joined_runs_keep_their_shape(
    page: Page, pipeline_ui: tuple[UiServer, dict[str, Any]]
) -> None:
    server, ids = pipeline_ui
    names = [f"train {e} epoch{'s' if e > 1 else ''}" for e in pipeline.EPOCHS]
    runs = ",".join(ids["epochs"][name] for name in names)
    page.goto(f"{server.url}/projects/{pipeline.EPOCHS_PROJECT}/tables/val_predictions?runs={runs}")
    # Each run at its latest step. The 1-epoch model saw the small eval set; an inner join keeps
    # the images all three saw.
    rows = len(pipeline.eval_images(False))
    _exercise(page, rows, len(pipeline.EPOCHS), "truth", "three_runs")


def test_six_joined_runs_keep_their_shape(
    page: Page, six_runs: tuple[UiServer, dict[str, str]]
) -> None:
    server, ids = six_runs
    runs = ",".join(ids[name] for name in six_runs_store.RUNS)
    page.goto(f"{server.url}/projects/{six_runs_store.PROJECT}/tables/predictions?runs={runs}")
    _exercise(page, six_runs_store.ROWS, len(six_runs_store.RUNS), "truth", "six_runs")
