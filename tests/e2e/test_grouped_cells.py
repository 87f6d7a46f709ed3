"""Grouped cells in a real browser: every value of a category reachable with its count, image
strips that page by the cell's width and start over on a new view, merged groups that stay legible.

Stores: the walkthrough-shaped explorer store (10 classes, tests/fixtures/explorer_store.py), the
pipeline store (tests/fixtures/pipeline.py) and, logged by this file run as a script, a table with
more species in one group than a cell lists. Expected counts come from the fixtures' rules.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.ui_server import UiServer
from tests.fixtures import explorer_store as fx
from tests.fixtures import pipeline as pl
from tests.fixtures.shared_stores import SharedStores

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

SPECIES_PROJECT = "species"
MANY = 130  # species in the "Plantae" group: more than a cell lists (100)
LISTED = 100


@pytest.fixture(scope="module")
def species(shared_stores: SharedStores) -> Iterator[tuple[UiServer, str]]:
    """`heron ui` over one run whose table holds 130 species of plants and 3 of fungi."""
    from tests.fixtures.scripts import run_script

    copy, run_id = shared_stores.copy(
        "species",
        lambda root: run_script(__file__, str(root / "heron-data")).strip(),
        sources=[Path(__file__)],
    )
    server = UiServer(copy / "heron-data")
    yield server, run_id
    server.stop()


def _explorer_url(explorer: tuple[UiServer, dict[str, str]], run: str, key: str, query: str) -> str:
    server, ids = explorer
    return f"{server.url}/projects/{fx.PROJECT}/runs/{ids[run]}/tables/{key}?{query}"


def _group_row(page: Page, column: str, key: str) -> Locator:
    return page.locator(
        ".xrow",
        has=page.locator(f"[data-column='{column}'] .group-key", has_text=re.compile(f"^{key}$")),
    )


def _inside(inner: dict[str, float] | None, outer: dict[str, float] | None) -> bool:
    assert inner is not None and outer is not None
    return (
        inner["y"] >= outer["y"] - 1
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 1
        and inner["x"] >= outer["x"] - 1
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 1
    )


def _reach(cell: Locator, value: str) -> list[int]:
    """Scroll the cell's list to ``value`` as a reader would; returns its count per run, after
    checking the line lies wholly inside the cell's visible list."""
    line = cell.locator(f".value-row[data-value='{value}']")
    expect(line).to_have_count(1)
    line.scroll_into_view_if_needed()
    assert _inside(line.bounding_box(), cell.locator(".values").bounding_box()), value
    bars = line.locator(".value-bar")
    return [int(bars.nth(i).get_attribute("data-count") or -1) for i in range(bars.count())]


def _listed(cell: Locator) -> list[str]:
    return [v or "" for v in cell.locator(".value-row").evaluate_all(
        "rows => rows.map(r => r.dataset.value)"
    )]  # fmt: skip


def test_every_label_of_every_split_is_reachable_with_its_count(
    page: Page, explorer: tuple[UiServer, dict[str, str]]
) -> None:
    # The walkthrough's first check: grouped by split, is every label represented in each split?
    page.goto(_explorer_url(explorer, "upload", "dataset", "group=split"))
    split_of = ("train", "train", "val", "test")
    expected = {
        split: Counter(fx.truth_of(i) for i in range(fx.N_VAL) if split_of[i % 4] == split)
        for split in ("train", "val", "test")
    }
    assert len(expected["train"]) == len(fx.CLASSES)
    for split, counts in expected.items():
        cell = _group_row(page, "split", split).locator("[data-column='label']")
        expect(cell.locator(".value-row")).to_have_count(len(counts))
        assert sorted(_listed(cell)) == sorted(counts)
        for label, count in counts.items():
            assert _reach(cell, label) == [count], (split, label)
        expect(cell.locator(".value-others")).to_have_count(0)
    # Ten labels do not fit a row: the cell says how many lie below, and its hint scrolls there.
    page.reload()
    cell = _group_row(page, "split", "train").locator("[data-column='label']")
    hint = cell.locator(".value-below")
    expect(hint).to_have_text(re.compile(r"^↓ \d+ more$"))
    below = int(re.findall(r"\d+", hint.inner_text())[0])
    last = cell.locator(".value-row").last
    assert not _inside(last.bounding_box(), cell.locator(".values").bounding_box())
    assert below >= 1
    values = cell.locator(".values")
    at_end = "e => e.scrollTop + e.clientHeight >= e.scrollHeight - 1"
    for _ in range(len(fx.CLASSES)):
        if values.evaluate(at_end):
            break
        hint.click()
    assert values.evaluate(at_end)
    expect(hint).to_have_count(0)
    assert _inside(last.bounding_box(), cell.locator(".values").bounding_box())
    # A bar still filters to its value.
    cell.locator(".value-row[data-value='Reptilia'] .value-bar").click()
    expect(page.get_by_label("Filter expression")).to_have_value('row["label"] = "Reptilia"')
    reptiles = sum(c["Reptilia"] for c in expected.values())
    expect(page.locator(".explorer-foot [data-testid=pager-range]")).to_contain_text(
        f"· {reptiles} rows"
    )


