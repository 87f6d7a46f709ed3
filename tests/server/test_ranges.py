"""Every integer a route takes is range-checked: too large or negative is a 422 naming it, never a
500 from deep inside; the largest valid values still answer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

HUGE = "1" + "0" * 24  # 25 digits: more than any 64-bit integer
INT64_MAX = 2**63 - 1
KEY = "val/predictions"


def _refused(response: Any, name: str) -> None:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["type"] == "ValidationError" and name in error["message"], error


@pytest.mark.parametrize("value", [HUGE, str(INT64_MAX + 1), "-" + HUGE, "-2"])
def test_history_since_step_out_of_range(
    client: TestClient, run_ids: dict[str, str], value: str
) -> None:
    run = run_ids["iv3 fc 256 adam"]
    response = client.get(f"/api/projects/nature/runs/{run}/history", params={"since_step": value})
    _refused(response, "since_step")


def test_history_since_step_at_the_bounds(client: TestClient, run_ids: dict[str, str]) -> None:
    run = run_ids["iv3 fc 256 adam"]
    url = f"/api/projects/nature/runs/{run}/history"
    everything = client.get(url, params={"since_step": -1, "key": "val/loss"}).json()
    assert everything["keys"]["val/loss"]["steps"][0] == 0
    assert client.get(url, params={"since_step": INT64_MAX}).json()["keys"] == {}


@pytest.mark.parametrize("path", ["table", "table/rows"])
@pytest.mark.parametrize("value", [HUGE, "-1"])
def test_table_step_out_of_range(
    client: TestClient, run_ids: dict[str, str], path: str, value: str
) -> None:
    run = run_ids["iv3 fc 256 adam"]
    response = client.get(
        f"/api/projects/nature/runs/{run}/{path}", params={"key": KEY, "step": value}
    )
    _refused(response, "step")


def test_largest_step_is_a_404_that_lists_the_steps(
    client: TestClient, run_ids: dict[str, str]
) -> None:
    run = run_ids["iv3 fc 256 adam"]
    response = client.get(
        f"/api/projects/nature/runs/{run}/table", params={"key": KEY, "step": INT64_MAX}
    )
    assert response.status_code == 404 and "steps:" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("name", "value"), [("offset", HUGE), ("offset", "-1"), ("limit", HUGE), ("limit", "0")]
)
def test_table_page_out_of_range(
    client: TestClient, run_ids: dict[str, str], name: str, value: str
) -> None:
    run = run_ids["iv3 fc 256 adam"]
    response = client.get(
        f"/api/projects/nature/runs/{run}/table/rows", params={"key": KEY, name: value}
    )
    _refused(response, name)


def test_an_offset_past_the_end_is_an_empty_page(
    client: TestClient, run_ids: dict[str, str]
) -> None:
    run = run_ids["iv3 fc 256 adam"]
    page = client.get(
        f"/api/projects/nature/runs/{run}/table/rows",
        params={"key": KEY, "offset": 2**53 - 1, "limit": 1000},
    )
    assert page.status_code == 200 and page.json()["rows"] == []


def test_series_points_out_of_range(client: TestClient, run_ids: dict[str, str]) -> None:
    response = client.get(
        "/api/projects/nature/series",
        params={"key": "val/loss", "run": run_ids["iv3 fc 256 adam"], "max_points": HUGE},
    )
    _refused(response, "max_points")


def test_lineage_depth_out_of_range(
    pipeline_client: TestClient, pipeline_store: tuple[Path, dict[str, Any]]
) -> None:
    run = pipeline_store[1]["train fc256"]
    response = pipeline_client.get(
        "/api/projects/pipeline/lineage", params={"run": run, "depth": HUGE}
    )
    _refused(response, "depth")


def test_evaluation_step_out_of_range(
    pipeline_client: TestClient, pipeline_store: tuple[Path, dict[str, Any]]
) -> None:
    table = {"run_id": pipeline_store[1]["infer fc256"], "key": "test_predictions"}
    response = pipeline_client.post(
        "/api/projects/pipeline/evaluation",
        json={"tables": [{**table, "step": int(HUGE)}], "truth": "truth", "guess": "guess"},
    )
    _refused(response, "tables.0.step")
    bins = pipeline_client.post(
        "/api/projects/pipeline/evaluation",
        json={"tables": [table], "truth": "truth", "guess": "guess", "bins": int(HUGE)},
    )
    _refused(bins, "bins")


def test_a_report_panel_with_a_huge_step_still_exports(
    pipeline_client: TestClient, pipeline_store: tuple[Path, dict[str, Any]]
) -> None:
    run = pipeline_store[1]["infer fc256"]
    panel = {
        "id": "t1",
        "type": "panel",
        "panel": "table",
        "title": "Predictions",
        "runset": {"runs": [{"id": run}]},
        "config": {"key": "test_predictions", "step": int(HUGE)},
    }
    reports = "/api/projects/pipeline/reports"
    report = pipeline_client.post(reports, json={"title": "huge", "blocks": [panel]}).json()
    exported = pipeline_client.get(f"{reports}/{report['id']}/export")
    assert exported.status_code == 200
    assert "settings are not valid" in exported.text and "Predictions" in exported.text
