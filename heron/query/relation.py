"""Relations: the SQL a query runs over, for one table, a concatenation or a join of runs.

Every relation exposes heron's internal column identifiers (never user names) plus ``__ord``, the
row's position in the logical table, which gives unsorted pages and sort ties a stable order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from heron.errors import QueryError
from heron.query.source import PartInfo, TableSource, column_types, fingerprint, part_info
from heron.query.sql import Params, embed, ident
from heron.query.types import FLOAT, STRING, ValueType, duckdb_type, image_hash_sql

MergeHow = Literal["inner", "outer"]
ORD = '"__ord"'


@dataclass(frozen=True)
class RelColumn:
    """A column of a relation: user-visible name, internal identifier, type."""

    name: str
    ident: str
    type: ValueType


@dataclass(frozen=True)
class Relation:
    """SQL (with ``$n`` placeholders numbered from 1) producing ``columns`` and ``__ord``."""

    sql: str
    values: tuple[Any, ...]
    columns: tuple[RelColumn, ...]
    key: tuple[Any, ...]
    labels: tuple[str, ...]
    num_rows: int | None = None
    decoded_bytes: int = 0
    # (column name, identifier of its hidden column of value codes) for a loaded copy's listed
    # string columns, and the values the codes stand for (heron.query.cache.TableFacts)
    codes: tuple[tuple[str, str], ...] = ()
    code_values: tuple[Any, ...] = ()

    def column(self, name: str) -> RelColumn | None:
        """The column called ``name``, if any."""
        for c in self.columns:
            if c.name == name:
                return c
        return None


def _typed_null(t: ValueType) -> str:
    return f"CAST(NULL AS {duckdb_type(t)})"


def single_relation(source: TableSource) -> Relation:
    """The relation of one table: its parts concatenated in order."""
    params = Params()
    parts = [part_info(p) for p in source.parts]
    typed = column_types(source, parts)
    cols = tuple(RelColumn(name, f"c{i}", t) for i, (name, t) in enumerate(typed))
    selects: list[str] = []
    offset = 0
    same = all(
        p.positions == parts[0].positions and p.arrow_types == parts[0].arrow_types
        for p in parts[1:]
    )
    # (A part listed twice is read twice by a UNION ALL; one scan's file_index would not say.)
    one_scan = len(parts) > 1 and same and len({p.path for p in parts}) == len(parts)
    if one_scan:
        # Parts written alike are one scan: DuckDB prunes the columns a statement does not use
        # from a scan, but not from a UNION ALL of scans, which would read (and decode) every
        # column of every part for a count of one column (3.5x the CPU on 10 parts).
        offsets = []
        for part in parts:
            offsets.append(offset)
            offset += part.num_rows
        starts = params.add(offsets, "BIGINT[]")
        exprs = [f"{_part_column(parts[0], col)} AS {ident(col.ident)}" for col in cols]
        exprs.append(
            f"(file_row_number + list_extract({starts}, CAST(file_index AS BIGINT) + 1)) AS {ORD}"
        )
        paths = params.add([p.path for p in parts], "VARCHAR[]")
        selects.append(
            f"SELECT {', '.join(exprs)} FROM read_parquet({paths}, file_row_number=true)"
        )
    for part in [] if one_scan else parts:
        exprs = [f"{_part_column(part, col)} AS {ident(col.ident)}" for col in cols]
        exprs.append(f"(file_row_number + {params.add(offset, 'BIGINT')}) AS {ORD}")
        path = params.add([part.path], "VARCHAR[]")
        selects.append(f"SELECT {', '.join(exprs)} FROM read_parquet({path}, file_row_number=true)")
        offset += part.num_rows
    sql = " UNION ALL ".join(selects)
    return Relation(
        sql=sql,
        values=tuple(params.values),
        columns=cols,
        key=("table", fingerprint(source, parts)),
        labels=(source.label,),
        num_rows=offset,
        decoded_bytes=sum(p.decoded_bytes for p in parts),
    )


def _part_column(part: PartInfo, col: RelColumn) -> str:
    """How a part's scan reads ``col``: by its position in the file, or a typed null."""
    pos = part.positions.get(col.name)
    # Positional references keep user-chosen column names out of the SQL text entirely.
    return f"#{pos}" if pos is not None and col.type.kind != "null" else _typed_null(col.type)


