"""The projects and runs endpoints, as the UI reads them."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import heron
from heron.server import create_app
from tests.fixtures.local import local_client


def test_projects_list_counts_runs_and_activity(client: TestClient) -> None:
    projects = {p["name"]: p for p in client.get("/api/projects").json()}
    assert set(projects) == {"nature", "birds"}
    assert projects["nature"]["runs"] == 4
    assert projects["birds"]["runs"] == 1
    assert projects["nature"]["last_activity"] >= projects["nature"]["created_at"]
    assert client.get("/api/projects/birds").json()["runs"] == 1


def test_unknown_project_is_a_json_404(client: TestClient) -> None:
    for url in ("/api/projects/nope", "/api/projects/nope/runs", "/api/projects/nope/metrics"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json() == {
            "error": {"type": "NotFoundError", "message": "no project named 'nope'"}
        }


def test_runs_list_has_table_columns(client: TestClient, run_ids: dict[str, str]) -> None:
    body = client.get("/api/projects/nature/runs").json()
    runs = {run["name"]: run for run in body["runs"]}
    assert body["runs"][0]["name"] == "inference test split"  # newest first
    adam = runs["iv3 fc 256 adam"]
    assert adam["id"] == run_ids["iv3 fc 256 adam"]
    assert adam["state"] == "finished"
    assert adam["job_type"] == "train" and adam["group"] == "fc-256"
    assert adam["tags"] == ["inaturalist", "adam"]
    assert adam["config"] == {
        "fc_size": 256,
        "optimizer": "adam",
        "lr": 1e-3,
        "model.backbone": "inception_v3",
    }
    assert adam["duration"] >= 0 and adam["finished_at"] is not None
    assert runs["iv3 fc 2048 diverged"]["state"] == "failed"
    # NaN cannot travel in JSON: it arrives as a string the UI shows as is.
    assert runs["inference test split"]["summary"]["test/loss"] == "NaN"
    assert "model.backbone" in body["config_keys"] and "split" in body["config_keys"]
    assert {"val/acc", "best_val_acc", "test/acc"} <= set(body["summary_keys"])


def test_run_detail_has_everything_for_the_run_page(
    client: TestClient, run_ids: dict[str, str]
) -> None:
    run_id = run_ids["iv3 fc 1024 rmsprop"]
    run = client.get(f"/api/projects/nature/runs/{run_id}").json()
    assert run["name"] == "iv3 fc 1024 rmsprop"
    assert run["config_nested"]["model"] == {"backbone": "inception_v3"}
    assert run["notes"] == "fine-tune with a 1024-unit head"
    assert run["host"] and run["pid"] > 0 and run["python_version"].startswith("3.")
    assert run["metric_keys"] == ["train/acc", "train/loss", "val/acc", "val/loss"]
    assert run["exit_code"] == 0
    assert run["summary"]["best_val_acc"] == pytest.approx(run["summary"]["val/acc"])


def test_run_of_another_project_is_not_found(client: TestClient, run_ids: dict[str, str]) -> None:
    response = client.get(f"/api/projects/birds/runs/{run_ids['iv3 fc 256 adam']}")
    assert response.status_code == 404
    assert "in project 'birds'" in response.json()["error"]["message"]
    assert client.get("/api/projects/nature/runs/doesnotexist").status_code == 404


def test_unknown_api_route_is_a_json_404(client: TestClient) -> None:
    response = client.get("/api/nothing/here")
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "NotFoundError"


def test_serves_a_store_on_either_metadata_backend(
    tmp_path: Path, database_url: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = tmp_path / "store"
    if database_url is not None:
        monkeypatch.setenv("HERON_DATABASE_URL", database_url)
    with heron.init(project="pg", name="on-backend", dir=directory, config={"lr": math.inf}) as run:
        for step in range(3):
            run.log({"loss": 1.0 / (step + 1)}, step=step)
        run_id = run.id
    monkeypatch.delenv("HERON_DATABASE_URL", raising=False)
    with local_client(create_app(directory, database_url)) as client:
        runs = client.get("/api/projects/pg/runs").json()["runs"]
        assert [(r["name"], r["config"]["lr"]) for r in runs] == [("on-backend", "Infinity")]
        series = client.get("/api/projects/pg/series", params={"key": "loss", "run": run_id}).json()
        assert series["series"][0]["steps"] == [0, 1, 2]
