"""What browser tests read off the table explorer's page, written once for every test file."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page


def pager(scope: Page | Locator) -> Locator:
    """The pager's "1–100 of 120 rows" line under the first explorer grid in ``scope``."""
    return scope.locator(".explorer-foot [data-testid=pager-range]").first


def all_rows(total: int) -> re.Pattern[str]:
    """The pager's text when all ``total`` rows fit on one page ("1 row" in the singular)."""
    noun = "row" if total == 1 else "rows"
    return re.compile(rf"^1–{total} of {total} {noun}$")
