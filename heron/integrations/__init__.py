"""Framework integrations: log metrics and prediction tables from Keras and PyTorch training.

Import the submodule for your framework: ``heron.integrations.keras`` (a Keras 3 callback) or
``heron.integrations.pytorch`` (a helper for plain training loops and a Lightning logger). Each
imports its framework only when first used, so importing this package stays cheap.
"""

from __future__ import annotations

__all__: list[str] = []
