"""The table explorer in a real browser: the walkthrough's recipes, clicked and typed as a user would.

The store is logged by tests/fixtures/explorer_store.py (10 classes, a dataset table, predictions
of two runs over three epochs, a 300-column table); expected counts come from the same functions.
"""

from __future__ import annotations

import csv
import io
import re
import statistics
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.explorer_page import all_rows, pager
from tests.e2e.ui_server import UiServer
from tests.fixtures import explorer_store as fx

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def _table_url(
    explorer: tuple[UiServer, dict[str, str]], run: str, key: str, query: str = ""
) -> str:
    server, ids = explorer
    url = f"{server.url}/projects/{fx.PROJECT}/runs/{ids[run]}/tables/{key}"
    return url + (f"?{query}" if query else "")


def _runs_url(explorer: tuple[UiServer, dict[str, str]], query: str = "") -> str:
    server, ids = explorer
    runs = ",".join(ids[name] for name in fx.RUNS)
    return f"{server.url}/projects/{fx.PROJECT}/tables/predictions?runs={runs}" + (
        f"&{query}" if query else ""
    )


def _filter(page: Page, text: str) -> None:
    box = page.get_by_label("Filter expression")
    box.fill(text)
    box.press("Enter")


def _expect_cells(page: Page, column: str, texts: list[str], within: str = ".explorer") -> None:
    """The column's cells read ``texts``, top to bottom: waits for the grid to show them, as a
    reader would, instead of reading it once."""
    cells = page.locator(f"{within} .xrow [data-column='{column}']")
    expect(cells).to_have_text(texts, use_inner_text=True)


def _guesses(run: int, epoch: int) -> list[tuple[str, str]]:
    return [(fx.truth_of(i), fx.guess_of(run, epoch, i)) for i in range(fx.N_VAL)]


def test_rows_show_values_and_thumbnails(
    page: Page, explorer: tuple[UiServer, dict[str, str]]
) -> None:
    page.goto(_table_url(explorer, "fc 256", "predictions"))
    expect(pager(page)).to_have_text(f"1–{fx.N_VAL} of {fx.N_VAL} rows")
    first = page.locator(".xrow[data-row='0']")
    expect(first.locator("[data-column='id']")).to_have_text("img000")
    expect(first.locator("[data-column='truth']")).to_have_text(fx.truth_of(0))
    expect(first.locator("[data-column='guess']")).to_have_text(fx.guess_of(0, 2, 0))
    image = first.locator("[data-column='image'] img")
    expect(image).to_have_attribute("src", re.compile(r"^/api/media/[0-9a-f]{64}/thumbnail\?size="))
    page.wait_for_function("document.querySelector('.xrow img').naturalWidth > 0")
    # The step slider picks another epoch; the URL remembers it.
    page.get_by_role("slider", name="Step").fill("0")
    expect(page).to_have_url(re.compile(r"step=0"))
    expect(first.locator("[data-column='guess']")).to_have_text(fx.guess_of(0, 0, 0))
    # Clicking a thumbnail opens the full image with its caption.
    first.locator("[data-column='image'] button.thumb").click()
    viewer = page.get_by_role("dialog", name="Image")
    expect(viewer).to_contain_text(fx.truth_of(0))
    # Its boxes are drawn, and each class can be switched off.
    expect(viewer.locator("svg g[data-class]")).to_have_count(2)
    viewer.get_by_label("head").uncheck()
    expect(viewer.locator("svg g[data-class]")).to_have_count(1)
    expect(viewer.locator("svg g[data-class='2']")).to_have_count(1)


def test_broken_images_show_a_placeholder(
    page: Page, explorer: tuple[UiServer, dict[str, str]]
) -> None:
    page.route(re.compile(r"/api/media/[0-9a-f]{64}/thumbnail"), lambda route: route.abort())
    page.goto(_table_url(explorer, "fc 256", "predictions"))
    first = page.locator(".xrow[data-row='0']")
    expect(first.locator("[data-column='image'] [data-broken=true]")).to_be_visible()
    expect(first.locator("[data-column='truth']")).to_have_text(fx.truth_of(0))
    expect(pager(page)).to_have_text(all_rows(fx.N_VAL))


