"""Reports in a real browser: built by clicking, saved, reloaded, exported; hostile markdown; a
panel whose run was deleted; the key picker, the step, a reader's run set; the wheel left to the
page; the static export opened from disk."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.ui_server import UiServer

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

Pipeline = tuple[UiServer, dict[str, Any]]
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "reports"


def _create(page: Page, server: UiServer, body: dict[str, Any]) -> str:
    response = page.request.post(
        f"{server.url}/api/projects/pipeline/reports",
        data=body,
        headers={"X-Heron-Token": server.token},
    )
    assert response.status == 201, response.text()
    return str(response.json()["id"])


def _settled(page: Page) -> None:
    """Wait until what the markdown could run has had its chance: every image in it has loaded or
    failed (an ``onerror`` would have fired), and the tasks queued so far (a clicked link's
    ``javascript:``) have run. A dialog opened by any of them reaches the page's handler first."""
    page.wait_for_function(
        "[...document.querySelectorAll('.markdown img')].every(image => image.complete)"
    )
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => setTimeout(done, 0)))")


def test_build_save_reload_and_export_a_report(
    page: Page, browser: Browser, pipeline_ui: Pipeline, tmp_path: Path
) -> None:
    server, _ = pipeline_ui
    page.goto(server.url + "/projects/pipeline/reports")
    page.get_by_label("New report title").fill("Balanced splits")
    page.get_by_role("button", name="Create report").click()
    expect(page).to_have_url(re.compile(r"/projects/pipeline/reports/\w+\?edit=1$"))
    page.get_by_label("Markdown").fill("## Verify data distribution\n\nGroup by **split**.")
    page.get_by_role("button", name="+ Table explorer").click()
    panel = page.locator('[data-panel="table"]')
    panel.get_by_label("Panel table key").fill("split_table")
    panel.get_by_label("Show balanced split").check()
    page.get_by_role("button", name="+ Evaluation").click()
    evaluation = page.locator('[data-panel="evaluation"]')
    evaluation.get_by_label("Panel table key").fill("test_predictions")
    # A new panel starts with the previous panel's run set; this one shows the inference run.
    evaluation.get_by_label("Show balanced split").uncheck()
    evaluation.get_by_label("Show infer fc256").check()
    expect(evaluation.get_by_test_id("accuracy")).to_have_text("75.0%")
    # Reorder: the evaluation panel moves above the table panel.
    evaluation.get_by_role("button", name="Move up").click()
    expect(page.locator("[data-panel]").first).to_have_attribute("data-panel", "evaluation")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    page.get_by_role("button", name="Done").click()
    page.reload()
    expect(page.get_by_role("heading", name="Balanced splits")).to_be_visible()
    expect(page.get_by_role("heading", name="Verify data distribution")).to_be_visible()
    expect(page.locator("[data-panel]")).to_have_count(2)
    expect(page.locator("[data-panel]").first).to_have_attribute("data-panel", "evaluation")
    expect(page.locator('[data-panel="table"]')).to_contain_text("aves_00.png")
    # The list shows it; the export opens on its own with its text and inlined images.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export HTML").click()
    exported = tmp_path / "report.html"
    download_info.value.save_as(exported)
    offline = browser.new_page()
    offline.goto(exported.as_uri())
    expect(offline.get_by_role("heading", name="Verify data distribution")).to_be_visible()
    expect(offline.get_by_text("accuracy 75.0%")).to_be_visible()
    thumbs = offline.locator("img.thumb")
    expect(thumbs.first).to_be_visible()
    # A visible <img> may still be decoding: wait until it has loaded or failed, then look.
    offline.wait_for_function("document.querySelector('img.thumb').complete")
    assert offline.evaluate("document.querySelector('img.thumb').naturalWidth") > 0
    offline.close()
    page.goto(server.url + "/projects/pipeline/reports")
    expect(page.get_by_role("link", name="Balanced splits")).to_be_visible()


