"""What a group-by summarises, and what a loaded table's facts let it skip.

The targets are the scalar series a group-by summarises (a column, or one run of a per-run
column). The rest reads the facts heron.query.cache notes as a table's in-memory copy loads: the
numeric ranges that fix histogram edges before any scan, image columns without nulls, string
columns' listed values and their codes, numeric columns without nulls or non-finite values, and
whether the group keys allow few enough groups to aggregate them all at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from heron.query.cache import finite_sql
from heron.query.compiler import ColumnRef
from heron.query.engine import Engine
from heron.query.plan import OutputColumn, Plan
from heron.query.relation import ORD
from heron.query.results import SummaryKind
from heron.query.sql import ident
from heron.query.types import ValueType

if TYPE_CHECKING:
    from heron.query.builder import GroupSpec


# Groups whose keys allow at most this many are aggregated all at once (see few_groups).
MAX_LISTED_GROUPS = 1024


@dataclass
class Target:
    """One scalar series to summarise: a column, or one run of a per-run column."""

    column: str
    run: int | None
    sql: str
    type: ValueType
    kind: SummaryKind
    alias: str  # heron's own SQL alias stem for this target, never user text


def summary_kind(t: ValueType) -> SummaryKind:
    """How a column of type ``t`` is summarised per group."""
    if t.kind in ("int", "float"):
        return "histogram"
    if t.kind in ("string", "bool", "json", "any"):
        return "values"
    if t.kind == "image":
        return "images"
    if t.kind == "datetime":
        return "range"
    if t.kind == "list":
        return "list"
    return "none"


def summary_targets(outputs: list[OutputColumn], by: tuple[str, ...]) -> list[Target]:
    """The series a grouping by ``by`` summarises: every other output column, per run."""
    targets: list[Target] = []
    for out in outputs:
        if out.name in by:
            continue
        t = out.type
        if t.runs is not None:
            scalar = t.scalar()
            for i in range(t.runs):
                sql = f"list_extract({out.sql}, {i + 1})"
                alias = f"x{len(targets)}"
                targets.append(Target(out.name, i, sql, scalar, summary_kind(scalar), alias))
        else:
            targets.append(Target(out.name, None, out.sql, t, summary_kind(t), f"x{len(targets)}"))
    return targets


def stored_columns(plan: Plan) -> dict[str, str]:
    """The SQL the plan reads each stored column by -> that column's name: a target or key with
    other SQL is derived (or one run of a merged column), which no table fact describes."""
    return {f"t.{ident(c.ident)}": c.name for c in plan.relation.columns}


def known_ranges(
    engine: Engine, plan: Plan, numeric: list[Target]
) -> dict[str, tuple[float, float] | None] | None:
    """Each numeric target's finite range when it is known before scanning, else None.

    That is when every row is kept and every numeric target is a stored column of a table whose
    ranges were computed as its in-memory copy loaded; derived columns and runs never are.
    """
    if plan.where != "TRUE" or not numeric:
        return None
    table = engine.tables.ranges(plan.relation)
    if table is None:
        return None
    stored = stored_columns(plan)
    known: dict[str, tuple[float, float] | None] = {}
    for t in numeric:
        name = stored.get(t.sql)
        if t.run is not None or name is None or name not in table:
            return None
        known[t.column] = table[name]
    return known


def clean_targets(engine: Engine, plan: Plan, numeric: list[Target]) -> set[int]:
    """The numeric targets that are stored columns the loaded table has no null or non-finite
    value in (so neither has any selection of its rows)."""
    facts = engine.tables.facts(plan.relation)
    if facts is None or not facts.clean:
        return set()
    stored = stored_columns(plan)
    return {id(t) for t in numeric if t.run is None and stored.get(t.sql) in facts.clean}


def few_groups(engine: Engine, plan: Plan, keys: list[ColumnRef]) -> bool:
    """True when the keys are stored columns the loaded table lists few values of, so there
    are at most ``MAX_LISTED_GROUPS`` groups whatever the filter."""
    facts = engine.tables.facts(plan.relation)
    if facts is None:
        return False
    stored = stored_columns(plan)
    bound = 1
    for k in keys:
        name = stored.get(k.sql)
        if name is None or name not in facts.values:
            return False
        bound *= len(facts.values[name]) + 1  # and null
    return bound <= MAX_LISTED_GROUPS


def scan_ranges(
    engine: Engine, plan: Plan, numeric: list[Target], deadline: float
) -> dict[str, tuple[float, float] | None]:
    """Each numeric column's finite range over the rows the filter keeps (one per column: the
    runs of a merged column share edges so they compare).

    A stored column of a loaded table keeps its table range when the filter keeps the rows
    holding its extremes (``kept_ranges``); only the other columns are scanned for.
    """
    if not numeric:
        return {}
    kept = kept_ranges(engine, plan, numeric, deadline)
    rest = [t for t in numeric if t.column not in kept]
    if not rest:
        return kept
    inner = ", ".join(f"{finite_value(t)} AS {t.alias}" for t in rest)
    aggs = ", ".join(
        f"min({t.alias}) AS lo_{t.alias}, max({t.alias}) AS hi_{t.alias}" for t in rest
    )
    sql = f"SELECT {aggs} FROM (SELECT {inner} FROM {plan.from_sql} WHERE {plan.where}) AS f"
    row = engine.run(sql, plan.params.values, deadline=deadline).to_pylist()[0]
    return {**kept, **column_ranges(rest, row)}


def kept_ranges(
    engine: Engine, plan: Plan, numeric: list[Target], deadline: float
) -> dict[str, tuple[float, float] | None]:
    """The stored numeric columns whose finite range over the filtered rows is their table
    range, with it: those the filter keeps a row holding the minimum and one holding the
    maximum of (no kept row can lie outside), and those without any finite value at all.

    The loaded table keeps those rows in a small table of their own; the filter runs on them
    alone instead of a scan of every row of every column.
    """
    facts = engine.tables.facts(plan.relation)
    if facts is None or not facts.extremes:
        return {}
    stored = stored_columns(plan)
    found: dict[str, tuple[float, float] | None] = {}
    rows: dict[str, tuple[str, int, int]] = {}
    for t in numeric:
        name = stored.get(t.sql)
        if t.run is not None or name is None or name not in facts.ranges:
            continue
        if facts.ranges[name] is None:
            found[t.column] = None  # no finite value in the table, so none in a selection
        elif name in facts.extremes:
            rows[t.column] = (name, *facts.extremes[name])
    if rows and facts.extreme_rows:
        sql = f'SELECT t.{ORD} AS o FROM "{facts.extreme_rows}" AS t WHERE {plan.where}'
        kept = set(engine.run(sql, plan.params.values, deadline=deadline).column("o").to_pylist())
        for column, (name, lo_at, hi_at) in rows.items():
            if lo_at in kept and hi_at in kept:
                found[column] = facts.ranges[name]
    return found


def column_ranges(
    numeric: list[Target], row: Mapping[str, Any]
) -> dict[str, tuple[float, float] | None]:
    """Each numeric column's finite range from ``row``'s ``lo_<alias>`` and ``hi_<alias>`` per
    target: one per column, so the runs of a merged column share edges and compare."""
    ranges: dict[str, tuple[float, float] | None] = {}
    for t in numeric:
        lo, hi = row[f"lo_{t.alias}"], row[f"hi_{t.alias}"]
        old = ranges.get(t.column)
        if lo is None or hi is None:
            ranges.setdefault(t.column, None)
        else:
            ranges[t.column] = (lo, hi) if old is None else (min(old[0], lo), max(old[1], hi))
    return ranges


def known_columns(
    engine: Engine, plan: Plan, spec: GroupSpec, targets: list[Target]
) -> tuple[set[int], dict[int, tuple[list[Any], str, str | None]]]:
    """Targets whose table facts save work in an unfiltered page statement.

    Returns the image targets without nulls (their positions need no read of the images) and,
    per categorical target with a short list of values, that list and its SQL type (its values
    are counted per group in the page statement instead of a scan of their own).
    """
    facts = engine.tables.facts(plan.relation)
    if facts is None:
        return set(), {}
    stored = stored_columns(plan)
    dense: set[int] = set()
    dictionaries: dict[int, tuple[list[Any], str, str | None]] = {}
    codes = dict(plan.relation.codes)
    for t in targets:
        name = stored.get(t.sql)
        if t.run is not None or name is None:
            continue
        if t.kind == "images" and facts.nulls.get(name) == 0:
            dense.add(id(t))
        elif t.kind == "values" and spec.top_n > 0 and name in facts.values:
            sql_type = "BOOLEAN[]" if t.type.kind == "bool" else "VARCHAR[]"
            code = codes.get(name)
            dictionaries[id(t)] = (facts.values[name], sql_type, code and f"t.{ident(code)}")
    return dense, dictionaries


def coded_keys(plan: Plan, keys: list[ColumnRef]) -> tuple[list[str], list[list[Any] | None]]:
    """Each key's SQL, and per key the listed values its SQL's codes stand for (None: the SQL
    gives the values themselves)."""
    space = list(plan.relation.code_values)
    sqls = [k.sql if k.code is None else k.code for k in keys]
    return sqls, [None if k.code is None else space for k in keys]


def finite_value(t: Target) -> str:
    """Target ``t``'s SQL as a DOUBLE-comparable value, non-finite values as nulls."""
    return finite_sql(t.sql, t.type)
