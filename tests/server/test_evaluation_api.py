"""Model evaluation over prediction tables: counts checked against the table read with the SDK."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

import heron

BASE = "/api/projects/pipeline"


def _pairs(store_dir: Path, run_id: str) -> Counter[tuple[str, str]]:
    os.environ["HERON_DIR"] = str(store_dir)
    try:
        frame = heron.Api().run(f"pipeline/{run_id}").table("test_predictions").to_pandas()
    finally:
        del os.environ["HERON_DIR"]
    return Counter(zip(frame["truth"], frame["guess"], strict=True))


def test_confusion_matrix_and_rates_match_the_table(
    pipeline_client: TestClient, pipeline_store: tuple[Path, dict[str, Any]]
) -> None:
    ids = pipeline_store[1]
    result = pipeline_client.post(
        f"{BASE}/evaluation",
        json={
            "tables": [{"run_id": ids["infer fc256"], "key": "test_predictions"}],
            "truth": "truth",
            "guess": "guess",
        },
    ).json()
    classes = result["classes"]
    assert classes == ["Aves", "Fungi", "Insecta"]
    (table,) = result["results"]
    pairs = _pairs(pipeline_store[0], ids["infer fc256"])
    assert table["matrix"] == [[pairs[(t, g)] for g in classes] for t in classes]
    correct = sum(pairs[(c, c)] for c in classes)
    assert table["accuracy"] == correct / 12 and table["evaluated"] == 12
    aves = table["per_class"][0]
    predicted = sum(n for (_, g), n in pairs.items() if g == "Aves")
    assert aves["precision"] == pairs[("Aves", "Aves")] / predicted
    assert aves["recall"] == pairs[("Aves", "Aves")] / 4
    histogram = table["histograms"][0]
    assert histogram["column"] == "score_Aves" and histogram["edges"][0] == 0.0
    assert sum(histogram["positive"]) == 4 and sum(histogram["negative"]) == 8


def test_two_runs_share_classes_and_artifact_tables_work(
    pipeline_client: TestClient, pipeline_store: tuple[Path, dict[str, Any]]
) -> None:
    ids = pipeline_store[1]
    result = pipeline_client.post(
        f"{BASE}/evaluation",
        json={
            "tables": [
                {"run_id": ids["infer fc256"], "key": "test_predictions"},
                {"artifact": "predictions-fc1024:v0", "name": "test_predictions"},
            ],
            "truth": "truth",
            "guess": "guess",
            "filter": 'row["truth"] = "Aves"',
        },
    ).json()
    first, second = result["results"]
    assert first["label"] == "infer fc256" and second["label"] == "predictions-fc1024:v0"
    assert first["evaluated"] == second["evaluated"] == 4
    assert len(first["matrix"]) == len(second["matrix"]) == len(result["classes"])


def test_bad_columns_filters_and_missing_runs_are_explained(
    pipeline_client: TestClient, pipeline_store: tuple[Path, dict[str, Any]]
) -> None:
    ids = pipeline_store[1]
    table = {"run_id": ids["infer fc256"], "key": "test_predictions"}

    def post(**body: Any) -> Any:
        return pipeline_client.post(
            f"{BASE}/evaluation",
            json={"tables": [table], "truth": "truth", "guess": "guess", **body},
        )

    wrong = post(truth="label")
    assert (
        wrong.status_code == 400
        and "'label' is not in the table" in wrong.json()["error"]["message"]
    )
    image = post(guess="image")
    assert image.status_code == 400 and "image values" in image.json()["error"]["message"]
    typo = post(filter='row["nope"] = 1')
    assert typo.status_code == 400 and typo.json()["error"]["type"] == "QueryError"
    gone = pipeline_client.post(
        f"{BASE}/evaluation",
        json={"tables": [{"run_id": "deleted1", "key": "x"}], "truth": "t", "guess": "g"},
    )
    assert gone.status_code == 404 and "no longer exists" in gone.json()["error"]["message"]


def test_the_panel_and_python_count_alike(
    pipeline_client: TestClient, pipeline_store: tuple[Path, dict[str, Any]]
) -> None:
    ids = pipeline_store[1]
    panel = pipeline_client.post(
        f"{BASE}/evaluation",
        json={
            "tables": [{"run_id": ids["infer fc256"], "key": "test_predictions"}],
            "truth": "truth",
            "guess": "guess",
            "filter": 'row["truth"] != "Fungi"',
        },
    ).json()["results"][0]
    os.environ["HERON_DIR"] = str(pipeline_store[0])
    try:
        table = heron.Api().run(f"pipeline/{ids['infer fc256']}").table("test_predictions")
        python = (
            table.query()
            .filter('row["truth"] != "Fungi"')
            .confusion_matrix("truth", "guess", classes=panel["classes"])
        )
    finally:
        del os.environ["HERON_DIR"]
    assert python.model_dump() == {key: panel[key] for key in python.model_dump()}
