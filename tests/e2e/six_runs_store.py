"""A store where six training runs log the same ``predictions`` table, for side by side.

Run as a script (``python six_runs_store.py STORE_DIR``, prints ``run_id<TAB>name`` lines) or
call :func:`log_runs`. Each run guesses the 120 images' classes with its own mistakes
(:func:`guess_of`), so a filter on mistakes leaves a different number of rows in every run.
For the lineage graph, a "collect" run logs the ``sweep-data`` artifact, which every training run
uses before logging its own ``sweep-model`` version; the runs' long names differ only at the end.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

PROJECT = "sweep"
CLASSES = ("Aves", "Fungi", "Insecta", "Mammalia")
ROWS = 120
RUNS = tuple(f"sweep-fc1024-rmsprop-lr0.00{r + 1}-seed{r}" for r in range(6))
COLLECT = "collect"
COLUMNS = ("id", "image", "truth", "guess", "score", "note")


def truth_of(i: int) -> str:
    """The true class of image ``i``."""
    return CLASSES[i % len(CLASSES)]


def guess_of(run: int, i: int) -> str:
    """Run ``run`` is wrong on every ``(run + 3)``-th image: later runs make fewer mistakes."""
    if i % (run + 3) != 0:
        return truth_of(i)
    return CLASSES[(i + 1) % len(CLASSES)]


def mistakes(run: int) -> int:
    """How many rows of run ``run`` have guess != truth."""
    return sum(1 for i in range(ROWS) if guess_of(run, i) != truth_of(i))


def log_runs(store_dir: Path) -> dict[str, str]:
    """The six runs; returns run name -> id."""
    os.environ["HERON_DIR"] = str(store_dir)
    import numpy as np

    import heron

    images = []
    for i in range(ROWS):
        pixels = np.full((16, 16, 3), 40 + (i % len(CLASSES)) * 50, dtype=np.uint8)
        pixels[i % 16, :, :] = 255  # every image's bytes differ
        images.append(heron.Image(pixels))
    ids = {}
    with heron.init(project=PROJECT, name=COLLECT, job_type="upload") as run:
        data = heron.Artifact("sweep-data", type="dataset")
        with data.new_file("labels.csv") as handle:
            handle.write("".join(f"img{i:03d},{truth_of(i)}\n" for i in range(ROWS)))
        run.log_artifact(data)
        ids[COLLECT] = run.id
    for r, name in enumerate(RUNS):
        with heron.init(project=PROJECT, name=name, job_type="train") as run:
            run.use_artifact("sweep-data:latest")
            table = heron.Table(columns=list(COLUMNS))
            for i in range(ROWS):
                table.add_data(
                    f"img{i:03d}",
                    images[i],
                    truth_of(i),
                    guess_of(r, i),
                    round(0.5 + ((i * 7 + r) % 50) / 100, 2),
                    f"run {r} row {i}",
                )
            run.log({"predictions": table})
            model = heron.Artifact("sweep-model", type="model")
            with model.new_file("weights.bin") as handle:
                handle.write(f"weights of run {r}\n")
            run.log_artifact(model)
            ids[name] = run.id
    return ids


if __name__ == "__main__":
    for run_name, run_id in log_runs(Path(sys.argv[1])).items():
        print(f"{run_id}\t{run_name}")
