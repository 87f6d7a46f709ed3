"""The static report export draws what the live page draws: grouped histograms as SVG at the
explorer's size, image strips in a row, wide tables in a sideways-scrolling box, every value of a
categorical cell, the lineage as an SVG graph with a node per run and version, and a panel's step."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from heron.server.report_runs import ACROSS_RUNS_COLOR, PALETTE
from tests.fixtures.pipeline import CLASSES, guess_for

BASE = "/api/projects/pipeline/reports"
# The explorer's grouped number column is 210 px wide and draws its histogram 16 px narrower.
UI_HISTOGRAM_WIDTH = 194
VOID = {"img", "br", "meta", "input", "hr", "link"}


@dataclass
class Element:
    """An element of the exported page, enough of a DOM to ask what contains what."""

    tag: str
    attrs: dict[str, str]
    parent: Element | None = None
    children: list[Element] = field(default_factory=list)
    text: list[str] = field(default_factory=list)

    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def find_all(self, tag: str | None = None, cls: str | None = None) -> list[Element]:
        found = []
        for child in self.children:
            if (tag is None or child.tag == tag) and (cls is None or cls in child.classes()):
                found.append(child)
            found.extend(child.find_all(tag, cls))
        return found

    def ancestor(self, cls: str) -> Element | None:
        node = self.parent
        while node is not None and cls not in node.classes():
            node = node.parent
        return node

    def all_text(self) -> str:
        return "".join(self.text) + "".join(child.all_text() for child in self.children)


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.root = Element("#document", {})
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, parent=self.current)
        self.current.children.append(element)
        if tag not in VOID:
            self.current = element

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(Element(tag, {k: v or "" for k, v in attrs}, self.current))

    def handle_endtag(self, tag: str) -> None:
        node: Element | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.text.append(data)


def parse(page: str) -> Element:
    builder = _Builder()
    builder.feed(page)
    return builder.root


def _export(client: TestClient, blocks: list[dict[str, Any]]) -> Element:
    report = client.post(BASE, json={"title": "Export", "blocks": blocks}).json()
    exported = client.get(f"{BASE}/{report['id']}/export")
    assert exported.status_code == 200, exported.text
    return parse(exported.text)


def _panels(page: Element) -> list[Element]:
    return page.find_all("section", "panel")


def test_grouped_cells_look_like_the_explorer(
    pipeline_client: TestClient, pipeline_store: tuple[Path, dict[str, Any]]
) -> None:
    ids = pipeline_store[1]
    # Stored in any order, the runs come in creation order, each in its project colour.
    runs = {"runs": [{"id": ids["infer fc1024"]}, {"id": ids["infer fc256"]}]}
    page = _export(
        pipeline_client,
        [
            {
                "id": "g",
                "type": "panel",
                "panel": "table",
                "runset": {"runs": [{"id": ids["split"]}]},
                "config": {"key": "split_table", "state": {"group": ["split"]}},
            },
            {
                "id": "t",
                "type": "panel",
                "panel": "table",
                "runset": runs,
                "config": {"key": "test_predictions", "state": {"group": ["truth"]}},
            },
        ],
    )
    split_panel, truth_panel = _panels(page)
    # Image strips: each group's images sit side by side in one row, not stacked.
    groups = {
        row.find_all("td")[0].all_text(): row
        for row in split_panel.find_all("tbody")[0].find_all("tr")
    }
    assert sorted(groups) == ["test", "train", "val"]
    head = [th.all_text() for th in split_panel.find_all("th")]
    for split, shown in (("train", 24), ("val", 12), ("test", 12)):
        (line,) = groups[split].find_all("div", "strip-line")
        assert line.ancestor("strip") is not None
        assert len(line.find_all("img")) == shown  # train has 36 images: the first 24 come
        # Categorical cells list every value with its count: 12 of each class in train.
        (values,) = groups[split].find_all("td")[head.index("label")].find_all("div", "values")
        counts = [
            (row.find_all("span", "value-label")[0].all_text(), row.find_all("em")[0].all_text())
            for row in values.find_all("div", "value-row")
        ]
        per_class = "12" if split == "train" else "4"
        assert sorted(counts) == [(label, per_class) for label in CLASSES]
    # Histograms are SVG at least as wide as the explorer draws them, one bar set per run
    # (merged: two runs, each in its colour).
    histograms = truth_panel.find_all("svg", "hist-plot")
    assert histograms, "a grouped number column draws a histogram"
    assert all(int(svg.attrs["width"]) >= UI_HISTOGRAM_WIDTH for svg in histograms)
    assert all(int(svg.attrs["height"]) >= 60 for svg in histograms)
    fills = {rect.attrs["fill"] for svg in histograms for rect in svg.find_all("rect")}
    assert fills == {_project_color(ids, "infer fc256"), _project_color(ids, "infer fc1024")}
    # A merged image column's strip has one line per run.
    assert len(truth_panel.find_all("div", "strip")[0].find_all("div", "strip-line")) == 2
    # The tables sit in a box that scrolls sideways.
    for panel in (split_panel, truth_panel):
        table = panel.find_all("table")[0]
        assert table.ancestor("table-scroll") is not None


def test_wide_table_scrolls_and_the_panel_step_is_shown(
    pipeline_client: TestClient, pipeline_store: tuple[Path, dict[str, Any]]
) -> None:
    ids = pipeline_store[1]
    run = ids["train fc256"]

    def guesses(step: int | None) -> list[str]:
        config: dict[str, Any] = {"key": "val_predictions", "state": {}}
        if step is not None:
            config["step"] = step
        block = {"id": "p", "type": "panel", "panel": "table", "config": config}
        block["runset"] = {"runs": [{"id": run}]}
        (panel,) = _panels(_export(pipeline_client, [block]))
        table = panel.find_all("table")[0]
        assert table.ancestor("table-scroll") is not None
        names = [th.all_text() for th in table.find_all("th")]
        column = names.index("guess")
        return [
            row.find_all("td")[column].all_text() for row in table.find_all("tbody")[0].children
        ]

    truths = [t for t in CLASSES for _ in range(4)]
    expected = {
        step: [guess_for("fc256", i + step, t) for i, t in enumerate(truths)] for step in (0, 1)
    }
    assert expected[0] != expected[1]
    assert guesses(0) == expected[0]
    assert guesses(1) == expected[1]
    assert guesses(None) == expected[1]  # no step: the latest


def _project_color(ids: dict[str, Any], name: str) -> str:
    """The colour the browser gives a run of the pipeline project: the palette in the order
    the fixture logged the runs (ui/src/lib/colors.ts)."""
    order = ["upload", "split", "train fc256", "train fc1024", "infer fc256", "infer fc1024"]
    return PALETTE[order.index(name)]


def test_a_key_with_an_index_exports_that_run_alone(
    pipeline_client: TestClient, pipeline_store: tuple[Path, dict[str, Any]]
) -> None:
    ids = pipeline_store[1]
    runs = {"runs": [{"id": ids["infer fc256"]}, {"id": ids["infer fc1024"]}]}

    def guesses(key: str) -> list[str]:
        block = {"id": "p", "type": "panel", "panel": "table", "runset": runs}
        block["config"] = {"key": key, "state": {}}
        (panel,) = _panels(_export(pipeline_client, [block]))
        tables = panel.find_all("table")
        if not tables:
            return [p.all_text() for p in panel.find_all("p", "problem")]
        names = [th.all_text() for th in tables[0].find_all("th")]
        column = names.index("guess")
        return [
            r.find_all("td")[column].all_text() for r in tables[0].find_all("tbody")[0].children
        ]

    truths = [t for t in CLASSES for _ in range(4)]
    assert guesses("test_predictions[1]") == [
        guess_for("fc1024", i, t) for i, t in enumerate(truths)
    ]
    assert guesses("test_predictions[0]") == [
        guess_for("fc256", i, t) for i, t in enumerate(truths)
    ]
    (problem,) = guesses("test_predictions[2]")
    assert "no visible run has index [2]" in problem


def test_lineage_is_an_svg_graph_with_a_node_per_run_and_version(
    pipeline_client: TestClient,
) -> None:
    graph = pipeline_client.get(
        "/api/projects/pipeline/lineage", params={"artifact": "inat-raw:v0"}
    ).json()
    page = _export(
        pipeline_client,
        [{"id": "l", "type": "panel", "panel": "lineage", "config": {"artifact": "inat-raw:v0"}}],
    )
    (panel,) = _panels(page)
    (svg,) = panel.find_all("svg", "lineage-graph")
    assert svg.ancestor("lineage") is not None
    nodes = svg.find_all("g", "node")
    assert sorted(n.attrs["data-node-label"] for n in nodes) == sorted(
        n["label"] for n in graph["nodes"]
    )
    assert len(svg.find_all("path", "edge")) == len(graph["edges"])
    assert len(panel.find_all("li")) == 0  # no longer a text list
    # Producers stand left of what they produce: the raw data, then the split run.
    place = {
        n.attrs["data-node-label"]: float(n.attrs["transform"].split("(")[1].split(",")[0])
        for n in nodes
    }
    assert place["inat-raw:v0"] < place["balanced split"]
    # Every node is inside the drawing.
    width = float(svg.attrs["width"])
    assert all(0 <= x <= width - 210 for x in place.values())


def test_concatenated_groups_take_their_run_colour_or_the_gray_of_no_run(
    pipeline_client: TestClient, pipeline_store: tuple[Path, dict[str, Any]]
) -> None:
    ids = pipeline_store[1]
    runs = {"runs": [{"id": ids["infer fc256"]}, {"id": ids["infer fc1024"]}]}

    def fills(group: str) -> dict[str, set[str]]:
        state = {"merge": "concat", "group": [group]}
        block = {"id": "c", "type": "panel", "panel": "table", "runset": runs}
        block["config"] = {"key": "test_predictions", "state": state}
        (panel,) = _panels(_export(pipeline_client, [block]))
        return {
            row.find_all("td")[0].all_text(): {rect.attrs["fill"] for rect in row.find_all("rect")}
            for row in panel.find_all("tbody")[0].find_all("tr")
        }

    # Grouped by source, each group is one run's rows, drawn in that run's colour.
    assert fills("source") == {
        name: {_project_color(ids, name)} for name in ("infer fc256", "infer fc1024")
    }
    # Grouped by truth, a group mixes both runs' rows: the gray of no single run.
    assert fills("truth") == {truth: {ACROSS_RUNS_COLOR} for truth in CLASSES}


def test_a_lineage_fan_out_folds_into_one_box_naming_its_members(
    pipeline_client: TestClient,
) -> None:
    block = {"id": "l", "type": "panel", "panel": "lineage"}
    block["config"] = {"artifact": "classifier:best", "depth": 1}
    report = pipeline_client.post(
        "/api/projects/epochs/reports", json={"title": "Fan-out", "blocks": [block]}
    ).json()
    exported = pipeline_client.get(f"/api/projects/epochs/reports/{report['id']}/export")
    (svg,) = parse(exported.text).find_all("svg", "lineage-graph")
    # Six evaluation runs used the same version: one box, as the live graph folds them.
    (fold,) = svg.find_all("g", "cluster")
    assert fold.attrs["data-node-label"] == "6 evaluate runs"
    members = fold.find_all("title")[0].all_text().split(", ")
    assert sorted(members) == [f"evaluate shard {shard}" for shard in range(6)]
    labels = [node.attrs["data-node-label"] for node in svg.find_all("g", "node")]
    assert not any(label.startswith("evaluate shard") for label in labels)
    # One arrow from the version to the fold, not six.
    assert len(svg.find_all("path", "edge")) == len(labels) - 1


def test_confusion_matrices_are_shaded_as_the_evaluation_panel_shades_them(
    pipeline_client: TestClient, pipeline_store: tuple[Path, dict[str, Any]]
) -> None:
    ids = pipeline_store[1]
    block = {"id": "e", "type": "panel", "panel": "evaluation"}
    block["runset"] = {"runs": [{"id": ids["infer fc256"]}]}
    block["config"] = {"key": "test_predictions", "truth": "truth", "guess": "guess"}
    (panel,) = _panels(_export(pipeline_client, [block]))
    (matrix,) = panel.find_all("table", "matrix")
    for i, row in enumerate(matrix.find_all("tbody")[0].find_all("tr")):
        for j, cell in enumerate(row.find_all("td")):
            style, count = cell.attrs["style"], int(cell.all_text())
            # Right answers green, mistakes red; an empty cell stays clear.
            assert ("22, 163, 74" if i == j else "220, 38, 38") in style
            assert style.endswith("0.000)") == (count == 0)
