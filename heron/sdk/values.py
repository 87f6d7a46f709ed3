"""Checking and normalising what users hand to ``config``, ``summary`` and ``log``.

Everything is checked on the caller's thread, before it is queued for the background writer, so
a value the store cannot hold fails at the call that passed it with a message naming the key and
the value, and never reaches (or stops) the writer. The limits come from the store:

- keys are valid UTF-8 text (no lone surrogates, as ``os.fsdecode`` makes of undecodable bytes),
  without control characters, at most :func:`max_key_chars` characters (the key columns' size);
- steps are ints in ``0 ..`` :data:`MAX_STEP` (steps are stored as signed 64-bit integers);
- numbers logged as metrics become float64: NaN and infinities are kept, an int too large for a
  float64 is refused;
- config, summary and logged values are JSON-like, nested at most :data:`MAX_DEPTH` levels, with
  no container inside itself.

numpy and torch scalars are recognised by duck typing (``.item()`` on a 0-d value) so that
``import heron`` never has to import either library.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from heron._types import MAX_STEP
from heron.errors import ConfigError, UsageError

MAX_DEPTH = 64
# Ints stay below 2**1023, inside a float64's range (metrics are float64; float() of an int
# near 2**1024 overflows), which is also all that JSON readers other than Python's can hold.
_MAX_INT_BITS = 1024
# C0 controls and DEL: a key holding one is a bug (and PostgreSQL text cannot hold NUL).
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
RESERVED_KEYS = frozenset({"_step"})  # history rows carry the step under this name


# The size of the metrics and run_objects key columns (heron.store.schema; a test keeps them
# equal). Written here because reading it from the schema would load SQLAlchemy on every run.
KEY_COLUMN_CHARS = 512


def max_key_chars() -> int:
    """How many characters a key may have: the size of the metrics and run_objects key columns."""
    return KEY_COLUMN_CHARS


def short_repr(value: Any, limit: int = 80) -> str:
    """``repr(value)`` cut to ``limit`` characters, for error messages."""
    try:
        text = repr(value)
    except Exception:  # a broken __repr__ must not hide the real error
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored as UTF-8, or None if it can."""
    if text.isascii():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        return (
            f"holds {text[error.start]!r} at position {error.start}, a lone surrogate that is "
            "not valid UTF-8 (a name decoded from undecodable bytes?)"
        )
    return None


def check_key(key: Any, what: str = "log key") -> str:
    """``key`` if it can name a metric or logged value, else UsageError saying why."""
    if not isinstance(key, str):
        raise UsageError(f"{what}s must be strings, got {key!r} ({type(key).__name__})")
    if not key:
        raise UsageError(f"{what}s must not be empty")
    problem = text_problem(key)
    if problem is not None:
        raise UsageError(f"{what} {short_repr(key)} {problem}")
    if _CONTROL.search(key):
        raise UsageError(f"{what} {short_repr(key)} holds a control character")
    if len(key) > max_key_chars():
        raise UsageError(
            f"{what} {short_repr(key)} has {len(key)} characters; the limit is {max_key_chars()}"
        )
    if key in RESERVED_KEYS:
        raise UsageError(f"{what} {key!r} is reserved: history rows use it for the step")
    return key


def check_step(step: Any) -> int:
    """``step`` as an int if it is a valid explicit step (numpy ints too), else UsageError."""
    if isinstance(step, bool) or not hasattr(step, "__index__"):
        raise UsageError(f"step must be an int, got {short_repr(step)} ({type(step).__name__})")
    number = int(step.__index__())
    if number < 0:
        raise UsageError(f"step must be >= 0, got {number}")
    if number > MAX_STEP:
        raise UsageError(f"step {number} is too large: steps are at most 2**63-1 ({MAX_STEP})")
    return number


def as_scalar(value: Any) -> float | None:
    """``value`` as a float if it is a number (bool, int, float, numpy/torch 0-d), else None.

    Raises OverflowError for an int too large for a float64 (the caller names the key).
    """
    if isinstance(value, float):
        return value
    if isinstance(value, int):  # bool included
        return float(value)
    item = getattr(value, "item", None)
    if item is not None and getattr(value, "shape", None) in ((), None) and callable(item):
        try:
            result = item()
        except (TypeError, ValueError, RuntimeError):
            return None
        if isinstance(result, int | float):
            return float(result)
    return None