def test_pipeline_dataset_and_predictions_grouped(
    page: Page, pipeline_ui: tuple[UiServer, dict[str, Any]]
) -> None:
    server, ids = pipeline_ui
    base = f"{server.url}/projects/{pl.PROJECT}"
    page.goto(f"{base}/runs/{ids['split']}/tables/split_table?group=split")
    per_split = {"train": 12, "val": 4, "test": 4}
    for split, count in per_split.items():
        cell = _group_row(page, "split", split).locator("[data-column='label']")
        expect(cell.locator(".value-row")).to_have_count(len(pl.CLASSES))
        for label in pl.CLASSES:
            assert _reach(cell, label) == [count]
    # One run's validation predictions by truth: each guess counted by the fixture's rule.
    truths = [c for c in pl.CLASSES for _ in range(4)]  # val images, in file order

    def guesses(variant: str) -> dict[str, Counter[str]]:
        out: dict[str, Counter[str]] = {t: Counter() for t in pl.CLASSES}
        for i, truth in enumerate(truths):
            out[truth][pl.guess_for(variant, i + 1, truth)] += 1
        return out

    page.goto(f"{base}/runs/{ids['train fc256']}/tables/val_predictions?step=1&group=truth")
    for truth, counts in guesses("fc256").items():
        cell = _group_row(page, "truth", truth).locator("[data-column='guess']")
        expect(cell.locator(".value-row")).to_have_count(len(counts))
        for guess, count in counts.items():
            assert _reach(cell, guess) == [count], (truth, guess)
    # Both runs merged on the default join: one bar and count per run, in each run's colour.
    runs = f"{ids['train fc256']},{ids['train fc1024']}"
    page.goto(f"{base}/tables/val_predictions?runs={runs}&step=1&group=truth")
    per_run = [guesses("fc256"), guesses("fc1024")]
    for truth in pl.CLASSES:
        cell = _group_row(page, "truth", truth).locator("[data-column='guess']")
        values = set(per_run[0][truth]) | set(per_run[1][truth])
        expect(cell.locator(".value-row")).to_have_count(len(values))
        for guess in values:
            assert _reach(cell, guess) == [per_run[r][truth][guess] for r in range(2)]
    bars = _group_row(page, "truth", "Aves").locator("[data-column='guess'] .value-bar")
    colours = {bars.nth(i).locator("span").evaluate("s => s.style.background") for i in range(2)}
    assert len(colours) == 2
    # The images of both runs are the same images (joined on id): one strip, thumbnails legible.
    image = _group_row(page, "truth", "Aves").locator("[data-column='image']")
    expect(image.locator(".strip-line")).to_have_count(1)
    assert all(t["width"] >= 40 for t in _thumb_boxes(image))


def _thumb_boxes(cell: Locator) -> list[dict[str, float]]:
    thumbs = cell.locator(".strip-line .thumb")
    expect(thumbs.first).to_be_visible()
    return [b for i in range(thumbs.count()) if (b := thumbs.nth(i).bounding_box()) is not None]


def _strip_state(cell: Locator) -> tuple[int, int]:
    strip = cell.locator(".strip")
    return int(strip.get_attribute("data-start") or -1), int(
        strip.get_attribute("data-per-page") or -1
    )


def _check_fits_width(cell: Locator) -> int:
    """The strip shows as many thumbnails as its width holds, all whole; returns how many."""
    _, per_page = _strip_state(cell)
    boxes = _thumb_boxes(cell)
    lines = cell.locator(".strip-lines").bounding_box()
    assert lines is not None
    assert len(boxes) == per_page
    assert all(_inside(b, lines) for b in boxes)
    size = boxes[0]["width"]
    # One more would not fit across (a tall cell wraps into rows of as many).
    per_row = sum(1 for b in boxes if abs(b["y"] - boxes[0]["y"]) < 1)
    assert per_page % per_row == 0
    assert (per_row + 1) * size + per_row * 4 > lines["width"]
    return per_page


