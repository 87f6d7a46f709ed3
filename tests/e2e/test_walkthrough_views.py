"""The walkthrough's views, reproduced by clicking in a real browser on the pipeline store.

The walkthrough (upload -> balanced split -> train variants -> inference) looks at its tables in a
series of views: the dataset grouped by split and by label, one model's predictions grouped by
truth (recall) and by guess (precision), filtered to a few classes or to one guess, several runs
merged, a derived cross-run column to sort by, run variants toggled, side by side by index, two
steps and two model versions compared, the inference runs stacked and side by side, the top
confused images of a (truth, guess) pair, a report, and its closing idea: a minimum score
threshold. Each test below opens one of them the way a reader would, starting from a page a person
lands on and clicking on, checks what the view shows against the counts tests/fixtures/pipeline.py's
fixed rules give, and leaves a screenshot in test-artifacts/walkthrough/ to look at.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from pathlib import Path
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
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "walkthrough"
# Images per class in each split (the fixture's 12 / 4 / 4 of PER_CLASS).
SPLIT_SIZES = {"train": 12, "val": 4, "test": 4}
assert sum(SPLIT_SIZES.values()) == PER_CLASS


def _items(split: str) -> list[tuple[str, str]]:
    """(id, truth) of a split's images in the order the training and inference runs log them."""
    first = {"train": 0, "val": 12, "test": 16}[split]
    return [
        (f"{c.lower()}_{k:02d}.png", c)
        for c in CLASSES
        for k in range(first, first + SPLIT_SIZES[split])
    ]


def _predictions(variant: str, split: str, epoch: int) -> list[tuple[str, str, str]]:
    """(id, truth, guess) of a variant's predictions table, by the fixture's rule."""
    return [
        (item, truth, guess_for(variant, i + epoch, truth))
        for i, (item, truth) in enumerate(_items(split))
    ]


def _scores(variant: str, split: str, epoch: int) -> dict[str, dict[str, float]]:
    """Each row's score per class, as the fixture logs them."""
    scores: dict[str, dict[str, float]] = {}
    for index, (item, _, guess) in enumerate(_predictions(variant, split, epoch)):
        confident = 0.5 + 0.1 * epoch + 0.02 * (index % 5)
        scores[item] = {c: confident if c == guess else (1 - confident) / 2 for c in CLASSES}
    return scores


def _shot(page: Page, name: str) -> None:
    """Keep what the view looks like, to be looked at by a person."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    # The images in view have loaded (or failed), so the picture shows what a reader sees.
    page.wait_for_function(
        """() => [...document.images].every((image) => {
            const box = image.getBoundingClientRect();
            const inView = box.bottom > 0 && box.top < innerHeight && box.width > 0;
            return !inView || image.complete;
        })"""
    )
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def _groups(groups: int, rows: int) -> re.Pattern[str]:
    return re.compile(rf"^1–{groups} of {groups} groups? · {rows} rows?$")


def _panel_count(panel: Locator) -> Locator:
    """What a side-by-side panel's header says it holds."""
    return panel.locator(".side-title .side-count")


def _count(rows: int) -> re.Pattern[str]:
    return re.compile(rf"^{rows} rows?$")


def _group_count(groups: int, rows: int) -> re.Pattern[str]:
    return re.compile(rf"^{rows} rows? · {groups} groups?$")


def _column_menu(page: Page, column: str, action: str, within: Locator | None = None) -> None:
    """Open a column's ⋮ menu from its header and pick ``action``."""
    scope = within if within is not None else page
    header = scope.locator(f".xth[data-column='{column}']").first
    header.hover()
    header.get_by_role("button", name=f"{column} column menu").click()
    # An item's name may end with a hint ("Insert column… expression").
    page.get_by_role("menuitem", name=re.compile(rf"^{re.escape(action)}")).click()


def _filter(page: Page, text: str) -> None:
    box = page.get_by_label("Filter expression")
    box.fill(text)
    box.press("Enter")


def _group_row(page: Page, column: str, value: str, within: Locator | None = None) -> Locator:
    scope = within if within is not None else page
    return scope.locator(
        ".xrow", has=page.locator(f"[data-column='{column}']", has_text=re.compile(rf"^{value}$"))
    )


