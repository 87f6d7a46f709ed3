"""Importing W&B offline runs with ``heron import wandb``: seconds per run set, steps/s, rows/s.

Makes real offline runs with the real ``wandb`` package (the test suite's script: a training run
with metrics, a table with one image per row, images, charts, joined and incremental tables and
a dataset artifact; an evaluation run that uses the dataset; a run that fails), then times
importing them into a fresh
store: the tests' size (60 steps, 6 rows) and a larger one (10,000 steps, a 1,000-row image
table). W&B's own time to log the same runs is printed beside it for scale.

    python -m bench.wandb_import_bench [--steps N] [--rows N]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.wandb.offline_env import wandb_environment

SCRIPT = Path(__file__).resolve().parent.parent / "tests" / "wandb" / "wandb_offline_script.py"


def _make_runs(work: Path, steps: int, rows: int) -> tuple[Path, float]:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, str(SCRIPT), str(work), str(steps), str(rows)],
        env=wandb_environment(work),
        check=True,
        cwd=work,
    )
    return work / "wd" / "wandb", time.perf_counter() - start


def _measure(label: str, steps: int, rows: int) -> None:
    from heron.importers.wandb_import import import_wandb

    with tempfile.TemporaryDirectory(prefix="heron-wandb-bench-") as scratch:
        root = Path(scratch)
        wandb_dir, wandb_seconds = _make_runs(root / "work", steps, rows)
        log_bytes = sum(p.stat().st_size for p in wandb_dir.rglob("*.wandb"))
        start = time.perf_counter()
        report = import_wandb([wandb_dir], store_dir=root / "store", progress=False)
        seconds = time.perf_counter() - start
        again_start = time.perf_counter()
        again = import_wandb([wandb_dir], store_dir=root / "store", progress=False)
        again_seconds = time.perf_counter() - again_start
        imported = [o for o in report.runs if o.status == "imported"]
        total_steps = sum(o.steps for o in imported)
        assert len(imported) == 3 and again.count("unchanged") == 3, list(report.lines())
        print(
            f"{label:<34} import {seconds:6.2f} s  ({total_steps / seconds:8.0f} steps/s, "
            f"{rows / seconds:7.0f} table rows/s, log {log_bytes / 1e6:.1f} MB)  "
            f"again {again_seconds:5.2f} s  |  wandb logged it in {wandb_seconds:6.2f} s"
        )


def main() -> None:
    """Print import times for the tests' runs and for a larger pair of runs."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--rows", type=int, default=1_000)
    arguments = parser.parse_args()
    # The first import in a process also pays for loading pyarrow, pandas, Pillow and wandb's
    # protobuf classes (seconds on a cold machine); it is printed, then every figure after it
    # is the import's own work.
    _measure("first in this process (60 steps)", 60, 6)
    _measure("tests' runs (60 steps, 6 rows)", 60, 6)
    _measure(
        f"large ({arguments.steps:,} steps, {arguments.rows:,} rows)",
        arguments.steps,
        arguments.rows,
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"peak memory of this process (all imports above): {peak:.0f} MiB")


if __name__ == "__main__":
    main()
