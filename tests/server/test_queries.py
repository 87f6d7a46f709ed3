"""The table explorer's API: pages over run and artifact tables, column info, export, errors."""

from __future__ import annotations

import csv
import io
import json
import statistics
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from heron.server import create_app
from tests.fixtures import explorer_store as fx
from tests.fixtures.local import local_client
from tests.fixtures.shared_stores import SharedStores


@pytest.fixture(scope="module")
def explorer(shared_stores: SharedStores) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """A client on the walkthrough-shaped store, and run name -> id."""
    copy, ids = shared_stores.copy(
        "explorer", lambda root: fx.log_in_subprocess(root / "heron-data")
    )
    with local_client(create_app(copy / "heron-data")) as client:
        yield client, ids


def _tables(ids: dict[str, str], step: int | None = None) -> list[dict[str, object]]:
    return [{"run_id": ids[name], "key": "predictions", "step": step} for name in fx.RUNS]


URL = f"/api/projects/{fx.PROJECT}/query"


def test_join_on_image_sorted_by_a_derived_column(
    explorer: tuple[TestClient, dict[str, str]],
) -> None:
    client, ids = explorer
    document = {
        "merge": {"mode": "join", "on": "image"},
        "columns": [{"name": "disagreement", "expr": 'stddev(row["score_Amphibia"])'}],
        "sort": [{"column": "disagreement", "descending": True}],
        "page": {"offset": 0, "size": 5},
    }
    response = client.post(URL, json={"tables": _tables(ids, 2), "query": document})
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == fx.N_VAL
    columns = {c["name"]: c for c in body["columns"]}
    assert columns["guess"]["runs"] == 2 and columns["image"]["runs"] is None
    spread = sorted(
        (
            statistics.stdev([fx.scores_of(r, 2, i)["Amphibia"] for r in range(2)])
            for i in range(fx.N_VAL)
        ),
        reverse=True,
    )
    assert [row["disagreement"] for row in body["rows"]] == pytest.approx(spread[:5])
    assert body["rows"][0]["image"]["thumbnail_url"].startswith("/api/media/")


def test_columns_for_completion_follow_the_merge(
    explorer: tuple[TestClient, dict[str, str]],
) -> None:
    client, ids = explorer
    one = client.post(f"{URL}/columns", json={"tables": _tables(ids)[:1], "query": {}}).json()
    assert [c["name"] for c in one["columns"]] == fx.prediction_columns()
    assert "stddev" in one["functions"] and "lower" in one["functions"]
    joined = client.post(
        f"{URL}/columns",
        json={"tables": _tables(ids), "query": {"merge": {"mode": "join", "on": "image"}}},
    ).json()
    assert {c["name"]: c["runs"] for c in joined["columns"]}["truth"] == 2
    concat = client.post(
        f"{URL}/columns", json={"tables": _tables(ids), "query": {"merge": {"mode": "concat"}}}
    ).json()
    assert concat["columns"][-1]["name"] == "source"


def test_a_mistake_names_the_expression_and_position(
    explorer: tuple[TestClient, dict[str, str]],
) -> None:
    client, ids = explorer
    bad_filter = client.post(
        URL, json={"tables": _tables(ids)[:1], "query": {"filter": 'row["truth"] != row["gues"]'}}
    )
    assert bad_filter.status_code == 400
    error = bad_filter.json()["error"]
    assert error["type"] == "QueryError" and error["field"] == "filter" and error["position"] == 21
    assert 'did you mean "guess"' in error["message"]
    bad_column = client.post(
        URL,
        json={
            "tables": _tables(ids)[:1],
            "query": {
                "columns": [{"name": "ok", "expr": "1"}, {"name": "bad", "expr": 'row["nope"] + 1'}]
            },
        },
    )
    assert bad_column.json()["error"]["field"] == "columns[1].expr"
    missing = client.post(
        URL, json={"tables": [{"run_id": ids["fc 256"], "key": "nope"}], "query": {}}
    )
    assert missing.status_code == 404 and "predictions" in missing.json()["error"]["message"]


