"""AST to parameterised DuckDB SQL, type-checking on the way.

Every node compiles to a SQL fragment plus its :class:`ValueType`; literals become numbered
parameters and columns become heron's internal identifiers, so nothing a user types is ever
spliced into SQL. Type mistakes raise QueryError naming the types and the position.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from heron.errors import QueryError, QueryLimitError
from heron.query.agreement import AgreementCheck, disagreement, per_run_hint, single_value_sql
from heron.query.codes import codes_compared
from heron.query.limits import IN_LIST_PARAMETER, MAX_IN_ITEMS, MAX_NODES
from heron.query.nodes import (
    REDUCTIONS,
    Binary,
    Call,
    Column,
    Const,
    Expr,
    Field,
    In,
    Index,
    LiteralValue,
    Unary,
    format_expr,
)
from heron.query.sql import Params
from heron.query.suggest import did_you_mean
from heron.query.types import (
    BOOL,
    FLOAT,
    IMAGE_FIELD_TYPES,
    INT,
    NULL,
    STRING,
    ValueType,
    common_numeric,
    comparable,
    image_hash_sql,
    unify,
)


@dataclass(frozen=True)
class ColumnRef:
    """A column visible to expressions: its SQL reference and its type.

    ``weight`` counts the terms its SQL stands for: 1 for a stored column, the size of the
    expression for a derived one (inlined wherever it is used). ``code`` is the SQL of the
    column's value codes when a loaded copy holds them (heron.query.cache), else None.
    """

    sql: str
    type: ValueType
    weight: int = 1
    code: str | None = None


@dataclass(frozen=True)
class Compiled:
    """A compiled expression: SQL text (with ``$n`` placeholders) and its type, plus the SQL of
    its value codes when it is a coded string column as it is stored."""

    sql: str
    type: ValueType
    code: str | None = None


Schema = Mapping[str, ColumnRef]


def _at(e: Expr) -> str:
    pos = getattr(e, "pos", None)
    return f" at {pos}" if pos is not None else ""


def _err(e: Expr, message: str) -> QueryError:
    return QueryError(message, getattr(e, "pos", None))


class Compiler:
    """Compiles expressions against one schema, sharing one parameter list.

    ``agreement`` tells whether the runs of a merged table agree on a column; a column they
    agree on can be used where one value is needed (heron.query.agreement). Without it, per-run
    values must always be indexed or reduced. ``code_space`` lists the values the schema's
    value codes stand for, sorted as DuckDB sorts them (one space shared by every coded column).
    """

    def __init__(
        self,
        schema: Schema,
        params: Params,
        agreement: AgreementCheck | None = None,
        code_space: Sequence[str] = (),
    ) -> None:
        self.schema = schema
        self.params = params
        self.agreement = agreement
        self.code_space = code_space
        self.nodes = 0

    def charge(self, terms: int) -> None:
        """Count ``terms`` more of the statement being built; QueryLimitError past the limit.

        DuckDB plans thousands of conditions or parameters slowly, and planning cannot be
        interrupted, so the size of what a query makes it plan is limited instead.
        """
        self.nodes += terms
        if self.nodes > MAX_NODES:
            raise QueryLimitError(
                f"the query has more than {MAX_NODES:,} terms (a derived column counts each "
                "time it is used); simplify it, or put long lists of values in one in [...] list",
                "size",
            )

    def compile(self, e: Expr) -> Compiled:
        """Compile ``e``; raises QueryError for unknown names or mismatched types."""
        self.charge(1)
        if isinstance(e, Const):
            return self._const(e)
        if isinstance(e, Column):
            return self._column(e)
        if isinstance(e, Index):
            return self._index(e)
        if isinstance(e, Field):
            return self._field(e, e.name)
        if isinstance(e, Unary):
            return self._unary(e)
        if isinstance(e, Binary):
            return self._binary(e)
        if isinstance(e, In):
            return self._in(e)
        if isinstance(e, Call):
            return self._call(e)
        raise QueryError(f"not an expression: {type(e).__name__}")

    def single(self, e: Expr, c: Compiled) -> Compiled:
        """``c`` (compiled from ``e``) as one value: a per-run value is an error unless ``e``
        is a merged column whose runs agree, which stands for the value they agree on."""
        t = c.type
        if t.runs is None:
            return c
        found = None
        if isinstance(e, Column) and self.agreement is not None:
            found = self.agreement(e.name)
        if found is None:
            raise _err(e, per_run_hint(e, t))
        if not found.agrees:
            raise _err(e, disagreement(e, t, found))
        return Compiled(single_value_sql(c.sql, t.runs), t.scalar())

    def compile_single(self, e: Expr) -> Compiled:
        """Compile ``e`` where one value per row is needed (see :meth:`single`)."""
        return self.single(e, self.compile(e))

    def compile_filter(self, e: Expr) -> Compiled:
        """Compile a filter, which must be true/false (or null) per row."""
        c = self.compile(e)
        if c.type.kind == "bool" and c.type.per_run:
            c = self.single(e, c)
        if c.type.kind not in ("bool", "null") or c.type.per_run:
            raise _err(
                e, f"a filter must be true or false for each row, but this is {c.type.describe()}"
            )
        return c

    # -- leaves ---------------------------------------------------------------------------

    def _const(self, e: Const) -> Compiled:
        v = e.value
        if v is None:
            return Compiled("NULL", NULL)
        if isinstance(v, bool):
            return Compiled("TRUE" if v else "FALSE", BOOL)
        if isinstance(v, int):
            return Compiled(self.params.add(v, "BIGINT"), INT)
        if isinstance(v, float):
            return Compiled(self.params.add(v, "DOUBLE"), FLOAT)
        return Compiled(self.params.add(v, "VARCHAR"), STRING)

    def _column(self, e: Column) -> Compiled:
        ref = self.schema.get(e.name)
        if ref is None:
            hint = did_you_mean(e.name, self.schema.keys())
            raise _err(e, f'unknown column "{e.name}"{_at(e)}{hint}')
        self.charge(ref.weight - 1)  # a derived column's expression is inlined here
        return Compiled(ref.sql, ref.type, ref.code)

    def _index(self, e: Index) -> Compiled:
        target = self.compile(e.target)
        t = target.type
        if t.kind == "image" and isinstance(e.index, Const) and isinstance(e.index.value, str):
            return self._field(e, e.index.value, target, e.target)
        if t.per_run:
            result = t.scalar()
        elif t.kind == "list":
            result = ValueType(t.elem or "float")
        else:
            raise _err(
                e,
                f"cannot index a {t.describe()} value{_at(e)}; only per-run values "
                "of a merged table and lists can be indexed",
            )
        index = self.compile(e.index)
        if index.type.kind != "int" or index.type.per_run:
            raise _err(
                e.index, f"an index must be an integer, not {index.type.describe()}{_at(e.index)}"
            )
        if isinstance(e.index, Const) and isinstance(e.index.value, int):
            # Python-style: 0 is the first run, -1 the last; DuckDB lists count from 1.
            k = e.index.value
            pos_sql = self.params.add(k + 1 if k >= 0 else k, "BIGINT")
        else:
            pos_sql = f"(CASE WHEN {index.sql} >= 0 THEN {index.sql} + 1 ELSE {index.sql} END)"
        return Compiled(f"list_extract({target.sql}, {pos_sql})", result)

    def _field(
        self, e: Expr, name: str, target: Compiled | None = None, of: Expr | None = None
    ) -> Compiled:
        if target is None or of is None:
            assert isinstance(e, Field)
            of = e.target
            target = self.compile(of)
        if target.type.kind == "image":
            target = self.single(of, target)  # one run's image, or the image all runs share
        t = target.type
        if t.kind != "image" or t.per_run:
            raise _err(
                e, f"{t.describe()} values have no field .{name}{_at(e)}; fields exist on images"
            )
        if name not in IMAGE_FIELD_TYPES:
            hint = did_you_mean(name, IMAGE_FIELD_TYPES)
            raise _err(e, f'images have no field "{name}"{_at(e)}{hint}')
        # name is one of heron's fixed field names, so it is safe to write into the SQL text.
        return Compiled(
            f"struct_extract({target.sql}, '{name}')", ValueType(IMAGE_FIELD_TYPES[name])
        )

    # -- operators --------------------------------------------------------------------------

    def _unary(self, e: Unary) -> Compiled:
        operand = self.compile_single(e.operand)
        t = operand.type
        if e.op == "not":
            if t.kind not in ("bool", "null") or t.per_run:
                raise _err(e, f"not needs true/false{_at(e)}, but got {t.describe()}")
            return Compiled(f"(NOT {operand.sql})", BOOL)
        if not (t.numeric or t.kind == "null"):
            raise _err(e, f"cannot negate {t.describe()}{_at(e)}")
        return Compiled(f"(-{operand.sql})", t)

    def _binary(self, e: Binary) -> Compiled:
        left, right = self.compile_single(e.left), self.compile_single(e.right)
        lt, rt = left.type, right.type
        op = e.op
        if op in ("and", "or"):
            for c, side in ((left, e.left), (right, e.right)):
                if c.type.kind not in ("bool", "null"):
                    raise _err(
                        e,
                        f"{op} needs true/false on both sides{_at(e)}, but "
                        f"{format_expr(side)} is {c.type.describe()}",
                    )
            return Compiled(f"({left.sql} {op.upper()} {right.sql})", BOOL)
        if op in ("=", "!=", "<", "<=", ">", ">="):
            return self._comparison(e, left, right)
        # arithmetic
        if lt.kind == "null" or rt.kind == "null":
            other = rt if lt.kind == "null" else lt
            if other.kind not in ("null", "int", "float", "string"):
                raise _err(e, f"cannot use {op} on {other.describe()}{_at(e)}")
            return Compiled("NULL", other)
        if op == "+" and lt.text and rt.text:
            return Compiled(f"({left.sql} || {right.sql})", STRING)
        if not (lt.numeric and rt.numeric):
            raise _err(
                e,
                f"cannot apply {op} to {lt.describe()} and {rt.describe()}{_at(e)} "
                f"({format_expr(e)})",
            )
        if op == "/":
            # Division by zero gives null rather than an error or infinity (docs/query.md).
            return Compiled(f"({left.sql} / NULLIF({right.sql}, 0))", FLOAT)
        if op == "%":
            return Compiled(f"({left.sql} % NULLIF({right.sql}, 0))", common_numeric(lt, rt))
        return Compiled(f"({left.sql} {op} {right.sql})", common_numeric(lt, rt))

    def _comparison(self, e: Binary, left: Compiled, right: Compiled) -> Compiled:
        lt, rt, op = left.type, right.type, e.op
        if lt.kind == "null" or rt.kind == "null":
            other = right if lt.kind == "null" else left
            if op == "=":
                return Compiled(f"({other.sql} IS NULL)", BOOL)
            if op == "!=":
                return Compiled(f"({other.sql} IS NOT NULL)", BOOL)
            raise _err(e, f"cannot order against null{_at(e)}; use = null, != null or is_null()")
        if lt.kind == "datetime" and isinstance(e.right, Const) and isinstance(e.right.value, str):
            right = Compiled(right.sql.replace("AS VARCHAR)", "AS TIMESTAMPTZ)"), lt)
            rt = lt
        elif rt.kind == "datetime" and isinstance(e.left, Const) and isinstance(e.left.value, str):
            left = Compiled(left.sql.replace("AS VARCHAR)", "AS TIMESTAMPTZ)"), rt)
            lt = rt
        if not comparable(lt, rt):
            raise _err(
                e, f"cannot compare {lt.describe()} with {rt.describe()}{_at(e)} ({format_expr(e)})"
            )
        if lt.kind == "image" and op not in ("=", "!="):
            raise _err(e, f"images can only be compared with = and !={_at(e)}")
        if lt.kind == "image":
            # Two image references are the same image when their content hashes match.
            left = Compiled(image_hash_sql(left.sql), STRING)
            right = Compiled(image_hash_sql(right.sql), STRING)
        sql_op = "<>" if op == "!=" else op
        coded = self._coded_comparison(e, left, right, sql_op)
        if coded is not None:
            return coded
        return Compiled(f"({left.sql} {sql_op} {right.sql})", BOOL)

    def _coded_comparison(
        self, e: Binary, left: Compiled, right: Compiled, op: str
    ) -> Compiled | None:
        """The comparison made on value codes (heron.query.codes), or None when a side has
        none. A string constant on the other side compares by its place among the values (its
        parameter then goes unused, and the statement drops it)."""
        value = None
        for side in (e.left, e.right):
            if isinstance(side, Const) and isinstance(side.value, str):
                value = side.value
        sql = codes_compared(op, left.code, right.code, value, self.code_space)
        return None if sql is None else Compiled(sql, BOOL)

    def _in(self, e: In) -> Compiled:
        operand = self.compile_single(e.operand)
        if not e.items:
            return Compiled("TRUE" if e.negated else "FALSE", BOOL)
        if len(e.items) > MAX_IN_ITEMS:
            raise QueryLimitError(
                f"the list of in{_at(e)} has {len(e.items):,} values; at most "
                f"{MAX_IN_ITEMS:,} are allowed",
                "size",
            )
        bulk = self._in_list(e, operand)
        if bulk is not None:
            return bulk
        items = [self.compile_single(i) for i in e.items]
        for node, item in zip(e.items, items, strict=True):
            if not comparable(operand.type, item.type):
                raise _err(
                    node,
                    f"cannot compare {operand.type.describe()} with "
                    f"{item.type.describe()}{_at(node)} in the list of in",
                )
        op = "NOT IN" if e.negated else "IN"
        return Compiled(f"({operand.sql} {op} ({', '.join(i.sql for i in items)}))", BOOL)

    def _in_list(self, e: In, operand: Compiled) -> Compiled | None:
        """A long list of constants as one list parameter, or None to compile item by item.

        Thousands of separate parameters take DuckDB seconds to bind, and binding cannot be
        interrupted; one list is bound at once. ``IN (SELECT unnest(list))`` keeps SQL's
        semantics (no match in a list holding null is null) and runs as a hash join; a
        ``list_contains`` inside a CASE would copy the list for every row.
        """
        if len(e.items) <= IN_LIST_PARAMETER or operand.type.kind not in ("int", "float", "string"):
            return None
        values: list[LiteralValue] = []
        for item in e.items:
            if not isinstance(item, Const):
                return None
            v = item.value
            if v is not None and (
                isinstance(v, bool) or isinstance(v, str) != (operand.type.kind == "string")
            ):
                return None  # mixed types: compile item by item for the exact type error
            values.append(v)
        if operand.type.kind == "string":
            sql_type = "VARCHAR[]"
        elif operand.type.kind == "int" and all(isinstance(v, int | None) for v in values):
            sql_type = "BIGINT[]"
        else:
            sql_type = "DOUBLE[]"
        self.charge(len(e.items) // IN_LIST_PARAMETER)  # a list still costs something
        listed = self.params.add(values, sql_type)
        found = f"({operand.sql} IN (SELECT unnest({listed})))"
        return Compiled(f"(NOT {found})" if e.negated else found, BOOL)

    # -- functions --------------------------------------------------------------------------

    def _call(self, e: Call) -> Compiled:
        if e.name in REDUCTIONS:
            return self._reduction(e)
        # len, contains and is_null also take the per-run values themselves.
        whole = 1 if e.name in ("len", "contains", "is_null") else 0
        args = [
            self.compile(a) if i < whole else self.compile_single(a) for i, a in enumerate(e.args)
        ]
        name = e.name

        def arity(lo: int, hi: int) -> None:
            if not lo <= len(args) <= hi:
                want = str(lo) if lo == hi else f"{lo} to {hi}"
                raise _err(
                    e,
                    f"{name}() takes {want} argument{'s' if hi != 1 else ''}"
                    f"{_at(e)}, got {len(args)}",
                )

        def need(i: int, ok: bool, what: str) -> None:
            if not ok:
                raise _err(
                    e.args[i],
                    f"{name}() needs {what}{_at(e.args[i])}, got {args[i].type.describe()}",
                )

        def is_num(t: ValueType) -> bool:
            return t.numeric or t.kind == "null"

        def is_text(t: ValueType) -> bool:
            return t.text or t.kind == "null"

        if name in ("abs", "floor", "ceil"):
            arity(1, 1)
            need(0, is_num(args[0].type), "a number")
            if name != "abs" and args[0].type.kind == "int":
                return args[0]  # whole numbers are their own floor and ceiling
            return Compiled(f"{name}({args[0].sql})", args[0].type)
        if name == "round":
            arity(1, 2)
            need(0, is_num(args[0].type), "a number")
            if len(args) == 2:
                need(1, args[1].type.kind == "int", "a whole number of digits")
                return Compiled(
                    f"round({args[0].sql}, CAST({args[1].sql} AS INTEGER))", args[0].type
                )
            return Compiled(f"round({args[0].sql})", args[0].type)
        if name in ("lower", "upper"):
            arity(1, 1)
            need(0, is_text(args[0].type), "text")
            return Compiled(f"{name}({args[0].sql})", STRING)
        if name in ("startswith", "endswith"):
            arity(2, 2)
            need(0, is_text(args[0].type), "text")
            need(1, is_text(args[1].type), "text")
            fn = "starts_with" if name == "startswith" else "ends_with"
            return Compiled(f"{fn}({args[0].sql}, {args[1].sql})", BOOL)
        if name == "contains":
            arity(2, 2)
            t = args[0].type
            if t.per_run or t.kind == "list":
                elem = t.scalar() if t.per_run else ValueType(t.elem or "float")
                need(1, comparable(elem, args[1].type), f"a value comparable with {elem.kind}")
                return Compiled(f"list_contains({args[0].sql}, {args[1].sql})", BOOL)
            need(0, is_text(t), "text or a list")
            need(1, is_text(args[1].type), "text")
            return Compiled(f"contains({args[0].sql}, {args[1].sql})", BOOL)
        if name == "len":
            arity(1, 1)
            t = args[0].type
            if t.per_run or t.kind == "list":
                return Compiled(f"len({args[0].sql})", INT)
            need(0, is_text(t), "text or a list")
            return Compiled(f"length({args[0].sql})", INT)
        if name == "is_null":
            arity(1, 1)
            return Compiled(f"({args[0].sql} IS NULL)", BOOL)
        if name == "coalesce":
            if not args:
                raise _err(e, f"coalesce() needs at least one argument{_at(e)}")
            common = unify([a.type for a in args])
            if common is None:
                kinds = ", ".join(a.type.describe() for a in args)
                raise _err(e, f"coalesce() arguments must share a type{_at(e)}; got {kinds}")
            return Compiled(f"coalesce({', '.join(a.sql for a in args)})", common)
        raise _err(e, f'unknown function "{name}"{_at(e)}')

    def _reduction(self, e: Call) -> Compiled:
        name = e.name
        if not e.args:
            raise _err(e, f"{name}() needs per-run values, a list, or several values{_at(e)}")
        args = [self.compile(a) for a in e.args]
        names: list[str] | None = None
        if len(args) == 1:
            only = args[0].type
            if only.per_run:
                elem = only.scalar()
            elif only.kind == "list":
                elem = ValueType(only.elem or "float")
            else:
                raise _err(
                    e,
                    f"{name}() reduces the per-run values of a merged table or a list"
                    f"{_at(e)}, but {format_expr(e.args[0])} is a single "
                    f"{only.describe()}; pass several values to compare them",
                )
            values = args[0].sql
        else:
            args = [self.single(node, a) for node, a in zip(e.args, args, strict=True)]
            common = unify([a.type for a in args])
            if common is None:
                kinds = ", ".join(a.type.describe() for a in args)
                raise _err(e, f"{name}() arguments must share a type{_at(e)}; got {kinds}")
            elem = common
            values = f"list_value({', '.join(a.sql for a in args)})"
            names = [a.name if isinstance(a, Column) else format_expr(a) for a in e.args]
        numeric = elem.kind in ("int", "float", "null")
        if name in ("avg", "sum", "stddev", "argmax", "argmin") and not numeric:
            raise _err(e, f"{name}() needs numbers{_at(e)}, got {elem.describe()}")
        if name in ("min", "max") and elem.kind in ("image", "list", "json", "any"):
            raise _err(e, f"{name}() cannot order {elem.describe()} values{_at(e)}")
        if name == "avg":
            return Compiled(f"list_avg({values})", FLOAT)
        if name == "sum":
            # DuckDB sums integers into a 128-bit type; heron ints are 64-bit.
            if elem.kind == "float":
                return Compiled(f"list_sum({values})", FLOAT)
            return Compiled(f"CAST(list_sum({values}) AS BIGINT)", INT)
        if name == "stddev":
            # Sample standard deviation, as pandas and SQL's stddev compute it (docs/query.md).
            return Compiled(f"list_stddev_samp({values})", FLOAT)
        if name == "count":
            return Compiled(f"list_count({values})", INT)
        if name in ("min", "max"):
            return Compiled(f"list_{name}({values})", elem)
        # argmax / argmin: position of the extreme value; a name when several values were given.
        extreme = f"list_{'max' if name == 'argmax' else 'min'}({values})"
        # Guard the all-null case: list_position would otherwise find the first null.
        position = (
            f"(CASE WHEN {extreme} IS NULL THEN NULL ELSE list_position({values}, {extreme}) END)"
        )
        if names is None:
            return Compiled(f"({position} - 1)", INT)
        labels = ", ".join(self.params.add(n, "VARCHAR") for n in names)
        return Compiled(f"list_extract(list_value({labels}), {position})", STRING)