def _expect_value_counts(cell: Locator, counts: Counter[str]) -> None:
    """A grouped categorical cell of one run shows every value with its count, and nothing else."""
    expect(cell.locator(".value-bar")).to_have_count(len(counts))
    for value, count in counts.items():
        bar = cell.locator(f".value-row[data-value='{value}'] .value-bar")
        expect(bar).to_have_attribute("data-count", str(count))


def _open_run_table(page: Page, server: UiServer, project: str, run: str, key: str) -> None:
    """From the project's workspace: the run's page, its Tables tab, the table's name."""
    page.goto(f"{server.url}/projects/{project}")
    page.get_by_role("link", name=run, exact=True).click()
    page.get_by_role("tab", name=re.compile("Tables")).click()
    page.get_by_test_id("run-tables").get_by_role("link", name=key, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(key)


def _run_names(page: Page) -> list[str]:
    """The names of the runs a merged view shows, in index order ([0], [1], ...), read off the
    panel's run set."""
    visible = page.locator("[data-testid=run-set] .run-set-item:not(.off)")
    expect(visible.first).to_be_visible()
    indexed = {
        int(str(item.get_attribute("data-index"))): item.locator(".run-set-name").inner_text()
        for item in visible.all()
    }
    return [indexed[i] for i in sorted(indexed)]


def _variants(page: Page, job: str) -> list[str]:
    """The model variants (fc256, fc1024) of a merged view's runs, in index order."""
    return [name.removeprefix(f"{job} ") for name in _run_names(page)]


def _open_merged_table(page: Page, server: UiServer, project: str, key: str) -> None:
    """From the project's workspace: the table key as logged by every visible run."""
    page.goto(f"{server.url}/projects/{project}")
    page.get_by_test_id("workspace-tables").locator("a", has_text=key).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(key)


# -- 2. the dataset ---------------------------------------------------------------------------


def test_01_group_by_split(page: Page, pipeline_ui: Pipeline) -> None:
    server, _ = pipeline_ui
    _open_run_table(page, server, "pipeline", "balanced split", "split_table")
    _column_menu(page, "split", "Group by split")
    expect(pager(page)).to_have_text(_groups(3, PER_CLASS * len(CLASSES)))
    # Every label is equally represented in each split: the label cell of each group says so.
    for split, size in SPLIT_SIZES.items():
        row = _group_row(page, "split", split)
        expect(row.locator("[data-column='count']")).to_have_text(str(size * len(CLASSES)))
        _expect_value_counts(
            row.locator("[data-column='label']"), Counter(dict.fromkeys(CLASSES, size))
        )
    _shot(page, "01_group_by_split")


def test_02_group_by_label(page: Page, pipeline_ui: Pipeline) -> None:
    server, _ = pipeline_ui
    _open_run_table(page, server, "pipeline", "balanced split", "split_table")
    _column_menu(page, "label", "Group by label")
    expect(pager(page)).to_have_text(_groups(3, PER_CLASS * len(CLASSES)))
    for label in CLASSES:
        row = _group_row(page, "label", label)
        expect(row.locator("[data-column='count']")).to_have_text(str(PER_CLASS))
        # The class's images, to look at.
        expect(row.locator("[data-column='image'] img").first).to_be_visible()
        _expect_value_counts(row.locator("[data-column='split']"), Counter(SPLIT_SIZES))
    _shot(page, "02_group_by_label")


# -- 3. one model's predictions ---------------------------------------------------------------


def test_03_recall_group_by_truth(page: Page, pipeline_ui: Pipeline) -> None:
    server, _ = pipeline_ui
    _open_run_table(page, server, "pipeline", "train fc256", "val_predictions")
    expect(page).to_have_url(re.compile(r"step=1"))  # the name opens the latest step
    _column_menu(page, "truth", "Group by truth")
    rows = _predictions("fc256", "val", 1)
    expect(pager(page)).to_have_text(_groups(len(CLASSES), len(rows)))
    for truth in CLASSES:
        guesses = Counter(g for _, t, g in rows if t == truth)
        _expect_value_counts(
            _group_row(page, "truth", truth).locator("[data-column='guess']"), guesses
        )
    # Every score column is a histogram per class.
    aves = _group_row(page, "truth", "Aves")
    expect(aves.locator("[data-column='score_Aves'] svg rect.hist-bar").first).to_be_visible()
    _shot(page, "03_recall_group_by_truth")


def test_04_precision_group_by_guess(page: Page, pipeline_ui: Pipeline) -> None:
    server, _ = pipeline_ui
    _open_run_table(page, server, "pipeline", "train fc256", "val_predictions")
    _column_menu(page, "guess", "Group by guess")
    rows = _predictions("fc256", "val", 1)
    by_guess = Counter(g for _, _, g in rows)
    expect(pager(page)).to_have_text(_groups(len(by_guess), len(rows)))
    for guess, count in by_guess.items():
        row = _group_row(page, "guess", guess)
        expect(row.locator("[data-column='count']")).to_have_text(str(count))
        truths = Counter(t for _, t, g in rows if g == guess)
        _expect_value_counts(row.locator("[data-column='truth']"), truths)
    _shot(page, "04_precision_group_by_guess")


def test_05_filter_a_subset_of_classes(page: Page, pipeline_ui: Pipeline) -> None:
    server, _ = pipeline_ui
    _open_merged_table(page, server, "pipeline", "val_predictions")
    # Truth is each image's label in every run: the filter needs no run index.
    subset = ("Aves", "Insecta")
    _filter(page, 'row["truth"] = "Aves" or row["truth"] = "Insecta"')
    expect(pager(page)).to_have_text(all_rows(sum(t in subset for _, t in _items("val"))))
    expect(page.locator(".xth[data-column='guess']")).to_contain_text("×2")
    # A variant toggled off in the run set below the panel: the other's mistakes alone.
    page.get_by_test_id("run-set").get_by_role("button", name="Hide train fc256").click()
    expect(page.get_by_test_id("run-set-count")).to_have_text(re.compile(r"^1 of 2 runs visible"))
    _filter(
        page,
        '(row["truth"] = "Aves" or row["truth"] = "Insecta") and row["truth"] != row["guess"]',
    )
    mistakes = [r for r in _predictions("fc1024", "val", 1) if r[1] in subset and r[1] != r[2]]
    assert mistakes, "the fixture's fc1024 must get some of these wrong"
    expect(pager(page)).to_have_text(all_rows(len(mistakes)))
    expect(page.locator(".xrow [data-column='id']")).to_have_text([r[0] for r in mistakes])
    _shot(page, "05_filter_subset_of_classes")


def test_06_filter_by_guess(page: Page, pipeline_ui: Pipeline) -> None:
    server, _ = pipeline_ui
    _open_run_table(page, server, "pipeline", "train fc256", "val_predictions")
    _filter(page, 'row["guess"] = "Fungi"')
    rows = [r for r in _predictions("fc256", "val", 1) if r[2] == "Fungi"]
    expect(pager(page)).to_have_text(all_rows(len(rows)))
    expect(page.locator(".xrow [data-column='truth']")).to_have_text([r[1] for r in rows])
    _shot(page, "06_filter_by_guess")


# -- 3. several runs --------------------------------------------------------------------------


def test_07_merged_across_runs(page: Page, pipeline_ui: Pipeline) -> None:
    server, _ = pipeline_ui
    _open_merged_table(page, server, "pipeline", "val_predictions")
    legend = page.locator(".run-legend")
    expect(legend).to_contain_text("train fc256")
    expect(legend).to_contain_text("train fc1024")
    # Joined on id: one row per image, each run's guess in the run's colour.
    expect(pager(page)).to_have_text(all_rows(len(_items("val"))))
    expect(page.locator(".xth[data-column='guess']")).to_contain_text("×2")
    guesses = [
        {i: g for i, _, g in _predictions(variant, "val", 1)}
        for variant in _variants(page, "train")
    ]
    disagree = next(i for i in guesses[0] if guesses[0][i] != guesses[1][i])
    row = page.locator(".xrow", has=page.locator("[data-column='id']", has_text=disagree))
    expect(row.locator("[data-column='guess'] .run-value")).to_have_text(
        [g[disagree] for g in guesses]
    )
    _shot(page, "07a_merged_join_on_id")
    page.get_by_role("radio", name="outer").click()
    expect(pager(page)).to_have_text(all_rows(len(_items("val"))))
    page.get_by_label("Join on").select_option("image")
    expect(page).to_have_url(re.compile(r"on=image"))
    expect(pager(page)).to_have_text(all_rows(len(_items("val"))))
    # Concatenated: both runs' rows one after the other.
    page.get_by_role("radio", name="Concatenate").click()
    expect(pager(page)).to_have_text(all_rows(2 * len(_items("val"))))
    expect(page.locator(".xth[data-column='source']")).to_be_visible()
    _shot(page, "07b_merged_concatenated")


def test_08_sort_by_a_derived_cross_run_metric(page: Page, pipeline_ui: Pipeline) -> None:
    server, _ = pipeline_ui
    _open_merged_table(page, server, "pipeline", "val_predictions")
    _column_menu(page, "score_Aves", "Insert column…")
    expect(page.get_by_label("Column expression")).to_have_value('stddev(row["score_Aves"])')
    page.get_by_role("button", name="Insert").click()
    expect(page).to_have_url(re.compile(r"sort=-disagreement"))
    a, b = _scores("fc256", "val", 1), _scores("fc1024", "val", 1)
    spread = {i: statistics.stdev([a[i]["Aves"], b[i]["Aves"]]) for i in a}
    ranked = sorted(spread.values(), reverse=True)
    top = page.locator(".xrow[data-row='0'] [data-column='disagreement']")
    expect(top).to_have_text(f"{ranked[0]:.4g}")
    first_id = page.locator(".xrow[data-row='0'] [data-column='id']").inner_text()
    assert spread[first_id] == pytest.approx(ranked[0])
    _shot(page, "08_sort_by_derived_metric")


def test_09_merged_group_by_truth(page: Page, pipeline_ui: Pipeline) -> None:
    server, _ = pipeline_ui
    _open_merged_table(page, server, "pipeline", "val_predictions")
    _column_menu(page, "truth", "Group by truth")
    expect(pager(page)).to_have_text(_groups(len(CLASSES), len(_items("val"))))
    for truth in CLASSES:
        row = _group_row(page, "truth", truth)
        # Each run's scores, stacked in the run's colour.
        score = row.locator(f"[data-column='score_{truth}']")
        expect(score.locator("rect[data-run='0']").first).to_be_visible()
        expect(score.locator("rect[data-run='1']").first).to_be_visible()
    _shot(page, "09_merged_group_by_truth")


def test_10_variants_toggled(page: Page, pipeline_ui: Pipeline) -> None:
    server, _ = pipeline_ui
    # The epochs project's three trained variants logged val_predictions.
    _open_merged_table(page, server, "epochs", "val_predictions")
    run_set = page.get_by_test_id("run-set")
    count = page.get_by_test_id("run-set-count")
    expect(count).to_have_text(re.compile(r"^3 of 3 runs visible"))
    expect(page.locator(".xth[data-column='guess']")).to_contain_text("×3")
    # Joined (inner): only the images every visible variant was evaluated on.
    expect(pager(page)).to_have_text(all_rows(len(eval_images(False))))
    run_set.get_by_role("button", name="Hide train 1 epoch").click()
    expect(count).to_have_text(re.compile(r"^2 of 3 runs visible"))
    expect(page.locator(".xth[data-column='guess']")).to_contain_text("×2")
    expect(pager(page)).to_have_text(all_rows(len(eval_images(True))))
    _shot(page, "10a_variants_toggled")
    # "only" shows on the run under the pointer.
    run_set.locator(".run-set-item", has_text="train 10 epochs").hover()
    run_set.get_by_role("button", name="Only train 10 epochs").click()
    expect(count).to_have_text(re.compile(r"^1 of 3 runs visible"))
    expect(page.locator(".xth[data-column='guess']")).not_to_contain_text("×")
    _filter(page, 'row["truth"] != row["guess"]')
    wrong = [i for i in eval_images(True) if epoch_guess(10, i) != i.split("_")[0].title()]
    expect(pager(page)).to_have_text(all_rows(len(wrong)))
    # The choice is part of the address: a reload keeps it.
    page.reload()
    expect(count).to_have_text(re.compile(r"^1 of 3 runs visible"))
    expect(pager(page)).to_have_text(all_rows(len(wrong)))
    _shot(page, "10b_variant_only_this")


def test_11_side_by_side_with_index_selection(page: Page, pipeline_ui: Pipeline) -> None:
    server, _ = pipeline_ui
    _open_merged_table(page, server, "pipeline", "val_predictions")
    page.get_by_role("radio", name="Side by side").click()
    _filter(page, 'row["truth"] = "Aves" and row["guess"] != "Aves"')
    for index, variant in enumerate(_variants(page, "train")):
        wrong = [r for r in _predictions(variant, "val", 1) if r[1] == "Aves" and r[2] != "Aves"]
        panel = page.locator(f".side-panel[data-panel='{index}']")
        expect(panel.locator(".side-title")).to_contain_text(f"[{index}]")
        expect(panel.locator(".side-title")).to_contain_text(f"train {variant}")
        expect(_panel_count(panel)).to_have_text(_count(len(wrong)))
    _shot(page, "11a_side_by_side")
    # Picking a run by its index leaves its panel alone.
    page.get_by_role("button", name="[0]").click()
    expect(page.locator(".side-panel")).to_have_count(1)
    expect(page.locator(".side-panel")).to_have_attribute("data-panel", "1")
    _shot(page, "11b_side_by_side_index")


def test_12_step_compare_one_and_five_epochs(page: Page, pipeline_ui: Pipeline) -> None:
    server, _ = pipeline_ui
    _open_run_table(page, server, "epochs", "train 5 epochs", "val_predictions")
    expect(page).to_have_url(re.compile(r"step=4"))
    page.get_by_label("Compare with step").select_option("0")
    legend = page.locator(".run-legend .legend-item")
    expect(legend).to_have_text([re.compile(r"\[0\].*step 4"), re.compile(r"\[1\].*step 0")])
    items = eval_images(True)
    expect(pager(page)).to_have_text(all_rows(len(items)))
    # Joined, each image shows what the model said after 5 epochs ([0]) and after 1 ([1]).
    changed = next(i for i in items if epoch_guess(1, i) != epoch_guess(5, i))
    row = page.locator(".xrow", has=page.locator("[data-column='id']", has_text=changed))
    expect(row.locator("[data-column='guess'] .run-value")).to_have_text(
        [epoch_guess(5, changed), epoch_guess(1, changed)]
    )
    # Hard negatives of Fungi side by side: after 1 epoch, after 5.
    page.get_by_role("radio", name="Side by side").click()
    _filter(page, 'row["truth"] = "Fungi" and row["guess"] != "Fungi"')
    for step, epochs in ((0, 1), (4, 5)):
        wrong = [i for i in items if i.startswith("fungi") and epoch_guess(epochs, i) != "Fungi"]
        panel = page.locator(
            ".side-panel", has=page.locator(".side-title", has_text=f"step {step}")
        )
        expect(_panel_count(panel)).to_have_text(_count(len(wrong)))
        expect(panel.locator(".xrow [data-column='id']")).to_have_text(wrong)
    _shot(page, "12_step_compare")


def test_13_artifact_version_compare(page: Page, pipeline_ui: Pipeline) -> None:
    server, _ = pipeline_ui
    page.goto(f"{server.url}/projects/epochs")
    page.get_by_role("link", name="Artifacts").first.click()
    page.get_by_role("link", name="classifier").first.click()
    page.get_by_label("Pick v0").check()
    page.get_by_label("Pick v1").check()
    page.get_by_role("button", name="Compare v0 ↔ v1").click()
    table = page.locator('section.compare-table[data-table="predictions"]')
    legend = table.locator(".run-legend")
    expect(legend).to_contain_text("v0 · train 1 epoch")
    expect(legend).to_contain_text("v1 · train 5 epochs")
    expect(pager(table)).to_have_text(all_rows(len(eval_images(False))))
    row = table.locator(".xrow", has=page.locator("[data-column='id']", has_text="aves_01"))
    expect(row.locator("[data-column='score'] .run-value")).to_have_text(
        [str(confidence(1)), str(confidence(5))]
    )
    # Grouped by truth, each version's confidence in its own colour.
    _column_menu(page, "truth", "Group by truth", table)
    expect(pager(table)).to_have_text(_groups(len(CLASSES), len(eval_images(False))))
    score = _group_row(page, "truth", "Aves", table).locator("[data-column='score']")
    expect(score.locator("rect[data-run='0']").first).to_be_visible()
    expect(score.locator("rect[data-run='1']").first).to_be_visible()
    table.evaluate("section => section.scrollIntoView({ block: 'start' })")
    _shot(page, "13_artifact_version_compare")


# -- 4. inference -----------------------------------------------------------------------------


def test_14_inference_stacked_and_side_by_side(page: Page, pipeline_ui: Pipeline) -> None:
    server, _ = pipeline_ui
    _open_merged_table(page, server, "pipeline", "test_predictions")
    _column_menu(page, "truth", "Group by truth")
    expect(pager(page)).to_have_text(_groups(len(CLASSES), len(_items("test"))))
    page.get_by_role("radio", name="Stacked").click()
    score = _group_row(page, "truth", "Aves").locator("[data-column='score_Aves']")
    expect(score.locator("rect[data-run='0']").first).to_be_visible()
    expect(score.locator("rect[data-run='1']").first).to_be_visible()
    _shot(page, "14a_inference_stacked")
    page.get_by_role("radio", name="Side by side").click()
    for index, variant in enumerate(_variants(page, "infer")):
        panel = page.locator(f".side-panel[data-panel='{index}']")
        rows = _predictions(variant, "test", 0)
        expect(_panel_count(panel)).to_have_text(_group_count(len(CLASSES), len(rows)))
        for truth in CLASSES:
            guesses = Counter(g for _, t, g in rows if t == truth)
            cell = _group_row(page, "truth", truth, panel).locator("[data-column='guess']")
            _expect_value_counts(cell, guesses)
    # Columns are chosen once for every panel: without ids and images the guesses come into view.
    first = page.locator(".side-panel").first
    for column in ("id", "image"):
        _column_menu(page, column, "Hide column", first)
        expect(page.locator(f".xth[data-column='{column}']")).to_have_count(0)
    expect(page.locator(".side-panel .xth[data-column='guess']")).to_have_count(2)
    _shot(page, "14b_inference_side_by_side")


def _inference_side_by_side(page: Page, server: UiServer) -> None:
    _open_merged_table(page, server, "pipeline", "test_predictions")
    page.get_by_role("radio", name="Side by side").click()
    expect(page.locator(".side-panel")).to_have_count(2)


def test_15_inference_subset_filter(page: Page, pipeline_ui: Pipeline) -> None:
    server, _ = pipeline_ui
    _inference_side_by_side(page, server)
    subset = ("Fungi", "Insecta")
    _filter(page, 'row["truth"] = "Fungi" or row["truth"] = "Insecta"')
    for index, variant in enumerate(_variants(page, "infer")):
        panel = page.locator(f".side-panel[data-panel='{index}']")
        rows = [r for r in _predictions(variant, "test", 0) if r[1] in subset]
        expect(_panel_count(panel)).to_have_text(_count(len(rows)))
        expect(panel.locator(".xrow [data-column='guess']")).to_have_text([r[2] for r in rows])
    _shot(page, "15_inference_subset_filter")


def test_16_inference_group_by_guess(page: Page, pipeline_ui: Pipeline) -> None:
    server, _ = pipeline_ui
    _inference_side_by_side(page, server)
    _filter(page, 'row["truth"] != row["guess"]')
    _column_menu(page, "guess", "Group by guess", page.locator(".side-panel").first)
    for index, variant in enumerate(_variants(page, "infer")):
        panel = page.locator(f".side-panel[data-panel='{index}']")
        mistakes = Counter(g for _, t, g in _predictions(variant, "test", 0) if t != g)
        expect(_panel_count(panel)).to_have_text(
            _group_count(len(mistakes), sum(mistakes.values()))
        )
        for guess, count in mistakes.items():
            row = _group_row(page, "guess", guess, panel)
            expect(row.locator("[data-column='count']")).to_have_text(str(count))
    _column_menu(page, "id", "Hide column", page.locator(".side-panel").first)
    expect(page.locator(".xth[data-column='id']")).to_have_count(0)
    _shot(page, "16_inference_group_by_guess")


def test_17_compare_individual_images(page: Page, pipeline_ui: Pipeline) -> None:
    server, _ = pipeline_ui
    _open_merged_table(page, server, "pipeline", "test_predictions")
    page.get_by_label("Join on").select_option("image")
    expect(pager(page)).to_have_text(all_rows(len(_items("test"))))
    first, second = (_predictions(v, "test", 0) for v in _variants(page, "infer"))
    # The first image the two models disagree on, opened full size with both models' answers.
    at = next(k for k in range(len(first)) if first[k][2] != second[k][2])
    row = page.locator(".xrow", has=page.locator("[data-column='id']", has_text=first[at][0]))
    expect(row.locator("[data-column='guess'] .run-value")).to_have_text(
        [first[at][2], second[at][2]]
    )
    row.locator("[data-column='image'] button.thumb").first.click()
    viewer = page.get_by_role("dialog", name="Image")
    guesses = viewer.locator("tr[data-column='guess'] li")
    expect(guesses).to_have_text([first[at][2], second[at][2]])
    expect(viewer.locator("tr[data-column='truth']")).to_contain_text(first[at][1])
    _shot(page, "17_compare_individual_images")
    # The next image of the page, with its own row.
    page.keyboard.press("ArrowRight")
    expect(viewer.locator("tr[data-column='id']")).to_contain_text(first[at + 1][0])
    page.keyboard.press("Escape")
    expect(viewer).to_have_count(0)


def test_18_top_confused_images_of_a_pair(page: Page, pipeline_ui: Pipeline) -> None:
    server, _ = pipeline_ui
    _open_run_table(page, server, "pipeline", "infer fc1024", "test_predictions")
    _column_menu(page, "truth", "Group by truth")
    _column_menu(page, "guess", "Group by truth then guess")
    rows = _predictions("fc1024", "test", 0)
    pairs = Counter((t, g) for _, t, g in rows if t != g)
    (truth, guess), count = pairs.most_common(1)[0]
    grid = page.get_by_role("table", name="truth by guess")
    cell = grid.locator(f"td[data-row='{truth}'][data-col='{guess}']")
    expect(cell).to_have_text(str(count))
    _shot(page, "18a_confused_pairs_grid")
    cell.get_by_role("button").click()
    expect(pager(page)).to_have_text(all_rows(count))
    # The most confidently wrong first.
    _column_menu(page, f"score_{guess}", "Sort descending")
    scores = _scores("fc1024", "test", 0)
    wrong = sorted(
        (item for item, t, g in rows if (t, g) == (truth, guess)),
        key=lambda item: -scores[item][guess],
    )
    assert len({scores[i][guess] for i in wrong}) == len(wrong), "the order must be one order"
    expect(page.locator(".xrow [data-column='id']")).to_have_text(wrong)
    _shot(page, "18b_top_confused_images")


def test_19_report(page: Page, pipeline_ui: Pipeline) -> None:
    server, _ = pipeline_ui
    page.goto(f"{server.url}/projects/pipeline")
    page.get_by_role("link", name="Reports").first.click()
    page.get_by_label("New report title").fill("Walkthrough: recall and hard negatives")
    page.get_by_role("button", name="Create report").click()
    page.get_by_label("Markdown").fill("## Check model recall\n\nGroup by **truth**.")
    # A panel of both variants, grouped by truth.
    page.get_by_role("button", name="+ Table explorer").click()
    recall = page.locator('[data-panel="table"]').nth(0)
    recall.get_by_label("Panel table key").fill("val_predictions")
    recall.get_by_label("Show train fc256").check()
    recall.get_by_label("Show train fc1024").check()
    _column_menu(page, "truth", "Group by truth", recall)
    expect(pager(recall)).to_have_text(_groups(len(CLASSES), len(_items("val"))))
    # A second panel picks one variant by typing its index after the table key.
    page.get_by_role("button", name="+ Table explorer").click()
    hard = page.locator('[data-panel="table"]').nth(1)
    hard.get_by_label("Panel table key").fill("val_predictions[1]")
    picked = hard.locator("[data-testid=run-set] .run-set-item.picked .run-set-name")
    expect(picked).to_have_count(1)
    variant = picked.inner_text().removeprefix("train ")
    box = hard.get_by_label("Filter expression")
    box.fill('row["truth"] != row["guess"]')
    box.press("Enter")
    mistakes = [r for r in _predictions(variant, "val", 1) if r[1] != r[2]]
    expect(pager(hard)).to_have_text(all_rows(len(mistakes)))
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    page.get_by_role("button", name="Done").click()
    page.reload()
    expect(page.get_by_role("heading", name="Check model recall")).to_be_visible()
    recall = page.locator('[data-panel="table"]').nth(0)
    hard = page.locator('[data-panel="table"]').nth(1)
    expect(pager(recall)).to_have_text(_groups(len(CLASSES), len(_items("val"))))
    expect(pager(hard)).to_have_text(all_rows(len(mistakes)))
    expect(hard.locator(".xrow [data-column='id']")).to_have_text([r[0] for r in mistakes])
    # A reader toggles a variant off in the panel's own run set: the other's recall alone.
    recall.get_by_test_id("run-set").get_by_role("button", name="Hide train fc1024").click()
    rows = _predictions("fc256", "val", 1)
    for truth in CLASSES:
        guesses = Counter(g for _, t, g in rows if t == truth)
        cell = _group_row(page, "truth", truth, recall).locator("[data-column='guess']")
        _expect_value_counts(cell, guesses)
    _shot(page, "19_report")


def test_20_minimum_score_threshold(page: Page, pipeline_ui: Pipeline) -> None:
    server, _ = pipeline_ui
    # The closing idea: a minimum score below which the model abstains, on both inference runs.
    page.goto(f"{server.url}/projects/pipeline")
    page.get_by_role("link", name="Evaluation").first.click()
    runs = page.get_by_role("group", name="Runs")
    # A run's box is checked once the address lists it (a click, then the page follows).
    for name in ("infer fc256", "infer fc1024"):
        runs.get_by_label(name).click()
        expect(runs.get_by_label(name)).to_be_checked()
    expect(page.get_by_label("Table key")).to_have_value("test_predictions")
    expect(page.locator(".run-evaluation")).to_have_count(2)
    slider = page.get_by_role("slider", name="Minimum score")
    slider.focus()
    page.keyboard.press("Home")
    for _ in range(53):
        page.keyboard.press("ArrowRight")
    expect(page.get_by_test_id("threshold-value")).to_have_text("0.53")
    # The slider has come to rest once its value is in the address.
    expect(page).to_have_url(re.compile(r"[?&]threshold=0\.53(&|$)"))
    # The guessed class scores 0.5 + 0.02 * (row % 5) in every test row: rows 0, 1 (mod 5) abstain.
    below = [item for i, (item, _) in enumerate(_items("test")) if 0.5 + 0.02 * (i % 5) < 0.53]
    for variant in ("fc256", "fc1024"):
        card = page.locator(".run-evaluation", has_text=f"infer {variant}")
        expect(card.get_by_test_id("threshold-abstained")).to_have_text(str(len(below)))
        expect(card.get_by_test_id("threshold-kept")).to_have_text(
            str(len(_items("test")) - len(below))
        )
    _shot(page, "20a_minimum_score_threshold")
    # The images below the threshold, one click away.
    card = page.locator(".run-evaluation", has_text="infer fc256")
    card.get_by_role("link", name=f"Open the {len(below)} rows below 0.53 in the table").click()
    expect(pager(page)).to_have_text(all_rows(len(below)))
    expect(page.locator(".xrow [data-column='id']")).to_have_text(below)
    _shot(page, "20b_images_below_the_threshold")
