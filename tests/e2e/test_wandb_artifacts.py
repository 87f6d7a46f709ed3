"""Artifacts logged through ``heron.wandb`` by a W&B notebook, in the browser.

The store is logged by the scenario following W&B's image-classification walkthrough
(tests/fixtures/scenarios/image_classification_artifacts.py), run in its own process: raw data,
a balanced split with a preview table added to the artifact, a model, an inference run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

import heron
from heron.sdk.api import run_artifacts
from tests.e2e.ui_server import UiServer
from tests.fixtures.scenario import run_scenario
from tests.fixtures.shared_stores import SharedStores

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

SPLIT = "inat_80-10-10_50"


@pytest.fixture(scope="module")
def walkthrough(shared_stores: SharedStores) -> Iterator[tuple[UiServer, heron.Api]]:
    """`heron ui` over the store the walkthrough scenario logged, and an Api on it."""

    def log(workdir: Path) -> None:
        run_scenario("image_classification_artifacts", workdir)

    workdir, _ = shared_stores.copy("wandb-walkthrough", log)
    api = heron.Api(workdir / "heron-data")
    server = UiServer(workdir / "heron-data")
    yield server, api
    server.stop()


def test_the_split_artifact_shows_its_lineage(
    page: Page, walkthrough: tuple[UiServer, heron.Api]
) -> None:
    server, api = walkthrough
    expected = set()
    for run in api.runs("nature_photos"):
        for version in run_artifacts(api.store, run.id, "output"):
            expected.add(f"run:{run.id}->artifact:{version.id}")
        for version in run_artifacts(api.store, run.id, "input"):
            expected.add(f"artifact:{version.id}->run:{run.id}")
    split = api.artifact(f"nature_photos/{SPLIT}:v0")
    near = {edge for edge in expected if split.id in edge}
    assert len(near) == 3  # logged by the split run; used by the training and inference runs
    page.goto(f"{server.url}/projects/nature_photos/artifacts/{SPLIT}/v0?tab=lineage")
    graph = page.get_by_test_id("lineage-graph")
    expect(graph.locator(f'[data-node-label="{SPLIT}:v0"]')).to_be_visible()
    expect(graph.locator('[data-node-label="iv3_finetuned:v0"]')).to_be_visible()
    for edge in near:
        expect(graph.locator(f'.react-flow__edge[data-id="{edge}"]')).to_have_count(1)


def test_the_preview_table_added_to_the_artifact_opens_in_the_explorer(
    page: Page, walkthrough: tuple[UiServer, heron.Api]
) -> None:
    server, api = walkthrough
    preview = api.artifact(f"{SPLIT}:v0").get("data_split").to_pandas()
    page.goto(f"{server.url}/projects/nature_photos/artifacts/{SPLIT}/v0?tab=files")
    page.locator('[data-path="data_split.table.parquet"]').click()
    explorer = page.locator(".file-preview section.explorer")
    pager = explorer.locator(".explorer-foot [data-testid=pager-range]")
    expect(pager).to_have_text(f"1–{len(preview)} of {len(preview)} rows")
    expect(explorer.locator(".xth .xth-name")).to_have_text(["#", "id", "image", "label", "split"])
    image = explorer.locator(".xrow").first.locator("[data-column='image'] img")
    expect(image).to_have_attribute("src", re.compile(r"^/api/media/[0-9a-f]{64}/thumbnail"))
    # The walkthrough hides the test labels: every test row reads "unknown".
    header = explorer.locator(".xth[data-column='label']")
    header.hover()
    header.get_by_role("button", name="label column menu").click()
    page.get_by_role("menuitem", name="Group by label").click()
    unknown = explorer.locator(
        ".xrow", has=page.locator("[data-column='label']", has_text="unknown")
    )
    expect(unknown.locator("[data-column='count']")).to_have_text(
        str(int((preview["label"] == "unknown").sum()))
    )
