"""Hostile input: odd column names, odd literals, random expressions and documents.

Whatever goes in, SQL is never injected (results match an independent Python computation) and
nothing escapes except QueryError.
"""

from __future__ import annotations

import contextlib
import json
import threading
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heron.errors import QueryError
from heron.query import Engine, Expr, Query, TableSource, execute, merge
from heron.query.nodes import Binary, Call, Column, Const, In, Index, Unary
from tests.query.helpers import image_ref, write_table

HOSTILE_NAMES = [
    'a"b', "x'; DROP TABLE t; --", "semi;colon", "名前", "$1", "#1", "t.__ord", "__ord",
    "c0", "o0", "g0", "SELECT", '"', "''", "a\\b", "tab\tname", " spaced ", "emoji 🦩",
]  # fmt: skip

_SHARED = Engine(timeout=10)
_tables: dict[tuple[str, ...], TableSource] = {}
_lock = threading.Lock()


def _table(root: Path, names: tuple[str, str]) -> TableSource:
    """A small table whose text column and number column carry the given names."""
    with _lock:
        if names not in _tables:
            directory = root / f"t{len(_tables)}"
            data = {
                names[0]: ["x", "y", "it's", 'q"q', None, "$1"],
                names[1]: [1, 2, 3, 4, 5, None],
            }
            columns = [(names[0], "string"), (names[1], "int")]
            _tables[names] = write_table(directory, columns, data, "hostile")
        return _tables[names]


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hostile")


name_strategy = st.one_of(
    st.sampled_from(HOSTILE_NAMES),
    st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"),
            min_size=1, max_size=10),
)  # fmt: skip


@pytest.mark.slow
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text_name=name_strategy, number_name=name_strategy, needle=st.text(max_size=8))
def test_hostile_names_and_literals(
    root: Path, text_name: str, number_name: str, needle: str
) -> None:
    if text_name == number_name:
        number_name += "_n"
    source = _table(root, (text_name, number_name))
    data = {text_name: ["x", "y", "it's", 'q"q', None, "$1"], number_name: [1, 2, 3, 4, 5, None]}
    q = Query(source, engine=_SHARED)
    # Equality with an arbitrary string literal, built as an AST: nothing is spliced as text.
    expr = Binary("or", Binary("=", Column(text_name), Const(needle)),
                  Binary(">", Column(number_name), Const(3)))  # fmt: skip
    expected = [
        i for i, (s, n) in enumerate(zip(data[text_name], data[number_name], strict=True))
        if (s is not None and s == needle) or (n is not None and n > 3)
    ]  # fmt: skip
    rows = q.filter(expr).add_column("row_no", Column(number_name)).page(0, 100).rows
    assert [r[number_name] for r in rows] == [data[number_name][i] for i in expected]
    assert all(set(r) == {text_name, number_name, "row_no"} for r in rows)
    # The same filter typed as text, with the name escaped the way format_expr writes it.
    assert q.filter(expr.to_text()).count() == len(expected)
    groups = q.group_by(text_name).groups()
    assert sum(g["count"] for g in groups["rows"]) == 6


def test_injection_attempts_are_just_values(root: Path) -> None:
    source = _table(root, ("label", "n"))
    q = Query(source, engine=_SHARED)
    for attack in ["x' OR 1=1 --", 'x" OR 1=1 --', "'; DROP TABLE t; --", "$2", "?"]:
        text = f"row.label = {json.dumps(attack)}"
        assert q.filter(text).count() == 0
    assert q.filter('row.label = "$1"').count() == 1
    with pytest.raises(QueryError):
        q.filter('row["label"]; DROP TABLE x').count()


