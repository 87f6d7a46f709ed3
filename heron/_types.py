"""Option strings used across heron, as Literal aliases kept in one place, and the step limit."""

from __future__ import annotations

from typing import Literal

RunState = Literal["running", "finished", "failed", "crashed"]
RUN_STATES: tuple[RunState, ...] = ("running", "finished", "failed", "crashed")

ResumeMode = Literal["allow", "must", "never"]

# Steps are stored as signed 64-bit integers; every layer checks against this one bound.
MAX_STEP = 2**63 - 1
