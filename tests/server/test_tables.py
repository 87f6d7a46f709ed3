"""Tables over HTTP: listing, columns, pages with image URLs (never bytes), queries, thumbnails."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from heron.server import create_app
from heron.store.store import Store
from tests.fixtures.local import local_client

KEY = "val/predictions"


def test_run_lists_its_tables_by_key_and_step(client: TestClient, run_ids: dict[str, str]) -> None:
    run_id = run_ids["iv3 fc 256 adam"]
    tables = client.get(f"/api/projects/nature/runs/{run_id}/tables").json()
    assert [(t["key"], t["step"], t["n_rows"]) for t in tables] == [(KEY, 0, 12), (KEY, 1, 12)]
    other = client.get(f"/api/projects/nature/runs/{run_ids['iv3 fc 1024 rmsprop']}/tables")
    assert other.json() == []


def test_table_info_names_columns_and_steps(client: TestClient, run_ids: dict[str, str]) -> None:
    run_id = run_ids["iv3 fc 256 adam"]
    info = client.get(f"/api/projects/nature/runs/{run_id}/table", params={"key": KEY}).json()
    assert info["step"] == 1 and info["steps"] == [0, 1] and info["n_rows"] == 12
    assert [(c["name"], c["type"]) for c in info["columns"]] == [
        ("id", "int"),
        ("image", "image"),
        ("truth", "string"),
        ("guess", "string"),
        ("score", "float"),
    ]


def test_unknown_table_or_step_is_a_404_that_says_what_exists(
    client: TestClient, run_ids: dict[str, str]
) -> None:
    url = f"/api/projects/nature/runs/{run_ids['iv3 fc 256 adam']}/table"
    missing_step = client.get(url, params={"key": KEY, "step": 7})
    assert missing_step.status_code == 404
    assert "at step 7; steps: [0, 1]" in missing_step.json()["error"]["message"]
    missing_key = client.get(url, params={"key": "test/nothing"})
    assert missing_key.status_code == 404
    assert "val/predictions" in missing_key.json()["error"]["message"]


def test_rows_page_carries_image_urls_not_bytes(
    client: TestClient, run_ids: dict[str, str]
) -> None:
    url = f"/api/projects/nature/runs/{run_ids['iv3 fc 256 adam']}/table/rows"
    page = client.get(url, params={"key": KEY, "step": 0, "offset": 10, "limit": 5}).json()
    assert page["total"] == 12 and page["offset"] == 10 and len(page["rows"]) == 2
    image = page["rows"][0]["image"]
    assert set(image) >= {"sha256", "width", "height", "url", "thumbnail_url"}
    assert image["url"] == f"/api/media/{image['sha256']}"
    assert len(json.dumps(page)) < 4000  # references only
    thumb = client.get(image["thumbnail_url"])
    assert thumb.status_code == 200
    assert thumb.headers["content-type"] in ("image/png", "image/webp")
    assert thumb.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert (
        client.get(
            image["thumbnail_url"], headers={"If-None-Match": thumb.headers["etag"]}
        ).status_code
        == 304
    )


def test_query_filters_groups_and_merges_runs(client: TestClient, run_ids: dict[str, str]) -> None:
    run_id = run_ids["iv3 fc 256 adam"]
    mistakes = client.post(
        "/api/projects/nature/query",
        json={
            "tables": [{"run_id": run_id, "key": KEY, "step": 0}],
            "query": {"filter": 'row["truth"] != row["guess"]', "sort": [{"column": "id"}]},
        },
    ).json()
    assert mistakes["total"] == 4
    assert all(row["truth"] != row["guess"] for row in mistakes["rows"])
    grouped = client.post(
        "/api/projects/nature/query",
        json={"tables": [{"run_id": run_id, "key": KEY}], "query": {"group": {"by": "truth"}}},
    ).json()
    assert grouped["rows"] == []  # the groups travel once, in "groups"
    assert sorted(row["key"][0] for row in grouped["groups"]["rows"]) == [
        "Amphibia",
        "Aves",
        "Fungi",
        "Plantae",
    ]
    sample = grouped["groups"]["rows"][0]["summaries"]["image"]["images"][0]
    assert sample["thumbnail_url"].startswith("/api/media/")
    joined = client.post(
        "/api/projects/nature/query",
        json={
            "tables": [
                {"run_id": run_id, "key": KEY, "step": 0},
                {"run_id": run_id, "key": KEY, "step": 1},
            ],
            "query": {"merge": {"mode": "join", "on": "id"}},
        },
    ).json()
    assert joined["total"] == 12 and len(joined["labels"]) == 2


def test_bad_query_is_a_400_with_the_position(client: TestClient, run_ids: dict[str, str]) -> None:
    response = client.post(
        "/api/projects/nature/query",
        json={
            "tables": [{"run_id": run_ids["iv3 fc 256 adam"], "key": KEY}],
            "query": {"filter": 'row["truth"] = = 3'},
        },
    )
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "QueryError"
    no_tables = client.post("/api/projects/nature/query", json={"tables": []})
    assert no_tables.status_code == 422


def test_thumbnail_of_something_that_is_no_image_is_a_400(store_dir: Path) -> None:
    store = Store.open(store_dir)
    digest = store.blobs.put(b"plain text, not pixels")
    store.close()
    with local_client(create_app(store_dir)) as client:
        response = client.get(f"/api/media/{digest}/thumbnail")
        assert response.status_code == 400
        assert response.json()["error"]["type"] == "MediaError"
        plain = client.get(f"/api/media/{digest}")
        assert plain.headers["content-type"] == "application/octet-stream"


def test_query_error_says_where(client: TestClient, run_ids: dict[str, str]) -> None:
    response = client.post(
        "/api/projects/nature/query",
        json={
            "tables": [{"run_id": run_ids["iv3 fc 256 adam"], "key": KEY}],
            "query": {"filter": 'row["truth"] = = 3'},
        },
    )
    assert response.json()["error"]["position"] == 15  # the second "="


def test_project_table_keys_list_the_runs_that_logged_them(
    client: TestClient, run_ids: dict[str, str]
) -> None:
    keys = client.get("/api/projects/nature/tables").json()
    assert keys == [{"key": KEY, "runs": [{"run_id": run_ids["iv3 fc 256 adam"], "steps": [0, 1]}]}]
    only_other = client.get(
        "/api/projects/nature/tables", params={"run": run_ids["iv3 fc 1024 rmsprop"]}
    )
    assert only_other.json() == []
    assert client.get("/api/projects/nope/tables").status_code == 404
