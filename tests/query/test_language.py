"""The expression language: grammar, AST JSON, error messages and positions, type checks."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heron.errors import HeronError, QueryError
from heron.query import Engine, Expr, Query, TableSource, parse
from heron.query.nodes import Binary, Call, Column, Const, In, Index, Unary, strip_positions

Pred = tuple[TableSource, pd.DataFrame]


@pytest.mark.parametrize(
    "text, expected",
    [
        ('row["truth"] != row["guess"]', Binary("!=", Column("truth"), Column("guess"))),
        ("row.truth == 'x'", Binary("=", Column("truth"), Const("x"))),
        ("-3 + 2 * 4", Binary("+", Const(-3), Binary("*", Const(2), Const(4)))),
        ("not row.a or row.b and row.c",
         Binary("or", Unary("not", Column("a")), Binary("and", Column("b"), Column("c")))),
        ('row["s"][0] in [1, 2.5]', In(Index(Column("s"), Const(0)), (Const(1), Const(2.5)))),
        ("row.x not in []", In(Column("x"), (), negated=True)),
        ("ABS(-row.x)", Call("abs", (Unary("-", Column("x")),))),
        ("(1 + 2) * 3", Binary("*", Binary("+", Const(1), Const(2)), Const(3))),
        ("true AND null", Binary("and", Const(True), Const(None))),
        ("1e3 % 7", Binary("%", Const(1000.0), Const(7))),
        ('"a\\"b\\u00e9"', Const('a"bé')),
    ],
)  # fmt: skip
def test_parse(text: str, expected: Expr) -> None:
    assert strip_positions(parse(text)) == expected


@pytest.mark.parametrize(
    "text, message, position",
    [
        ('row["truth"] = ', "unexpected end of expression at 15", 15),
        ('row["truth" = 1', 'unexpected "=" at 12', 12),
        ("abss(row.x)", 'unknown function "abss" at 0; did you mean "abs"?', 0),
        ("truth = 1", 'unknown name "truth" at 0; write a column as row["truth"]', 0),
        ("'open", "unterminated string starting at 0", 0),
        ("row.x = 1 = 2", "comparisons do not chain at 10", 10),
        ("row.x # 1", "unexpected character '#' at 6", 6),
        ("", "empty expression", 0),
        ("99999999999999999999", "too large", 0),
    ],
)  # fmt: skip
def test_syntax_errors(text: str, message: str, position: int) -> None:
    with pytest.raises(QueryError) as info:
        parse(text)
    assert message in info.value.message
    assert info.value.position == position
    assert isinstance(info.value, HeronError)


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    with pytest.raises(QueryError, match="nested too deeply"):
        parse("(" * 5000 + "1" + ")" * 5000)
    with pytest.raises(QueryError, match="nested too deeply"):
        parse("not " * 5000 + "true")
    with pytest.raises(QueryError, match="nested too deeply"):
        parse(" + ".join(["1"] * 5000))
    with pytest.raises(QueryError, match="nested too deeply"):
        Expr.from_json(
            json.loads(
                '{"node": "unary", "op": "not", "operand": ' * 500
                + '{"node": "literal", "value": 1}'
                + "}" * 500
            )
        )


def test_unknown_column_suggests(pred_table: Pred, engine: Engine) -> None:
    source, _ = pred_table
    with pytest.raises(QueryError) as info:
        Query(source, engine=engine).filter('row["gues"] = "Aves"').count()
    assert info.value.message == 'unknown column "gues" at 5; did you mean "guess"?'
    assert info.value.position == 5


@pytest.mark.parametrize(
    "text, fragment",
    [
        ('row["truth"] > 3', "cannot compare string with int at 13"),
        ('row["truth"] + 1', "cannot apply + to string and int"),
        ('row["score_Aves"]', "a filter must be true or false"),
        ('lower(row["score_Aves"]) = "x"', "lower() needs text"),
        ('avg(row["score_Aves"]) > 1', "avg() reduces the per-run values"),
        ('row["guess"][0] = "x"', "cannot index a string value"),
        ('row["image"].pixels = 1', 'images have no field "pixels"'),
        ('row["truth"] < null', "cannot order against null"),
        ("round(row.score_Aves, 1.5) > 0", "round() needs a whole number of digits"),
        ('coalesce(row.truth, 1) = "x"', "coalesce() arguments must share a type"),
        ('not row["truth"]', "not needs true/false"),
    ],
)  # fmt: skip
def test_type_errors(pred_table: Pred, engine: Engine, text: str, fragment: str) -> None:
    source, _ = pred_table
    with pytest.raises(QueryError) as info:
        Query(source, engine=engine).filter(text).count()
    assert fragment in info.value.message
    assert info.value.position is not None


def test_per_run_values_need_an_index(runs: list[Pred], engine: Engine) -> None:
    from heron.query import merge

    q = merge([s for s, _ in runs], on="id", engine=engine)
    with pytest.raises(QueryError, match=r'pick one run with row\["truth"\]\[0\]'):
        q.filter('row["truth"] = "Plantae"').count()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("7 / 2", 3.5), ("7 % 3", 1), ("1 / 0", None), ("5 % 0", None), ("abs(-2)", 2),
        ("round(2.567, 2)", 2.57), ("floor(2.5)", 2.0), ("ceil(2.1)", 3.0),
        ('lower("AbC")', "abc"), ('upper("a")', "A"), ('contains("hello", "ell")', True),
        ('startswith("hello", "he")', True), ('endswith("hello", "lo")', True),
        ('len("héllo")', 5), ("is_null(null)", True), ("coalesce(null, 2)", 2),
        ('"a" + "b"', "ab"), ("max(1, 5, 3)", 5), ("min(2.5, 1)", 1.0), ("sum(1, 2)", 3),
        ("avg(1, 2)", 1.5), ("count(1, null, 3)", 2), ("argmin(3, 1, 2)", "1"),
        ("2 in [1, 2]", True), ("2 not in [1, 2]", False), ("null = null", True),
        ("1 < 2 and 2 <= 2 and 3 > 2 and 3 >= 3 and 1 != 2", True),
    ],
)  # fmt: skip
def test_values(pred_table: Pred, engine: Engine, text: str, expected: object) -> None:
    source, _ = pred_table
    page = Query(source, engine=engine).add_column("v", text).select(["v"]).page(0, 1)
    assert page.rows[0]["v"] == expected


def test_image_fields_and_image_equality(pred_table: Pred, engine: Engine) -> None:
    source, df = pred_table
    q = Query(source, engine=engine)
    assert q.filter('row.image.width = 64 and row["image"]["format"] = "png"').count() == len(df)
    sha = df.image[10]["sha256"]
    assert q.filter(f'row.image.sha256 = "{sha}"').page().rows[0]["id"] == 10


# -- AST JSON round trips -----------------------------------------------------------------------

names = st.text(min_size=1, max_size=12)
leaves = st.one_of(
    st.builds(Const, st.one_of(st.none(), st.booleans(), st.integers(-(2**63), 2**63 - 1),
                               st.floats(allow_nan=False, allow_infinity=False), st.text())),
    st.builds(Column, names),
)  # fmt: skip
exprs = st.recursive(
    leaves,
    lambda sub: st.one_of(
        st.builds(
            Binary,
            st.sampled_from(["=", "!=", "<", "+", "-", "*", "/", "%", "and", "or"]),
            sub,
            sub,
        ),
        st.builds(Unary, st.sampled_from(["not", "-"]), sub),
        st.builds(Index, sub, sub),
        st.builds(In, sub, st.lists(sub, max_size=3).map(tuple), st.booleans()),
        st.builds(
            Call,
            st.sampled_from(["abs", "max", "coalesce", "contains"]),
            st.lists(sub, max_size=3).map(tuple),
        ),
    ),
    max_leaves=12,
)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(exprs)
def test_json_round_trip(e: Expr) -> None:
    data = json.loads(json.dumps(e.to_json()))
    assert Expr.from_json(data) == e


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(exprs)
def test_text_round_trip(e: Expr) -> None:
    """Printing an AST and parsing it back gives the same AST (up to how -3 is folded)."""
    again = strip_positions(parse(e.to_text()))
    assert strip_positions(parse(again.to_text())) == again
    assert again.to_text() == parse(e.to_text()).to_text()


@pytest.mark.parametrize(
    "bad",
    [None, [], {"node": "nope"}, {"node": "binary", "op": "**", "left": {}, "right": {}},
     {"node": "literal"}, {"node": "literal", "value": [1]}, {"node": "column", "name": 3},
     {"node": "call", "name": "abs", "args": "x"}, {"node": "literal", "value": 1, "pos": -1}],
)  # fmt: skip
def test_bad_ast_json(bad: object) -> None:
    with pytest.raises(QueryError):
        Expr.from_json(bad)


def test_negating_the_smallest_integer_is_not_folded() -> None:
    # -(-2**63) is no 64-bit integer: it stays a negation, which prints and parses back.
    text = "--9223372036854775808"
    e = parse(text)
    assert strip_positions(parse(e.to_text())) == strip_positions(e)
    assert parse("-9223372036854775808").to_text() == "-9223372036854775808"
