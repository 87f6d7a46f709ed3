"""Log a small store the server and browser tests look at: two projects, a few runs.

Run as a script (``python populate.py STORE_DIR``) or call :func:`populate`.
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path

import heron

STEPS = 40


CLASSES = ["Amphibia", "Aves", "Fungi", "Plantae"]


def _predictions(epoch: int) -> heron.Table:
    """A validation predictions table with a small image per row."""
    import numpy as np

    table = heron.Table(columns=["id", "image", "truth", "guess", "score"])
    for row in range(12):
        truth = CLASSES[row % 4]
        guess = truth if (row + epoch) % 3 else CLASSES[(row + 1) % 4]
        pixels = np.zeros((16, 16, 3), dtype=np.uint8)
        pixels[:, :, row % 3] = 40 + row * 15
        table.add_data(row, heron.Image(pixels), truth, guess, round(0.5 + row / 30, 3))
    return table


def _train(name: str, *, fc: int, optimizer: str, lr: float, exit_code: int = 0) -> str:
    run = heron.init(
        project="nature",
        name=name,
        config={
            "fc_size": fc,
            "optimizer": optimizer,
            "lr": lr,
            "model": {"backbone": "inception_v3"},
        },
        job_type="train",
        group=f"fc-{fc}",
        tags=["inaturalist", optimizer],
        notes=f"fine-tune with a {fc}-unit head",
    )
    speed = fc / 1024
    for step in range(STEPS):
        loss = 2.0 * math.exp(-speed * step / 10) + 0.05
        data: dict[str, object] = {
            "train/loss": loss,
            "train/acc": 1 - loss / 2.2,
            "val/loss": loss * 1.1,
            "val/acc": 1 - loss / 2,
        }
        if fc == 256 and step < 2:
            data["val/predictions"] = _predictions(step)
        run.log(data, step=step)
    run.summary["best_val_acc"] = 1 - (2.0 * math.exp(-speed * (STEPS - 1) / 10) + 0.05) / 2
    run_id = run.id
    run.finish(exit_code=exit_code)
    return run_id


def populate(store_dir: Path) -> dict[str, str]:
    """Log the runs into ``store_dir``; returns ``run name -> run id``."""
    os.environ["HERON_DIR"] = str(store_dir)
    ids = {
        "iv3 fc 256 adam": _train("iv3 fc 256 adam", fc=256, optimizer="adam", lr=1e-3),
        "iv3 fc 1024 rmsprop": _train("iv3 fc 1024 rmsprop", fc=1024, optimizer="rmsprop", lr=3e-4),
        "iv3 fc 2048 diverged": _train(
            "iv3 fc 2048 diverged", fc=2048, optimizer="rmsprop", lr=1e-1, exit_code=1
        ),
    }
    with heron.init(
        project="nature", name="inference test split", job_type="eval", config={"split": "test"}
    ) as run:
        run.log({"test/acc": 0.87, "test/loss": float("nan")}, step=0)
        ids["inference test split"] = run.id
    with heron.init(project="birds", name="warbler baseline", config={"lr": 0.01}) as run:
        for step in range(5):
            run.log({"loss": 1.0 / (step + 1)}, step=step)
        ids["warbler baseline"] = run.id
    return ids


def log_store(directory: Path) -> dict[str, str]:
    """Run this file in its own process (as a user's script would); returns name -> run id."""
    from tests.scripts import names_to_ids, run_script

    return names_to_ids(run_script(__file__, str(directory)))


if __name__ == "__main__":
    for name, run_id in populate(Path(sys.argv[1])).items():
        print(f"{run_id}\t{name}")
