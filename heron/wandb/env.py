"""The ``WANDB_*`` environment variables W&B users set, read where ``wandb.init`` needs them.

Explicit arguments win over the environment, as in W&B. ``WANDB_DIR`` is where the heron store
goes (W&B puts its ``wandb/`` folder there); ``HERON_DIR`` still wins over it when both are set,
so one machine-wide heron store is not split by a script's W&B setting.
"""

from __future__ import annotations

import os
from typing import Literal

Mode = Literal["online", "offline", "disabled"]
MODES: tuple[Mode, ...] = ("online", "offline", "disabled")
_TRUE = {"1", "true", "yes", "on"}


def _get(name: str) -> str | None:
    value = os.environ.get(name)
    return value if value else None


def project() -> str | None:
    """``WANDB_PROJECT``."""
    return _get("WANDB_PROJECT")


def store_dir() -> str | None:
    """Where the store lives: ``HERON_DIR`` if set, else ``WANDB_DIR``, else None."""
    return _get("HERON_DIR") or _get("WANDB_DIR")


def mode() -> str | None:
    """``WANDB_MODE`` as given (checked by ``init``); W&B also accepts ``dryrun`` and ``run``."""
    value = _get("WANDB_MODE")
    if value == "dryrun":
        return "offline"
    if value == "run":
        return "online"
    return value


def name() -> str | None:
    """``WANDB_NAME``."""
    return _get("WANDB_NAME")


def notes() -> str | None:
    """``WANDB_NOTES``."""
    return _get("WANDB_NOTES")


def tags() -> list[str] | None:
    """``WANDB_TAGS``: comma-separated tags."""
    value = _get("WANDB_TAGS")
    if value is None:
        return None
    return [tag.strip() for tag in value.split(",") if tag.strip()]


def group() -> str | None:
    """``WANDB_RUN_GROUP``."""
    return _get("WANDB_RUN_GROUP")


def job_type() -> str | None:
    """``WANDB_JOB_TYPE``."""
    return _get("WANDB_JOB_TYPE")


def run_id() -> str | None:
    """``WANDB_RUN_ID``."""
    return _get("WANDB_RUN_ID")


def silent() -> bool:
    """``WANDB_SILENT``: true silences heron.wandb's informational lines (not warnings)."""
    return (os.environ.get("WANDB_SILENT") or "").strip().lower() in _TRUE
