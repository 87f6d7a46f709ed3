"""The metric definitions route: what ``define_metric`` said, for the charts' x-axis."""

from __future__ import annotations

from pathlib import Path

import pytest

import heron
import heron.wandb as wandb
from heron.server import create_app
from tests.fixtures.local import local_client


def test_definitions_of_each_run_exact_names_before_globs(store_dir: Path) -> None:
    with heron.init(project="defs", dir=store_dir) as defined:
        defined.define_metric("val/*", step_metric="epoch")
        defined.define_metric("val/loss", summary="min")
        defined.define_metric("epoch", hidden=True)
        defined.log({"epoch": 0, "val/loss": 1.0})
    with heron.init(project="defs", dir=store_dir) as plain:
        plain.log({"val/loss": 2.0})
    with local_client(create_app(store_dir)) as client:
        body = client.get(
            "/api/projects/defs/metric-definitions", params={"run": [defined.id, plain.id]}
        ).json()
    assert body == {
        "runs": [
            {
                "run_id": defined.id,
                "definitions": [
                    {"name": "epoch", "step_metric": None, "summary": [], "hidden": True},
                    {"name": "val/loss", "step_metric": None, "summary": ["min"], "hidden": False},
                    {"name": "val/*", "step_metric": "epoch", "summary": [], "hidden": False},
                ],
            },
            {"run_id": plain.id, "definitions": []},
        ]
    }


def test_definitions_made_through_the_wandb_layer(
    store_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    run = wandb.init(project="wb")
    wandb.define_metric("val/*", step_metric="epoch")
    wandb.log({"epoch": 1, "val/acc": 0.5})
    run_id = run.id
    wandb.finish()
    with local_client(create_app(store_dir)) as client:
        body = client.get("/api/projects/wb/metric-definitions", params={"run": run_id}).json()
    assert body["runs"][0]["definitions"] == [
        {"name": "val/*", "step_metric": "epoch", "summary": [], "hidden": False}
    ]


def test_unknown_run_or_project_is_a_404_naming_it(store_dir: Path) -> None:
    with heron.init(project="defs", dir=store_dir) as run:
        run.log({"loss": 1.0})
    with local_client(create_app(store_dir)) as client:
        ghost = client.get("/api/projects/defs/metric-definitions", params={"run": "ghost"})
        assert ghost.status_code == 404
        assert ghost.json()["error"]["message"] == "no run 'ghost' in project 'defs'"
        nowhere = client.get("/api/projects/nowhere/metric-definitions")
        assert nowhere.status_code == 404
        assert "nowhere" in nowhere.json()["error"]["message"]
