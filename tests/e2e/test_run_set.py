"""The run set below a table panel, in a real browser: an eye per run, "only this", the state in
the URL, one run chosen by typing its index after the key, and one identity (colour, index) for a
run on the workspace, the table page and a report.

The data is the ``epochs`` project of tests/fixtures/pipeline.py: three runs trained for 1, 5 and
10 epochs log ``val_predictions`` (12 images, 14 once the eval set grew); the 1-epoch model is wrong
on images 1 and 3 of each class, the others on image 1 only, always guessing the next class.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e import six_runs_store
from tests.e2e.explorer_page import pager
from tests.e2e.ui_server import UiServer
from tests.fixtures.pipeline import EPOCHS, eval_images

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

Pipeline = tuple[UiServer, dict[str, Any]]
TABLE = "/projects/epochs/tables/val_predictions"
RUNS = [f"train {n} epoch{'s' if n > 1 else ''}" for n in EPOCHS]  # in creation order


def _item(page: Page, name: str) -> Locator:
    return page.get_by_test_id("run-set").locator(".run-set-item", has_text=name)


def _background(locator: Locator) -> str:
    return str(locator.evaluate("el => getComputedStyle(el).backgroundColor"))


def _identities(items: Locator) -> dict[str, tuple[str, str]]:
    """run id -> (index, colour) of every element carrying data-run, as drawn."""
    out: dict[str, tuple[str, str]] = {}
    for i in range(items.count()):
        item = items.nth(i)
        swatch = (
            item if "swatch" in (item.get_attribute("class") or "") else item.locator(".swatch")
        )
        out[str(item.get_attribute("data-run"))] = (
            str(item.get_attribute("data-index")),
            _background(swatch),
        )
    return out


def _runs_of(scope: Page | Locator, column: str) -> Locator:
    """The "×n" mark of a merged column's header (absent on a single run's table)."""
    return scope.locator(f'[role=columnheader][data-column="{column}"] .xth-runs')


def _filter(page: Page, text: str) -> None:
    box = page.get_by_label("Filter expression")
    box.fill(text)
    box.press("Enter")


def test_eye_and_only_this_change_the_merged_runs_and_survive_reload(
    page: Page, pipeline_ui: Pipeline
) -> None:
    server, ids = pipeline_ui
    page.goto(server.url + TABLE)
    legend = page.get_by_test_id("run-legend").locator(".legend-item")
    expect(legend).to_have_text([f"[{i}] {name}" for i, name in enumerate(RUNS)])
    expect(_runs_of(page, "guess")).to_have_text("×3")
    expect(page.get_by_test_id("run-set-count")).to_have_text("3 of 3 runs visible")

    # The 1-epoch model ([0]) and the 5-epoch one ([1]) disagree on image 3 of each class.
    _filter(page, 'row["guess"][0] != row["guess"][1]')
    expect(pager(page)).to_have_text("1–3 of 3 rows")

    # Hiding the 1-epoch run: the 5- and 10-epoch runs become [0] and [1], which always agree.
    _item(page, RUNS[0]).get_by_role("button", name=f"Hide {RUNS[0]}").click()
    expect(page.get_by_text("No rows match")).to_be_visible()
    expect(legend).to_have_text([f"[0] {RUNS[1]}", f"[1] {RUNS[2]}"])
    expect(_item(page, RUNS[0])).to_have_class(re.compile(r"\boff\b"))
    expect(_item(page, RUNS[0]).locator(".run-set-index")).to_have_text("–")
    expect(page).to_have_url(re.compile(rf"[?&]off={ids['epochs'][RUNS[0]]}(&|$)"))

    # The hidden run stays hidden after a reload: the run set lives in the URL.
    page.reload()
    expect(page.get_by_test_id("run-set-count")).to_have_text("2 of 3 runs visible")
    expect(page.get_by_text("No rows match")).to_be_visible()
    expect(legend).to_have_text([f"[0] {RUNS[1]}", f"[1] {RUNS[2]}"])

    # Shown again, it is [0] again and the disagreements are back.
    _item(page, RUNS[0]).get_by_role("button", name=f"Show {RUNS[0]}").click()
    expect(pager(page)).to_have_text("1–3 of 3 rows")
    expect(legend).to_have_count(3)

    # "Only this": one run, its own table (14 images), no merged columns.
    _filter(page, "")
    item = _item(page, RUNS[2])
    item.hover()
    item.get_by_role("button", name=f"Only {RUNS[2]}").click()
    expect(page.get_by_test_id("run-set-count")).to_have_text("1 of 3 runs visible")
    expect(pager(page)).to_have_text(f"1–{len(eval_images(True))} of {len(eval_images(True))} rows")
    expect(page.locator('[role=columnheader][data-column="guess"]')).to_be_visible()
    expect(_runs_of(page, "guess")).to_have_count(0)
    expect(page.get_by_test_id("run-legend")).to_have_count(0)
    expect(_item(page, RUNS[2]).locator(".run-set-index")).to_have_text("[0]")

    page.get_by_test_id("run-set").get_by_role("button", name="Show all").click()
    expect(page.get_by_test_id("run-set-count")).to_have_text("3 of 3 runs visible")
    expect(page).not_to_have_url(re.compile(r"[?&]off="))


def test_typing_an_index_after_the_key_shows_that_run(page: Page, pipeline_ui: Pipeline) -> None:
    server, _ = pipeline_ui
    page.goto(server.url + TABLE + "[1]")
    expect(page.get_by_role("heading", level=1)).to_contain_text("val_predictions [1]")
    expect(page.get_by_test_id("run-set-count")).to_contain_text("showing [1] only")
    expect(_item(page, RUNS[1])).to_have_class(re.compile(r"\bpicked\b"))
    # The 5-epoch run alone: its 14 images, plain (not merged) columns.
    expect(pager(page)).to_have_text(f"1–{len(eval_images(True))} of {len(eval_images(True))} rows")
    expect(page.locator('[role=columnheader][data-column="guess"]')).to_be_visible()
    expect(_runs_of(page, "guess")).to_have_count(0)
    _filter(page, 'row["guess"] != row["truth"]')
    expect(pager(page)).to_have_text("1–3 of 3 rows")

    # An index past the visible runs says which indices there are.
    page.goto(server.url + TABLE + "[7]")
    expect(page.get_by_role("status")).to_contain_text("indices go from [0] to [2]")


def test_a_run_has_one_colour_and_index_on_workspace_table_page_and_report(
    page: Page, pipeline_ui: Pipeline
) -> None:
    server, ids = pipeline_ui
    run_ids = [ids["epochs"][name] for name in RUNS]

    # Workspace: the runs table's swatches, and the val_predictions chip's dots in panel order.
    page.goto(server.url + "/projects/epochs")
    chip = page.get_by_test_id("workspace-tables").locator('[data-key="val_predictions"]')
    expect(chip.locator(".swatch[data-run]")).to_have_count(3)
    workspace = _identities(chip.locator(".swatch[data-run]"))
    assert list(workspace) == run_ids
    assert [index for index, _ in workspace.values()] == ["0", "1", "2"]
    for run_id, (_, color) in workspace.items():
        swatch = page.locator(f'[data-run-id="{run_id}"] .swatch').first
        assert _background(swatch) == color
    assert len({color for _, color in workspace.values()}) == 3

    # The chip opens the table page: the same colours and indices in its run set and legend.
    chip.click()
    expect(page).to_have_url(re.compile(r"/projects/epochs/tables/val_predictions\?runs="))
    items = page.get_by_test_id("run-set").locator(".run-set-item")
    expect(items).to_have_count(3)
    assert _identities(items) == workspace
    legend = page.get_by_test_id("run-legend").locator(".legend-item .swatch")
    assert [_background(legend.nth(i)) for i in range(3)] == [c for _, c in workspace.values()]

    # A report listing the runs in another order draws them the same way, and a reader toggles a
    # run in place.
    response = page.request.post(
        server.url + "/api/projects/epochs/reports",
        headers={"X-Heron-Token": server.token},
        data={
            "title": "Run identity",
            "blocks": [
                {
                    "id": "b1",
                    "type": "panel",
                    "panel": "table",
                    "title": "Predictions",
                    "runset": {"runs": [{"id": i, "visible": True} for i in reversed(run_ids)]},
                    "config": {"key": "val_predictions", "state": {}},
                }
            ],
        },
    )
    assert response.ok, response.text()
    page.goto(server.url + f"/projects/epochs/reports/{response.json()['id']}")
    panel = page.locator('[data-block="b1"]')
    items = panel.get_by_test_id("run-set").locator(".run-set-item")
    expect(items).to_have_count(3)
    assert _identities(items) == workspace
    panel_legend = panel.get_by_test_id("run-legend").locator(".legend-item")
    expect(panel_legend).to_have_text([f"[{i}] {name}" for i, name in enumerate(RUNS)])

    items.filter(has_text=RUNS[1]).get_by_role("button", name=f"Hide {RUNS[1]}").click()
    expect(panel_legend).to_have_text([f"[0] {RUNS[0]}", f"[1] {RUNS[2]}"])
    expect(_runs_of(panel, "guess")).to_have_text("×2")


def _fills(cell: Locator) -> set[str]:
    """The colours a grouped cell's histogram bars are drawn in."""
    expect(cell.locator("rect.hist-bar").first).to_be_attached()
    return set(
        cell.locator("rect.hist-bar").evaluate_all("bars => bars.map(b => b.getAttribute('fill'))")
    )


