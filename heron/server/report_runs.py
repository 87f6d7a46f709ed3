"""A report panel's run set as the live page reads it (ui/src/runs/runSet.ts): the runs in order
of creation, each in its project colour (or the colour the report's author chose) with its index
among the visible runs; a table key such as ``predictions[2]`` picks the visible run of index 2.

The static export draws from here, so a run has the same colour, order and index in the exported
file as on the page it was exported from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from heron.server.report_models import PanelBlock
from heron.store import runs as run_store
from heron.store.runs import RunRecord
from heron.store.store import Store

# The browser's run palette (ui/src/lib/colors.ts), in the same order: a project's runs take
# these colours in order of creation. tests/server/test_run_palette.py checks the two are equal.
PALETTE = (
    "#2f6fed",
    "#f0701a",
    "#1fa463",
    "#d6336c",
    "#8b5cf6",
    "#0ea5b7",
    "#c99a06",
    "#e03131",
    "#5c6f91",
    "#b54fc4",
    "#74a31b",
    "#a0522d",
)

# The gray of a value computed across runs (ui/src/runs/runSet.ts): it belongs to no single run.
# tests/server/test_run_palette.py checks the two are equal.
ACROSS_RUNS_COLOR = "#7b8494"

_SELECTION = re.compile(r"^(.*\S)\s*\[(\d+)\]$")


@dataclass(frozen=True)
class PanelRun:
    """A visible run of a panel: its record, its colour and its index among the visible runs."""

    record: RunRecord
    color: str
    index: int


def key_selection(text: str) -> tuple[str, int | None]:
    """A table key as typed in a panel: ``predictions[2]`` is key ``predictions``, run index 2."""
    match = _SELECTION.match(text.strip())
    if match is None:
        return text.strip(), None
    return match.group(1), int(match.group(2))


def panel_runs(store: Store, project: str, block: PanelBlock) -> tuple[list[PanelRun], list[str]]:
    """(visible runs in index order, problems): a run of the run set that no longer exists is
    named in the problems, as the live panel names it."""
    project_runs = sorted(
        run_store.list_runs(store.engine, project), key=lambda run: (run.created_at, run.id)
    )
    colors = {run.id: PALETTE[i % len(PALETTE)] for i, run in enumerate(project_runs)}
    entries = {entry.id: entry for entry in block.runset.runs}
    problems = [
        f"run {entry.id} no longer exists" for entry in block.runset.runs if entry.id not in colors
    ]
    visible: list[PanelRun] = []
    for run in project_runs:
        entry = entries.get(run.id)
        if entry is not None and entry.visible:
            visible.append(PanelRun(run, entry.color or colors[run.id], len(visible)))
    return visible, problems
