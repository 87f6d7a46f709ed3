"""``wandb.integration``: framework integrations under the paths W&B users import.

``from heron.wandb.integration.keras import WandbMetricsLogger, WandbModelCheckpoint,
WandbEvalCallback`` (Keras 3). Each submodule imports its framework only when first used.
"""

from __future__ import annotations

__all__: list[str] = []
