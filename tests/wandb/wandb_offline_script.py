"""Two offline runs made with the real ``wandb`` package, for ``heron import wandb`` tests.

Run as ``python wandb_offline_script.py WORK_DIR [STEPS] [TABLE_ROWS]`` with WANDB_MODE=offline
and WANDB_DIR etc. pointing into WORK_DIR. Every value is computed from its step or row, so
the tests know what was logged. The first run trains (metrics, a table with images, an image, a
list of images, a histogram, an HTML page heron lacks, two wandb.plot charts, a joined table, an incremental table, a metric definition, a saved file, a
dataset artifact); the second uses the dataset; the third ends with exit code 3.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import wandb
from wandb.proto import wandb_internal_pb2 as pb

work = sys.argv[1]
steps = int(sys.argv[2]) if len(sys.argv) > 2 else 60
table_rows = int(sys.argv[3]) if len(sys.argv) > 3 else 6


def tile(value: int, size: int = 8) -> np.ndarray:
    """A small image whose pixels tell which row it belongs to."""
    pixels = np.zeros((size, size, 3), dtype=np.uint8)
    pixels[..., 0] = value % 256
    pixels[..., 1] = (value // 256) % 256
    pixels[0, 0, 2] = 7
    return pixels


run = wandb.init(
    project="nature",
    id="wbtrain01",
    name="first-train",
    group="exp-1",
    job_type="train",
    tags=["baseline", "small"],
    notes="trained offline",
    config={"lr": 0.001, "layers": [64, 32], "optimizer": {"name": "adam", "beta": 0.9}},
)
wandb.config.epochs = 3
wandb.config.update({"batch_size": 16})
run.define_metric("val/loss", summary="min")
with open(os.path.join(work, "model.txt"), "w") as handle:
    handle.write("weights")
wandb.save(os.path.join(work, "model.txt"), base_path=work)

plain = steps - 10
for i in range(plain):
    run.log({"train/loss": 1.0 / (i + 1), "acc": i / steps})
for i in range(plain, steps):
    run.log({"val/loss": 0.5 - i / 1000}, commit=False)
    run.log({"train/loss": 1.0 / (i + 1)})
run.log({"lr_now": 0.5}, step=steps + 10)
run.log({"note": "halfway"}, step=steps + 11)
labels = {0: "background", 1: "cat"}
box = {
    "position": {"minX": 0.25, "maxX": 0.75, "minY": 0.1, "maxY": 0.5},
    "class_id": 1,
    "box_caption": "a cat",
    "scores": {"conf": 0.8},
}
mask = np.zeros((16, 16), dtype=np.uint8)
mask[4:8, 2:6] = 1
sample = np.arange(16 * 16 * 3, dtype=np.uint8).reshape(16, 16, 3)
run.log(
    {
        "sample": wandb.Image(
            sample,
            caption="a sample",
            boxes={"predictions": {"box_data": [box], "class_labels": labels}},
            masks={"truth": {"mask_data": mask, "class_labels": labels}},
        )
    },
    step=steps + 12,
)

predictions = wandb.Table(columns=["id", "image", "guess", "truth", "score"])
for k in range(table_rows):
    boxes = {"predictions": {"box_data": [box], "class_labels": labels}} if k == 0 else None
    predictions.add_data(
        f"img{k}",
        wandb.Image(tile(k), caption=f"c{k}", boxes=boxes),
        ["cat", "dog"][k % 2],
        "cat",
        k / 10,
    )
run.log({"predictions": predictions}, step=steps + 13)
run.log(
    {
        "examples": [wandb.Image(tile(v, 4)) for v in (10, 200)],
        "weights": wandb.Histogram(np_histogram=([1, 2, 3], [0.0, 1.0, 2.0, 3.0])),
        "page": wandb.Html("<b>not in heron</b>"),
    },
    step=steps + 14,
)
curve = wandb.Table(columns=["epoch", "err"], data=[[e, 1 / (e + 1)] for e in range(4)])
run.log(
    {
        "err_curve": wandb.plot.line(curve, "epoch", "err", title="Error"),
        "confusion": wandb.plot.confusion_matrix(
            y_true=[0, 1, 1, 0], preds=[0, 1, 0, 0], class_names=["cat", "dog"]
        ),
    },
    step=steps + 15,
)
truths = wandb.Table(columns=["id", "label"], data=[["img1", "dog"], ["img3", "cat"], ["x", "-"]])
run.log({"joined": wandb.JoinedTable(predictions, truths, "id")}, step=steps + 15)
live = wandb.Table(columns=["epoch", "image", "err"], log_mode="INCREMENTAL")
for epoch in range(2):
    for k in range(3):
        live.add_data(epoch, wandb.Image(tile(100 + 10 * epoch + k)), epoch + k / 10)
    run.log({"live": live}, step=steps + 16 + epoch)

data = os.path.join(work, "dataset")
os.makedirs(os.path.join(data, "train"), exist_ok=True)
for name, text in {
    "README.txt": "three files",
    "train/a.csv": "x\n1\n",
    "train/b.csv": "x\n2\n",
}.items():
    with open(os.path.join(data, name), "w") as handle:
        handle.write(text)
dataset = wandb.Artifact("nature-data", type="dataset", description="a split", metadata={"n": 3})
dataset.add_dir(data)
dataset.add(predictions, "labels")
dataset.add(wandb.JoinedTable(predictions, truths, "id"), "checked")
run.log_artifact(dataset, aliases=["best"])
run.summary["best_acc"] = 0.97
run.finish()

evaluation = wandb.init(project="nature", id="wbeval01", job_type="eval")
# Offline W&B refuses use_artifact (it asks the server); an online run's log records the use
# as this record, written here through wandb's own interface.
evaluation._interface._publish_use_artifact(
    pb.UseArtifactRecord(id="QXJ0aWZhY3Q6MQ==", type="dataset", name="nature-data:v0")
)
evaluation.log({"test_acc": 0.9})
evaluation.finish()

failing = wandb.init(project="nature", id="wbfail01", job_type="train")
failing.log({"loss": 7.0})
failing.finish(exit_code=3)