def test_side_by_side_returns_one_result_per_run(
    explorer: tuple[TestClient, dict[str, str]],
) -> None:
    client, ids = explorer
    document = {
        "merge": {"mode": "side_by_side", "index": 1},
        "filter": 'row["truth"] != row["guess"]',
    }
    body = client.post(URL, json={"tables": _tables(ids, 0), "query": document}).json()
    assert body["total"] == sum(
        1 for i in range(fx.N_VAL) if fx.truth_of(i) != fx.guess_of(1, 0, i)
    )


def test_artifact_versions_compare_like_runs(explorer: tuple[TestClient, dict[str, str]]) -> None:
    client, _ = explorer
    tables = [
        {"artifact": "val-predictions:v0", "name": "predictions"},
        {"artifact": "val-predictions:v1", "name": "predictions"},
    ]
    document = {
        "merge": {"mode": "join", "on": "id"},
        "filter": 'row["guess"][0] != row["guess"][1]',
    }
    body = client.post(URL, json={"tables": tables, "query": document}).json()
    changed = sum(1 for i in range(fx.N_VAL) if fx.guess_of(0, 0, i) != fx.guess_of(0, 2, i))
    assert body["total"] == changed
    assert body["labels"] == [
        f"{fx.PROJECT}/val-predictions:v0/predictions",
        f"{fx.PROJECT}/val-predictions:v1/predictions",
    ]
    missing = client.post(
        URL, json={"tables": [{"artifact": "val-predictions:v0", "name": "other"}], "query": {}}
    )
    assert missing.status_code == 404


def _export(
    client: TestClient, tables: list[dict[str, object]], query: Mapping[str, object], fmt: str
) -> bytes:
    request = json.dumps({"tables": tables, "query": query})
    response = client.get(f"{URL}/export", params={"format": fmt, "request": request})
    assert response.status_code == 200, response.text
    return response.content


def test_export_the_whole_view_as_csv_and_parquet(
    explorer: tuple[TestClient, dict[str, str]], tmp_path: Path
) -> None:
    client, ids = explorer
    query = {
        "filter": 'row["truth"] != row["guess"]',
        "sort": [{"column": "id"}],
        "page": {"size": 1},
    }
    wanted = [f"img{i:03d}" for i in range(fx.N_VAL) if fx.truth_of(i) != fx.guess_of(0, 0, i)]
    rows = list(
        csv.DictReader(io.StringIO(_export(client, _tables(ids, 0)[:1], query, "csv").decode()))
    )
    assert [r["id"] for r in rows] == wanted  # every row, not one page
    import pyarrow.parquet as pq

    (tmp_path / "view.parquet").write_bytes(_export(client, _tables(ids, 0)[:1], query, "parquet"))
    table = pq.read_table(tmp_path / "view.parquet")
    assert table.column("id").to_pylist() == wanted
    assert table.schema.field("image").type.num_fields >= 4  # images keep their reference
    joined = {
        "merge": {"mode": "join", "on": "image"},
        "columns": [{"name": "d", "expr": 'stddev(row["score_Fungi"])'}],
    }
    merged = list(
        csv.DictReader(io.StringIO(_export(client, _tables(ids, 0), joined, "csv").decode()))
    )
    assert len(merged) == fx.N_VAL and json.loads(merged[0]["guess"])[0] in fx.CLASSES
    grouped = list(
        csv.DictReader(
            io.StringIO(
                _export(client, _tables(ids, 0)[:1], {"group": {"by": "truth"}}, "csv").decode()
            )
        )
    )
    assert [(r["truth"], r["count"]) for r in grouped] == [
        (c, str(fx.PER_CLASS)) for c in sorted(fx.CLASSES)
    ]


def test_export_refuses_a_malformed_request(explorer: tuple[TestClient, dict[str, str]]) -> None:
    client, _ = explorer
    response = client.get(f"{URL}/export", params={"format": "csv", "request": "{not json"})
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "UsageError"
