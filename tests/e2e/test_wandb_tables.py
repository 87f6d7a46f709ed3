"""A W&B Tables notebook's predictions, logged through ``heron.wandb``, in the table explorer.

The store is logged by the scenario following W&B's Tables quickstart
(tests/fixtures/scenarios/tables_quickstart.py), run in its own process as the notebook would be.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

import heron
from tests.e2e.ui_server import UiServer
from tests.fixtures.scenario import run_scenario
from tests.fixtures.shared_stores import SharedStores

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


@pytest.fixture(scope="module")
def quickstart(shared_stores: SharedStores) -> Iterator[tuple[UiServer, heron.ApiRun]]:
    """`heron ui` over the store the quickstart scenario logged, and its run."""

    def log(workdir: Path) -> None:
        run_scenario("tables_quickstart", workdir)

    workdir, _ = shared_stores.copy("wandb-quickstart", log)
    (run,) = heron.Api(workdir / "heron-data").runs("table-quickstart")
    server = UiServer(workdir / "heron-data")
    yield server, run
    server.stop()


def test_quickstart_predictions_show_in_the_explorer(
    page: Page, quickstart: tuple[UiServer, heron.ApiRun]
) -> None:
    server, run = quickstart
    step = run.tables()["test_predictions"][-1]
    frame = run.table("test_predictions", step=step).to_pandas()
    page.goto(
        f"{server.url}/projects/table-quickstart/runs/{run.id}/tables/test_predictions?step={step}"
    )
    pager = page.locator(".explorer-foot [data-testid=pager-range]")
    expect(pager).to_have_text(re.compile(rf"^1–{len(frame)} of {len(frame)} rows$"))
    first = page.locator(".xrow").first
    expect(first.locator("[data-column='id']")).to_have_text(frame["id"][0])
    expect(first.locator("[data-column='truth']")).to_have_text(str(frame["truth"][0]))
    image = first.locator("[data-column='image'] img")
    expect(image).to_have_attribute("src", re.compile(r"^/api/media/[0-9a-f]{64}/thumbnail"))

    # The quickstart's recipe: only the wrong guesses.
    wrong = int((frame["guess"] != frame["truth"]).sum())
    assert wrong > 0, "the stand-in model must get some images wrong"
    box = page.get_by_label("Filter expression")
    box.fill('row["guess"] != row["truth"]')
    box.press("Enter")
    expect(pager).to_have_text(re.compile(rf"^1–{wrong} of {wrong} rows$"))
