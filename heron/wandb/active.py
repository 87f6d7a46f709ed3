"""Which run is ``wandb.run``: the registry behind ``wandb.run``, ``wandb.config``,
``wandb.summary`` and ``wandb.log``, published on the ``heron.wandb`` module as W&B publishes
them on ``wandb``."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from heron.errors import UsageError

if TYPE_CHECKING:
    from heron.wandb.live_run import Run


class PreInit:
    """``wandb.config`` / ``wandb.summary`` before ``wandb.init``: any use says to call init."""

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "_name", name)

    def _fail(self, what: str) -> UsageError:
        name = object.__getattribute__(self, "_name")
        return UsageError(f"call wandb.init() before {name}{what}")

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        raise self._fail(f".{key}")

    def __setattr__(self, key: str, value: Any) -> None:
        raise self._fail(f".{key}")

    def __getitem__(self, key: str) -> Any:
        raise self._fail(f"[{key!r}]")

    def __setitem__(self, key: str, value: Any) -> None:
        raise self._fail(f"[{key!r}]")


runs: list[Run] = []
"""Open runs, oldest first; the last one is ``wandb.run``."""


def current() -> Run | None:
    """The active run, or None."""
    return runs[-1] if runs else None


def require(what: str) -> Run:
    """The active run, or UsageError saying to call ``wandb.init()`` before ``what``."""
    if not runs:
        raise UsageError(f"call wandb.init() before {what}")
    return runs[-1]


def remember(new: Run) -> None:
    """Make ``new`` the active run."""
    runs.append(new)
    _publish()


def forget(finished: Run) -> None:
    """Called by ``Run.finish``: the previous open run (if any) becomes ``wandb.run`` again."""
    if finished in runs:
        runs.remove(finished)
    _publish()


def log(
    data: dict[str, Any],
    step: int | None = None,
    commit: bool | None = None,
    sync: bool | None = None,
) -> None:
    """Log to the active run (``wandb.log``); see :meth:`Run.log`. While a run is active,
    ``wandb.log`` is that run's own ``log`` method, as in W&B; this is it otherwise."""
    require("wandb.log()").log(data, step, commit, sync)


def _publish() -> None:
    package: Any = sys.modules["heron.wandb"]
    active = current()
    if active is None:
        package.run = None
        package.config = PreInit("wandb.config")
        package.summary = PreInit("wandb.summary")
        package.log = log
    else:
        package.run, package.config, package.summary = active, active.config, active.summary
        # As in W&B, wandb.log is the active run's own log: no extra call per logged step.
        package.log = active.log
