"""JSON query documents: execute(), to_document()/from_document(), result shapes."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from heron.errors import QueryError
from heron.query import Engine, Query, TableSource, execute, merge, parse
from tests.query.helpers import json_roundtrip

Pred = tuple[TableSource, pd.DataFrame]


def test_execute_page_shape(pred_table: Pred, engine: Engine) -> None:
    source, df = pred_table
    doc = {
        "filter": 'row["truth"] != row["guess"]',
        "columns": [{"name": "margin", "expr": 'row["score_Plantae"] - row["score_Fungi"]'}],
        "sort": [{"column": "margin", "descending": True}],
        "select": ["id", "image", "truth", "guess", "margin"],
        "page": {"offset": 10, "size": 5},
    }
    result = json_roundtrip(execute(doc, [source], engine=engine))
    assert [c["name"] for c in result["columns"]] == doc["select"]
    # One column description for Python and HTTP: element and runs are null when not a list or
    # a merged column.
    assert result["columns"][1] == {"name": "image", "type": "image", "element": None, "runs": None}
    assert result["columns"][4] == {
        "name": "margin",
        "type": "float",
        "element": None,
        "runs": None,
    }
    ref = df[(df.truth != df.guess) & df.guess.notna()]
    ref = ref.assign(margin=ref.score_Plantae - ref.score_Fungi).sort_values(
        "margin", ascending=False, kind="stable"
    )
    assert result["total"] == len(ref)
    assert [r["id"] for r in result["rows"]] == ref.id.iloc[10:15].tolist()
    assert result["query"]["filter"] == parse(doc["filter"]).to_json()  # type: ignore[arg-type]


def test_execute_grouped(pred_table: Pred, engine: Engine) -> None:
    source, df = pred_table
    doc = {"group": {"by": "truth", "bins": 4}, "page": {"offset": 2, "size": 3}}
    result = json_roundtrip(execute(doc, [source], engine=engine))
    assert result["total"] == df.truth.nunique()
    # The groups travel once: in "groups", not again as the page's rows.
    assert result["rows"] == []
    groups = result["groups"]
    assert len(groups["rows"]) == 3
    assert groups["offset"] == 2
    keys = sorted(df.truth.unique())[2:5]
    assert [r["key"][0] for r in groups["rows"]] == keys
    for row in groups["rows"]:
        assert row["count"] == int((df.truth == row["key"][0]).sum())
        assert len(row["summaries"]["score_Aves"]["counts"]) == 4


def test_document_round_trip(runs: list[Pred], engine: Engine) -> None:
    sources = [s for s, _ in runs]
    q = (
        merge(sources, on="image", how="outer", engine=engine)
        .add_column("disagree", 'stddev(row["score_Amphibia"])')
        .filter('row["guess"][0] != row["guess"][1]')
        .filter("row.disagree > 0.01")
        .sort("disagree", descending=True)
    )
    doc = json_roundtrip(q.to_document())
    again = Query.from_document(doc, sources)
    assert again.to_document() == doc
    assert again.page(0, 7).rows == q.page(0, 7).rows


@pytest.mark.parametrize(
    "doc, fragment",
    [
        ({"filter": 42}, "filter must be expression text"),
        ({"sort": [{"column": "nope"}]}, 'unknown column "nope"'),
        ({"sort": "id"}, "sort must be a list"),
        ({"group": {"by": []}}, "group.by"),
        ({"group": {"by": "truth", "bins": 0}}, "bins must be"),
        ({"page": {"size": -1}}, "size must be"),
        ({"merge": {"mode": "zip"}}, "unknown merge mode"),
        ({"surprise": 1}, "unknown field(s): surprise"),
        ({"columns": [{"name": "id", "expr": "1"}]}, 'column "id" already exists'),
        ({"version": 2}, "unsupported query document version"),
    ],
)  # fmt: skip
def test_bad_documents(
    pred_table: Pred, engine: Engine, doc: dict[str, object], fragment: str
) -> None:
    source, _ = pred_table
    with pytest.raises(QueryError) as info:
        execute(doc, [source], engine=engine)
    assert fragment in info.value.message


def test_count_is_cached_across_pages(pred_table: Pred, engine: Engine) -> None:
    source, _ = pred_table
    q = Query(source, engine=engine).filter('row["truth"] = "Aves"')
    first = q.page(0, 10).total
    assert len(engine.counts._data) == 1
    assert q.sort("id", descending=True).page(10, 10).total == first
    assert len(engine.counts._data) == 1


def test_import_stays_light() -> None:
    code = (
        "import sys, heron.query as q; q.parse('row.a = 1'); "
        "print(sorted(m for m in ('duckdb', 'pyarrow', 'numpy', 'pandas') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
