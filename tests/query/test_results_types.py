"""Query results have one typed shape: what the Python API returns is what the HTTP API sends,
and both are what the types in heron.query.results (and so the OpenAPI schema and the UI's
generated types) describe. Errors name the part of the query document at fault and where."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from pydantic import TypeAdapter

import heron
from heron.errors import QueryError
from heron.query import Engine, Query, QueryResult, TableSource, execute, merge
from heron.query.results import Groups, Page
from heron.server import create_app
from heron.server.jsonsafe import json_safe
from tests.fixtures.local import local_client
from tests.query.helpers import PREDICTION_COLUMNS, json_roundtrip, predictions, write_table

KEY = "preds"
RESULT = TypeAdapter(QueryResult)
GROUPS = TypeAdapter(Groups)
SCORES = [0.25, float("nan"), float("inf"), float("-inf"), None, 0.75]


def typed_json(adapter: TypeAdapter[Any], value: Any) -> Any:
    """``value`` written through its declared type: a value the type does not describe makes
    pydantic warn, and warnings are errors in heron's tests."""
    return json.loads(adapter.dump_json(value))


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str]]:
    """A run that logged a table with every kind of cell, and a client of a server on it."""
    directory = tmp_path_factory.mktemp("store")
    rng = np.random.default_rng(5)
    with heron.init(project="p", dir=directory) as run:
        table = heron.Table(columns=["id", "image", "truth", "score", "tags", "when"])
        for i in range(12):
            pixels = rng.integers(0, 255, (8, 8, 3), dtype=np.uint8)
            when = dt.datetime(2026, 1, 1 + i, tzinfo=dt.UTC)
            table.add_data(
                i, heron.Image(pixels), "abc"[i % 3], SCORES[i % 6], [float(i), 1.5], when
            )
        run.log({KEY: table})
        run_id = run.id
    with local_client(create_app(directory)) as client:
        yield client, run_id


