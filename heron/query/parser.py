"""Text to AST for the expression language (grammar in docs/query.md).

A hand-written tokenizer and recursive-descent parser: no eval, no regex tricks, and every error
carries the character offset where it went wrong.
"""

from __future__ import annotations

from dataclasses import dataclass

from heron.errors import QueryError
from heron.query.nodes import (
    FUNCTIONS,
    MAX_DEPTH,
    Binary,
    BinaryOp,
    Call,
    Column,
    Const,
    Expr,
    Field,
    In,
    Index,
    Unary,
    depth,
)
from heron.query.suggest import did_you_mean

MAX_TEXT = 100_000
MAX_NESTING = 50
_INT64_MAX = 2**63 - 1
_KEYWORDS = {"and", "or", "not", "in", "true", "false", "null"}
_TWO_CHAR_OPS = {"==", "!=", "<=", ">=", "<>"}
_ONE_CHAR_OPS = set("=<>+-*/%()[],.")
_ESCAPES = {
    "\\": "\\",
    "'": "'",
    '"': '"',
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "0": "\0",
    "b": "\b",
    "f": "\f",
    "/": "/",
}
_COMPARISONS: dict[str, BinaryOp] = {
    "=": "=", "==": "=", "!=": "!=", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">=",
}  # fmt: skip


@dataclass(frozen=True)
class Token:
    """One lexical token: ``kind`` is num, str, name, kw, op or eof."""

    kind: str
    value: str | int | float
    pos: int

    def describe(self) -> str:
        """Human wording of the token for error messages."""
        if self.kind == "eof":
            return "end of expression"
        if self.kind == "str":
            return f"string {self.value!r}"
        return f'"{self.value}"'


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens; raises QueryError on a bad character, string or number."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "\"'":
            value, i2 = _read_string(text, i)
            tokens.append(Token("str", value, i))
            i = i2
        elif ch.isdigit() or (ch == "." and i + 1 < n and text[i + 1].isdigit()):
            num, i2 = _read_number(text, i)
            tokens.append(Token("num", num, i))
            i = i2
        elif ch.isalpha() or ch == "_":
            j = i + 1
            while j < n and (text[j].isalnum() or text[j] == "_"):
                j += 1
            word = text[i:j]
            if word.lower() in _KEYWORDS:
                tokens.append(Token("kw", word.lower(), i))
            else:
                tokens.append(Token("name", word, i))
            i = j
        elif text[i : i + 2] in _TWO_CHAR_OPS:
            tokens.append(Token("op", text[i : i + 2], i))
            i += 2
        elif ch in _ONE_CHAR_OPS:
            tokens.append(Token("op", ch, i))
            i += 1
        else:
            raise QueryError(f"unexpected character {ch!r} at {i}", i)
    tokens.append(Token("eof", "", n))
    return tokens


def _read_string(text: str, start: int) -> tuple[str, int]:
    quote = text[start]
    out: list[str] = []
    i = start + 1
    while i < len(text):
        ch = text[i]
        if ch == quote:
            return "".join(out), i + 1
        if ch == "\\":
            if i + 1 >= len(text):
                break
            esc = text[i + 1]
            if esc in _ESCAPES:
                out.append(_ESCAPES[esc])
                i += 2
            elif esc == "u":
                digits = text[i + 2 : i + 6]
                if len(digits) != 4 or any(c not in "0123456789abcdefABCDEF" for c in digits):
                    raise QueryError(f"bad \\u escape at {i}; expected 4 hex digits", i)
                out.append(chr(int(digits, 16)))
                i += 6
            else:
                raise QueryError(f"unknown escape \\{esc} at {i}", i)
        else:
            out.append(ch)
            i += 1
    raise QueryError(f"unterminated string starting at {start}", start)