def test_hostile_markdown_never_runs(page: Page, pipeline_ui: Pipeline) -> None:
    server, _ = pipeline_ui
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    report = _create(
        page,
        server,
        {
            "title": "Hostile",
            "blocks": [
                {
                    "id": "m",
                    "type": "markdown",
                    "text": "# Safe heading\n\n<img src=x onerror=alert(1)>\n\n<script>alert(2)</script>\n\n"
                    '[click me](javascript:alert(3))\n\n<a href="javascript:alert(4)">also</a>',
                }
            ],
        },
    )
    page.goto(f"{server.url}/projects/pipeline/reports/{report}")
    expect(page.get_by_role("heading", name="Safe heading")).to_be_visible()
    for link in page.locator(".markdown a").all():
        link.click()
    _settled(page)
    assert dialogs == []
    assert page.locator(".markdown script").count() == 0
    assert page.locator(".markdown [onerror]").count() == 0
    hrefs = page.locator(".markdown a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    assert not any(h and h.lower().startswith("javascript") for h in hrefs)
    # The editor's live preview is sanitised the same way.
    page.goto(f"{server.url}/projects/pipeline/reports/{report}?edit=1")
    expect(
        page.locator(".markdown-preview").get_by_role("heading", name="Safe heading")
    ).to_be_visible()
    _settled(page)
    assert dialogs == []


def test_panel_whose_run_was_deleted_says_so(page: Page, pipeline_ui: Pipeline) -> None:
    server, ids = pipeline_ui
    report = _create(
        page,
        server,
        {
            "title": "Stale run set",
            "blocks": [
                {
                    "id": "e",
                    "type": "panel",
                    "panel": "evaluation",
                    "runset": {"runs": [{"id": "gone1234"}, {"id": ids["infer fc1024"]}]},
                    "config": {"key": "test_predictions", "truth": "truth", "guess": "guess"},
                }
            ],
        },
    )
    page.goto(f"{server.url}/projects/pipeline/reports/{report}")
    expect(page.get_by_role("alert").first).to_contain_text("Run gone1234 no longer exists")
    expect(page.get_by_test_id("accuracy")).to_have_text("66.7%")


def _new_report(page: Page, server: UiServer, blocks: list[dict[str, Any]]) -> str:
    return _create(page, server, {"title": "Report", "blocks": blocks})


def _cell(panel: Locator, row_id: str, column: str) -> Locator:
    """The cell of ``column`` in the row whose id is ``row_id`` (an ungrouped table)."""
    row = panel.locator(
        ".xrow", has=panel.page.locator("[data-column='id']", has_text=re.compile(rf"^{row_id}$"))
    )
    return row.locator(f"[data-column='{column}']")


def test_pick_a_key_change_the_step_and_toggle_a_run(page: Page, pipeline_ui: Pipeline) -> None:
    server, _ = pipeline_ui
    report = _new_report(page, server, [])
    page.goto(f"{server.url}/projects/pipeline/reports/{report}?edit=1")
    page.get_by_role("button", name="+ Table explorer").click()
    panel = page.locator('[data-panel="table"]')
    key = panel.get_by_role("combobox", name="Panel table key")
    # With no run ticked, the picker offers every table key the project's runs logged.
    key.click()
    options = panel.get_by_role("listbox", name="Table keys").get_by_role("option")
    expect(options.locator(".key-name")).to_have_text(
        ["split_table", "test_predictions", "val_predictions"]
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "key_picker_1440.png"))
    key.press("Escape")
    panel.get_by_label("Show train fc256").check()
    # Once runs are ticked, only what they logged, with how many runs and steps.
    key.click()
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("val_predictions")
    expect(options.first).to_contain_text("1 run · 2 steps")
    key.fill("pred")
    options.filter(has_text="val_predictions").click()
    expect(key).to_have_value("val_predictions")
    expect(panel.get_by_role("listbox")).to_have_count(0)
    # The latest step first; the step picker goes back to epoch 0. The fixture's fc256 model is
    # wrong on aves_13.png at step 0 (it guesses the next class) and right at step 1.
    expect(_cell(panel, "aves_13.png", "guess")).to_have_text("Aves")
    panel.get_by_label("Panel step").select_option("0")
    expect(_cell(panel, "aves_13.png", "guess")).to_have_text("Fungi")
    expect(panel.get_by_test_id("step-value")).to_have_text("0")
    # A second run makes the panel merge both.
    panel.get_by_label("Show train fc1024").check()
    expect(panel.get_by_test_id("run-set").locator(".run-set-item")).to_have_count(2)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    page.get_by_role("button", name="Done").click()
    page.reload()

    # A reader sees the saved step: the two models disagree on aves_13.png at step 0.
    panel = page.locator('[data-panel="table"]')
    guess = _cell(panel, "aves_13.png", "guess")
    expect(guess.locator(".run-value")).to_have_text(["Fungi", "Aves"])
    # The reader toggles a run in place: the merged cell becomes the one run's value.
    panel.get_by_role("button", name="Hide train fc1024").click()
    expect(guess.locator(".run-value")).to_have_count(0)
    expect(guess).to_have_text("Fungi")
    panel.get_by_role("button", name="Show train fc1024").click()
    expect(guess.locator(".run-value")).to_have_text(["Fungi", "Aves"])
    # ... and moves the step with the panel's own slider: at step 1 both models are right.
    panel.get_by_label("Step", exact=True).focus()
    page.keyboard.press("ArrowRight")
    expect(panel.get_by_test_id("step-value")).to_have_text("1")
    expect(guess.locator(".run-value")).to_have_count(0)
    expect(guess).to_have_text("Aves")
    _shots(page, "live_report")


