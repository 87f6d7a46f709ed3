"""``wandb.plot`` charts: logged as a table plus a chart description, read back through heron.Api.

Expected curve points are what wandb 0.31's own ``wandb.plot.pr_curve`` / ``roc_curve`` /
``confusion_matrix`` return for the same input (checked offline against the real package).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import heron
from heron.errors import UsageError
from heron.sdk.charts import Chart
from heron.wandb import plot
from heron.wandb.errors import UnsupportedWarning

Y_TRUE = [0, 1, 2, 1, 0, 2]
PROBS = [
    [0.7, 0.2, 0.1],
    [0.3, 0.4, 0.3],
    [0.2, 0.2, 0.6],
    [0.5, 0.4, 0.1],
    [0.1, 0.3, 0.6],
    [0.3, 0.3, 0.4],
]
NAMES = ["cat", "dog", "bird"]


def _log_and_read(store_dir: Path, values: dict[str, Any]) -> heron.ApiRun:
    with heron.init(project="plots", dir=str(store_dir)) as run:
        run.log(values)
        path = run.path
    return heron.Api(store_dir).run(path)


def _rows(stored: heron.ApiRun, key: str) -> list[list[Any]]:
    return [row for _, row in stored.table(key).iterrows()]


def test_confusion_matrix_counts_cells_and_reads_back_as_a_chart(store_dir: Path) -> None:
    chart = plot.confusion_matrix(
        probs=np.array(PROBS), y_true=np.array(Y_TRUE), class_names=NAMES, title="Pets"
    )
    stored = _log_and_read(store_dir, {"conf": chart})

    assert stored.charts() == {"conf": [0]}
    table = stored.table("conf")
    assert table.columns == ["Actual", "Predicted", "nPredictions"]
    assert table.chart == {
        "kind": "confusion_matrix",
        "fields": {"actual": "Actual", "predicted": "Predicted", "count": "nPredictions"},
        "title": "Pets",
        "x_label": None,
        "y_label": None,
    }
    cells = {(a, p): n for a, p, n in _rows(stored, "conf")}
    assert len(cells) == 9
    # argmax of each row: cat, dog, bird, cat, bird, bird
    assert cells[("cat", "cat")] == 1 and cells[("cat", "bird")] == 1
    assert cells[("dog", "dog")] == 1 and cells[("dog", "cat")] == 1
    assert cells[("bird", "bird")] == 2
    assert sum(cells.values()) == 6


def test_confusion_matrix_without_class_names_names_sorted_labels() -> None:
    chart = plot.confusion_matrix(preds=[3, 5, 3], y_true=[5, 5, 3])
    assert [list(row) for _, row in chart.table.iterrows()] == [
        ["Class_1", "Class_1", 1.0],
        ["Class_1", "Class_2", 0.0],
        ["Class_2", "Class_1", 1.0],
        ["Class_2", "Class_2", 1.0],
    ]
    assert chart.title == "Confusion Matrix Curve"


def test_confusion_matrix_bad_input_names_the_problem() -> None:
    with pytest.raises(UsageError, match="not both"):
        plot.confusion_matrix(probs=PROBS, preds=[0] * 6, y_true=Y_TRUE)
    with pytest.raises(UsageError, match="6 predictions but 2 true labels"):
        plot.confusion_matrix(probs=PROBS, y_true=[0, 1])
    with pytest.raises(UsageError, match=r"y_true holds \[7\].*0..2"):
        plot.confusion_matrix(preds=[0, 1], y_true=[0, 7], class_names=NAMES)


def test_roc_curve_keeps_the_corners_wandb_keeps(store_dir: Path) -> None:
    stored = _log_and_read(store_dir, {"roc": plot.roc_curve(Y_TRUE, PROBS, labels=NAMES)})
    assert _rows(stored, "roc") == [
        ["cat", 0.0, 0.0], ["cat", 0.0, 0.5], ["cat", 0.25, 0.5], ["cat", 0.75, 0.5],
        ["cat", 1.0, 0.5], ["cat", 1.0, 1.0],
        ["dog", 0.0, 0.0], ["dog", 0.0, 1.0], ["dog", 1.0, 1.0],
        ["bird", 0.0, 0.0], ["bird", 0.25, 0.5], ["bird", 0.25, 1.0], ["bird", 0.5, 1.0],
        ["bird", 1.0, 1.0],
    ]  # fmt: skip
    chart = stored.table("roc").chart
    assert chart is not None
    assert chart["kind"] == "line"
    assert chart["fields"] == {"x": "fpr", "y": "tpr", "series": "class"}
    assert (chart["title"], chart["x_label"], chart["y_label"]) == (
        "ROC Curve",
        "False positive rate",
        "True positive rate",
    )


def test_pr_curve_interpolates_monotone_precision_at_recall_levels(store_dir: Path) -> None:
    chart = plot.pr_curve(
        np.array(Y_TRUE), np.array(PROBS), labels=NAMES, classes_to_plot=[0, 2], interp_size=6
    )
    stored = _log_and_read(store_dir, {"pr": chart})
    assert _rows(stored, "pr") == [
        ["cat", 0.333, 1.0], ["cat", 0.333, 0.8], ["cat", 0.333, 0.6], ["cat", 1.0, 0.4],
        ["cat", 1.0, 0.2], ["cat", 1.0, 0.0],
        ["bird", 0.667, 1.0], ["bird", 0.667, 0.8], ["bird", 0.667, 0.6], ["bird", 0.667, 0.4],
        ["bird", 0.667, 0.2], ["bird", 1.0, 0.0],
    ]  # fmt: skip
    spec = stored.table("pr").chart
    assert spec is not None and spec["fields"] == {
        "x": "recall",
        "y": "precision",
        "series": "class",
    }


def test_pr_curve_defaults_to_21_levels_and_string_labels() -> None:
    labels = np.array(["cat", "dog", "cat", "bird"])
    chart = plot.pr_curve(labels, np.eye(4, 3))
    classes = chart.table.get_column("class")
    assert sorted(set(classes)) == ["bird", "cat", "dog"]
    assert len(classes) == 3 * 21


def test_curves_refuse_scores_of_the_wrong_shape() -> None:
    with pytest.raises(UsageError, match=r"y_probas must have shape \(6, classes\)"):
        plot.roc_curve(Y_TRUE, PROBS[:4])
    with pytest.raises(UsageError, match="needs y_probas"):
        plot.pr_curve(Y_TRUE)


def test_line_bar_scatter_histogram_map_columns_to_roles(store_dir: Path) -> None:
    table = heron.Table(
        columns=["epoch", "acc", "split"],
        data=[[0, 0.5, "train"], [1, 0.7, "train"], [0, 0.4, "val"], [1, 0.6, "val"]],
    )
    bars = heron.Table(columns=["class", "count"], data=[["cat", 3], ["dog", 5], ["bird", 1]])
    stored = _log_and_read(
        store_dir,
        {
            "acc_line": plot.line(table, "epoch", "acc", stroke="split", title="Accuracy"),
            "acc_scatter": plot.scatter(table, "epoch", "acc", title="Scatter"),
            "counts": plot.bar(bars, "class", "count", title="Class counts"),
            "acc_hist": plot.histogram(table, "acc", title="Accuracy spread"),
        },
    )
    assert stored.charts() == {"acc_hist": [0], "acc_line": [0], "acc_scatter": [0], "counts": [0]}
    kinds = {key: stored.table(key).chart for key in stored.charts()}
    assert kinds["acc_line"] == {
        "kind": "line",
        "fields": {"x": "epoch", "y": "acc", "series": "split"},
        "title": "Accuracy",
        "x_label": None,
        "y_label": None,
    }
    assert kinds["acc_scatter"] is not None and kinds["acc_scatter"]["fields"] == {
        "x": "epoch",
        "y": "acc",
    }
    assert kinds["counts"] is not None and kinds["counts"]["fields"] == {
        "label": "class",
        "value": "count",
    }
    assert kinds["acc_hist"] is not None and kinds["acc_hist"]["kind"] == "histogram"
    # The table under the chart is an ordinary logged table.
    assert stored.table("counts").get_column("count") == [3, 5, 1]


def test_a_chart_naming_a_missing_or_text_column_fails_where_it_is_made() -> None:
    table = heron.Table(columns=["epoch", "split"], data=[[0, "train"]])
    with pytest.raises(UsageError, match=r"'acc', which the table lacks.*\['epoch', 'split'\]"):
        plot.line(table, "epoch", "acc")
    with pytest.raises(
        UsageError, match="role 'y' needs a numeric column, but 'split' holds string"
    ):
        plot.line(table, "epoch", "split")
    scores = heron.Table(columns=["name", "scores"], data=[["a", [0.1, 0.9]]])
    with pytest.raises(UsageError, match="'scores', which holds list<float> values"):
        plot.bar(scores, "scores", "scores")


def test_line_series_shares_xs_or_takes_one_per_line(store_dir: Path) -> None:
    shared = plot.line_series(
        xs=[0, 1, 2], ys=[[1, 2, 3], [4, 5, 6]], keys=["u", "v"], title="t", xname="epoch"
    )
    own = plot.line_series(xs=[[0, 1], [0, 2]], ys=[[1.0, 2.0], [3.0, 4.0]])
    stored = _log_and_read(store_dir, {"shared": shared, "own": own})
    assert _rows(stored, "shared") == [
        [0, "u", 1], [1, "u", 2], [2, "u", 3], [0, "v", 4], [1, "v", 5], [2, "v", 6],
    ]  # fmt: skip
    assert _rows(stored, "own") == [
        [0, "line_0", 1.0],
        [1, "line_0", 2.0],
        [0, "line_1", 3.0],
        [2, "line_1", 4.0],
    ]
    spec = stored.table("shared").chart
    assert spec is not None
    assert spec["fields"] == {"x": "step", "y": "lineVal", "series": "lineKey"}
    assert spec["x_label"] == "epoch"
    with pytest.raises(UsageError, match="3 keys for 2 y-series"):
        plot.line_series([0, 1], [[1, 2], [3, 4]], keys=["a", "b", "c"])


def test_charts_logged_at_every_step_keep_each_step(store_dir: Path) -> None:
    with heron.init(project="plots", dir=str(store_dir)) as run:
        for epoch in range(3):
            run.log({"conf": plot.confusion_matrix(preds=[epoch % 2], y_true=[0])}, step=epoch)
        path = run.path
    assert heron.Api(store_dir).run(path).charts() == {"conf": [0, 1, 2]}


def test_native_chart_is_the_same_value(store_dir: Path) -> None:
    assert plot.CustomChart is Chart is heron.Chart
    table = heron.Table(columns=["size", "score"], data=[[1, 0.5], [2, 0.25]])
    stored = _log_and_read(
        store_dir, {"fit": heron.Chart(table, "scatter", x="size", y="score", title="Fit")}
    )
    assert stored.table("fit").chart == {
        "kind": "scatter",
        "fields": {"x": "size", "y": "score"},
        "title": "Fit",
        "x_label": None,
        "y_label": None,
    }
    with pytest.raises(UsageError, match="chart kind must be one of"):
        heron.Chart(table, "pie", value="score")
    with pytest.raises(UsageError, match="a bar chart has no role 'x'"):
        heron.Chart(table, "bar", x="size", label="size", value="score")


def test_plot_table_maps_wandb_presets_and_warns_on_custom_specs() -> None:
    table = heron.Table(columns=["x", "y"], data=[[0, 1.0], [1, 2.0]])
    chart = plot.plot_table("wandb/line/v0", table, {"x": "x", "y": "y"}, {"title": "T"})
    assert isinstance(chart, Chart) and chart.fields == {"x": "x", "y": "y"}
    assert chart.title == "T"
    with pytest.warns(UnsupportedWarning, match="custom Vega chart 'me/my-spec'"):
        fallback = plot.plot_table("me/my-spec", table, {"x": "x"})
    assert fallback is table


def test_server_lists_chart_keys_and_serves_the_columns_each_role_draws(store_dir: Path) -> None:
    from fastapi.testclient import TestClient

    from heron.server import create_app

    table = heron.Table(columns=["epoch", "acc"], data=[[0, 0.5], [1, float("nan")], [2, 0.75]])
    ids = []
    for title in ("first", "second"):
        with heron.init(project="plots", dir=str(store_dir)) as run:
            run.log({"loss": 1.0})
            run.log({"acc": plot.line(table, "epoch", "acc", title=title), "plain": table})
            run.log({"conf": plot.confusion_matrix(preds=[0, 1], y_true=[0, 0])})
            ids.append(run.id)

    with TestClient(create_app(store_dir), base_url="http://127.0.0.1") as client:
        listed = client.get("/api/projects/plots/charts", params={"run": ids}).json()
        assert [entry["key"] for entry in listed] == ["acc", "conf"]  # "plain" is no chart
        acc = listed[0]
        assert [(r["run_id"], r["step"], r["spec"]["title"]) for r in acc["runs"]] == [
            (ids[0], 1, "first"),
            (ids[1], 1, "second"),
        ]
        data = client.get(f"/api/projects/plots/runs/{ids[1]}/chart", params={"key": "acc"}).json()
        assert data["spec"]["fields"] == {"x": "epoch", "y": "acc"}
        # NaN cannot travel in JSON: it arrives as a gap.
        assert data["columns"] == {"x": [0, 1, 2], "y": [0.5, None, 0.75]}
        assert (data["n_rows"], data["truncated"], data["steps"]) == (3, False, [1])
        missing = client.get(f"/api/projects/plots/runs/{ids[1]}/chart", params={"key": "plain"})
        assert missing.status_code == 404
        assert "has no chart 'plain'" in missing.json()["error"]["message"]
        wrong_step = client.get(
            f"/api/projects/plots/runs/{ids[1]}/chart", params={"key": "acc", "step": 0}
        )
        assert wrong_step.status_code == 404
        assert "steps: [1]" in wrong_step.json()["error"]["message"]