def to_storable(value: Any, where: str, *, inside: object | None = None) -> Any:
    """A JSON-compatible copy of a config value; raises ConfigError naming ``where`` if impossible.

    Refuses text that is not valid UTF-8, ints beyond a float64's range, nesting deeper than
    :data:`MAX_DEPTH` and containers that hold themselves, naming the key path. ``inside`` is
    the container ``value`` was taken from, if any, so that holding it again is caught at once.
    """
    return _storable(value, where, 0, [] if inside is None else [id(inside)])


def _storable(value: Any, where: str, depth: int, parents: list[int]) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        problem = text_problem(value)
        if problem is not None:
            raise ConfigError(f"{where}: the string {short_repr(value)} {problem}")
        return value
    if isinstance(value, int):
        if value.bit_length() >= _MAX_INT_BITS:
            raise ConfigError(
                f"{where}: an int of {value.bit_length()} bits is too large to store "
                "(store it as a string)"
            )
        return value
    if isinstance(value, float):
        return value
    scalar = as_scalar(value)
    if scalar is not None:
        item = value.item()
        return item if isinstance(item, bool | int) else scalar
    if isinstance(value, Mapping | list | tuple):
        if id(value) in parents:
            raise ConfigError(f"{_cut(where)} contains itself: a dict or list cannot hold itself")
        if depth >= MAX_DEPTH:
            raise ConfigError(f"{_cut(where)} nests deeper than {MAX_DEPTH} levels")
        parents.append(id(value))
        try:
            if isinstance(value, Mapping):
                result: dict[str, Any] = {}
                for key, inner in value.items():
                    if not isinstance(key, str):
                        raise ConfigError(
                            f"key {short_repr(key)} under {_cut(where)} must be a string"
                        )
                    problem = text_problem(key)
                    if problem is not None:
                        raise ConfigError(f"key {short_repr(key)} under {_cut(where)} {problem}")
                    result[key] = _storable(inner, f"{where}[{key!r}]", depth + 1, parents)
                return result
            return [
                _storable(inner, f"{where}[{i}]", depth + 1, parents)
                for i, inner in enumerate(value)
            ]
        finally:
            parents.pop()
    tolist = getattr(value, "tolist", None)
    if callable(tolist) and type(value).__module__.split(".")[0] in {"numpy", "torch"}:
        return _storable(tolist(), where, depth, parents)
    raise ConfigError(
        f"{where} cannot be stored: a value of type {type(value).__name__} is not a number, "
        "string, bool, None, list or dict"
    )


def _cut(where: str, limit: int = 120) -> str:
    """A key path short enough to read: its start, then '...'."""
    return where if len(where) <= limit else where[:limit] + "..."


def flatten(
    data: Mapping[str, Any], prefix: str = "", *, known: set[str] | None = None
) -> dict[str, Any]:
    """Nested dicts flattened to ``a/b`` keys, every key checked with :func:`check_key`.

    ``known`` holds keys already found good (a run logs the same keys every step): they are
    not checked again, and keys found good are added to it.
    """
    flat: dict[str, Any] = {}
    _flatten_into(flat, data, prefix, [], known if known is not None else set())
    return flat


_KNOWN_KEYS_LIMIT = 100_000  # a run logging ever new keys does not grow the cache forever


def _flatten_into(
    flat: dict[str, Any],
    data: Mapping[str, Any],
    prefix: str,
    parents: list[int],
    known: set[str],
) -> None:
    if id(data) in parents:
        raise UsageError(f"log key {_cut(prefix.rstrip('/'))!r} holds a dict that contains itself")
    if len(parents) >= MAX_DEPTH:
        raise UsageError(f"log key {_cut(prefix)!r}... nests deeper than {MAX_DEPTH} levels")
    parents.append(id(data))
    for key, value in data.items():
        if not isinstance(key, str):
            raise UsageError(f"log keys must be strings, got {key!r} ({type(key).__name__})")
        if not key:
            raise UsageError("log keys must not be empty")
        full = prefix + key if prefix else key
        if isinstance(value, Mapping):
            _flatten_into(flat, value, f"{full}/", parents, known)
            continue
        if full not in known:
            check_key(full)
            if len(known) < _KNOWN_KEYS_LIMIT:
                known.add(full)
        flat[full] = value
    parents.pop()


def is_finite(value: float) -> bool:
    """Whether a float is neither NaN nor infinite."""
    return math.isfinite(value)
