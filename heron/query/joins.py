"""The join-size guard: how many rows a join would produce, known before it runs.

The explorer offers every column as a join key, and a key with few values multiplies rows: two
500,000-row tables joined on a two-valued column make 125 billion rows. Counting each side's rows
per key value and summing the products over the values is one cheap aggregate per side, so a
join that would explode is refused with its size instead of filling memory and disk.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from heron.errors import QueryLimitError
from heron.query.engine import Engine
from heron.query.relation import MergeHow, Relation, resolve_key
from heron.query.source import TableSource
from heron.query.sql import Params, embed, ident
from heron.query.types import image_hash_sql


@dataclass(frozen=True)
class JoinSize:
    """A join's output row count, and each side's rows and distinct key values."""

    rows: float
    side_rows: tuple[int, ...]
    side_distinct: tuple[int, ...]


def join_size(
    engine: Engine,
    singles: Sequence[Relation],
    sources: Sequence[TableSource],
    on: str | None,
    how: MergeHow,
    deadline: float | None,
) -> JoinSize:
    """The number of rows ``merge_relation`` would produce (as a float: it may be huge).

    Inner: the sum over key values of the product of each side's count. Outer: the same with
    a side that lacks the value counting as one row of nulls. Exact unless two key values share
    a 64-bit hash, which can only raise the figure.
    """
    params = Params()
    ctes = []
    for i, (rel, src) in enumerate(zip(singles, sources, strict=True)):
        col, by_hash = resolve_key(rel, on, src.label)
        key = image_hash_sql(ident(col.ident)) if by_hash else ident(col.ident)
        body = embed(rel.sql, rel.values, params)
        # Grouping 64-bit hashes costs about half of grouping the values; a collision could
        # only merge two values' counts, which overestimates and so never lets a big join pass.
        # MATERIALIZED: each side's counts are read three times below but computed once.
        ctes.append(
            f"k{i} AS MATERIALIZED (SELECT hash({key}) AS k, count(*) AS c FROM ({body}) "
            f"WHERE {key} IS NOT NULL GROUP BY ALL)"
        )
    n = len(singles)
    if how == "inner":
        joins = " ".join(f"JOIN k{i} ON k0.k = k{i}.k" for i in range(1, n))
        product = " * ".join(f"CAST(k{i}.c AS DOUBLE)" for i in range(n))
    else:
        joins = " ".join(
            f"FULL JOIN k{i} ON coalesce({', '.join(f'k{j}.k' for j in range(i))}) = k{i}.k"
            for i in range(1, n)
        )
        product = " * ".join(f"CAST(coalesce(k{i}.c, 1) AS DOUBLE)" for i in range(n))
    sides = ", ".join(
        f"(SELECT count(*) FROM k{i}) AS d{i}, (SELECT coalesce(sum(c), 0) FROM k{i}) AS n{i}"
        for i in range(n)
    )
    sql = (
        f"WITH {', '.join(ctes)} SELECT (SELECT coalesce(sum({product}), 0) FROM k0 {joins}) "
        f"AS total, {sides}"
    )
    row = engine.run(sql, params.values, deadline=deadline).to_pylist()[0]
    return JoinSize(
        rows=float(row["total"]),
        side_rows=tuple(int(row[f"n{i}"]) for i in range(n)),
        side_distinct=tuple(int(row[f"d{i}"]) for i in range(n)),
    )


def check_join_size(
    engine: Engine,
    singles: Sequence[Relation],
    sources: Sequence[TableSource],
    on: str | None,
    how: MergeHow,
    deadline: float | None,
) -> None:
    """Refuse (QueryLimitError) a join larger than the engine's ``join_max_rows``."""
    limit = engine.limits.join_max_rows
    bound = _known_bound(engine, singles, sources, on, how)
    if bound is not None and bound <= limit:
        return  # facts noted when the tables loaded prove it small: nothing to count
    size = join_size(engine, singles, sources, on, how, deadline)
    if size.rows <= limit:
        return
    key = resolve_key(singles[0], on, sources[0].label)[0].name
    if len(set(zip(size.side_rows, size.side_distinct, strict=True))) == 1:
        sides = f"{_values(size.side_distinct[0])} over {size.side_rows[0]:,} rows per side"
    else:
        sides = "; ".join(
            f'{_values(d)} over {r:,} rows in "{s.label}"'
            for d, r, s in zip(size.side_distinct, size.side_rows, sources, strict=True)
        )
    raise QueryLimitError(
        f'joining on "{key}" would produce about {round(size.rows):,} rows ({sides}); '
        f"{_suggestion(singles[0], key)} (at most {limit:,} rows are allowed; "
        "HERON_JOIN_MAX_ROWS sets the limit)",
        "join",
    )


def _known_bound(
    engine: Engine,
    singles: Sequence[Relation],
    sources: Sequence[TableSource],
    on: str | None,
    how: MergeHow,
) -> float | None:
    """An upper bound of the join's rows from loaded tables' facts, or None if unknown.

    With n_i rows and at most m_i rows per key value on side i, an inner join yields at most
    n_i times the other sides' m_j (for any i), an outer join at most (sum of n_i) times all m_j.
    """
    rows, most = [], []
    for rel, src in zip(singles, sources, strict=True):
        facts = engine.tables.facts(rel)
        key = resolve_key(rel, on, src.label)[0].name
        m = None if facts is None else facts.multiplicity.get(key)
        if m is None or rel.num_rows is None:
            return None
        rows.append(float(rel.num_rows))
        most.append(float(max(m, 1)))
    product = math.prod(most)
    if how == "inner":
        return min(n * product / m for n, m in zip(rows, most, strict=True))
    return sum(rows) * product


def _values(n: int) -> str:
    return f"{n:,} distinct value{'' if n == 1 else 's'}"


def _suggestion(rel: Relation, key: str) -> str:
    for name in ("id", "image"):
        col = rel.column(name)
        if name != key and col is not None and (name == "id" or col.type.kind == "image"):
            return f"join on a column that identifies rows, such as {name}"
    return "join on a column that identifies rows"