def test_group_by_truth_then_filter_from_a_bar(
    page: Page, explorer: tuple[UiServer, dict[str, str]]
) -> None:
    page.goto(_table_url(explorer, "fc 256", "predictions", "step=0"))
    header = page.locator(".xth[data-column='truth']")
    header.hover()
    header.get_by_role("button", name="truth column menu").click()
    page.get_by_role("menuitem", name="Group by truth").click()
    expect(page).to_have_url(re.compile(r"group=truth"))
    expect(pager(page)).to_have_text(f"1–10 of 10 groups · {fx.N_VAL} rows")
    _expect_cells(page, "truth", sorted(fx.CLASSES))
    _expect_cells(page, "count", [str(fx.PER_CLASS)] * 10)
    # Each group's "guess" cell counts that class's guesses.
    pairs = _guesses(0, 0)
    fungi = Counter(g for t, g in pairs if t == "Fungi")
    row = page.locator(".xrow", has=page.locator("[data-column='truth']", has_text="Fungi"))
    for guess, count in fungi.items():
        bar = row.locator(f"[data-column='guess'] .value-row[data-value='{guess}'] .value-bar")
        expect(bar).to_have_attribute("data-count", str(count))
    # Each score column is a histogram; a click on a bar filters to that bin.
    expect(row.locator("[data-column^='score_'] svg rect.hist-bar").first).to_be_visible()
    guess, count = fungi.most_common(1)[0]
    row.locator(f"[data-column='guess'] .value-row[data-value='{guess}'] .value-label").click()
    expect(page.get_by_label("Filter expression")).to_have_value(f'row["guess"] = "{guess}"')
    matching = Counter(t for t, g in pairs if g == guess)
    expect(pager(page)).to_have_text(
        f"1–{len(matching)} of {len(matching)} groups · {sum(matching.values())} rows"
    )
    expect(row.locator("[data-column='count']")).to_have_text(str(count))


def test_group_by_guess_with_the_mistakes_filter(
    page: Page, explorer: tuple[UiServer, dict[str, str]]
) -> None:
    page.goto(_table_url(explorer, "fc 1024", "predictions", "step=1&group=guess"))
    pairs = _guesses(1, 1)
    expect(page.locator(".xrow").first).to_be_visible()
    by_guess = Counter(g for _, g in pairs)
    _expect_cells(page, "guess", sorted(by_guess))
    _expect_cells(page, "count", [str(by_guess[g]) for g in sorted(by_guess)])
    _filter(page, 'row["truth"] != row["guess"]')
    mistakes = Counter(g for t, g in pairs if t != g)
    expect(pager(page)).to_have_text(
        f"1–{len(mistakes)} of {len(mistakes)} groups · {sum(mistakes.values())} rows"
    )
    _expect_cells(page, "count", [str(mistakes[g]) for g in sorted(mistakes)])


def test_filter_quoted_in_the_walkthrough(
    page: Page, explorer: tuple[UiServer, dict[str, str]]
) -> None:
    page.goto(_table_url(explorer, "fc 256", "predictions", "step=0"))
    expect(page.locator(".xrow").first).to_be_visible()
    _filter(page, 'row["truth"] = "Plantae" and row["guess"] != "Plantae"')
    pairs = _guesses(0, 0)
    wanted = [g for t, g in pairs if t == "Plantae" and g != "Plantae"]
    assert wanted, "the fixture must have confused plants at epoch 0"
    expect(pager(page)).to_have_text(all_rows(len(wanted)))
    _expect_cells(page, "truth", ["Plantae"] * len(wanted))
    _expect_cells(page, "guess", wanted)
    # The link reproduces the view.
    expect(page).to_have_url(re.compile(r"filter="))
    page.reload()
    expect(pager(page)).to_have_text(all_rows(len(wanted)))
    expect(page.get_by_label("Filter expression")).to_have_value(
        'row["truth"] = "Plantae" and row["guess"] != "Plantae"'
    )


def test_invalid_expression_keeps_the_last_rows(
    page: Page, explorer: tuple[UiServer, dict[str, str]]
) -> None:
    page.goto(_table_url(explorer, "fc 256", "predictions", "step=0"))
    _filter(page, 'row["truth"] = "Aves"')
    expect(pager(page)).to_have_text(all_rows(6))
    _filter(page, 'row["truth"] != row["gues"]')
    error = page.locator(".filter-error")
    expect(error).to_contain_text('unknown column "gues"')
    expect(error).to_contain_text('did you mean "guess"')
    expect(page.locator(".filter-squiggle")).to_have_text("gues")
    expect(pager(page)).to_have_text(all_rows(6))
    _expect_cells(page, "truth", ["Aves"] * 6)
    # Completion offers column names inside row["...
    box = page.get_by_label("Filter expression")
    box.fill('row["sc')
    expect(page.get_by_role("option", name=re.compile("score_Amphibia"))).to_be_visible()
    box.press("Enter")
    expect(box).to_have_value('row["score_Amphibia"]')
    # No rows: a clear message and a way out.
    _filter(page, 'row["truth"] = "Dinosauria"')
    expect(page.get_by_text("No rows match")).to_be_visible()
    page.get_by_role("button", name="Clear filter").last.click()
    expect(pager(page)).to_have_text(all_rows(fx.N_VAL))