def test_concatenated_rows_and_groups_carry_their_runs_name_and_colour(
    page: Page, pipeline_ui: Pipeline
) -> None:
    server, ids = pipeline_ui
    run_ids = [ids["epochs"][name] for name in RUNS]
    page.goto(server.url + TABLE + "?merge=concat")
    expect(pager(page)).to_have_text("1–40 of 40 rows")  # 12 + 14 + 14 images
    legend = page.get_by_test_id("run-legend").locator(".legend-item .swatch")
    expect(legend).to_have_count(3)
    colors = [_background(legend.nth(i)) for i in range(3)]

    # The first rows come from run [0]: its name and colour, not its table's id.
    first = page.locator('.xtd[data-column="source"]').first
    expect(first.locator(".run-tag")).to_have_text(f"[0]{RUNS[0]}")
    assert _background(first.locator(".run-tag .swatch")) == colors[0]
    assert run_ids[0] not in (first.inner_text())

    # Grouped by source: one row per run, its key and its histograms in that run's colour.
    page.goto(server.url + TABLE + "?merge=concat&group=source&sort=source")
    rows = page.locator(".xrow")
    expect(rows).to_have_count(3)
    hex_colors = [
        str(legend.nth(i).get_attribute("data-color")) for i in range(3)
    ]  # the fill attribute is the hex colour
    for i in range(3):
        row = rows.nth(i)
        tag = row.locator('.xtd[data-column="source"] .run-tag')
        index = int(str(tag.get_attribute("data-index")))
        expect(tag).to_contain_text(RUNS[index])
        assert _background(tag.locator(".swatch")) == colors[index]
        assert _fills(row.locator('.xtd[data-column="score"]')) == {hex_colors[index]}


