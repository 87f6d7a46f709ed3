"""A first look at heron: log a small sweep of runs, then print what was stored.

python -m examples.quickstart [--dir DIR]
"""

from __future__ import annotations

import argparse
import math
import random
from pathlib import Path

import heron


def log_sweep(store: Path) -> list[str]:
    """Log four runs of a pretend fine-tuning sweep over the size of the last layer."""
    paths = []
    for fc_size in (256, 512, 1024, 2048):
        rng = random.Random(fc_size)
        config = {"fc_size": fc_size, "lr": 1e-3, "optimizer": "rmsprop", "epochs": 5}
        with heron.init(
            project="quickstart",
            name=f"fc-{fc_size}",
            job_type="train",
            group="fc-sweep",
            config=config,
            tags=["quickstart"],
            dir=store,
        ) as run:
            for epoch in range(config["epochs"]):
                for batch in range(20):
                    step = epoch * 20 + batch
                    loss = 2.3 * math.exp(-step / (40 + fc_size / 64)) + rng.uniform(0, 0.05)
                    run.log({"train/loss": loss}, step=step)
                accuracy = 0.5 + 0.4 * (1 - math.exp(-(epoch + 1) / 2)) - rng.uniform(0, 0.03)
                run.log({"val/acc": accuracy, "epoch": epoch}, step=epoch * 20 + 19)
            run.summary["best_val_acc"] = accuracy
        paths.append(run.path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--dir", default="heron-data", help="store directory (default ./heron-data)"
    )
    args = parser.parse_args()
    store = Path(args.dir).resolve()
    log_sweep(store)
    api = heron.Api(store)
    print(f"\nLogged to {store}:")
    for run in api.runs("quickstart"):
        print(
            f"  {run.path}  {run.name:<8}  {run.state:<8}  best_val_acc={run.summary['best_val_acc']:.3f}"
        )
    print("\nLook at it:")
    print(f"  heron runs list --dir {store}")
    print(f"  heron ui --dir {store}")


if __name__ == "__main__":
    main()
