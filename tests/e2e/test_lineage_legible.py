"""The lineage graph is readable where it opens: labels at a legible size, told apart from one
another, full names on hover, and the graph centred in its box (a real browser, real server).

Two stores: six_runs_store.py (six runs with long names that differ only at the end, each logging
a model version from one data artifact) and the pipeline fixture (upload → split → train → infer).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e import six_runs_store as fx
from tests.e2e.ui_server import UiServer

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "lineage"
LEGIBLE_PX = 11

# For every node: its full name, the text shown, the label's size on screen (font size times the
# graph's zoom), its title, and its box.
_NODES_JS = """(graph) => {
    const viewport = graph.querySelector('.react-flow__viewport');
    const zoom = new DOMMatrixReadOnly(getComputedStyle(viewport).transform).a;
    return [...graph.querySelectorAll('.lineage-node')].map((node) => {
        const label = node.querySelector('.lineage-label');
        const box = node.getBoundingClientRect();
        return {
            name: node.dataset.nodeLabel,
            shown: label.textContent,
            px: parseFloat(getComputedStyle(label).fontSize) * zoom,
            title: node.getAttribute('title'),
            clipped: label.scrollWidth > label.clientWidth + 1,
            start: node.classList.contains('start'),
            left: box.left, right: box.right, top: box.top, bottom: box.bottom,
        };
    });
}"""


def _nodes(page: Page, count: int) -> list[dict[str, Any]]:
    graph = page.get_by_test_id("lineage-graph")
    expect(graph.locator(".lineage-node")).to_have_count(count)
    # The graph is placed once its box has a size; wait until it has been.
    page.wait_for_function(
        """() => {
            const v = document.querySelector('.react-flow__viewport');
            return v && getComputedStyle(v).transform !== 'none';
        }"""
    )
    nodes: list[dict[str, Any]] = graph.evaluate(_NODES_JS)
    return nodes


def _check_legible(nodes: list[dict[str, Any]]) -> None:
    for node in nodes:
        assert node["px"] >= LEGIBLE_PX - 0.01, f"{node['name']!r} is drawn at {node['px']:.1f} px"
        assert not node["clipped"], f"{node['name']!r} is cut by its box: {node['shown']!r}"
        assert node["title"].startswith(node["name"]), node
    names = {n["name"] for n in nodes}
    shown = {n["shown"] for n in nodes}
    assert len(shown) == len(names), sorted(n["shown"] for n in nodes)


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


@pytest.mark.parametrize("width", [1440, 1000])
def test_long_similar_names_are_legible_and_distinct(
    page: Page, six_runs: tuple[UiServer, dict[str, str]], width: int
) -> None:
    server, _ = six_runs
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{server.url}/projects/{fx.PROJECT}/artifacts/sweep-data/v0?tab=lineage")
    nodes = _nodes(page, 2 + 2 * len(fx.RUNS))
    _check_legible(nodes)
    # The six run names share their first 28 characters; each label shows its own ending.
    runs = [n for n in nodes if n["name"] in fx.RUNS]
    assert len(runs) == len(fx.RUNS)
    for node in runs:
        assert node["shown"] != node["name"], "the long names were expected to be shortened"
        assert node["shown"].endswith(node["name"][-6:]), node["shown"]
    # Whether or not the whole graph fits at a legible size, the artifact the page is about is in sight.
    box = page.get_by_test_id("lineage-graph").bounding_box()
    assert box is not None
    start = next(n for n in nodes if n["start"])
    assert box["x"] <= start["left"] and start["right"] <= box["x"] + box["width"]
    assert box["y"] <= start["top"] and start["bottom"] <= box["y"] + box["height"]
    _shot(page, f"long-names-{width}")


@pytest.mark.parametrize("width", [1440, 1000])
def test_pipeline_lineage_is_legible_and_centred(
    page: Page, pipeline_ui: tuple[UiServer, dict[str, Any]], width: int
) -> None:
    server, _ = pipeline_ui
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(server.url + "/projects/pipeline/artifacts/inat-raw/v0?tab=lineage")
    _check_legible(_nodes(page, 14))
    _shot(page, f"pipeline-{width}")
    # The epochs project's model lineage fits a 1440 px window, centred in its box; at 1000 px
    # it does not, and the version the page is about stays in sight.
    page.goto(server.url + "/projects/epochs/artifacts/classifier/v0?tab=lineage")
    graph = page.get_by_test_id("lineage-graph")
    fits = width == 1440
    expect(graph).to_have_attribute("data-fits", "true" if fits else "false")
    placed = _nodes(page, 4)
    _check_legible(placed)
    box = graph.bounding_box()
    assert box is not None
    if fits:
        middle_x = (min(n["left"] for n in placed) + max(n["right"] for n in placed)) / 2
        middle_y = (min(n["top"] for n in placed) + max(n["bottom"] for n in placed)) / 2
        assert abs(middle_x - (box["x"] + box["width"] / 2)) < 3
        assert abs(middle_y - (box["y"] + box["height"] / 2)) < 3
    else:
        start = next(n for n in placed if n["start"])
        assert box["x"] <= start["left"] and start["right"] <= box["x"] + box["width"]
        expect(page.get_by_test_id("lineage-hint")).to_contain_text("Drag to see the rest")
    _shot(page, f"epochs-{width}")
