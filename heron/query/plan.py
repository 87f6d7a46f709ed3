"""What a query reads (one table, a concatenation or a join of runs) and its compiled plan."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from heron.errors import QueryError
from heron.query.agreement import AgreementCheck, single_value_sql
from heron.query.compiler import ColumnRef, Compiler
from heron.query.engine import Engine
from heron.query.joins import check_join_size
from heron.query.nodes import Expr
from heron.query.relation import (
    ORD,
    MergeHow,
    Relation,
    RelColumn,
    concat_relation,
    merge_relation,
)
from heron.query.source import TableSource
from heron.query.sql import Params, ident
from heron.query.types import ValueType

OriginMode = Literal["table", "concat", "merge"]


@dataclass(frozen=True)
class Origin:
    """The rows a query starts from: one table, tables appended, or tables joined by a key."""

    mode: OriginMode
    sources: tuple[TableSource, ...]
    on: str | None = None
    how: MergeHow = "inner"
    source_column: str = "source"

    def relation(
        self, engine: Engine, deadline: float | None = None, *, materialise: bool = True
    ) -> Relation:
        """Build the relation; a join is computed once and kept as a DuckDB table.

        ``materialise=False`` leaves a join as SQL, never run: enough to know its columns or to
        check an expression against them.
        """
        if self.mode == "table":
            return engine.table_relation(self.sources[0])
        if self.mode == "concat":
            return concat_relation(self.sources, self.source_column, engine.table_relation)
        singles = {s: engine.table_relation(s) for s in self.sources}
        rel = merge_relation(self.sources, self.on, self.how, singles.__getitem__)
        if not materialise:
            return rel

        def guard() -> None:
            sides = [singles[s] for s in self.sources]
            check_join_size(engine, sides, self.sources, self.on, self.how, deadline)

        # Every page, count and group of a comparison re-reads the join; compute it once.
        name = engine.materialise(
            rel.key, rel.sql, list(rel.values), deadline=deadline, check=guard
        )
        return Relation(
            sql=f'SELECT * FROM "{name}"',
            values=(),
            columns=rel.columns,
            key=rel.key,
            labels=rel.labels,
            num_rows=None,
        )

    def to_json(self) -> dict[str, Any]:
        """The merge part of a query document."""
        if self.mode == "table":
            return {"mode": "table"}
        if self.mode == "concat":
            return {"mode": "concat", "source_column": self.source_column}
        return {"mode": "join", "on": self.on, "how": self.how}


@dataclass(frozen=True)
class Derived:
    """A derived column: a name and the expression computing it."""

    name: str
    expr: Expr


@dataclass(frozen=True)
class SortKey:
    """One sort key; nulls always sort last."""

    column: str
    descending: bool = False


@dataclass(frozen=True)
class OutputColumn:
    """A column of the query's result: name, SQL computing it, type."""

    name: str
    sql: str
    type: ValueType


@dataclass
class Plan:
    """A query compiled against its relation: everything needed to write the final SQL."""

    relation: Relation
    params: Params
    schema: dict[str, ColumnRef]
    where: str
    outputs: list[OutputColumn]
    order_by: list[str]
    agreement: AgreementCheck | None = None

    @property
    def from_sql(self) -> str:
        """``FROM`` target: the relation as a subquery."""
        return f"({self.relation.sql}) AS t"

    def count_key(self) -> tuple[Any, ...]:
        """Identity of (table content, filter) for the cached row count."""
        return (self.relation.key, self.where, repr(self.params.values))

    def ref(self, name: str, *, field: str | None = None) -> ColumnRef:
        """The compiled reference of a stored or derived column (QueryError if unknown,
        blaming ``field``: where the query document names it)."""
        from heron.query.suggest import did_you_mean

        ref = self.schema.get(name)
        if ref is None:
            raise QueryError(
                f'unknown column "{name}"{did_you_mean(name, self.schema.keys())}', field=field
            )
        return ref

    def key_ref(self, name: str, *, field: str | None = None) -> ColumnRef:
        """The reference a group key uses. A merged column the runs agree on groups by that one
        value, so an outer join's rows that only some runs hold join the others' group; other
        per-run columns group by each combination of the runs' values."""
        ref = self.ref(name, field=field)
        runs = ref.type.runs
        found = None if runs is None or self.agreement is None else self.agreement(name)
        if runs is None or found is None or not found.agrees:
            return ref
        return ColumnRef(single_value_sql(ref.sql, runs), ref.type.scalar(), ref.weight)


