"""Friendly default names for runs, like ``bright-heron-3``."""

from __future__ import annotations

import os
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
    # The digits of a 128-bit random number in base 36: uniform to within 2**-80. (os.urandom,
    # not the secrets module, whose import costs several milliseconds of a script's start.)
    number = int.from_bytes(os.urandom(16), "big")
    digits = []
    for _ in range(8):
        number, digit = divmod(number, len(_ID_ALPHABET))
        digits.append(_ID_ALPHABET[digit])
    return "".join(digits)


def run_name(sequence: int) -> str:
    """A readable name ending in the run's sequence number within its project."""
    return f"{_pick(_ADJECTIVES)}-{_pick(_NOUNS)}-{sequence}"


def _pick(words: list[str]) -> str:
    return words[int.from_bytes(os.urandom(8), "big") % len(words)]
