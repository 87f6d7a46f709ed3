"""Model evaluation over prediction tables: counts checked against the table read with the SDK."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

import heron

BASE = "/api/projects/pipeline"


def _frame(store_dir: Path, run_id: str, key: str) -> Any:
    """The run's table ``key`` read with the SDK, as pandas."""
    os.environ["HERON_DIR"] = str(store_dir)
    try:
        return heron.Api().run(f"pipeline/{run_id}").table(key).to_pandas()
    finally:
        del os.environ["HERON_DIR"]


def _pairs(store_dir: Path, run_id: str) -> Counter[tuple[str, str]]:
    frame = _frame(store_dir, run_id, "test_predictions")
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


def test_threshold_sweep_matches_the_table_read_with_the_sdk(
    pipeline_client: TestClient, pipeline_store: tuple[Path, dict[str, Any]]
) -> None:
    ids = pipeline_store[1]
    result = pipeline_client.post(
        f"{BASE}/evaluation",
        json={
            "tables": [{"run_id": ids["train fc256"], "key": "val_predictions"}],
            "truth": "truth",
            "guess": "guess",
        },
    ).json()
    (table,) = result["results"]
    sweep = table["threshold"]
    assert table["threshold_problem"] is None
    classes = result["classes"]
    assert sweep["top_score"] == "max(" + ", ".join(f'row["score_{c}"]' for c in classes) + ")"
    frame = _frame(pipeline_store[0], ids["train fc256"], "val_predictions")
    top = frame[[f"score_{c}" for c in classes]].max(axis=1)
    right = frame["truth"] == frame["guess"]
    # The latest epoch's scores are 0.6 to 0.68: 0.64 keeps some rows of every class.
    for threshold in (0.0, 0.64, 1.0):
        k = sweep["thresholds"].index(threshold)
        kept = top >= threshold
        assert sweep["kept"][k] == int(kept.sum())
        assert sweep["abstained"][k] == len(frame) - int(kept.sum())
        assert sweep["correct"][k] == int((kept & right).sum())
        for c, per_class in zip(classes, sweep["per_class"], strict=True):
            guessed = kept & (frame["guess"] == c)
            hits = int((guessed & right).sum())
            assert per_class["predicted"][k] == int(guessed.sum())
            assert per_class["abstained"][k] == int(((frame["truth"] == c) & ~kept).sum())
            assert per_class["recall"][k] == hits / int((frame["truth"] == c).sum())
            expected = hits / int(guessed.sum()) if guessed.any() else None
            assert per_class["precision"][k] == expected
    k = sweep["thresholds"].index(0.64)
    assert 0 < sweep["abstained"][k] < len(frame)
    # At 0 the rates are the unthresholded ones.
    assert sweep["accuracy"][0] == table["accuracy"]
    assert [c["recall"][0] for c in sweep["per_class"]] == [c["recall"] for c in table["per_class"]]


def test_a_table_without_score_columns_says_why_it_has_no_threshold(
    pipeline_client: TestClient, pipeline_store: tuple[Path, dict[str, Any]]
) -> None:
    # The epochs project's tables carry one `score` column, the guess's, not one per class.
    run_id = pipeline_store[1]["epochs"]["train 1 epoch"]
    response = pipeline_client.post(
        "/api/projects/epochs/evaluation",
        json={
            "tables": [{"run_id": run_id, "key": "val_predictions"}],
            "truth": "truth",
            "guess": "guess",
        },
    )
    assert response.status_code == 200
    (table,) = response.json()["results"]
    # The rest of the evaluation stands: the one-epoch model is wrong on every other image.
    assert table["threshold"] is None and table["accuracy"] == 0.5
    assert table["threshold_problem"] == (
        "a score threshold needs a numeric score_<class> column for every class; missing or "
        "not numeric: score_Aves, score_Fungi, score_Insecta (numeric columns: score)"
    )