def filter_field(index: int, count: int) -> str:
    """The document field of a query's filter ``index`` of ``count``: ``filter`` when it is the
    only one, else ``filter[i]`` (counting the document's non-empty filters)."""
    return "filter" if count == 1 else f"filter[{index}]"


def build_plan(
    relation: Relation,
    filters: Sequence[Expr],
    derived: Sequence[Derived],
    sorts: Sequence[SortKey],
    select: Sequence[str] | None,
    agreement: AgreementCheck | None = None,
) -> Plan:
    """Compile filters, derived columns and sorts of a query against ``relation``.

    ``agreement`` says whether the runs of a merged relation agree on a column, which lets the
    expressions use it as one value (heron.query.agreement).

    A mistake names the part of the query document it is in (``QueryError.field``), as
    ``heron.query.document`` names them, and its position in that part's expression.
    """
    params = Params()
    params.values = list(relation.values)
    # A loaded copy's listed string columns carry value codes: comparisons use them.
    codes = {name: f"t.{ident(code)}" for name, code in relation.codes}
    schema: dict[str, ColumnRef] = {
        c.name: ColumnRef(f"t.{ident(c.ident)}", c.type, code=codes.get(c.name))
        for c in relation.columns
    }
    compiler = Compiler(schema, params, agreement, relation.code_values)
    for i, d in enumerate(derived):
        if not d.name:
            raise QueryError("a derived column needs a name", field=f"columns[{i}].name")
        if d.name in schema:
            raise QueryError(
                f'column "{d.name}" already exists; choose another name',
                field=f"columns[{i}].name",
            )
        before = compiler.nodes
        try:
            compiled = compiler.compile(d.expr)
        except QueryError as error:
            raise error.within(f"columns[{i}].expr") from None
        # Inline the expression wherever it is used: later expressions, filters, sorts, groups.
        schema[d.name] = ColumnRef(
            f"({compiled.sql})", compiled.type, compiler.nodes - before, compiled.code
        )
    wheres = []
    for i, f in enumerate(filters):
        try:
            wheres.append(compiler.compile_filter(f).sql)
        except QueryError as error:
            raise error.within(filter_field(i, len(filters))) from None
    where = " AND ".join(wheres) if wheres else "TRUE"
    names = list(select) if select is not None else list(schema)
    outputs: list[OutputColumn] = []
    plan = Plan(relation, params, schema, where, outputs, [], agreement)
    for i, name in enumerate(names):
        ref = plan.ref(name, field=f"select[{i}]")
        outputs.append(OutputColumn(name, ref.sql, ref.type))
    for i, key in enumerate(sorts):
        ref = plan.ref(key.column, field=f"sort[{i}].column")
        direction = "DESC" if key.descending else "ASC"
        plan.order_by.append(f"{ref.sql} {direction} NULLS LAST")
    # Ties (and unsorted pages) fall back to table order, so paging is stable.
    plan.order_by.append(f"t.{ORD} ASC")
    # Results and sort keys inline derived columns' expressions once more each.
    refs = [plan.ref(o.name) for o in outputs] + [plan.ref(k.column) for k in sorts]
    compiler.charge(sum(r.weight - 1 for r in refs))
    return plan


def relation_columns(columns: Sequence[RelColumn]) -> list[tuple[str, ValueType]]:
    """(name, type) pairs of a relation's columns."""
    return [(c.name, c.type) for c in columns]