def _query(client: TestClient, run_id: str, document: dict[str, Any]) -> Any:
    response = client.post(
        "/api/projects/p/query",
        json={"tables": [{"run_id": run_id, "key": KEY}], "query": document},
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_a_page_over_http_is_what_its_type_describes(logged: tuple[TestClient, str]) -> None:
    client, run_id = logged
    body = _query(client, run_id, {"sort": [{"column": "id"}], "page": {"size": 12}})
    assert typed_json(RESULT, RESULT.validate_python(body)) == body
    columns = {c["name"]: c for c in body["columns"]}
    assert columns["image"] == {"name": "image", "type": "image", "element": None, "runs": None}
    assert columns["tags"]["type"] == "list" and columns["tags"]["element"] == "float"
    row = body["rows"][1]
    assert set(row["image"]) == {
        "sha256", "format", "width", "height", "caption", "overlays", "url", "thumbnail_url",
    }  # fmt: skip
    assert row["when"].startswith("2026-01-02")
    # NaN and the infinities are spelled one way: the way the runs' summaries spell them.
    spelled = [r["score"] for r in body["rows"][:6]]
    assert spelled == [0.25, "NaN", "Infinity", "-Infinity", None, 0.75]
    assert spelled[1:4] == [json_safe(v) for v in SCORES[1:4]]
    # The table's page route answers with the same type.
    rows = client.get(
        f"/api/projects/p/runs/{run_id}/table/rows", params={"key": KEY, "limit": 12}
    ).json()
    assert typed_json(RESULT, RESULT.validate_python(rows)) == rows
    assert rows["rows"] == body["rows"]


def test_a_grouped_page_sends_its_groups_once(logged: tuple[TestClient, str]) -> None:
    client, run_id = logged
    body = _query(client, run_id, {"group": {"by": "truth", "images_per_group": 2}})
    assert body["rows"] == []
    groups = body["groups"]
    assert [g["key"] for g in groups["rows"]] == [["a"], ["b"], ["c"]]
    assert body["total"] == groups["total"] == 3 and groups["total_rows"] == 12
    assert body["columns"] == groups["columns"]
    # Each group's summaries appear once in the whole answer.
    text = json.dumps(body)
    assert text.count('"summaries"') == 1 + len(groups["rows"])
    assert typed_json(RESULT, RESULT.validate_python(body)) == body
    kinds = {name: info["kind"] for name, info in groups["summaries"].items()}
    assert kinds == {
        "id": "histogram", "image": "images", "score": "histogram", "tags": "list", "when": "range",
    }  # fmt: skip
    first = groups["rows"][0]["summaries"]
    assert first["score"]["non_finite"] == 2 and first["score"]["nulls"] == 0
    assert [i["url"] for i in first["image"]["images"]] == [
        f"/api/media/{i['sha256']}" for i in first["image"]["images"]
    ]
    assert first["when"]["min"].startswith("2026-01-01") and first["when"]["count"] == 4


def test_python_results_are_the_same_types(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    sources: list[TableSource] = []
    for i in range(2):
        data = predictions(rng, 40)
        data["score_Aves"][i] = float("inf")
        sources.append(write_table(tmp_path / f"r{i}", PREDICTION_COLUMNS, data, f"run-{i}"))
    engine = Engine(cache="off")
    page = merge(sources, on="id", engine=engine).sort("id").page(0, 5)
    assert isinstance(page, Page) and page.total == 40 and len(page.rows) == 5
    assert page.rows[0]["score_Aves"] == ["Infinity", pytest.approx(page.rows[0]["score_Aves"][1])]
    images = page.rows[0]["image"]
    assert isinstance(images, list) and len(images) == 2
    assert TypeAdapter(Page).dump_json(page)  # every cell is one the type describes
    groups = merge(sources, on="id", engine=engine).group_by("id", limit=3).groups()
    assert typed_json(GROUPS, groups) == json_roundtrip(groups)
    per_run = groups["rows"][0]["summaries"]["score_Aves"]
    assert per_run["kind"] == "runs" and len(per_run["runs"]) == 2
    result = execute({"group": {"by": "truth"}}, sources[:1], engine=engine)
    assert isinstance(result, QueryResult) and result.groups is not None and result.rows == []
    assert result.labels == ["run-0"] and result.query is not None
    side = execute({"merge": {"mode": "side_by_side"}}, sources, engine=engine)
    assert side.runs is not None and [r.labels for r in side.runs] == [["run-0"], ["run-1"]]
    assert typed_json(RESULT, side) == json_roundtrip(side)


@pytest.mark.parametrize(
    ("document", "field", "position"),
    [
        # Positions are character offsets in that part's text: the unknown name, the second "==".
        ({"filter": 'row["truth"] = "Aves" and row["nope"] > 1'}, "filter", 31),
        ({"filter": 'row["truth"] == == "Aves"'}, "filter", 16),
        ({"filter": ["row.id > 3", "row.truth + 1"]}, "filter[1]", 10),
        (
            {
                "columns": [
                    {"name": "a", "expr": "row.id * 2"},
                    {"name": "b", "expr": "lower(row.id)"},
                ]
            },
            "columns[1].expr",
            10,
        ),
        ({"columns": [{"name": "id", "expr": "1"}]}, "columns[0].name", None),
        ({"sort": [{"column": "id"}, {"column": "scroe_Aves"}]}, "sort[1].column", None),
        ({"select": ["id", "imgae"]}, "select[1]", None),
        ({"group": {"by": ["truth", "gues"]}}, "group.by", None),
        ({"group": {"by": "truth", "bins": 0}}, "group.bins", None),
        ({"page": {"size": -1}}, "page.size", None),
        ({"merge": {"mode": "join", "on": "nope"}}, "merge", None),
        ({"merge": {"mode": "join", "how": "left"}}, "merge.how", None),
    ],
)
def test_query_errors_name_their_field_and_position(
    tmp_path: Path, document: dict[str, Any], field: str, position: int | None
) -> None:
    rng = np.random.default_rng(1)
    sources = [
        write_table(tmp_path / f"r{i}", PREDICTION_COLUMNS, predictions(rng, 20), f"run-{i}")
        for i in range(2 if "merge" in document else 1)
    ]
    with pytest.raises(QueryError) as caught:
        execute(document, sources, engine=Engine(cache="off"))
    assert (caught.value.field, caught.value.position) == (field, position)


def test_a_query_built_in_python_blames_the_same_parts(tmp_path: Path) -> None:
    source = write_table(
        tmp_path, PREDICTION_COLUMNS, predictions(np.random.default_rng(2), 9), "t"
    )
    q = Query(source, engine=Engine(cache="off"))
    with pytest.raises(QueryError) as caught:
        q.add_column("x", "row.id + 1").add_column("y", 'row.x + "a"').count()
    assert caught.value.field == "columns[1].expr" and caught.value.position == 6
    with pytest.raises(QueryError) as caught:
        q.group_by("truht").groups()
    assert caught.value.field == "group.by" and "truth" in caught.value.message


def test_errors_over_http_carry_field_and_position(logged: tuple[TestClient, str]) -> None:
    client, run_id = logged
    response = client.post(
        "/api/projects/p/query",
        json={
            "tables": [{"run_id": run_id, "key": KEY}],
            "query": {"sort": [{"column": "scroe"}], "filter": "row.id > 1"},
        },
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["type"], error["field"], error["position"]) == (
        "QueryError",
        "sort[0].column",
        None,
    )
    assert 'unknown column "scroe"' in error["message"] and "score" in error["message"]
    exported = client.post(
        "/api/projects/p/query/export",
        json={"tables": [{"run_id": run_id, "key": KEY}], "query": {"filter": "row.id >"}},
    )
    assert exported.status_code == 400
    assert exported.json()["error"]["field"] == "filter"
    assert exported.json()["error"]["position"] == 8
