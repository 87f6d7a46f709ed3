"""What ``heron import wandb`` did, run directory by run directory: the report it prints."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Status = Literal["imported", "unchanged", "skipped", "failed"]


@dataclass
class RunOutcome:
    """What happened to one run directory."""

    source: Path
    status: Status
    run_path: str | None = None  # project/id in heron
    wandb_id: str | None = None
    reason: str = ""  # why it was skipped or left unchanged
    steps: int = 0
    metrics: int = 0
    tables: int = 0
    images: int = 0
    saved: int = 0
    artifacts: list[str] = field(default_factory=list)
    used: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # values left out, and why


@dataclass
class ImportReport:
    """The outcome of every run directory found, in import order."""

    store_root: Path
    runs: list[RunOutcome] = field(default_factory=list)

    def count(self, status: Status) -> int:
        """How many run directories ended with ``status``."""
        return sum(1 for outcome in self.runs if outcome.status == status)

    def lines(self) -> Iterator[str]:
        """The report as text lines: a total, then one line per run and per skipped value."""
        imported = [o for o in self.runs if o.status == "imported"]
        artifacts = sum(len(o.artifacts) for o in imported)
        yield (
            f"imported {len(imported)} run(s) ({sum(o.steps for o in imported)} steps, "
            f"{sum(o.tables for o in imported)} table(s), {sum(o.images for o in imported)} "
            f"image(s), {artifacts} artifact version(s)); {self.count('unchanged')} already "
            f"imported; {self.count('skipped')} skipped; "
            + (f"{self.count('failed')} failed; " if self.count("failed") else "")
            + f"into {self.store_root}"
        )
        for outcome in self.runs:
            if outcome.status == "imported":
                parts = [f"{outcome.steps} steps", f"{outcome.metrics} metrics"]
                if outcome.tables:
                    parts.append(f"{outcome.tables} table(s)")
                if outcome.images:
                    parts.append(f"{outcome.images} image(s)")
                if outcome.saved:
                    parts.append(f"{outcome.saved} saved file(s)")
                if outcome.artifacts:
                    parts.append("logged " + ", ".join(outcome.artifacts))
                if outcome.used:
                    parts.append("used " + ", ".join(outcome.used))
                yield f"  imported  {outcome.run_path}  ({'; '.join(parts)})"
            elif outcome.run_path is None and outcome.reason.startswith(str(outcome.source)):
                yield f"  {outcome.status:<9} {outcome.reason}"  # it names the file already
            else:
                label = outcome.run_path or str(outcome.source)
                yield f"  {outcome.status:<9} {label}: {outcome.reason}"
            for note in outcome.notes:
                yield f"      skipped {note}"
