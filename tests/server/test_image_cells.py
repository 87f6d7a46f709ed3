"""Image cells over HTTP are found by their column's type: URLs on every image, never on others."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

import heron
from heron.server import create_app
from heron.server.media_urls import with_media_urls
from heron.store.table_format import column_runs, column_type, image_columns
from tests.fixtures.local import local_client

PROJECT = "cells"
URL = f"/api/projects/{PROJECT}/query"
# A JSON value with an image's keys: it must stay plain JSON everywhere.
LOOKALIKE = {"sha256": "ab" * 32, "format": "png", "width": 1, "height": 1}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, list[str]]]:
    """Two runs that logged the same three images with their own guesses, and a client."""
    root = tmp_path_factory.mktemp("cells") / "heron-data"
    images = [np.full((4, 4, 3), 60 * i, np.uint8) for i in range(3)]
    run_ids = []
    for run_index in range(2):
        with heron.init(project=PROJECT, dir=root) as run:
            table = heron.Table(columns=["id", "image", "meta", "guess"])
            for i, pixels in enumerate(images):
                table.add_data(i, heron.Image(pixels), LOOKALIKE, f"c{(i + run_index) % 2}")
            run.log({"preds": table})
        run_ids.append(run.id)
    with local_client(create_app(root)) as client:
        yield client, run_ids


def _post(client: TestClient, run_ids: list[str], query: dict[str, Any]) -> dict[str, Any]:
    tables = [{"run_id": run_id, "key": "preds"} for run_id in run_ids]
    response = client.post(URL, json={"tables": tables, "query": query})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _has_urls(cell: dict[str, Any]) -> bool:
    return cell["url"] == f"/api/media/{cell['sha256']}" and cell["thumbnail_url"].startswith(
        f"/api/media/{cell['sha256']}/thumbnail"
    )


def _meta_cells(value: Any) -> list[Any]:
    """The meta cells of a row as the API gives them (JSON text, parsed when it is text)."""
    cells = value if isinstance(value, list) else [value]
    return [json.loads(c) if isinstance(c, str) else c for c in cells]


def test_image_cells_of_one_table_and_of_merged_runs_get_urls(
    served: tuple[TestClient, list[str]],
) -> None:
    client, run_ids = served
    single = _post(client, run_ids[:1], {"sort": [{"column": "id"}]})
    assert all(_has_urls(row["image"]) for row in single["rows"])
    for row in single["rows"]:
        assert _meta_cells(row["meta"]) == [LOOKALIKE]  # no url: it is a json column

    merged = _post(client, run_ids, {"merge": {"mode": "join", "on": "id"}})
    columns = {c["name"]: c for c in merged["columns"]}
    assert columns["image"]["type"] == "image" and columns["image"]["runs"] == 2
    assert len(merged["rows"]) == 3
    for row in merged["rows"]:
        assert len(row["image"]) == 2 and all(_has_urls(cell) for cell in row["image"])
        assert _meta_cells(row["meta"]) == [LOOKALIKE, LOOKALIKE]


def test_group_keys_and_image_samples_get_urls(served: tuple[TestClient, list[str]]) -> None:
    client, run_ids = served
    by_image = _post(client, run_ids[:1], {"group": {"by": ["image"]}})
    groups = by_image["groups"]
    assert len(groups["rows"]) == 3
    assert all(_has_urls(row["key"][0]) for row in groups["rows"])

    by_id = _post(client, run_ids, {"merge": {"mode": "join", "on": "id"}, "group": {"by": ["id"]}})
    rows = by_id["groups"]["rows"]
    assert len(rows) == 3 and by_id["groups"]["summaries"]["image"]["runs"] == 2
    samples = [
        image
        for row in rows
        for summary in row["summaries"].values()
        if summary["kind"] == "runs"
        for part in summary["runs"]
        if part["kind"] == "images"
        for image in part["images"]
    ]
    assert len(samples) == 3 * 2 and all(_has_urls(image) for image in samples)


def _export(client: TestClient, run_ids: list[str], query: dict[str, Any], fmt: str) -> bytes:
    tables = [{"run_id": run_id, "key": "preds"} for run_id in run_ids]
    request = json.dumps({"tables": tables, "query": query})
    response = client.get(f"{URL}/export", params={"format": fmt, "request": request})
    assert response.status_code == 200, response.text
    return response.content


def test_exports_know_images_by_their_type(
    served: tuple[TestClient, list[str]], tmp_path: Path
) -> None:
    client, run_ids = served
    digests = [
        row["image"]["sha256"]
        for row in _post(client, run_ids[:1], {"sort": [{"column": "id"}]})["rows"]
    ]
    query = {"sort": [{"column": "id"}]}
    rows = list(csv.DictReader(io.StringIO(_export(client, run_ids[:1], query, "csv").decode())))
    assert [r["image"] for r in rows] == digests
    assert [json.loads(r["meta"]) for r in rows] == [LOOKALIKE] * 3

    joined = {"merge": {"mode": "join", "on": "id"}, "sort": [{"column": "id"}]}
    merged = list(csv.DictReader(io.StringIO(_export(client, run_ids, joined, "csv").decode())))
    assert [json.loads(r["image"]) for r in merged] == [[d, d] for d in digests]

    (tmp_path / "view.parquet").write_bytes(_export(client, run_ids, joined, "parquet"))
    schema = pq.read_schema(tmp_path / "view.parquet")
    assert image_columns(schema) == ["image"] and column_runs(schema.field("image")) == 2
    assert column_type(schema.field("meta")) == "json"


def test_only_columns_typed_image_get_urls() -> None:
    # However a cell of another type looks (a parsed JSON object here), it is not an image.
    cell = {"sha256": "cd" * 32, "format": "png", "width": 2, "height": 2, "caption": None}
    result: dict[str, Any] = {
        "columns": [{"name": "meta", "type": "json"}, {"name": "image", "type": "image"}],
        "rows": [{"meta": dict(LOOKALIKE), "image": dict(cell)}, {"meta": None, "image": None}],
    }
    rows = with_media_urls(result)["rows"]
    assert rows[0]["meta"] == LOOKALIKE
    assert _has_urls(rows[0]["image"]) and rows[1]["image"] is None