leaf = st.one_of(
    st.builds(Const, st.one_of(st.none(), st.booleans(), st.integers(-5, 5),
                               st.floats(-1e3, 1e3), st.text(max_size=3))),
    st.builds(Column, st.sampled_from(["label", "n", "nope", "score", "image", "tags"])),
)  # fmt: skip
random_exprs = st.recursive(
    leaf,
    lambda sub: st.one_of(
        st.builds(
            Binary,
            st.sampled_from(["=", "!=", "<", ">=", "+", "-", "*", "/", "%", "and", "or"]),
            sub,
            sub,
        ),
        st.builds(Unary, st.sampled_from(["not", "-"]), sub),
        st.builds(Index, sub, sub),
        st.builds(In, sub, st.lists(sub, max_size=3).map(tuple), st.booleans()),
        st.builds(
            Call,
            st.sampled_from(
                [
                    "abs",
                    "round",
                    "lower",
                    "contains",
                    "len",
                    "is_null",
                    "coalesce",
                    "avg",
                    "max",
                    "argmax",
                    "count",
                    "stddev",
                ]
            ),
            st.lists(sub, max_size=3).map(tuple),
        ),
    ),
    max_leaves=10,
)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> TableSource:
    data: dict[str, list[Any]] = {
        "label": ["a", "b", None, "d"], "n": [0, 1, -2, None], "score": [0.5, float("nan"), 0.0, None],
        "image": [image_ref(i) for i in range(4)], "tags": [[1.0, 2.0], [], None, [0.0]],
    }  # fmt: skip
    columns = [("label", "string"), ("n", "int"), ("score", "float"), ("image", "image"),
               ("tags", "list")]  # fmt: skip
    return write_table(tmp_path_factory.mktemp("mixed"), columns, data, "mixed")


@pytest.mark.slow
@settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(e=random_exprs)
def test_random_expressions_only_raise_query_errors(mixed: TableSource, e: Expr) -> None:
    q = Query(mixed, engine=_SHARED)
    for attempt in (lambda: q.filter(e).count(), lambda: q.add_column("v", e).page(0, 10)):
        try:
            attempt()
        except QueryError as exc:
            assert exc.message
            assert exc.position is None or isinstance(exc.position, int)


@pytest.mark.slow
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.text(
        alphabet=st.sampled_from(list("row[]\"'.()=!<>+-*/% andotrueflsinx0123,")), max_size=30
    )
)
def test_random_text_only_raises_query_errors(mixed: TableSource, text: str) -> None:
    with contextlib.suppress(QueryError):
        Query(mixed, engine=_SHARED).filter(text).count()


json_values = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=5)
    ),
    lambda sub: st.one_of(
        st.lists(sub, max_size=3), st.dictionaries(st.text(max_size=6), sub, max_size=3)
    ),
    max_leaves=8,
)
doc_keys = st.sampled_from(
    ["filter", "sort", "columns", "group", "page", "merge", "select", "version"]
)


@pytest.mark.slow
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(doc=st.dictionaries(doc_keys, json_values, max_size=4))
def test_random_documents_only_raise_query_errors(mixed: TableSource, doc: dict[str, Any]) -> None:
    try:
        result = execute(doc, [mixed], engine=_SHARED)
    except QueryError:
        return
    json.dumps(result.to_json(), allow_nan=False)


@pytest.mark.slow
def test_timeout_interrupts_and_reports(tmp_path: Path) -> None:
    # Every row shares one key, so a three-way join explodes into 27 billion rows.
    n = 3000
    data = {"id": [1] * n, "v": list(range(n))}
    sources = [write_table(tmp_path / f"r{i}", [("id", "int"), ("v", "int")], data, f"r{i}")
               for i in range(3)]  # fmt: skip
    # The join-size guard would refuse this join before it ran; lift it to reach the timer.
    slow = Engine(timeout=0.5, join_max_rows=10**12)
    with pytest.raises(QueryError, match=r"longer than its time limit of 0\.5 s"):
        merge(sources, on="id", engine=slow).count()


def test_incompatible_join_keys(tmp_path: Path) -> None:
    a = write_table(tmp_path / "a", [("id", "int")], {"id": [1, 2]}, "a")
    b = write_table(tmp_path / "b", [("id", "string")], {"id": ["1", "2"]}, "b")
    with pytest.raises(QueryError, match='key "id" is string in "b" but int in "a"'):
        merge([a, b], on="id").count()


def test_frame_helpers_agree(tmp_path: Path) -> None:
    """Guard the test helpers themselves: a written table reads back as written."""
    data = {"s": ["a", None], "f": [1.5, float("nan")]}
    source = write_table(tmp_path / "h", [("s", "string"), ("f", "float")], data, "h")
    got = Query(source).to_pandas()
    pd.testing.assert_frame_equal(got, pd.DataFrame(data))