def test_image_strip_pages_by_width_and_starts_over(
    page: Page, explorer: tuple[UiServer, dict[str, str]]
) -> None:
    page.goto(_explorer_url(explorer, "upload", "dataset", "group=split"))
    cell = _group_row(page, "split", "train").locator("[data-column='image']")
    per_page = _check_fits_width(cell)
    first = cell.locator(".thumb img").first.get_attribute("src")
    cell.get_by_role("button", name="Next images").click()
    expect(cell.locator(".strip")).to_have_attribute("data-start", str(per_page))
    assert cell.locator(".thumb img").first.get_attribute("src") != first
    expect(cell.locator(".strip-count")).to_contain_text(f"{per_page + 1}–{2 * per_page} of 30")
    # Paging on past the images the group's summary carried reads the rest: all 30 reachable.
    seen: set[str] = set()
    next_button = cell.get_by_role("button", name="Next images")
    cell.get_by_role("button", name="Previous images").click()
    expect(cell.locator(".strip")).to_have_attribute("data-start", "0")
    for _ in range(30):
        expect(cell.locator(".strip-count")).not_to_contain_text("loading")
        seen.update(
            cell.locator(".thumb img").evaluate_all("imgs => imgs.map(i => i.getAttribute('src'))")
        )
        if next_button.is_disabled():
            break
        start = cell.locator(".strip").get_attribute("data-start")
        next_button.click()
        expect(cell.locator(".strip")).not_to_have_attribute("data-start", start or "")
    expect(cell.locator(".strip-count")).to_have_text(re.compile(r"–30 of 30$"))
    assert len(seen) == 30
    page.reload()
    expect(cell.locator(".strip")).to_have_attribute("data-start", "0")
    # A wider column holds more thumbnails and pages by that many.
    handle = page.locator(".xth[data-column='image'] .xth-resize")
    box = handle.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + 260, box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()
    expect(cell.locator(".strip")).not_to_have_attribute("data-per-page", str(per_page))
    wider = _check_fits_width(cell)
    assert wider > per_page
    # A new filter is a new view: the strip starts over at its first images.
    cell.get_by_role("button", name="Next images").click()
    expect(cell.locator(".strip")).not_to_have_attribute("data-start", "0")
    box_filter = page.get_by_label("Filter expression")
    box_filter.fill('row["label"] != "Aves"')
    box_filter.press("Enter")
    expect(cell.locator(".strip")).to_have_attribute("data-start", "0")
    expect(cell.get_by_role("button", name="Previous images")).to_be_disabled()


def test_merged_groups_keep_legible_images_per_run(
    page: Page, explorer: tuple[UiServer, dict[str, str]]
) -> None:
    server, ids = explorer
    runs = ",".join(ids[name] for name in fx.RUNS)
    url = f"{server.url}/projects/{fx.PROJECT}/tables/predictions?runs={runs}&step=2&group=truth"
    for height in ("s", "m", "l", "xl"):
        page.goto(f"{url}&rows={height}")
        cell = _group_row(page, "truth", "Fungi").locator("[data-column='image']")
        # Joined on id, both runs hold the same images: drawn once.
        expect(cell.locator(".strip-line")).to_have_count(1)
        assert all(b["width"] >= 40 and b["height"] >= 40 for b in _thumb_boxes(cell)), height
    # Joined on truth, each row pairs different images: one line per run, marked by its colour.
    page.goto(f"{url}&rows=s&on=truth")
    cell = _group_row(page, "truth", "Fungi").locator("[data-column='image']")
    lines = cell.locator(".strip-line")
    expect(lines).to_have_count(2)
    colours = []
    for run in range(2):
        line = cell.locator(f".strip-line[data-run='{run}']")
        expect(line.locator(".strip-run")).to_have_text(f"[{run}]")
        colour = line.locator(".strip-run").evaluate("e => getComputedStyle(e).borderLeftColor")
        thumb = line.locator(".thumb").first.evaluate("e => getComputedStyle(e).borderTopColor")
        assert colour == thumb
        colours.append(colour)
        line.scroll_into_view_if_needed()
        boxes = [
            b for i in range(line.locator(".thumb").count())
            if (b := line.locator(".thumb").nth(i).bounding_box()) is not None
        ]  # fmt: skip
        assert boxes and all(b["width"] >= 40 for b in boxes)
    assert colours[0] != colours[1]


def test_values_past_the_list_are_counted_and_one_click_away(
    page: Page, species: tuple[UiServer, str]
) -> None:
    server, run_id = species
    page.goto(f"{server.url}/projects/{SPECIES_PROJECT}/runs/{run_id}/tables/plants?group=kingdom")
    cell = _group_row(page, "kingdom", "Plantae").locator("[data-column='species']")
    expect(cell.locator(".value-row")).to_have_count(LISTED)
    more = cell.locator(".value-others")
    hidden = MANY - LISTED
    expect(more).to_have_text(f"+{hidden} more values ({hidden} rows)")
    # Fungi's three species all show: nothing hidden there.
    fungi = _group_row(page, "kingdom", "Fungi").locator("[data-column='species']")
    expect(fungi.locator(".value-row")).to_have_count(3)
    expect(fungi.locator(".value-others")).to_have_count(0)
    more.scroll_into_view_if_needed()
    more.click()
    expect(page.get_by_label("Filter expression")).to_have_value(re.compile(r"not in \["))
    expect(cell.locator(".value-row")).to_have_count(hidden)
    for k in range(LISTED, MANY):
        assert _reach(cell, f"sp{k:03d}") == [1]
    expect(cell.locator(".value-others")).to_have_count(0)
    expect(fungi.locator(".value-row")).to_have_count(3)


def _log_species(store: str) -> str:
    import os

    import heron

    os.environ["HERON_DIR"] = store
    with heron.init(project=SPECIES_PROJECT, name="species") as run:
        table = heron.Table(columns=["kingdom", "species"])
        for k in range(MANY):
            table.add_data("Plantae", f"sp{k:03d}")
        for k in range(3):
            table.add_data("Fungi", f"fungus{k}")
        run.log({"plants": table})
        return run.id


if __name__ == "__main__":
    print(_log_species(sys.argv[1]))
