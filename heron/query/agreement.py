"""Whether the runs of a merged table agree on a column: what lets ``row["truth"]`` be one value.

Merging runs on a key turns every other column into one value per run. Some of those hold the
same value in every run for every row — the image's label ``truth`` when runs predicted the same
images — and are used like a single value: ``row["truth"] = "Cat"``. The runs *agree* on a
column when, in every row, the runs that hold a value (not null, and present in an outer join)
hold the same one; the column then stands for that value wherever one value is needed.

The check is one scan of the merged table per column, made the first time an expression uses
the column so and cached with the merge (tables are immutable, so it never goes stale). Where
runs disagree it finds how many rows differ and the first one, for the error message.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from heron.query.nodes import Column, Expr, format_expr
from heron.query.relation import ORD, Relation, RelColumn
from heron.query.sql import ident
from heron.query.types import ValueType, image_hash_sql
from heron.store.table_format import IMAGE_HASH_FIELD

if TYPE_CHECKING:
    from heron.query.engine import Engine

# Values longer than this are cut in messages: an example shows which runs differ, not the value.
_SHOWN_CHARS = 40


@dataclass(frozen=True)
class Agreement:
    """How the runs of a merged table compare on one column, over all its rows.

    ``differing`` counts the rows where two runs hold different (non-null) values, out of
    ``rows``; ``example`` describes the first such row in table order (its key and each run's
    value), ready for a message.
    """

    column: str
    runs: int
    rows: int
    differing: int
    example: str | None = None

    @property
    def agrees(self) -> bool:
        """True when no row holds two different values: the column can stand for one value."""
        return self.differing == 0


# Whether the runs of a merged table agree on a stored column (None: not a merged column).
AgreementCheck = Callable[[str], Agreement | None]


def _choices(e: Expr, t: ValueType) -> str:
    """How to get one value from the per-run expression ``e``: one run, or a reduction."""
    text = format_expr(e)
    if t.kind in ("int", "float"):
        across = f"reduce across runs with avg({text}), min(...), max(...) or stddev(...)"
    else:
        across = f"ask whether any run holds a value with contains({text}, value)"
    return f"pick one run with {text}[0] or {across}"


def per_run_hint(e: Expr, t: ValueType) -> str:
    """The message for per-run values ``e`` used where one value is needed."""
    name = e.name if isinstance(e, Column) else format_expr(e)
    return f'"{name}" holds one value per run ({t.runs} runs) on a merged table; {_choices(e, t)}'


def disagreement(e: Expr, t: ValueType, found: Agreement) -> str:
    """The message for a merged column used as one value although its runs disagree."""
    pos = getattr(e, "pos", None)
    at = f" at {pos}" if pos is not None else ""
    return (
        f'the runs hold different values of "{found.column}"{at} in {found.differing:,} of '
        f"{found.rows:,} rows (e.g. {found.example}), so it is not one value; {_choices(e, t)}"
    )


def single_value_sql(sql: str, runs: int) -> str:
    """SQL for the value the runs agree on in a per-run column ``sql``: the first non-null."""
    return f"coalesce({', '.join(f'list_extract({sql}, {i + 1})' for i in range(runs))})"


def _distinct_sql(col: RelColumn, ref: str) -> str:
    """SQL counting the different non-null values of a row's per-run column ``ref``."""
    if col.type.kind == "image":
        # Two references to the same image are equal whatever their caption says.
        return f"list_unique(list_transform({ref}, lambda x: {image_hash_sql('x')}))"
    return f"list_unique({ref})"


def check_agreement(
    engine: Engine, relation: Relation, name: str, deadline: float | None
) -> Agreement | None:
    """Whether the runs agree on the merged column ``name`` of ``relation`` (cached per merge).

    None when ``name`` is not one of the relation's per-run columns (a derived column, or not a
    merged table): there is nothing to check.
    """
    col = relation.column(name)
    if col is None or col.type.runs is None:
        return None
    cache_key = ("agreement", relation.key, name)
    hit: Agreement | None = engine.memo.get(cache_key)
    if hit is not None:
        return hit
    ref = f"t.{ident(col.ident)}"
    key = relation.columns[0]  # a merged relation's first column is the join key
    differs = f"{_distinct_sql(col, ref)} > 1"
    sql = (
        f"SELECT count(*) AS n, count(*) FILTER (WHERE {differs}) AS d, "
        f"arg_min(t.{ident(key.ident)}, t.{ORD}) FILTER (WHERE {differs}) AS k, "
        f"arg_min({ref}, t.{ORD}) FILTER (WHERE {differs}) AS v FROM ({relation.sql}) AS t"
    )
    row = engine.run(sql, list(relation.values), deadline=deadline).to_pylist()[0]
    runs = col.type.runs
    example = None
    if row["d"]:
        values = ", ".join(
            f"run {i} {_shown(v)}" for i, v in enumerate(row["v"] or []) if v is not None
        )
        example = f"{key.name} {_shown(row['k'])}: {values}"
    found = Agreement(name, runs, int(row["n"]), int(row["d"]), example)
    engine.memo.put(cache_key, found)
    return found


def _shown(value: Any) -> str:
    """A value as a message shows it: JSON-like, an image by the start of its hash, cut short."""
    if isinstance(value, dict) and IMAGE_HASH_FIELD in value:
        return f"image {str(value[IMAGE_HASH_FIELD])[:12]}"
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"
