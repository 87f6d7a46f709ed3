"""Option strings used across heron, as Literal aliases kept in one place."""

from __future__ import annotations

from typing import Literal

RunState = Literal["running", "finished", "failed", "crashed"]
RUN_STATES: tuple[RunState, ...] = ("running", "finished", "failed", "crashed")

ResumeMode = Literal["allow", "must", "never"]
