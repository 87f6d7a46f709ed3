"""SQL-building helpers: numbered parameters and identifier quoting.

User text never becomes SQL text. Values travel as numbered parameters (``$1``); column names
are replaced by internal identifiers (``c0``, ``d0``) that heron generates itself; the only
quoting left is for those internal names and for fixed field names heron chooses.
"""

from __future__ import annotations

import re
from typing import Any

_PLACEHOLDER = re.compile(r"\$(\d+)")


class Params:
    """Collects parameter values and hands out ``$n`` placeholders, typed with a CAST.

    The explicit CAST pins each parameter's type, so DuckDB never has to guess it from context
    (and ``'1' + 1`` style coercions cannot sneak in).
    """

    def __init__(self) -> None:
        self.values: list[Any] = []

    def add(self, value: Any, sql_type: str | None = None) -> str:
        """Register ``value`` and return its placeholder, e.g. ``CAST($3 AS VARCHAR)``."""
        self.values.append(value)
        placeholder = f"${len(self.values)}"
        return f"CAST({placeholder} AS {sql_type})" if sql_type else placeholder


def ident(name: str) -> str:
    """Double-quote an identifier, doubling embedded quotes (used for heron's own names)."""
    if "\x00" in name:
        raise ValueError("identifiers cannot contain NUL")
    return '"' + name.replace('"', '""') + '"'


def finalize(sql: str, values: list[Any]) -> tuple[str, list[Any]]:
    """Renumber placeholders to only those ``sql`` uses (DuckDB rejects unused parameters).

    Compilation may register a value and then drop its fragment (``x in []``), so the final
    statement is scanned once. ``$n`` can only be a placeholder: no user text is in the SQL.
    """
    mapping: dict[int, int] = {}
    kept: list[Any] = []

    def renumber(match: re.Match[str]) -> str:
        old = int(match.group(1))
        if old not in mapping:
            kept.append(values[old - 1])
            mapping[old] = len(kept)
        return f"${mapping[old]}"

    return _PLACEHOLDER.sub(renumber, sql), kept


def embed(sql: str, values: tuple[Any, ...] | list[Any], params: Params) -> str:
    """Move a self-contained statement's parameters into ``params``, renumbering ``$n``."""
    shift = len(params.values)
    params.values.extend(values)
    return _PLACEHOLDER.sub(lambda m: f"${int(m.group(1)) + shift}", sql)
