"""Friendly default names for runs, like ``bright-heron-3``."""

from __future__ import annotations

import secrets
import string

_ADJECTIVES = (
    "amber bold brisk calm clear crisp dawn deft eager fair gentle golden hardy keen lively "
    "lucid mellow misty noble quiet rapid silver steady sunny swift tidal vivid warm wild young"
).split()
_NOUNS = (
    "heron egret ibis crane stork plover tern gull osprey kite finch wren lark swift raven "
    "robin pipit rail grebe loon"
).split()

_ID_ALPHABET = string.ascii_lowercase + string.digits


def new_run_id() -> str:
    """A random 8-character run id (lowercase letters and digits)."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(8))


def run_name(sequence: int) -> str:
    """A readable name ending in the run's sequence number within its project."""
    return f"{secrets.choice(_ADJECTIVES)}-{secrets.choice(_NOUNS)}-{sequence}"
