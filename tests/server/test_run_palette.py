"""The exported report draws runs in the browser's colours: the Python copies of the run palette
and of the across-runs gray (heron/server/report_runs.py) must equal the UI's constants
(ui/src/lib/colors.ts, ui/src/runs/runSet.ts), read here from the TypeScript sources."""

from __future__ import annotations

import re
from pathlib import Path

from heron.server.report_runs import ACROSS_RUNS_COLOR, PALETTE

UI_SRC = Path(__file__).resolve().parents[2] / "ui" / "src"


def _ts_constant(path: Path, name: str) -> str:
    """The text of ``export const <name> = ...;`` in a TypeScript file."""
    match = re.search(
        rf"export const {name}\s*=\s*(.*?);", path.read_text(encoding="utf-8"), re.DOTALL
    )
    assert match is not None, f"{path.name} no longer declares {name}"
    return match.group(1)


def test_export_palette_is_the_ui_palette_in_the_same_order() -> None:
    colours = re.findall(
        r'"(#[0-9a-fA-F]{6})"', _ts_constant(UI_SRC / "lib" / "colors.ts", "PALETTE")
    )
    assert colours, "no colour found in the UI's PALETTE"
    assert list(PALETTE) == colours


def test_export_across_runs_gray_is_the_ui_gray() -> None:
    text = _ts_constant(UI_SRC / "runs" / "runSet.ts", "ACROSS_RUNS_COLOR")
    assert text.strip() == f'"{ACROSS_RUNS_COLOR}"'
