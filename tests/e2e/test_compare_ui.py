"""Comparing versions of a model artifact in a real browser: files, metadata, the versions' tables
joined, concatenated and side by side, the runs' tables across runs and steps, and the lineage
graph folding a fan-out of runs into one node.

The data is the ``epochs`` project of tests/fixtures/pipeline.py: a classifier trained for 1, 5 and
10 epochs (v0, v1, v2), each version holding a ``predictions`` table, and six evaluation runs that
use v1; and the ``pipeline`` project, whose two models hold their validation predictions as the
example workflow's do.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.explorer_page import all_rows, pager
from tests.e2e.ui_server import UiServer
from tests.fixtures.pipeline import (
    CLASSES,
    PER_CLASS,
    confidence,
    epoch_guess,
    eval_images,
    guess_for,
)

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

Pipeline = tuple[UiServer, dict[str, Any]]
BASE = "/projects/epochs/artifacts/classifier"


def _table(page: Page, name: str = "predictions") -> Locator:
    return page.locator(f'section.compare-table[data-table="{name}"]')


def test_two_versions_files_metadata_and_merged_table(page: Page, pipeline_ui: Pipeline) -> None:
    server, _ = pipeline_ui
    page.goto(server.url + "/projects/epochs/artifacts/classifier")
    page.get_by_label("Pick v1").check()
    page.get_by_label("Pick v0").check()
    page.get_by_role("button", name="Compare v0 ↔ v1").click()
    expect(page).to_have_url(re.compile(r"/artifacts/classifier/compare\?versions=v0,v1$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Compare classifier: v0 ↔ v1")

    # Files of v1 against v0.
    expect(page.get_by_test_id("files-added").locator("li code")).to_have_text(["optimizer.bin"])
    expect(page.get_by_test_id("files-removed").locator("li code")).to_have_text(["history.csv"])
    changed = page.get_by_test_id("files-changed").locator("li")
    expect(changed.locator("code")).to_have_text(["predictions.table.parquet", "weights.bin"])
    expect(changed.first).to_contain_text("12 rows → 14 rows")

    # Metadata: one row per key, each version's value, the row's status.
    metadata = page.locator("table.metadata-diff")
    expect(metadata.locator("thead th")).to_have_text(["Key", "v0", "v1"])
    for key, status, values in (
        ("epochs", "changed", ["1", "5"]),
        ("lr", "removed", ["0.01", "—"]),
        ("optimizer", "same", ['"adam"', '"adam"']),
        ("val_acc", "added", ["—", "0.9"]),
    ):
        row = metadata.locator("tbody tr", has=page.locator("th", has_text=key))
        expect(row).to_have_attribute("data-status", status)
        expect(row.locator("td")).to_have_text(values)

    # The predictions of both versions, joined on id: the 12 images both were evaluated on.
    table = _table(page)
    expect(table.locator(".count-chip")).to_have_text(["v0: 12 rows", "v1: 14 rows"])
    expect(table.locator(".run-legend")).to_contain_text("v0 · train 1 epoch")
    expect(table.locator(".run-legend")).to_contain_text("v1 · train 5 epochs")
    expect(pager(table)).to_have_text(all_rows(12))
    row = table.locator(".xrow", has=page.locator("[data-column='id']", has_text="aves_03"))
    guesses = row.locator("[data-column='guess'] .run-value")
    assert epoch_guess(1, "aves_03") == "Fungi" and epoch_guess(5, "aves_03") == "Aves"
    expect(guesses).to_have_text(["Fungi", "Aves"])
    expect(row.locator("[data-column='score'] .run-value")).to_have_text(
        [str(confidence(1)), str(confidence(5))]
    )

    # Outer join: every image either version saw.
    table.get_by_role("radio", name="outer").click()
    expect(pager(table)).to_have_text(all_rows(len(eval_images(True))))
    expect(page).to_have_url(re.compile(r"predictions\.how=outer"))

    # Side by side: one panel per version, each with its own rows.
    table.get_by_role("radio", name="Side by side").click()
    expect(page).to_have_url(re.compile(r"predictions\.merge=side_by_side"))
    panels = table.locator(".side-panel")
    expect(panels).to_have_count(2)
    expect(panels.nth(0).locator(".side-title")).to_contain_text("v0 · train 1 epoch")
    expect(panels.nth(0).locator(".side-title")).to_contain_text("12 rows")
    expect(panels.nth(1).locator(".side-title")).to_contain_text("14 rows")

    # Concatenate: both versions' rows, each naming its version (and the run that logged it).
    table.get_by_role("radio", name="Concatenate").click()
    expect(pager(table)).to_have_text(all_rows(12 + 14))
    sources = table.locator(".xrow [data-column='source'] .run-tag-name").all_inner_texts()
    assert set(sources) == {"v0 · train 1 epoch", "v1 · train 5 epochs"}

    # The whole view comes back from the link.
    page.reload()
    expect(pager(_table(page))).to_have_text(all_rows(26))
    expect(_table(page).get_by_role("radio", name="Concatenate")).to_have_attribute(
        "aria-checked", "true"
    )


def test_three_versions_each_against_the_first(page: Page, pipeline_ui: Pipeline) -> None:
    server, _ = pipeline_ui
    page.goto(server.url + f"{BASE}/compare?versions=v0,v1")
    page.get_by_label("Add a version").select_option("v2")
    expect(page).to_have_url(re.compile(r"versions=v0(%2C|,)v1(%2C|,)v2"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Compare classifier: v0 · v1 · v2")
    expect(page.locator(".version-chip")).to_have_count(3)
    # Files: v1 against v0 first, then v2 against v0.
    page.get_by_role("radio", name="v2 vs v0").click()
    expect(page.get_by_test_id("files-added").locator("li code")).to_have_text(
        ["calibration.table.parquet", "optimizer.bin"]
    )
    row = page.locator("table.metadata-diff tbody tr", has=page.locator("th", has_text="optimizer"))
    expect(row).to_have_attribute("data-status", "changed")
    expect(row.locator("td").nth(1)).to_have_attribute("data-change", "same")
    expect(row.locator("td").nth(2)).to_have_attribute("data-change", "changed")
    # Every table gets an explorer; one only v2 holds opens alone.
    calibration = _table(page, "calibration")
    expect(calibration).to_contain_text("not in v0, v1")
    expect(pager(calibration)).to_have_text(all_rows(3))
    predictions = _table(page)
    expect(predictions.locator(".run-legend .legend-item")).to_have_count(3)
    expect(pager(predictions)).to_have_text(all_rows(12))
    # Taking a version out of the comparison.
    page.get_by_role("button", name="Remove v1 from the comparison").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Compare classifier: v0 ↔ v2")


def test_runs_tables_open_across_runs_and_steps(page: Page, pipeline_ui: Pipeline) -> None:
    server, ids = pipeline_ui
    epochs = ids["epochs"]
    page.goto(server.url + f"{BASE}/compare/v0/v1")  # the old address still works
    expect(page).to_have_url(re.compile(r"compare\?versions=v0,v1$"))
    runs = page.get_by_role("region", name="Runs")
    expect(runs.locator('tr[data-version="v1"]')).to_contain_text("train 5 epochs")
    expect(runs.locator('tr[data-version="v1"]')).to_contain_text("evaluate shard 0")
    tables = page.get_by_test_id("run-tables")
    tables.get_by_role("link", name="Across 2 runs").click()
    expect(page).to_have_url(
        re.compile(
            rf"/projects/epochs/tables/val_predictions\?runs="
            rf"{epochs['train 1 epoch']},{epochs['train 5 epochs']}$"
        )
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("val_predictions 2 runs")
    page.go_back()
    page.get_by_test_id("run-tables").get_by_role("link", name="train 5 epochs: step 0 ↔ 4").click()
    expect(page).to_have_url(
        re.compile(rf"/runs/{epochs['train 5 epochs']}/tables/val_predictions\?step=4&compare=0$")
    )
    expect(page.locator(".run-legend")).to_contain_text("step 0")
    expect(pager(page)).to_have_text(all_rows(14))


def test_lineage_folds_a_fan_out_and_expands_it(page: Page, pipeline_ui: Pipeline) -> None:
    server, _ = pipeline_ui
    page.goto(server.url + f"{BASE}/v1?tab=lineage")
    graph = page.get_by_test_id("lineage-graph")
    cluster = graph.locator(".lineage-node.cluster")
    expect(cluster).to_have_count(1)
    expect(cluster).to_contain_text("6 evaluate runs")
    expect(cluster).to_contain_text("click to expand")
    expect(graph.locator('[data-node-label="evaluate shard 0"]')).to_have_count(0)
    expect(graph.locator('[data-node-label="train 5 epochs"]')).to_be_visible()
    cluster.click()
    expect(graph.locator(".lineage-node.cluster")).to_have_count(0)
    for shard in range(6):
        expect(graph.locator(f'[data-node-label="evaluate shard {shard}"]')).to_have_count(1)
    page.get_by_role("button", name="Collapse groups").click()
    expect(graph.locator(".lineage-node.cluster")).to_contain_text("6 evaluate runs")


def _val_rows() -> list[tuple[str, str]]:
    """(id, truth) of the pipeline's validation images, in the order the models predicted them."""
    return [
        (f"{label.lower()}_{index:02d}.png", label)
        for label in CLASSES
        for index in range(PER_CLASS)
        if 12 <= index < 16
    ]


