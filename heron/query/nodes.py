"""The expression AST: frozen dataclasses that serialise to and from plain JSON dicts.

The UI, URLs and reports store filters and derived columns as this JSON, so ``from_json`` treats
its input as untrusted: anything malformed raises :class:`heron.errors.QueryError`, never a
``KeyError`` or ``TypeError``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from heron.errors import QueryError

LiteralValue = str | int | float | bool | None
BinaryOp = Literal["=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "and", "or"]
UnaryOp = Literal["not", "-"]

BINARY_OPS: tuple[BinaryOp, ...] = (
    "=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "and", "or",
)  # fmt: skip
UNARY_OPS: tuple[UnaryOp, ...] = ("not", "-")

# Functions on single values, and reductions over a merged table's per-run values (or lists).
SCALAR_FUNCTIONS = (
    "abs", "round", "floor", "ceil", "lower", "upper", "contains", "startswith", "endswith",
    "len", "is_null", "coalesce",
)  # fmt: skip
REDUCTIONS = ("avg", "sum", "min", "max", "stddev", "count", "argmax", "argmin")
FUNCTIONS = SCALAR_FUNCTIONS + REDUCTIONS

# Deeply nested input would otherwise hit Python's recursion limit in the parser or compiler.
MAX_DEPTH = 100


@dataclass(frozen=True)
class Expr:
    """Base of every expression node; ``pos`` is the character offset in the source text."""

    kind: ClassVar[str] = ""

    def to_json(self) -> dict[str, Any]:
        """Return this expression as a JSON-serialisable dict (see docs/query.md)."""
        return _to_json(self)

    @staticmethod
    def from_json(data: Any) -> Expr:
        """Rebuild an expression from :meth:`to_json` output; malformed input is a QueryError."""
        return _from_json(data, 0)

    def to_text(self) -> str:
        """Render the expression back to query-language text that parses to an equal AST."""
        return format_expr(self)

    def __str__(self) -> str:
        return format_expr(self)


@dataclass(frozen=True)
class Const(Expr):
    """A string, number, boolean or null constant."""

    value: LiteralValue
    pos: int | None = None
    kind: ClassVar[str] = "literal"


@dataclass(frozen=True)
class Column(Expr):
    """``row["name"]`` or ``row.name``; ``pos`` points at the name itself."""

    name: str
    pos: int | None = None
    kind: ClassVar[str] = "column"


@dataclass(frozen=True)
class Index(Expr):
    """``target[index]``: pick run ``index`` of a merged column, or an element of a list."""

    target: Expr
    index: Expr
    pos: int | None = None
    kind: ClassVar[str] = "index"


@dataclass(frozen=True)
class Field(Expr):
    """``target.name``: a field of an image reference (``sha256``, ``width``, ...)."""

    target: Expr
    name: str
    pos: int | None = None
    kind: ClassVar[str] = "field"


@dataclass(frozen=True)
class Unary(Expr):
    """``not x`` or ``-x``."""

    op: UnaryOp
    operand: Expr
    pos: int | None = None
    kind: ClassVar[str] = "unary"


@dataclass(frozen=True)
class Binary(Expr):
    """A comparison, arithmetic or boolean operator; ``==`` is stored as ``=``."""

    op: BinaryOp
    left: Expr
    right: Expr
    pos: int | None = None
    kind: ClassVar[str] = "binary"


@dataclass(frozen=True)
class In(Expr):
    """``operand in [items...]`` (or ``not in`` when ``negated``)."""

    operand: Expr
    items: tuple[Expr, ...]
    negated: bool = False
    pos: int | None = None
    kind: ClassVar[str] = "in"


@dataclass(frozen=True)
class Call(Expr):
    """A function call such as ``abs(x)`` or ``stddev(row["score"])``."""

    name: str
    args: tuple[Expr, ...]
    pos: int | None = None
    kind: ClassVar[str] = "call"


def _to_json(e: Expr) -> dict[str, Any]:
    out: dict[str, Any] = {"node": e.kind}
    if isinstance(e, Const):
        out["value"] = e.value
    elif isinstance(e, Column):
        out["name"] = e.name
    elif isinstance(e, Index):
        out["target"] = _to_json(e.target)
        out["index"] = _to_json(e.index)
    elif isinstance(e, Field):
        out["target"] = _to_json(e.target)
        out["name"] = e.name
    elif isinstance(e, Unary):
        out["op"] = e.op
        out["operand"] = _to_json(e.operand)
    elif isinstance(e, Binary):
        out["op"] = e.op
        out["left"] = _to_json(e.left)
        out["right"] = _to_json(e.right)
    elif isinstance(e, In):
        out["operand"] = _to_json(e.operand)
        out["items"] = [_to_json(i) for i in e.items]
        out["negated"] = e.negated
    elif isinstance(e, Call):
        out["name"] = e.name
        out["args"] = [_to_json(a) for a in e.args]
    pos = getattr(e, "pos", None)
    if pos is not None:
        out["pos"] = pos
    return out


def _bad(msg: str) -> QueryError:
    return QueryError(f"invalid expression document: {msg}")


def _get(d: dict[str, Any], key: str, typ: type | tuple[type, ...], what: str) -> Any:
    if key not in d:
        raise _bad(f'{what} needs "{key}"')
    value = d[key]
    # bool is an int subclass; never accept it where a number or string is meant.
    if not isinstance(value, typ) or (isinstance(value, bool) and bool not in _as_tuple(typ)):
        raise _bad(f'"{key}" of {what} has the wrong type')
    return value


def _as_tuple(typ: type | tuple[type, ...]) -> tuple[type, ...]:
    return typ if isinstance(typ, tuple) else (typ,)


def _from_json(data: Any, depth: int) -> Expr:
    if depth > MAX_DEPTH:
        raise _bad("nested too deeply")
    if not isinstance(data, dict):
        raise _bad(f"expected an object, got {type(data).__name__}")
    node = data.get("node")
    pos = data.get("pos")
    if pos is not None and (not isinstance(pos, int) or isinstance(pos, bool) or pos < 0):
        raise _bad('"pos" must be a non-negative integer')
    sub = depth + 1
    if node == "literal":
        if "value" not in data:
            raise _bad('literal needs "value"')
        value = data["value"]
        if value is not None and not isinstance(value, str | int | float | bool):
            raise _bad("literal value must be a string, number, boolean or null")
        if isinstance(value, float) and not math.isfinite(value):
            raise _bad("literal numbers must be finite")
        return Const(value, pos)
    if node == "column":
        return Column(_get(data, "name", str, "column"), pos)
    if node == "index":
        return Index(_from_json(data.get("target"), sub), _from_json(data.get("index"), sub), pos)
    if node == "field":
        return Field(_from_json(data.get("target"), sub), _get(data, "name", str, "field"), pos)
    if node == "unary":
        op = data.get("op")
        if op not in UNARY_OPS:
            raise _bad(f"unknown unary operator {op!r}")
        return Unary(op, _from_json(data.get("operand"), sub), pos)
    if node == "binary":
        op = data.get("op")
        if op == "==":
            op = "="
        if op not in BINARY_OPS:
            raise _bad(f"unknown binary operator {op!r}")
        return Binary(
            op, _from_json(data.get("left"), sub), _from_json(data.get("right"), sub), pos
        )
    if node == "in":
        items = _get(data, "items", list, "in")
        negated = data.get("negated", False)
        if not isinstance(negated, bool):
            raise _bad('"negated" must be a boolean')
        return In(
            _from_json(data.get("operand"), sub),
            tuple(_from_json(i, sub) for i in items),
            negated,
            pos,
        )
    if node == "call":
        name = _get(data, "name", str, "call")
        args = _get(data, "args", list, "call")
        return Call(name, tuple(_from_json(a, sub) for a in args), pos)
    raise _bad(f"unknown node {node!r}")


# Binding strength used to decide where format_expr needs parentheses (higher binds tighter).
_PRECEDENCE: dict[str, int] = {
    "or": 1, "and": 2, "not": 3,
    "=": 4, "!=": 4, "<": 4, "<=": 4, ">": 4, ">=": 4, "in": 4,
    "+": 5, "-": 5, "*": 6, "/": 6, "%": 6, "neg": 7,
}  # fmt: skip
_ATOM = 8


def _prec(e: Expr) -> int:
    if isinstance(e, Binary):
        return _PRECEDENCE[e.op]
    if isinstance(e, In):
        return _PRECEDENCE["in"]
    if isinstance(e, Unary):
        return _PRECEDENCE["not"] if e.op == "not" else _PRECEDENCE["neg"]
    if isinstance(e, Const) and isinstance(e.value, int | float) and not isinstance(e.value, bool):
        # A negative number prints with a leading minus, so it binds like unary minus.
        return _PRECEDENCE["neg"] if math.copysign(1, e.value) < 0 else _ATOM
    return _ATOM


def _wrap(e: Expr, min_prec: int) -> str:
    text = format_expr(e)
    return f"({text})" if _prec(e) < min_prec else text


def _quote(s: str) -> str:
    # json.dumps gives a double-quoted string with escapes the lexer understands.
    return json.dumps(s, ensure_ascii=False)


def format_expr(e: Expr) -> str:
    """Render an expression as query-language text (inverse of :func:`heron.query.parse`)."""
    if isinstance(e, Const):
        v = e.value
        if v is None:
            return "null"
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return _quote(v)
        return repr(v)
    if isinstance(e, Column):
        return f"row[{_quote(e.name)}]"
    if isinstance(e, Index):
        return f"{_wrap(e.target, _ATOM)}[{format_expr(e.index)}]"
    if isinstance(e, Field):
        return f"{_wrap(e.target, _ATOM)}.{e.name}"
    if isinstance(e, Unary):
        if e.op == "not":
            return f"not {_wrap(e.operand, _PRECEDENCE['not'])}"
        return f"-{_wrap(e.operand, _PRECEDENCE['neg'])}"
    if isinstance(e, Binary):
        p = _PRECEDENCE[e.op]
        # Comparisons do not chain, so both sides of one need tighter binding.
        left_min = p + 1 if p == 4 else p
        return f"{_wrap(e.left, left_min)} {e.op} {_wrap(e.right, p + 1)}"
    if isinstance(e, In):
        items = ", ".join(format_expr(i) for i in e.items)
        op = "not in" if e.negated else "in"
        return f"{_wrap(e.operand, _PRECEDENCE['in'] + 1)} {op} [{items}]"
    if isinstance(e, Call):
        return f"{e.name}({', '.join(format_expr(a) for a in e.args)})"
    raise TypeError(f"not an expression node: {e!r}")


def strip_positions(e: Expr) -> Expr:
    """Return a copy of ``e`` with every ``pos`` cleared (to compare ASTs from different text)."""
    if isinstance(e, Const):
        return Const(e.value)
    if isinstance(e, Column):
        return Column(e.name)
    if isinstance(e, Index):
        return Index(strip_positions(e.target), strip_positions(e.index))
    if isinstance(e, Field):
        return Field(strip_positions(e.target), e.name)
    if isinstance(e, Unary):
        return Unary(e.op, strip_positions(e.operand))
    if isinstance(e, Binary):
        return Binary(e.op, strip_positions(e.left), strip_positions(e.right))
    if isinstance(e, In):
        return In(strip_positions(e.operand), tuple(strip_positions(i) for i in e.items), e.negated)
    if isinstance(e, Call):
        return Call(e.name, tuple(strip_positions(a) for a in e.args))
    raise TypeError(f"not an expression node: {e!r}")


def children(e: Expr) -> tuple[Expr, ...]:
    """The direct sub-expressions of ``e``."""
    if isinstance(e, Index):
        return (e.target, e.index)
    if isinstance(e, Field):
        return (e.target,)
    if isinstance(e, Unary):
        return (e.operand,)
    if isinstance(e, Binary):
        return (e.left, e.right)
    if isinstance(e, In):
        return (e.operand, *e.items)
    if isinstance(e, Call):
        return e.args
    return ()


def depth(e: Expr) -> int:
    """Nesting depth of ``e``, computed without recursion (input may be hostile)."""
    deepest = 0
    stack = [(e, 1)]
    while stack:
        node, d = stack.pop()
        deepest = max(deepest, d)
        stack.extend((c, d + 1) for c in children(node))
    return deepest
