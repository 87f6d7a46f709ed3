"""The environment for running the real ``wandb`` package offline, fully inside one directory."""

from __future__ import annotations

import os
from pathlib import Path


def wandb_environment(work: Path) -> dict[str, str]:
    """Offline W&B with every directory it writes (and HOME) inside ``work``; no HERON_*."""
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("HERON_", "WANDB_"))
    }
    for name in ("wd", "cache", "config", "data", "tmp", "home"):
        (work / name).mkdir(parents=True, exist_ok=True)
    environment.update(
        WANDB_MODE="offline",
        WANDB_SILENT="true",
        WANDB_ERROR_REPORTING="false",  # nothing may leave the machine, crash reports neither
        WANDB_DIR=str(work / "wd"),
        WANDB_CACHE_DIR=str(work / "cache"),
        WANDB_CONFIG_DIR=str(work / "config"),
        WANDB_DATA_DIR=str(work / "data"),
        WANDB_ARTIFACT_DIR=str(work / "data" / "artifacts"),
        TMPDIR=str(work / "tmp"),
        HOME=str(work / "home"),
    )
    return environment
