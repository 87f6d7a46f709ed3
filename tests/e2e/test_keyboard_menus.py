"""The explorer's menus from the keyboard alone, in a real browser (the WAI-ARIA menu button and
radio group patterns): focus moves into a menu when it opens, arrow keys move, Enter activates,
Escape closes and gives focus back to the button.

The store is six_runs_store.py's (runs logging a ``predictions`` table of four classes).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e import six_runs_store as fx
from tests.e2e.ui_server import UiServer

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def _one_run(six_runs: tuple[UiServer, dict[str, str]]) -> str:
    server, ids = six_runs
    return f"{server.url}/projects/{fx.PROJECT}/runs/{ids[fx.RUNS[0]]}/tables/predictions"


def _focused(page: Page, attribute: str = "aria-label") -> str | None:
    value = page.evaluate(f"document.activeElement?.getAttribute({attribute!r})")
    return value if isinstance(value, str) else None


def _focused_text(page: Page) -> str:
    return str(page.evaluate("(document.activeElement?.textContent ?? '').trim()"))


def _tab_to(page: Page, name: str, limit: int = 120) -> None:
    """Press Tab until the element named ``name`` (its label, title or text) has focus, as a
    keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if name in (_focused(page), _focused(page, "title"), _focused_text(page)):
            return
    raise AssertionError(f"{name!r} was not reached with Tab in {limit} presses")


def _open_rows(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.locator(".xrow[data-row='0'] [data-column='truth']")).to_have_text("Aves")


def test_group_by_a_column_with_the_keyboard_only(
    page: Page, six_runs: tuple[UiServer, dict[str, str]]
) -> None:
    _open_rows(page, _one_run(six_runs))
    _tab_to(page, "truth column menu")
    page.keyboard.press("Enter")
    menu = page.get_by_role("menu", name="truth column menu")
    expect(menu).to_be_visible()
    # Focus moved into the menu, on its first item.
    assert _focused(page, "role") == "menuitem"
    assert _focused_text(page).startswith("Sort ascending")
    for _ in range(10):
        if _focused_text(page).startswith("Group by truth"):
            break
        before = _focused_text(page)
        page.keyboard.press("ArrowDown")
        assert _focused_text(page) != before, "ArrowDown did not move to the next item"
    assert _focused_text(page).startswith("Group by truth")
    page.keyboard.press("Enter")
    expect(menu).to_have_count(0)
    expect(page.locator(".group-chip")).to_contain_text("truth")
    keys = page.locator(".xrow .group-key")
    expect(keys).to_have_text(sorted(fx.CLASSES))
    expect(page).to_have_url(re.compile(r"group=truth"))
    # Focus is back on the column's menu button, so the next command is a key away.
    page.wait_for_function(
        "document.activeElement?.getAttribute('aria-label') === 'truth column menu'"
    )


def test_arrows_wrap_and_escape_returns_focus(
    page: Page, six_runs: tuple[UiServer, dict[str, str]]
) -> None:
    _open_rows(page, _one_run(six_runs))
    _tab_to(page, "guess column menu")
    page.keyboard.press("Enter")
    menu = page.get_by_role("menu", name="guess column menu")
    expect(menu).to_be_visible()
    page.keyboard.press("ArrowUp")
    assert _focused_text(page) == "Hide column"
    page.keyboard.press("ArrowDown")
    assert _focused_text(page).startswith("Sort ascending")
    page.keyboard.press("End")
    assert _focused_text(page) == "Hide column"
    # A letter jumps to the next item starting with it.
    page.keyboard.press("g")
    assert _focused_text(page).startswith("Group by guess")
    page.keyboard.press("Escape")
    expect(menu).to_have_count(0)
    assert _focused(page) == "guess column menu"
    # Nothing was applied.
    expect(page.locator(".group-chip")).to_have_count(0)
    # Space opens it too, and activating "Sort descending" sorts.
    page.keyboard.press("Space")
    expect(menu).to_be_visible()
    page.keyboard.press("ArrowDown")
    assert _focused_text(page).startswith("Sort descending")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"sort=-guess"))
    assert _focused(page) == "guess column menu"


