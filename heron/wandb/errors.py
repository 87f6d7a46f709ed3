"""What ``heron.wandb`` does with W&B features heron does not have.

A training script must never crash on a feature heron lacks: :func:`unsupported` warns once per
feature (an :class:`UnsupportedWarning`) and the script carries on. Only when the script needs
the call's result (a sweep id, a registry link) does it raise :class:`UnsupportedError`, which
names the feature. Arguments heron cannot honour are named with :func:`ignored_arguments`.
"""

from __future__ import annotations

import sys
import threading
import warnings
from collections.abc import Iterable

from heron.errors import UsageError
from heron.wandb.env import silent


class UnsupportedError(UsageError):
    """A W&B feature heron does not have, called where the script needs its result."""


class UnsupportedWarning(UserWarning):
    """A W&B feature or argument heron does not honour; the script carries on without it."""


_lock = threading.Lock()
_warned: set[str] = set()


def unsupported(feature: str, *, result_needed: bool, hint: str = "") -> None:
    """Warn once that ``feature`` is not supported, or raise if the caller needs its result."""
    message = f"heron.wandb does not support {feature}"
    if hint:
        message += f": {hint}"
    if result_needed:
        raise UnsupportedError(message)
    warn_once(feature, message + "; carrying on without it")


def ignored_arguments(call: str, names: Iterable[str]) -> None:
    """Warn once per call and argument set that heron cannot honour these arguments."""
    listed = sorted(names)
    if listed:
        joined = ", ".join(f"{name}=" for name in listed)
        warn_once(f"{call}:{joined}", f"heron.wandb ignores {joined} in {call}()")


def warn_once(topic: str, message: str) -> None:
    """Issue an UnsupportedWarning for ``topic`` the first time only."""
    with _lock:
        if topic in _warned:
            return
        _warned.add(topic)
    warnings.warn(message, UnsupportedWarning, stacklevel=3)


_said: set[str] = set()


def say_once(topic: str, message: str) -> None:
    """Print an informational line to stderr once per process (silenced by WANDB_SILENT)."""
    with _lock:
        if topic in _said:
            return
        _said.add(topic)
    if not silent():
        print(f"heron.wandb: {message}", file=sys.stderr)


__all__ = ["UnsupportedError", "UnsupportedWarning", "ignored_arguments", "unsupported"]
