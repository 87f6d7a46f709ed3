"""The resource limits of the query engine: time, memory, disk spill, concurrency, join size.

Every limit has a default that keeps a small machine (2 cores, 24 GB) responsive while
interactive queries over millions of rows stay fast, an environment variable, and an
``Engine`` argument. docs/query.md ("Limits") lists them with the errors they give.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from heron.errors import QueryError

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b?|b)?\s*$", re.IGNORECASE)
_UNITS = {"b": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}

# Statements allowed to run at once when HERON_QUERY_CONCURRENCY is not set: enough for a view's
# parallel requests, few enough that DuckDB's threads and memory are not split too thin.
DEFAULT_CONCURRENCY = max(2, 2 * (os.cpu_count() or 1))
DEFAULT_JOIN_MAX_ROWS = 50_000_000
# A value list of an ``in`` with more items than this is bound as one list parameter.
IN_LIST_PARAMETER = 64
# Items of one ``in`` list, and terms of one query outside such lists: each term may become a
# parameter, and binding thousands of them takes DuckDB seconds that no interrupt can stop.
MAX_IN_ITEMS = 200_000
MAX_NODES = 2_000


def parse_size(text: str, where: str) -> int:
    """Bytes of a size such as ``8GB``, ``512MB`` or ``1.5GiB``; a bare number is megabytes."""
    match = _SIZE.match(text)
    if match is None:
        raise QueryError(f'{where} must be a size such as "8GB" or "512MB", not {text!r}')
    number, unit = float(match.group(1)), (match.group(2) or "m").lower()
    size = int(number * _UNITS[unit[0]])
    if size <= 0:
        raise QueryError(f"{where} must be larger than zero, not {text!r}")
    return size


def format_size(size: int) -> str:
    """A byte count as people read it: ``9.6 GB``, ``512 MB``."""
    for unit, scale in (("TB", 1024**4), ("GB", 1024**3), ("MB", 1024**2)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}".replace(".0 ", " ")
    return f"{size} bytes"


def physical_memory() -> int:
    """Bytes of RAM of this machine (8 GB when the system does not say)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 8 * 1024**3


def _env_size(name: str, default: int) -> int:
    text = os.environ.get(name)
    return default if not text else parse_size(text, name)


def _env_number(name: str, default: float, *, whole: bool = False) -> float:
    text = os.environ.get(name)
    if not text:
        return default
    try:
        value = int(text.replace("_", "")) if whole else float(text)
    except ValueError:
        kind = "a whole number" if whole else "a number"
        raise QueryError(f"{name} must be {kind}, not {text!r}") from None
    if value <= 0:
        raise QueryError(f"{name} must be larger than zero, not {text!r}")
    return value


@dataclass(frozen=True)
class Limits:
    """The limits one engine enforces (see docs/query.md, "Limits").

    ``memory`` bounds everything the engine holds in DuckDB (loaded table copies, joined
    tables, running statements); beyond it work spills to disk, up to ``spill`` bytes.
    ``query_memory`` bounds one statement's sorts and hash tables (they spill beyond it).
    ``concurrency`` statements run at once; others wait within their time limit.
    ``join_max_rows`` refuses a join whose estimated output is larger.
    """

    timeout: float
    memory: int
    query_memory: int
    spill: int
    concurrency: int
    join_max_rows: int

    def __post_init__(self) -> None:
        for name in ("timeout", "memory", "query_memory", "spill", "concurrency", "join_max_rows"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise QueryError(
                    f"the query engine's {name} must be a positive number, not {value!r}"
                )

    @staticmethod
    def from_environment(
        *,
        timeout: float | None = None,
        memory: int | None = None,
        query_memory: int | None = None,
        spill: int | None = None,
        concurrency: int | None = None,
        join_max_rows: int | None = None,
    ) -> Limits:
        """Limits from the arguments given, else the environment, else the defaults."""
        if memory is None:
            memory = _env_size("HERON_QUERY_MEMORY", int(physical_memory() * 0.4))
        if concurrency is None:
            concurrency = int(
                _env_number("HERON_QUERY_CONCURRENCY", DEFAULT_CONCURRENCY, whole=True)
            )
        if query_memory is None:
            query_memory = _env_size("HERON_QUERY_MEMORY_PER_QUERY", memory // 4)
        return Limits(
            timeout=timeout if timeout is not None else _env_number("HERON_QUERY_TIMEOUT", 30.0),
            memory=memory,
            query_memory=min(query_memory, memory),
            spill=spill if spill is not None else _env_size("HERON_QUERY_SPILL", 2 * memory),
            concurrency=concurrency,
            join_max_rows=join_max_rows
            if join_max_rows is not None
            else int(_env_number("HERON_JOIN_MAX_ROWS", DEFAULT_JOIN_MAX_ROWS, whole=True)),
        )