def test_join_on_image_and_sort_by_disagreement(
    page: Page, explorer: tuple[UiServer, dict[str, str]]
) -> None:
    page.goto(_runs_url(explorer, "step=2"))
    page.get_by_label("Join on").select_option("image")
    expect(page).to_have_url(re.compile(r"on=image"))
    expect(pager(page)).to_have_text(all_rows(fx.N_VAL))
    expect(page.locator(".xth[data-column='guess']")).to_contain_text("×2")
    header = page.locator(".xth[data-column='score_Amphibia']")
    header.hover()
    header.get_by_role("button", name="score_Amphibia column menu").click()
    page.get_by_role("menuitem", name="Insert column…").click()
    expect(page.get_by_label("Column expression")).to_have_value('stddev(row["score_Amphibia"])')
    expect(page.get_by_label("Column name")).to_have_value("disagreement")
    page.get_by_role("button", name="Insert").click()
    expect(page).to_have_url(re.compile(r"sort=-disagreement"))
    spread = sorted(
        (
            statistics.stdev([fx.scores_of(r, 2, i)["Amphibia"] for r in range(2)])
            for i in range(fx.N_VAL)
        ),
        reverse=True,
    )
    top = page.locator(".xrow[data-row='0'] [data-column='disagreement']")
    expect(top).to_have_text(f"{spread[0]:.4g}")
    # Each run's guess shows in its own color, one line per run.
    first_guess = page.locator(".xrow[data-row='0'] [data-column='guess'] .run-value")
    expect(first_guess).to_have_count(2)
    # Grouped, the joined histograms stack one color per run.
    page.goto(_runs_url(explorer, "step=2&on=image&group=truth"))
    row = page.locator(".xrow", has=page.locator("[data-column='truth']", has_text="Amphibia"))
    expect(row.locator("[data-column='score_Amphibia'] rect[data-run='1']").first).to_be_visible()
    expect(row.locator("[data-column='score_Amphibia'] rect[data-run='0']").first).to_be_visible()


def test_side_by_side_by_index(page: Page, explorer: tuple[UiServer, dict[str, str]]) -> None:
    query = "step=0&merge=side_by_side&filter=" + quote('row["truth"] != row["guess"]')
    page.goto(_runs_url(explorer, query))
    mistakes = [sum(1 for t, g in _guesses(run, 0) if t != g) for run in range(2)]
    for run in range(2):
        panel = page.locator(f".side-panel[data-panel='{run}']")
        expect(panel.locator(".side-title")).to_contain_text(f"[{run}]")
        expect(panel.locator(".side-title")).to_contain_text(f"{mistakes[run]} rows")
    # One pager for both panels, as far as the run with the most rows goes.
    most = max(mistakes)
    noun = "rows in each run" if min(mistakes) == most else "rows in the largest run"
    expect(page.locator("[data-testid=pager-range]")).to_have_text(f"1–{most} of {most} {noun}")
    # Showing only [1] leaves one panel.
    page.get_by_role("button", name="[0]").click()
    expect(page.locator(".side-panel")).to_have_count(1)
    expect(page.locator(".side-panel")).to_have_attribute("data-panel", "1")
    expect(page).to_have_url(re.compile(r"panels=1"))


def test_concatenate_runs(page: Page, explorer: tuple[UiServer, dict[str, str]]) -> None:
    page.goto(_runs_url(explorer, "step=2"))
    page.get_by_role("radio", name="Concatenate").click()
    expect(pager(page)).to_have_text(f"1–100 of {2 * fx.N_VAL} rows")
    expect(page.locator(".xth[data-column='source']")).to_be_visible()
    _filter(page, 'row["guess"] != row["truth"]')
    mistakes = sum(1 for r in range(2) for t, g in _guesses(r, 2) if t != g)
    expect(pager(page)).to_have_text(all_rows(mistakes))


def test_export_csv_of_the_current_view(
    page: Page, explorer: tuple[UiServer, dict[str, str]]
) -> None:
    page.goto(_table_url(explorer, "fc 256", "predictions", "step=0&sort=id"))
    _filter(page, 'row["truth"] != row["guess"]')
    expected = [
        (f"img{i:03d}", fx.guess_of(0, 0, i))
        for i in range(fx.N_VAL)
        if fx.truth_of(i) != fx.guess_of(0, 0, i)
    ]
    expect(pager(page)).to_have_text(all_rows(len(expected)))
    with page.expect_download() as info:
        page.get_by_role("button", name="CSV").click()
    path = info.value.path()
    assert info.value.suggested_filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(Path(path).read_text())))
    assert [(r["id"], r["guess"]) for r in rows] == expected
    assert re.fullmatch(r"[0-9a-f]{64}", rows[0]["image"])