def _shots(page: Page, name: str) -> None:
    """Keep what the page looks like at two widths, to be looked at by a person."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1440, 1000):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}_{width}.png"), full_page=True)


def _scroll_top(locator: Locator) -> float:
    return float(locator.evaluate("element => element.scrollTop"))


def _wheel_at(page: Page, target: Locator) -> None:
    box = target.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def test_the_wheel_over_a_panel_scrolls_the_page_once_the_panel_cannot(
    page: Page, pipeline_ui: Pipeline
) -> None:
    server, ids = pipeline_ui
    report = _new_report(
        page,
        server,
        [
            {"id": "m", "type": "markdown", "text": "# Wheel\n\n" + "A line of text.\n\n" * 12},
            {
                "id": "t",
                "type": "panel",
                "panel": "table",
                "runset": {"runs": [{"id": ids["split"]}]},
                "config": {"key": "split_table", "state": {}},
            },
            {
                "id": "g",
                "type": "panel",
                "panel": "table",
                "runset": {"runs": [{"id": ids["split"]}]},
                "config": {"key": "split_table", "state": {"group": ["split"]}},
            },
            {"id": "l", "type": "panel", "panel": "lineage", "config": {"artifact": "inat-raw:v0"}},
            {
                "id": "s",
                "type": "panel",
                "panel": "lineage",
                "config": {"run": ids["split"], "depth": 1},
            },
            {"id": "n", "type": "markdown", "text": "The end.\n\n" * 40},
        ],
    )
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{server.url}/projects/pipeline/reports/{report}")
    scroller = page.locator("main.main")  # the page's own scrolling area
    grid = page.locator('[data-block="t"] .xgrid')
    expect(grid.locator(".xrow").first).to_be_visible()
    grid.scroll_into_view_if_needed()
    _wheel_at(page, grid)
    page_top = _scroll_top(scroller)
    # The grid (60 rows) scrolls first; at its bottom, the page takes the wheel.
    for _ in range(40):
        before = [_scroll_top(grid), _scroll_top(scroller)]
        page.mouse.wheel(0, 600)
        page.wait_for_function(
            "([grid, page, top, y]) => grid.scrollTop !== top || page.scrollTop !== y"
            " || grid.scrollTop + grid.clientHeight >= grid.scrollHeight - 1",
            arg=[grid.element_handle(), scroller.element_handle(), *before],
        )
        if _scroll_top(scroller) > page_top:
            break
    assert _scroll_top(scroller) > page_top, "the wheel never reached the page"
    assert grid.evaluate("g => g.scrollTop + g.clientHeight >= g.scrollHeight - 1")

    # A grouped cell's list of 36 ids scrolls within the cell, then hands the wheel on.
    values = page.locator('[data-block="g"] .xrow').first.locator("[data-column='id'] .values")
    values.scroll_into_view_if_needed()
    _wheel_at(page, values)
    page_top = _scroll_top(scroller)
    for _ in range(40):
        before = [_scroll_top(values), _scroll_top(scroller)]
        page.mouse.wheel(0, 300)
        page.wait_for_function(
            "([cell, page, top, y]) => cell.scrollTop !== top || page.scrollTop !== y"
            " || cell.scrollTop + cell.clientHeight >= cell.scrollHeight - 1",
            arg=[values.element_handle(), scroller.element_handle(), *before],
        )
        if _scroll_top(scroller) > page_top:
            break
    assert _scroll_top(scroller) > page_top, "the grouped cell kept the wheel"

    # A lineage graph spans its panel, and its nodes sit in the middle of it.
    for name in ("l", "s"):
        block = page.locator(f'[data-block="{name}"]')
        graph = block.get_by_test_id("lineage-graph")
        expect(graph.locator(".react-flow__node").first).to_be_visible()
        graph.scroll_into_view_if_needed()
        layout = graph.evaluate(
            """box => {
                const own = box.getBoundingClientRect();
                const panel = box.closest('.report-block').getBoundingClientRect();
                const nodes = [...box.querySelectorAll('.react-flow__node')].map(
                    n => n.getBoundingClientRect());
                const left = Math.min(...nodes.map(n => n.left));
                const right = Math.max(...nodes.map(n => n.right));
                const top = Math.min(...nodes.map(n => n.top));
                const bottom = Math.max(...nodes.map(n => n.bottom));
                return {width: own.width, panel: panel.width, height: own.height,
                        extent: right - left, start: left - own.left,
                        dx: (left + right) / 2 - (own.left + own.right) / 2,
                        dy: (top + bottom) / 2 - (own.top + own.bottom) / 2};
            }"""
        )
        assert layout["width"] >= 0.9 * layout["panel"]
        assert layout["height"] >= 400
        assert abs(layout["dy"]) <= 0.05 * layout["height"]
        if layout["extent"] < layout["width"]:
            assert abs(layout["dx"]) <= 0.05 * layout["width"]
        else:  # wider than the panel at a legible scale: it starts at its beginning, then pans
            assert 0 <= layout["start"] <= 0.1 * layout["width"]
        SHOTS.mkdir(parents=True, exist_ok=True)
        block.screenshot(path=str(SHOTS / f"live_lineage_{name}_1440.png"))
    page.set_viewport_size({"width": 1000, "height": 900})
    for name in ("l", "s"):
        block = page.locator(f'[data-block="{name}"]')
        block.scroll_into_view_if_needed()
        block.screenshot(path=str(SHOTS / f"live_lineage_{name}_1000.png"))
    page.set_viewport_size({"width": 1440, "height": 900})
    graph = page.locator('[data-block="l"]').get_by_test_id("lineage-graph")
    graph.scroll_into_view_if_needed()

    # Over the lineage graph the wheel scrolls the report; the graph keeps its zoom.
    viewport = graph.locator(".react-flow__viewport")
    zoom = viewport.get_attribute("style")
    _wheel_at(page, graph)
    y = _scroll_top(scroller)
    page.mouse.wheel(0, 300)
    page.wait_for_function("([page, y]) => page.scrollTop > y", arg=[scroller.element_handle(), y])
    assert viewport.get_attribute("style") == zoom


def test_the_export_opened_from_disk_looks_like_the_page(
    page: Page, browser: Browser, pipeline_ui: Pipeline, tmp_path: Path
) -> None:
    server, ids = pipeline_ui
    merged = {"runs": [{"id": ids["infer fc256"]}, {"id": ids["infer fc1024"]}]}
    report = _new_report(
        page,
        server,
        [
            {"id": "m", "type": "markdown", "text": "## Verify data distribution"},
            {
                "id": "g",
                "type": "panel",
                "panel": "table",
                "title": "Group by split",
                "runset": {"runs": [{"id": ids["split"]}]},
                "config": {"key": "split_table", "state": {"group": ["split"]}},
            },
            {
                "id": "h",
                "type": "panel",
                "panel": "table",
                "title": "Group by truth, two models",
                "runset": merged,
                "config": {"key": "test_predictions", "state": {"group": ["truth"]}},
            },
            {
                "id": "w",
                "type": "panel",
                "panel": "table",
                "title": "Both models row by row",
                "runset": merged,
                "config": {
                    "key": "test_predictions",
                    "state": {
                        "merge": "concat",
                        # Derived columns make the table wider than the page.
                        "derived": [
                            {"name": f"score_of_{c}_against_the_rest", "expr": f'row["score_{c}"]'}
                            for c in ("Aves", "Fungi", "Insecta")
                        ],
                    },
                },
            },
            {
                "id": "l",
                "type": "panel",
                "panel": "lineage",
                "title": "Lineage",
                "config": {"run": ids["split"], "depth": 1},
            },
        ],
    )
    exported = page.request.get(f"{server.url}/api/projects/pipeline/reports/{report}/export")
    assert exported.ok
    path = tmp_path / "report.html"
    path.write_bytes(exported.body())
    lineage = page.request.get(
        f"{server.url}/api/projects/pipeline/lineage",
        params={"run": ids["split"], "depth": 1},
    ).json()

    offline = browser.new_page(viewport={"width": 1000, "height": 900})
    offline.goto(path.as_uri())
    expect(offline.get_by_role("heading", name="Verify data distribution")).to_be_visible()
    offline.wait_for_function("[...document.images].every(image => image.complete)")
    assert offline.evaluate("[...document.images].every(image => image.naturalWidth > 0)")
    # Histograms: as wide as the explorer draws them (its 210 px column less padding).
    widths = offline.locator("svg.hist-plot").evaluate_all(
        "svgs => svgs.map(svg => svg.getBoundingClientRect().width)"
    )
    assert widths and min(widths) >= 194
    # Image strips: a group's images side by side, in one row.
    rows = offline.locator(".strip-line").evaluate_all(
        """lines => lines.map(line => [...line.querySelectorAll('img')].map(image => {
            const box = image.getBoundingClientRect();
            return [box.left, box.top];
        }))"""
    )
    assert rows and all(len(row) >= 4 for row in rows)
    for row in rows:
        assert len({top for _, top in row}) == 1
        assert [left for left, _ in row] == sorted(left for left, _ in row)
    # The wide table scrolls sideways inside its panel instead of being cut off.
    wide = offline.locator('section.panel:has(h3:text("Both models row by row")) .table-scroll')
    assert wide.evaluate("box => box.scrollWidth > box.clientWidth")
    wide.evaluate("box => { box.scrollLeft = box.scrollWidth; }")
    last = wide.locator("th").last
    assert last.evaluate(
        "th => th.getBoundingClientRect().right <= th.closest('.table-scroll')"
        ".getBoundingClientRect().right + 1"
    )
    # The lineage: an SVG graph, a node per run and version, legible labels, centred.
    svg = offline.locator(".lineage svg")
    expect(svg.locator("g.node")).to_have_count(len(lineage["nodes"]))
    labels = svg.locator("g.node text.label")
    sizes = labels.evaluate_all("texts => texts.map(t => parseFloat(getComputedStyle(t).fontSize))")
    assert min(sizes) >= 11
    texts = labels.all_text_contents()
    assert len(set(texts)) == len(texts)
    gaps = svg.evaluate(
        """svg => {
            const box = svg.parentElement.getBoundingClientRect();
            const own = svg.getBoundingClientRect();
            return [own.left - box.left, box.right - own.right];
        }"""
    )
    assert abs(gaps[0] - gaps[1]) <= 2
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1440, 1000):
        offline.set_viewport_size({"width": width, "height": 900})
        offline.screenshot(path=str(SHOTS / f"exported_report_{width}.png"), full_page=True)
    offline.close()