def test_pipeline_model_versions_compare_their_predictions(
    page: Page, pipeline_ui: Pipeline
) -> None:
    server, _ = pipeline_ui
    page.goto(server.url + "/projects/pipeline/artifacts/inat-model")
    page.get_by_label("Pick v0").check()
    page.get_by_label("Pick v1").check()
    page.get_by_role("button", name="Compare v0 ↔ v1").click()
    expect(page.locator(".compare-no-tables")).to_have_count(0)
    table = _table(page, "val_predictions")
    expect(table.locator(".count-chip")).to_have_text(["v0: 12 rows", "v1: 12 rows"])
    expect(table.locator(".run-legend")).to_contain_text("v0 · train fc256")
    expect(table.locator(".run-legend")).to_contain_text("v1 · train fc1024")
    # Joined on id: each image once, with both models' last-epoch guesses.
    expect(pager(table)).to_have_text(all_rows(12))
    last = 1  # both models trained for two epochs
    rows = _val_rows()
    index, (item, truth) = next(
        (i, r) for i, r in enumerate(rows) if guess_for("fc256", i + last, r[1]) != r[1]
    )
    row = table.locator(".xrow", has=page.locator("[data-column='id']", has_text=item))
    expect(row.locator("[data-column='guess'] .run-value")).to_have_text(
        [guess_for("fc256", index + last, truth), guess_for("fc1024", index + last, truth)]
    )
    # truth is the same image's label in both versions: usable without an index.
    box = table.get_by_label("Filter expression")
    box.fill('row["truth"] = "Aves" and row["guess"][0] != row["guess"][1]')
    box.press("Enter")
    differ = [
        r
        for i, r in enumerate(rows)
        if r[1] == "Aves"
        and guess_for("fc256", i + last, r[1]) != guess_for("fc1024", i + last, r[1])
    ]
    assert differ
    expect(pager(table)).to_have_text(all_rows(len(differ)))
    expect(table.locator(".xrow [data-column='id']")).to_have_text([r[0] for r in differ])
    # guess is not: the message says so and what to write instead.
    box.fill('row["guess"] = "Aves"')
    box.press("Enter")
    error = table.locator(".filter-error")
    expect(error).to_contain_text('the runs hold different values of "guess"')
    expect(error).to_contain_text('pick one run with row["guess"][0]')