def test_a_value_computed_across_runs_is_not_drawn_in_one_runs_colour(
    page: Page, pipeline_ui: Pipeline
) -> None:
    server, _ = pipeline_ui
    derive = '[{"name":"spread","expr":"stddev(row[\\"score\\"])"}]'
    page.goto(server.url + TABLE + f"?group=truth&derive={derive}")
    legend = page.get_by_test_id("run-legend").locator(".legend-item .swatch")
    expect(legend).to_have_count(3)
    hex_colors = {str(legend.nth(i).get_attribute("data-color")) for i in range(3)}
    row = page.locator(".xrow").first
    # score is each run's own: three colours; spread belongs to no run: gray, none of theirs.
    assert _fills(row.locator('.xtd[data-column="score"]')) == hex_colors
    spread = _fills(row.locator('.xtd[data-column="spread"]'))
    assert spread == {"#7b8494"}


def test_compared_versions_have_a_run_set(page: Page, pipeline_ui: Pipeline) -> None:
    server, ids = pipeline_ui
    page.goto(server.url + TABLE)
    items = page.get_by_test_id("run-set").locator(".run-set-item")
    expect(items).to_have_count(3)
    run_colors = _identities(items)

    page.goto(server.url + "/projects/epochs/artifacts/classifier/compare?versions=v0,v1,v2")
    table = page.locator('section.compare-table[data-table="predictions"]')
    legend = table.get_by_test_id("run-legend").locator(".legend-item")
    expect(legend).to_have_count(3)
    expect(legend.nth(0)).to_contain_text("[0] v0")
    # Each version is drawn in the colour of the run that logged it (v0: the 1-epoch run).
    for i, name in enumerate(RUNS):
        swatch = legend.nth(i).locator(".swatch")
        assert _background(swatch) == run_colors[ids["epochs"][name]][1]
    run_set = table.get_by_test_id("run-set")
    expect(run_set.get_by_test_id("run-set-count")).to_have_text("3 of 3 versions visible")

    run_set.get_by_role("button", name=re.compile(r"^Hide v0")).click()
    expect(legend).to_have_count(2)
    expect(legend.nth(0)).to_contain_text("[0] v1")
    expect(page).to_have_url(re.compile(r"predictions\.off=v0"))
    page.reload()
    expect(table.get_by_test_id("run-set-count")).to_have_text("2 of 3 versions visible")
    expect(legend).to_have_count(2)


