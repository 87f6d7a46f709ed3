"""Keras callbacks defined on first use: heron's callback behaviours mixed into Keras' classes
(for ``heron.integrations.keras`` and the W&B callbacks in ``heron.wandb``).

Keras is imported only when a callback class is first asked for, so importing an integration
module stays light and works without Keras installed.
"""

from __future__ import annotations

from typing import Any


def import_keras(needed_by: str) -> Any:
    """The ``keras`` module, or an ImportError naming what needs it and how to install it."""
    try:
        import keras
    except ImportError as error:
        raise ImportError(f"keras>=3 is required for {needed_by}: pip install keras") from error
    return keras


def mix_in(
    name: str, behaviour: type, base: type, module: str, doc: str | None, meta: type = type
) -> type:
    """The class ``name`` in ``module``: ``behaviour`` first, then the Keras class ``base``."""
    made: type = meta(name, (behaviour, base), {"__doc__": doc, "__module__": module})
    return made
