"""Where ``heron.wandb`` keeps and finds things: the store, the artifact download folder, and
names whose entity part is ignored (a heron store has projects, not entities)."""

from __future__ import annotations

import os
from pathlib import Path

from heron.wandb.errors import say_once

LOCAL_ENTITY = "local"
"""The entity heron.wandb reports: one heron store is one namespace of projects."""


def strip_entity(path: str, what: str) -> str:
    """``entity/project/rest`` -> ``project/rest``, saying once that entities are ignored."""
    parts = path.split("/")
    if len(parts) >= 3:
        say_once(
            "entity",
            f"the entity {parts[0]!r} in {what} {path!r} is ignored: a heron store has no "
            "entities, only projects",
        )
        return "/".join(parts[1:])
    return path


def store_location() -> str | None:
    """The store ``wandb.init`` uses when given no ``dir``: ``$HERON_DIR``, else
    ``$WANDB_DIR/heron-data``, else None (``./heron-data``)."""
    if os.environ.get("HERON_DIR"):
        return os.environ["HERON_DIR"]
    wandb_dir = os.environ.get("WANDB_DIR")
    return os.path.join(wandb_dir, "heron-data") if wandb_dir else None


def artifact_dir() -> Path:
    """Where artifacts are downloaded by default: ``$WANDB_ARTIFACT_DIR``, else ``./artifacts``."""
    configured = os.environ.get("WANDB_ARTIFACT_DIR") or os.environ.get("HERON_ARTIFACT_DIR")
    return Path(configured or "artifacts").expanduser().resolve()