def _read_number(text: str, start: int) -> tuple[int | float, int]:
    i, n = start, len(text)
    while i < n and text[i].isdigit():
        i += 1
    is_float = False
    if (
        i < n
        and text[i] == "."
        and not (i + 1 < n and (text[i + 1].isalpha() or text[i + 1] == "_"))
    ):
        is_float = True
        i += 1
        while i < n and text[i].isdigit():
            i += 1
    if i < n and text[i] in "eE":
        j = i + 1
        if j < n and text[j] in "+-":
            j += 1
        if j < n and text[j].isdigit():
            is_float = True
            i = j
            while i < n and text[i].isdigit():
                i += 1
    raw = text[start:i]
    if i < n and (text[i].isalpha() or text[i] == "_"):
        raise QueryError(f"bad number {text[start : i + 1]!r} at {start}", start)
    if is_float:
        value = float(raw)
        if value in (float("inf"), float("-inf")):
            raise QueryError(f"number {raw} at {start} is too large", start)
        return value, i
    as_int = int(raw)
    # 2**63 itself is allowed here: it is valid once negated (the parser checks the sign).
    if as_int > _INT64_MAX + 1:
        raise QueryError(f"number {raw} at {start} is too large for a 64-bit integer", start)
    return as_int, i


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        if tok.kind != "eof":
            self.i += 1
        return tok

    def at(self, kind: str, value: str | None = None) -> bool:
        tok = self.tok
        return tok.kind == kind and (value is None or tok.value == value)

    def expect(self, kind: str, value: str, what: str) -> Token:
        if not self.at(kind, value):
            raise self.error(what)
        return self.advance()

    def error(self, expected: str) -> QueryError:
        tok = self.tok
        return QueryError(f"unexpected {tok.describe()} at {tok.pos}; expected {expected}", tok.pos)

    def enter(self) -> None:
        self.depth += 1
        # Each nesting level costs about ten Python frames in this recursive-descent parser.
        if self.depth > MAX_NESTING:
            raise QueryError(f"expression nested too deeply at {self.tok.pos}", self.tok.pos)

    def parse(self) -> Expr:
        expr = self.parse_or()
        if not self.at("eof"):
            raise self.error("an operator or the end of the expression")
        return expr

    def parse_or(self) -> Expr:
        left = self.parse_and()
        while self.at("kw", "or"):
            pos = self.advance().pos
            left = Binary("or", left, self.parse_and(), pos)
        return left

    def parse_and(self) -> Expr:
        left = self.parse_not()
        while self.at("kw", "and"):
            pos = self.advance().pos
            left = Binary("and", left, self.parse_not(), pos)
        return left

    def parse_not(self) -> Expr:
        if self.at("kw", "not"):
            pos = self.advance().pos
            self.enter()
            operand = self.parse_not()
            self.depth -= 1
            return Unary("not", operand, pos)
        return self.parse_comparison()

    def parse_comparison(self) -> Expr:
        left = self.parse_additive()
        tok = self.tok
        result: Expr
        if tok.kind == "op" and tok.value in _COMPARISONS:
            self.advance()
            result = Binary(_COMPARISONS[str(tok.value)], left, self.parse_additive(), tok.pos)
        elif self.at("kw", "in"):
            self.advance()
            result = In(left, self.parse_list(), False, tok.pos)
        elif (
            self.at("kw", "not")
            and self.tokens[self.i + 1].kind == "kw"
            and (self.tokens[self.i + 1].value == "in")
        ):
            self.advance()
            self.advance()
            result = In(left, self.parse_list(), True, tok.pos)
        else:
            return left
        nxt = self.tok
        if (nxt.kind == "op" and nxt.value in _COMPARISONS) or self.at("kw", "in"):
            raise QueryError(
                f"comparisons do not chain at {nxt.pos}; join them with and/or", nxt.pos
            )
        return result

    def parse_list(self) -> tuple[Expr, ...]:
        self.expect("op", "[", '"[" to start the list after in')
        items: list[Expr] = []
        while not self.at("op", "]"):
            items.append(self.parse_or())
            if self.at("op", ","):
                self.advance()
            elif not self.at("op", "]"):
                raise self.error('"," or "]"')
        self.advance()
        return tuple(items)

    def parse_additive(self) -> Expr:
        left = self.parse_multiplicative()
        while self.tok.kind == "op" and self.tok.value in ("+", "-"):
            tok = self.advance()
            op: BinaryOp = "+" if tok.value == "+" else "-"
            left = Binary(op, left, self.parse_multiplicative(), tok.pos)
        return left

    def parse_multiplicative(self) -> Expr:
        left = self.parse_unary()
        while self.tok.kind == "op" and self.tok.value in ("*", "/", "%"):
            tok = self.advance()
            op: BinaryOp = "*" if tok.value == "*" else "/" if tok.value == "/" else "%"
            left = Binary(op, left, self.parse_unary(), tok.pos)
        return left

    def parse_unary(self) -> Expr:
        after = self.tokens[min(self.i + 2, len(self.tokens) - 1)]
        if (
            self.at("op", "-") and self.tokens[self.i + 1].kind == "num"
            and not (after.kind == "op" and after.value in ("[", "."))
        ):  # fmt: skip
            # A negative literal: fold it here so -9223372036854775808 fits in 64 bits.
            tok = self.advance()
            num = self.advance()
            assert isinstance(num.value, int | float)
            return Const(-num.value, tok.pos)
        if self.tok.kind == "op" and self.tok.value in ("-", "+"):
            tok = self.advance()
            self.enter()
            operand = self.parse_unary()
            self.depth -= 1
            if tok.value == "+":
                return operand
            # Fold "-3" into a negative constant so printed and parsed ASTs agree (but not
            # "--9223372036854775808": its negation is no 64-bit integer, and the constant
            # would not parse back).
            if (
                isinstance(operand, Const)
                and isinstance(operand.value, int | float)
                and (not isinstance(operand.value, bool))
                and not (isinstance(operand.value, int) and -operand.value > _INT64_MAX)
            ):
                return Const(-operand.value, tok.pos)
            return Unary("-", operand, tok.pos)
        return self.parse_postfix()

    def parse_postfix(self) -> Expr:
        expr = self.parse_primary()
        while True:
            if self.at("op", "["):
                pos = self.advance().pos
                self.enter()
                index = self.parse_or()
                self.depth -= 1
                self.expect("op", "]", '"]"')
                expr = Index(expr, index, pos)
            elif self.at("op", "."):
                self.advance()
                if not self.at("name"):
                    raise self.error("a field name after '.'")
                name_tok = self.advance()
                expr = Field(expr, str(name_tok.value), name_tok.pos)
            else:
                return expr

    def parse_primary(self) -> Expr:
        tok = self.tok
        if tok.kind == "num":
            self.advance()
            if isinstance(tok.value, int) and tok.value > _INT64_MAX:
                raise QueryError(
                    f"number {tok.value} at {tok.pos} is too large for a 64-bit integer", tok.pos
                )
            return Const(tok.value, tok.pos)
        if tok.kind == "str":
            self.advance()
            return Const(str(tok.value), tok.pos)
        if tok.kind == "kw" and tok.value in ("true", "false", "null"):
            self.advance()
            value = {"true": True, "false": False, "null": None}[str(tok.value)]
            return Const(value, tok.pos)
        if self.at("op", "("):
            self.advance()
            self.enter()
            inner = self.parse_or()
            self.depth -= 1
            self.expect("op", ")", '")"')
            return inner
        if tok.kind == "name":
            return self.parse_name()
        raise self.error("a value, row[...] or a function call")

    def parse_name(self) -> Expr:
        tok = self.advance()
        name = str(tok.value)
        if name == "row":
            if self.at("op", "["):
                self.advance()
                if not self.at("str"):
                    raise self.error('a column name in quotes, as in row["truth"]')
                col = self.advance()
                self.expect("op", "]", '"]"')
                # Point at the name itself, just inside its opening quote.
                return Column(str(col.value), col.pos + 1)
            if self.at("op", "."):
                self.advance()
                if not self.at("name"):
                    raise self.error('a column name after "row."')
                col = self.advance()
                return Column(str(col.value), col.pos)
            raise self.error('[ or . after row, as in row["truth"]')
        if self.at("op", "("):
            lowered = name.lower()
            if lowered not in FUNCTIONS:
                hint = did_you_mean(lowered, FUNCTIONS)
                raise QueryError(f'unknown function "{name}" at {tok.pos}{hint}', tok.pos)
            self.advance()
            args: list[Expr] = []
            self.enter()
            while not self.at("op", ")"):
                args.append(self.parse_or())
                if self.at("op", ","):
                    self.advance()
                elif not self.at("op", ")"):
                    raise self.error('"," or ")"')
            self.depth -= 1
            self.advance()
            return Call(lowered, tuple(args), tok.pos)
        raise QueryError(
            f'unknown name "{name}" at {tok.pos}; write a column as row["{name}"]', tok.pos
        )


def parse(text: str) -> Expr:
    """Parse query-language ``text`` into an AST; raises QueryError with a position on mistakes."""
    if not isinstance(text, str):
        raise QueryError(f"an expression must be text, not {type(text).__name__}")
    if len(text) > MAX_TEXT:
        raise QueryError(f"expression is too long ({len(text)} characters; at most {MAX_TEXT})")
    if not text.strip():
        raise QueryError("empty expression", 0)
    expr = _Parser(text).parse()
    # Long operator chains (a or b or c ...) build deep trees without deep parser recursion.
    if depth(expr) > MAX_DEPTH:
        raise QueryError(f"expression nested too deeply (more than {MAX_DEPTH} levels)", 0)
    return expr