Base = Callable[[TableSource], Relation]


def concat_relation(
    sources: Sequence[TableSource], source_column: str = "source", base: Base = single_relation
) -> Relation:
    """Rows of every source appended in order, plus ``source_column`` naming each row's run."""
    if not sources:
        raise QueryError("concat needs at least one table")
    params = Params()
    singles = [base(s) for s in sources]
    names: list[str] = []
    types: dict[str, ValueType] = {}
    first_seen: dict[str, str] = {}
    for src, rel in zip(sources, singles, strict=True):
        for c in rel.columns:
            if c.name not in types:
                names.append(c.name)
                types[c.name] = c.type
                first_seen[c.name] = src.label
                continue
            merged = _merge_types(types[c.name], c.type)
            if merged is None:
                raise QueryError(
                    f'column "{c.name}" is {types[c.name].describe()} in "{first_seen[c.name]}" '
                    f'but {c.type.describe()} in "{src.label}"; cannot concatenate'
                )
            types[c.name] = merged
    if source_column in types:
        raise QueryError(
            f'the tables already have a column "{source_column}"; choose another source_column'
        )
    out_cols = [RelColumn(n, f"c{i}", types[n]) for i, n in enumerate(names)]
    src_col = RelColumn(source_column, f"c{len(names)}", STRING)
    selects = []
    offset = 0
    for src, rel in zip(sources, singles, strict=True):
        exprs = []
        for col in out_cols:
            own = rel.column(col.name)
            if own is None:
                value = _typed_null(col.type)
            elif own.type != col.type:
                value = f"CAST({ident(own.ident)} AS {duckdb_type(col.type)})"
            else:
                value = ident(own.ident)
            exprs.append(f"{value} AS {ident(col.ident)}")
        exprs.append(f"{params.add(src.label, 'VARCHAR')} AS {ident(src_col.ident)}")
        exprs.append(f"({ORD} + {params.add(offset, 'BIGINT')}) AS {ORD}")
        selects.append(f"SELECT {', '.join(exprs)} FROM ({embed(rel.sql, rel.values, params)})")
        offset += rel.num_rows or 0
    return Relation(
        sql=" UNION ALL ".join(selects),
        values=tuple(params.values),
        columns=(*out_cols, src_col),
        key=("concat", source_column, tuple(r.key for r in singles)),
        labels=tuple(s.label for s in sources),
        num_rows=offset,
    )


def _merge_types(a: ValueType, b: ValueType) -> ValueType | None:
    if a == b:
        return a
    if a.kind == "null":
        return b
    if b.kind == "null":
        return a
    if {a.kind, b.kind} == {"int", "float"} and a.runs is None and b.runs is None:
        return FLOAT
    return None


def resolve_key(rel: Relation, on: str | None, label: str) -> tuple[RelColumn, bool]:
    """Find the join column of ``rel`` for ``on``; True when it joins on an image's hash.

    ``on=None`` follows the default of the walkthrough: ``id`` if present, else the image.
    """
    if on is None:
        on = "id" if rel.column("id") is not None else "image"
    col = rel.column(on)
    if col is None and on == "image":
        images = [c for c in rel.columns if c.type.kind == "image"]
        if len(images) == 1:
            col = images[0]
        elif len(images) > 1:
            names = ", ".join(f'"{c.name}"' for c in images)
            raise QueryError(
                f'table "{label}" has several image columns ({names}); name one in on='
            )
    if col is None:
        raise QueryError(f'table "{label}" has no column "{on}" to join on')
    if col.type.kind in ("list", "null") or col.type.per_run:
        raise QueryError(f'cannot join on column "{col.name}" of type {col.type.describe()}')
    return col, col.type.kind == "image"