def test_grouping_the_workspace_keeps_the_runs_a_table_merges(
    page: Page, pipeline_ui: Pipeline
) -> None:
    server, _ = pipeline_ui
    page.goto(server.url + "/projects/epochs")
    eyes = page.locator('[data-run-id] button.eye[aria-pressed="true"]')
    expect(eyes.first).to_be_visible()
    chip = page.get_by_test_id("workspace-tables").locator('[data-key="val_predictions"]')
    expect(chip.locator(".swatch[data-run]")).to_have_count(3)
    shown = sorted(str(e.get_attribute("aria-label")) for e in eyes.all())
    dots = chip.locator(".swatch[data-run]").evaluate_all(
        "dots => dots.map(d => d.dataset.run + ':' + d.dataset.index)"
    )

    page.get_by_label("Group runs by").select_option(label="config: epochs")
    expect(page.locator(".group-count").first).to_be_visible()
    expect(eyes).to_have_count(len(shown))
    assert sorted(str(e.get_attribute("aria-label")) for e in eyes.all()) == shown
    assert (
        chip.locator(".swatch[data-run]").evaluate_all(
            "dots => dots.map(d => d.dataset.run + ':' + d.dataset.index)"
        )
        == dots
    )

    # A link that opens the workspace grouped shows the same runs too.
    page.goto(server.url + "/projects/epochs?group=config.epochs")
    expect(page.locator(".group-count").first).to_be_visible()
    expect(eyes).to_have_count(len(shown))
    assert sorted(str(e.get_attribute("aria-label")) for e in eyes.all()) == shown
    expect(chip.locator(".swatch[data-run]")).to_have_count(3)


def test_a_report_reader_toggles_the_runs_of_an_evaluation_panel(
    page: Page, pipeline_ui: Pipeline
) -> None:
    server, ids = pipeline_ui
    run_ids = [ids["epochs"][name] for name in RUNS]
    response = page.request.post(
        server.url + "/api/projects/epochs/reports",
        headers={"X-Heron-Token": server.token},
        data={
            "title": "Evaluation run set",
            "blocks": [
                {
                    "id": "e1",
                    "type": "panel",
                    "panel": "evaluation",
                    "runset": {"runs": [{"id": i, "visible": True} for i in run_ids]},
                    "config": {"key": "val_predictions", "truth": "truth", "guess": "guess"},
                }
            ],
        },
    )
    assert response.ok, response.text()
    page.goto(server.url + f"/projects/epochs/reports/{response.json()['id']}")
    panel = page.locator('[data-block="e1"]')
    cards = panel.locator(".run-evaluation")
    expect(cards).to_have_count(3)
    item = panel.get_by_test_id("run-set").locator(".run-set-item", has_text=RUNS[2])
    item.hover()
    item.get_by_role("button", name=f"Only {RUNS[2]}").click()
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text(RUNS[2])


def test_search_finds_a_run_to_pick_among_many(
    page: Page, six_runs: tuple[UiServer, dict[str, str]]
) -> None:
    server, _ = six_runs
    page.goto(f"{server.url}/projects/{six_runs_store.PROJECT}/tables/predictions")
    run_set = page.get_by_test_id("run-set")
    expect(run_set.locator(".run-set-item")).to_have_count(len(six_runs_store.RUNS))
    run_set.get_by_role("searchbox", name="Search runs in the run set").fill("seed4")
    expect(run_set.locator(".run-set-item")).to_have_count(1)
    target = six_runs_store.RUNS[4]
    item = run_set.locator(".run-set-item", has_text=target)
    item.hover()
    item.get_by_role("button", name=f"Only {target}").click()
    expect(page.get_by_test_id("run-set-count")).to_have_text("1 of 6 runs visible")
    expect(pager(page)).to_have_text(f"1–100 of {six_runs_store.ROWS} rows")