def test_column_chooser_from_the_keyboard(
    page: Page, six_runs: tuple[UiServer, dict[str, str]]
) -> None:
    _open_rows(page, _one_run(six_runs))
    columns = page.get_by_role("button", name=re.compile(r"^Columns"))
    _tab_to(page, "Columns")
    page.keyboard.press("Enter")
    search = page.get_by_label("Search columns")
    expect(search).to_be_focused()
    expect(columns).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Show id")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Show image")).to_be_focused()
    # Space hides the focused column; Enter shows it again; Alt+↓ moves it after the next.
    page.keyboard.press("Space")
    expect(page.locator(".xth[data-column='image']")).to_have_count(0)
    page.keyboard.press("Enter")
    expect(page.locator(".xth[data-column='image']")).to_have_count(1)
    page.keyboard.press("Alt+ArrowDown")
    names = page.locator(".chooser-item").evaluate_all(
        "items => items.map((i) => i.dataset.column)"
    )
    assert names[:3] == ["id", "truth", "image"]
    expect(page.get_by_label("Show image")).to_be_focused()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(search).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator(".chooser")).to_have_count(0)
    expect(columns).to_be_focused()
    expect(columns).to_have_attribute("aria-expanded", "false")


def test_radio_groups_move_with_arrow_keys(
    page: Page, six_runs: tuple[UiServer, dict[str, str]]
) -> None:
    server, ids = six_runs
    runs = ",".join(ids[name] for name in fx.RUNS[:2])
    page.goto(f"{server.url}/projects/{fx.PROJECT}/tables/predictions?runs={runs}")
    expect(page.locator(".xrow[data-row='0']")).to_be_visible()
    # The merge mode: one Tab stop, on the chosen mode; arrows choose the next one.
    join = page.get_by_role("radio", name="Join")
    expect(join).to_have_attribute("tabindex", "0")
    expect(page.get_by_role("radio", name="Concatenate")).to_have_attribute("tabindex", "-1")
    _tab_to(page, "Join")
    page.keyboard.press("ArrowRight")
    concat = page.get_by_role("radio", name="Concatenate")
    expect(concat).to_have_attribute("aria-checked", "true")
    expect(concat).to_be_focused()
    expect(page.locator(".xth[data-column='source']")).to_be_visible()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("radio", name="Side by side")).to_have_attribute("aria-checked", "true")
    expect(page.locator(".side-panel")).to_have_count(2)
    # The row height picker: Medium is chosen; → picks Large.
    medium = page.get_by_role("radio", name="Medium rows", exact=True)
    expect(medium).to_have_attribute("aria-checked", "true")
    _tab_to(page, "Medium rows")
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("radio", name="Large rows", exact=True)).to_have_attribute(
        "aria-checked", "true"
    )
    expect(page.get_by_role("radio", name="Large rows", exact=True)).to_be_focused()
    page.keyboard.press("Home")
    expect(page.get_by_role("radio", name="Small rows", exact=True)).to_have_attribute(
        "aria-checked", "true"
    )


def test_insert_column_dialog_from_the_menu_and_back(
    page: Page, six_runs: tuple[UiServer, dict[str, str]]
) -> None:
    _open_rows(page, _one_run(six_runs))
    _tab_to(page, "score column menu")
    page.keyboard.press("Enter")
    page.keyboard.press("i")
    assert _focused_text(page).startswith("Insert column")
    page.keyboard.press("Enter")
    dialog = page.get_by_role("form", name="Insert column")
    expect(dialog).to_be_visible()
    expect(page.get_by_label("Column name")).to_be_focused()
    # Escape leaves the dialog without a column, back on the menu's button.
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    page.wait_for_function(
        "document.activeElement?.getAttribute('aria-label') === 'score column menu'"
    )
    # Again, typing an expression and Enter inserts it.
    page.keyboard.press("Enter")
    page.keyboard.press("i")
    page.keyboard.press("Enter")
    page.get_by_label("Column name").fill("double")
    page.keyboard.press("Tab")
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type('row["score"] * 2')
    page.keyboard.press("Enter")
    expect(dialog).to_have_count(0)
    expect(page.locator(".xth[data-column='double']")).to_be_visible()
    page.wait_for_function(
        "document.activeElement?.getAttribute('aria-label') === 'score column menu'"
    )