def merge_relation(
    sources: Sequence[TableSource],
    on: str | None = None,
    how: MergeHow = "inner",
    base: Base = single_relation,
) -> Relation:
    """Join the sources on a key; every non-key column becomes a per-run list (run i = source i).

    The key's values are coalesced across runs. Rows whose key is null never match and are
    dropped; a key repeated within one table yields one row per combination, as in SQL.
    """
    if not sources:
        raise QueryError("merge needs at least one table")
    if how not in ("inner", "outer"):
        raise QueryError(f'merge how must be "inner" or "outer", not {how!r}')
    params = Params()
    singles = [base(s) for s in sources]
    keys = [resolve_key(r, on, s.label) for r, s in zip(singles, sources, strict=True)]
    key_name = keys[0][0].name
    for (col, _), src in zip(keys[1:], sources[1:], strict=True):
        if col.type != keys[0][0].type:
            raise QueryError(
                f'cannot join: key "{col.name}" is {col.type.describe()} in "{src.label}" but '
                f'{keys[0][0].type.describe()} in "{sources[0].label}"'
            )
    n = len(sources)

    def key_sql(i: int) -> str:
        col, by_hash = keys[i]
        ref = f"s{i}.{ident(col.ident)}"
        return image_hash_sql(ref) if by_hash else ref

    names: list[str] = []
    types: dict[str, ValueType] = {}
    for rel in singles:
        for c in rel.columns:
            if c.name == key_name or any(c.name == k[0].name for k in keys):
                continue
            if c.name not in types:
                names.append(c.name)
                types[c.name] = c.type
            else:
                merged = _merge_types(types[c.name], c.type)
                if merged is None:
                    raise QueryError(
                        f'column "{c.name}" has different types across runs '
                        f"({types[c.name].describe()} and {c.type.describe()})"
                    )
                types[c.name] = merged
    key_col = RelColumn(key_name, "c0", keys[0][0].type)
    out_cols = [key_col] + [
        RelColumn(name, f"c{i + 1}", ValueType(types[name].kind, types[name].elem, n))
        for i, name in enumerate(names)
    ]
    key_values = ", ".join(f"s{i}.{ident(keys[i][0].ident)}" for i in range(n))
    exprs = [f"coalesce({key_values}) AS {ident(key_col.ident)}"]
    for col in out_cols[1:]:
        per_run = []
        scalar = col.type.scalar()
        for i, rel in enumerate(singles):
            own = rel.column(col.name)
            if own is None:
                per_run.append(_typed_null(scalar))
            elif own.type != scalar:
                per_run.append(f"CAST(s{i}.{ident(own.ident)} AS {duckdb_type(scalar)})")
            else:
                per_run.append(f"s{i}.{ident(own.ident)}")
        exprs.append(f"list_value({', '.join(per_run)}) AS {ident(col.ident)}")
    ctes = ", ".join(
        f"s{i} AS ({embed(rel.sql, rel.values, params)})" for i, rel in enumerate(singles)
    )
    offsets, total = [], 0
    for rel in singles:
        offsets.append(total)
        total += rel.num_rows or 0
    ords = ", ".join(f"s{i}.{ORD} + {params.add(offsets[i], 'BIGINT')}" for i in range(n))
    exprs.append(f"coalesce({ords}) AS {ORD}")
    if how == "inner":
        joins = " ".join(f"JOIN s{i} ON {key_sql(0)} = {key_sql(i)}" for i in range(1, n))
        body = f"SELECT {', '.join(exprs)} FROM s0 {joins}"
    else:
        union = " UNION ".join(
            f"SELECT {key_sql(i)} AS k FROM s{i} WHERE {key_sql(i)} IS NOT NULL" for i in range(n)
        )
        joins = " ".join(f"LEFT JOIN s{i} ON {key_sql(i)} = keys.k" for i in range(n))
        body = f"SELECT {', '.join(exprs)} FROM ({union}) AS keys {joins}"
    return Relation(
        sql=f"WITH {ctes} {body}",
        values=tuple(params.values),
        columns=tuple(out_cols),
        key=("merge", key_name, how, tuple(r.key for r in singles)),
        labels=tuple(s.label for s in sources),
        num_rows=None,
    )
