"""A store where two runs log every ``wandb.plot`` chart, through ``import heron.wandb as wandb``.

Run as a script (``python wandb_charts_store.py STORE_DIR``, prints ``run_id<TAB>name`` lines) or
call :func:`log_charts`. The browser tests in test_wandb_charts.py look at it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

CLASSES = ["cat", "dog", "bird"]
RUNS = ["small net", "wide net"]


def log_charts(store_dir: Path) -> dict[str, str]:
    """Two runs logging every wandb.plot chart; returns run name -> id."""
    import numpy as np

    os.environ["HERON_DIR"] = str(store_dir)
    import heron.wandb as wandb

    ids = {}
    for index, name in enumerate(RUNS):
        rng = np.random.default_rng(index)
        truth = np.arange(60) % 3
        scores = rng.random((60, 3)) + np.eye(3)[truth] * (0.3 + 0.3 * index)
        probs = scores / scores.sum(axis=1, keepdims=True)
        run = wandb.init(project="charts", name=name)
        curve = wandb.Table(columns=["epoch", "acc", "split"])
        for epoch in range(5):
            curve.add_data(epoch, 0.5 + 0.08 * epoch + 0.02 * index, "train")
            curve.add_data(epoch, 0.45 + 0.07 * epoch + 0.02 * index, "val")
        counts = wandb.Table(
            columns=["class", "count"], data=[["cat", 20], ["dog", 25], ["bird", 15 + index]]
        )
        errors = wandb.Table(columns=["error"], data=[[float(v)] for v in rng.normal(0, 1, 200)])
        points = wandb.Table(
            columns=["size", "score"], data=[[float(i), float(i * i % 7)] for i in range(12)]
        )
        for epoch in range(2):
            wandb.log({"loss": 1.0 / (epoch + 1)})
        wandb.log(
            {
                "conf": wandb.plot.confusion_matrix(
                    probs=probs, y_true=truth, class_names=CLASSES, title="Pets confusion"
                ),
                "pr": wandb.plot.pr_curve(truth, probs, labels=CLASSES),
                "roc": wandb.plot.roc_curve(truth, probs, labels=CLASSES),
                "acc_line": wandb.plot.line(
                    curve, "epoch", "acc", stroke="split", title="Accuracy"
                ),
                "class_counts": wandb.plot.bar(counts, "class", "count", title="Class counts"),
                "error_hist": wandb.plot.histogram(errors, "error", title="Error spread"),
                "size_scatter": wandb.plot.scatter(points, "size", "score", title="Score by size"),
                "series": wandb.plot.line_series(
                    xs=[0, 1, 2, 3],
                    ys=[[1, 2, 3, 4], [4, 3, 2, 1]],
                    keys=["up", "down"],
                    title="Two series",
                    xname="epoch",
                ),
            }
        )
        ids[name] = run.id
        run.finish()
    return ids


if __name__ == "__main__":
    for run_name, run_id in log_charts(Path(sys.argv[1])).items():
        print(f"{run_id}\t{run_name}")
