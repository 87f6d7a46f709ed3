"""Metric endpoints: keys, downsampled chart lines that keep extremes, live polling."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient

import heron
from heron.server import create_app
from heron.server.downsample import minmax_downsample
from tests.fixtures.local import local_client


def test_metric_keys_of_some_runs_or_the_project(
    client: TestClient, run_ids: dict[str, str]
) -> None:
    keys = client.get(
        "/api/projects/nature/metrics", params={"run": run_ids["inference test split"]}
    )
    assert keys.json() == {"keys": ["test/acc", "test/loss"]}
    everything = client.get("/api/projects/nature/metrics").json()["keys"]
    assert everything == ["test/acc", "test/loss", "train/acc", "train/loss", "val/acc", "val/loss"]


def test_series_for_several_runs(client: TestClient, run_ids: dict[str, str]) -> None:
    wanted = [run_ids["iv3 fc 256 adam"], run_ids["iv3 fc 1024 rmsprop"]]
    body = client.get(
        "/api/projects/nature/series", params={"key": "val/loss", "run": wanted}
    ).json()
    assert body["key"] == "val/loss"
    assert [s["run_id"] for s in body["series"]] == wanted
    first = body["series"][0]
    assert (
        first["steps"] == list(range(40)) and first["total_points"] == 40 and not first["sampled"]
    )
    assert first["values"][0] > first["values"][-1]


def test_nan_values_arrive_as_gaps(client: TestClient, run_ids: dict[str, str]) -> None:
    run_id = run_ids["inference test split"]
    body = client.get(
        "/api/projects/nature/series", params={"key": "test/loss", "run": run_id}
    ).json()
    assert body["series"][0]["values"] == [None]


def test_series_of_unknown_run_names_it(client: TestClient) -> None:
    response = client.get("/api/projects/nature/series", params={"key": "val/loss", "run": "ghost"})
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "no run 'ghost' in project 'nature'"


def test_bad_parameters_are_a_json_422(client: TestClient, run_ids: dict[str, str]) -> None:
    response = client.get(
        "/api/projects/nature/series",
        params={"key": "val/loss", "run": run_ids["iv3 fc 256 adam"], "max_points": 1},
    )
    assert response.status_code == 422
    assert response.json()["error"]["type"] == "ValidationError"
    assert "max_points" in response.json()["error"]["message"]


def test_long_series_is_downsampled_keeping_spikes(store_dir: Path) -> None:
    with heron.init(project="long", dir=store_dir) as run:
        for step in range(100_000):
            spike = 50.0 if step == 61_234 else (-7.0 if step == 3_001 else 0.0)
            run.log({"loss": 1.0 + spike}, step=step)
        run_id = run.id
    with local_client(create_app(store_dir)) as client:
        body = client.get(
            "/api/projects/long/series", params={"key": "loss", "run": run_id, "max_points": 1000}
        ).json()
    line = body["series"][0]
    assert line["sampled"] and line["total_points"] == 100_000
    assert len(line["steps"]) <= 1000
    assert line["steps"][0] == 0 and line["steps"][-1] == 99_999
    assert line["steps"] == sorted(line["steps"])
    assert max(line["values"]) == 51.0 and 61_234 in line["steps"]
    assert min(line["values"]) == -6.0 and 3_001 in line["steps"]


def test_minmax_downsample_keeps_short_lines_and_gaps() -> None:
    assert minmax_downsample([1, 2, 3], [1.0, 2.0, 3.0], 10) == ([1, 2, 3], [1.0, 2.0, 3.0])
    steps = list(range(1000))
    values: list[float | None] = [float(i % 7) for i in steps]
    values[500] = None
    kept_steps, kept_values = minmax_downsample(steps, values, 100)
    assert None in kept_values and 500 in kept_steps
    assert min(v for v in kept_values if v is not None) == 0.0
    assert max(v for v in kept_values if v is not None) == 6.0


def test_history_since_step_returns_only_new_rows(store_dir: Path) -> None:
    run = heron.init(project="live", dir=store_dir)
    for step in range(5):
        run.log({"loss": float(step)}, step=step)
    run.log({"loss": 9.0}, step=5)  # closes step 4 so it is flushed
    run_id = run.id
    try:
        with local_client(create_app(store_dir)) as client:
            url = f"/api/projects/live/runs/{run_id}/history"
            # The run's writer flushes in the background about once a second.
            deadline = time.monotonic() + 30
            first = client.get(url).json()
            while first["last_step"] < 4 and time.monotonic() < deadline:
                time.sleep(0.2)
                first = client.get(url).json()
            assert first["state"] == "running"
            polled = client.get(url, params={"since_step": 2, "key": "loss"}).json()
            assert polled["keys"]["loss"]["steps"] == [
                s for s in first["keys"]["loss"]["steps"] if s > 2
            ]
            assert polled["last_step"] >= 3
    finally:
        run.finish()