def test_export_of_a_view_with_a_very_long_filter(
    page: Page, explorer: tuple[UiServer, dict[str, str]]
) -> None:
    # The query travels in a POST body: a filter far longer than any URL allows still exports.
    page.goto(_table_url(explorer, "fc 256", "predictions", "step=0&sort=id"))
    wanted = [f"img{i:03d}" for i in range(0, fx.N_VAL, 2)]
    decoys = [f"missing-{i:05d}" for i in range(5500)]
    listed = ", ".join(f'"{name}"' for name in [*decoys, *wanted])
    text = f'row["id"] in [{listed}]'
    assert 90_000 < len(text) <= 100_000  # the language's longest expression
    _filter(page, text)
    expect(pager(page)).to_have_text(all_rows(len(wanted)))
    with page.expect_download() as info:
        page.get_by_role("button", name="Parquet").click()
    assert info.value.suggested_filename.endswith(".parquet")
    import pyarrow.parquet as pq

    table = pq.read_table(info.value.path())
    assert table.column("id").to_pylist() == wanted
    assert table.column("guess").to_pylist() == [fx.guess_of(0, 0, int(w[3:])) for w in wanted]


def test_confusion_grid_and_compare_steps(
    page: Page, explorer: tuple[UiServer, dict[str, str]]
) -> None:
    page.goto(_table_url(explorer, "fc 256", "predictions", "step=0&group=truth"))
    header = page.locator(".xth[data-column='guess']")
    header.hover()
    header.get_by_role("button", name="guess column menu").click()
    page.get_by_role("menuitem", name="Group by truth then guess").click()
    grid = page.get_by_role("table", name="truth by guess")
    pairs = Counter(_guesses(0, 0))
    (truth, guess), count = pairs.most_common(1)[0]
    cell = grid.locator(f"td[data-row='{truth}'][data-col='{guess}']")
    expect(cell).to_have_text(str(count))
    cell.get_by_role("button").click()
    expect(pager(page)).to_have_text(all_rows(count))
    # Two steps of one run, joined: each column holds both epochs.
    page.goto(_table_url(explorer, "fc 256", "predictions", "step=2"))
    page.get_by_label("Compare with step").select_option("0")
    expect(page.locator(".run-legend")).to_contain_text("step 0")
    expect(page.locator(".xth[data-column='guess']")).to_contain_text("×2")


def test_wide_table_columns_stay_usable(
    page: Page, explorer: tuple[UiServer, dict[str, str]]
) -> None:
    page.goto(_table_url(explorer, "wide", "wide"))
    expect(pager(page)).to_have_text(all_rows(20))
    note = page.locator(".xrow[data-row='3'] [data-column='note']")
    expect(note).to_contain_text("a very long note")
    # Drag a header's edge to read a long value; the width is kept in the URL.
    handle = page.get_by_role("separator", name="Resize note").bounding_box()
    assert handle is not None
    before = note.bounding_box()
    assert before is not None
    page.mouse.move(handle["x"] + 3, handle["y"] + 10)
    page.mouse.down()
    page.mouse.move(handle["x"] + 303, handle["y"] + 10, steps=5)
    page.mouse.up()
    expect(page).to_have_url(re.compile(r"widths=note"))
    after = note.bounding_box()
    assert after is not None and after["width"] > before["width"] + 250
    # Only the columns in view are in the page, however many the table has.
    assert page.locator(".xrow[data-row='0'] .xtd").count() < 40
    page.get_by_role("button", name=re.compile("^Columns")).click()
    expect(page.locator(".chooser-actions")).to_contain_text("300 of 300 shown")
    page.get_by_label("Search columns").fill("c29")
    page.get_by_role("button", name="Hide matching").click()
    expect(page.locator(".chooser-actions")).to_contain_text("292 of 300 shown")
    page.get_by_label("Search columns").fill("note")
    page.get_by_role("button", name="Pin note").click()
    expect(page).to_have_url(re.compile(r"pin=note"))
    page.get_by_role("button", name="Reset columns").click()
    expect(page.locator(".chooser-actions")).to_contain_text("300 of 300 shown")
    expect(page).not_to_have_url(re.compile(r"hide=|pin="))
