"""A store shaped like the walkthrough, for the table explorer's browser tests and benchmark.

Ten iNaturalist classes; an "upload" run logs the ``dataset`` table (id, image, label, split); two
training runs ("fc 256", "fc 1024") log ``predictions`` (id, image, guess, truth, score_<class>)
on the same validation images at epochs 0, 1, 2 ("fc 256" also as versions v0 and v1 of the
artifact ``val-predictions``); a "wide" run logs 300 columns and long strings.
Every value comes from pure functions here, so tests compute what the browser must show.

Run as a script (``python explorer_store.py STORE_DIR``) or call :func:`log_explorer_store`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

CLASSES = [
    "Amphibia", "Animalia", "Arachnida", "Aves", "Fungi",
    "Insecta", "Mammalia", "Mollusca", "Plantae", "Reptilia",
]  # fmt: skip
PROJECT = "inat"
PER_CLASS = 6  # validation images per class
N_VAL = PER_CLASS * len(CLASSES)
RUNS = ("fc 256", "fc 1024")
EPOCHS = (0, 1, 2)


def truth_of(i: int) -> str:
    """The true class of validation image ``i``."""
    return CLASSES[i % len(CLASSES)]


def guess_of(run: int, epoch: int, i: int) -> str:
    """The model's guess: right more often with more epochs; each run errs on its own images."""
    wrong = (i * 7 + run * 3 + epoch) % 5 < (3 - epoch)
    if not wrong:
        return truth_of(i)
    return CLASSES[(i % len(CLASSES) + 1 + (i + run) % 3) % len(CLASSES)]


def scores_of(run: int, epoch: int, i: int) -> dict[str, float]:
    """Per-class confidence scores summing to 1, peaked on the guess."""
    guess = guess_of(run, epoch, i)
    rest = [c for c in CLASSES if c != guess]
    peak = round(0.5 + 0.1 * epoch + 0.01 * ((i + run) % 5), 4)
    share = round((1 - peak) / len(rest), 6)
    out = {c: share for c in rest}
    out[guess] = round(1 - share * len(rest), 6)
    return out


def _pixels(i: int) -> object:
    import numpy as np

    pixels = np.zeros((24, 24, 3), dtype=np.uint8)
    cls = i % len(CLASSES)
    pixels[:, :, 0] = 20 + cls * 22
    pixels[:, :, 1] = 200 - cls * 15
    pixels[:, :, 2] = (i * 37) % 256
    pixels[i % 24, :, :] = 255  # a line makes every image's bytes (and hash) unique
    return pixels


def prediction_columns() -> list[str]:
    """Columns of the predictions table."""
    return ["id", "image", "guess", "truth", *[f"score_{c}" for c in CLASSES]]


def log_explorer_store(store_dir: Path) -> dict[str, str]:
    """Log the runs into ``store_dir``; returns ``run name -> run id``."""
    import heron

    os.environ["HERON_DIR"] = str(store_dir)
    images = [heron.Image(_pixels(i), caption=truth_of(i)) for i in range(N_VAL)]
    # The first image carries boxes of two classes, drawn by the image viewer.
    boxes = [
        {"x0": 0.1, "y0": 0.1, "x1": 0.6, "y1": 0.7, "class_id": 1},
        {"x0": 0.5, "y0": 0.4, "x1": 0.9, "y1": 0.9, "class_id": 2},
    ]
    images[0] = heron.Image(
        _pixels(0), caption=truth_of(0), boxes=boxes, classes={1: "head", 2: "tail"}
    )
    ids: dict[str, str] = {}
    with heron.init(project=PROJECT, name="upload", job_type="upload") as run:
        dataset = heron.Table(columns=["id", "image", "label", "split"])
        for i in range(N_VAL):
            split = ("train", "train", "val", "test")[i % 4]
            dataset.add_data(f"img{i:03d}", images[i], truth_of(i), split)
        run.log({"dataset": dataset}, step=0)
        ids["upload"] = run.id
    for r, name in enumerate(RUNS):
        with heron.init(project=PROJECT, name=name, job_type="train",
                        config={"fc_size": int(name.split()[1])}) as run:  # fmt: skip
            for epoch in EPOCHS:
                table = heron.Table(columns=prediction_columns())
                for i in range(N_VAL):
                    scores = scores_of(r, epoch, i)
                    table.add_data(f"img{i:03d}", images[i], guess_of(r, epoch, i), truth_of(i),
                                   *[scores[c] for c in CLASSES])  # fmt: skip
                run.log({"predictions": table, "val/acc": 0.5 + epoch / 10}, step=epoch)
                if r == 0 and epoch in (0, 2):
                    # Model versions after 1 and 3 epochs, each with its predictions table.
                    artifact = heron.Artifact("val-predictions", type="predictions")
                    artifact.add(table, "predictions")
                    run.log_artifact(artifact)
            ids[name] = run.id
    with heron.init(project=PROJECT, name="wide", job_type="debug") as run:
        wide = heron.Table(columns=["id", "note", *[f"c{j:03d}" for j in range(298)]])
        for i in range(20):
            note = ("a very long note " * 8)[:100] + str(i)
            wide.add_data(i, note, *[i * j for j in range(298)])
        run.log({"wide": wide}, step=0)
        ids["wide"] = run.id
    return ids


def log_in_subprocess(directory: Path) -> dict[str, str]:
    """Run this file in its own process (as a user's script would); returns name -> run id."""
    from tests.scripts import names_to_ids, run_script

    return names_to_ids(run_script(__file__, str(directory)))


if __name__ == "__main__":
    for run_name, run_id in log_explorer_store(Path(sys.argv[1])).items():
        print(f"{run_id}\t{run_name}")
