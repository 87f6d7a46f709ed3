"""A store where a W&B script charts ``val/*`` against ``epoch`` with ``define_metric``.

Run as a script (``python step_metric_store.py STORE_DIR``, prints ``run_id<TAB>name`` lines) or
call :func:`log_runs`. Both runs log ten ``train/loss`` steps per epoch, then ``epoch`` and
``val/acc`` together, so ``val/acc`` sits at steps 10, 21, 32, 43, 54 and epochs 1 to 5. Only
the first run calls ``define_metric``. The browser tests in test_step_metric.py look at it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DEFINED = "by epoch"
PLAIN = "no definition"
EPOCHS = [1, 2, 3, 4, 5]
VAL_STEPS = [10, 21, 32, 43, 54]


def val_acc(epoch: int) -> float:
    """What both runs log as ``val/acc`` at ``epoch``."""
    return round(0.4 + 0.1 * epoch, 2)


def log_runs(store_dir: Path) -> dict[str, str]:
    """The two runs; returns run name -> id."""
    os.environ["HERON_DIR"] = str(store_dir)
    import heron.wandb as wandb

    ids = {}
    for name in (PLAIN, DEFINED):
        run = wandb.init(project="epochs", name=name)
        if name == DEFINED:
            wandb.define_metric("epoch")
            wandb.define_metric("val/*", step_metric="epoch")
        for epoch in EPOCHS:
            for batch in range(10):
                wandb.log({"train/loss": 1.0 / (epoch * 10 + batch)})
            wandb.log({"epoch": epoch, "val/acc": val_acc(epoch)})
        ids[name] = run.id
        run.finish()
    return ids


if __name__ == "__main__":
    for run_name, run_id in log_runs(Path(sys.argv[1])).items():
        print(f"{run_id}\t{run_name}")
