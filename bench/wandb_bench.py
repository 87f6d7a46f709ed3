"""What logging through ``heron.wandb`` costs over heron's own API.

Two workloads, each timed until the run has finished (everything written to the store):
a 10,000-row predictions table with a 64x64 RGB image per row, and 100,000 ``log`` calls of
two scalars. The two APIs run interleaved (heron, wandb, wandb, heron, ...) in fresh stores on
the same input; the figures are medians of wall-clock time and of CPU time (the CPU figure is
the steadier one on a busy machine). Target: heron.wandb at most 5% slower.

    python -m bench.wandb_bench [--rows N] [--calls N] [--rounds N]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

import heron
import heron.wandb as wandb

CLASSES = ["Amphibia", "Aves", "Fungi", "Insecta", "Plantae"]


def _quiet_init(start: Callable[[], object]) -> object:
    """Start a run without the store's "logging to ..." line on every round."""
    with contextlib.redirect_stderr(io.StringIO()):
        return start()


def table_native(store: Path, images: np.ndarray, guesses: list[str]) -> None:
    run = _quiet_init(lambda: heron.init(project="bench", dir=store))
    assert isinstance(run, heron.Run)
    table = heron.Table(columns=["id", "image", "guess", "truth", "score"])
    for i, (pixels, guess) in enumerate(zip(images, guesses, strict=True)):
        table.add_data(f"img{i}", heron.Image(pixels), guess, CLASSES[i % 5], i / len(images))
    run.log({"predictions": table})
    run.finish()


def table_wandb(store: Path, images: np.ndarray, guesses: list[str]) -> None:
    _quiet_init(lambda: wandb.init(project="bench", dir=store))
    table = wandb.Table(columns=["id", "image", "guess", "truth", "score"])
    for i, (pixels, guess) in enumerate(zip(images, guesses, strict=True)):
        table.add_data(f"img{i}", wandb.Image(pixels), guess, CLASSES[i % 5], i / len(images))
    wandb.log({"predictions": table})
    wandb.finish()


def log_native(store: Path, calls: int) -> None:
    run = _quiet_init(lambda: heron.init(project="bench", dir=store))
    assert isinstance(run, heron.Run)
    for step in range(calls):
        run.log({"loss": 1.0 / (step + 1), "acc": step * 1e-6})
    run.finish()


def log_wandb(store: Path, calls: int) -> None:
    _quiet_init(lambda: wandb.init(project="bench", dir=store))
    for step in range(calls):
        wandb.log({"loss": 1.0 / (step + 1), "acc": step * 1e-6})
    wandb.finish()


def _timed(work: Callable[[Path], None]) -> tuple[float, float]:
    """Wall-clock and CPU seconds (all threads of this process) of ``work``."""
    with tempfile.TemporaryDirectory() as directory:
        start, start_cpu = time.perf_counter(), time.process_time()
        work(Path(directory))
        return time.perf_counter() - start, time.process_time() - start_cpu


def _compare(
    name: str, native: Callable[[Path], None], through_wandb: Callable[[Path], None], rounds: int
) -> None:
    native_times, wandb_times = [], []
    for round_index in range(rounds):
        # Interleaved (A B B A ...), so drift on a shared machine and going second hit both alike.
        if round_index % 2 == 0:
            native_times.append(_timed(native))
            wandb_times.append(_timed(through_wandb))
        else:
            wandb_times.append(_timed(through_wandb))
            native_times.append(_timed(native))
    print(name)
    for index, clock in enumerate(("wall", "CPU")):
        native_median = statistics.median(t[index] for t in native_times)
        wandb_median = statistics.median(t[index] for t in wandb_times)
        overhead = (wandb_median / native_median - 1.0) * 100
        print(
            f"  {clock:>4}: heron native {native_median:7.3f} s, heron.wandb {wandb_median:7.3f} s"
            f"  ({overhead:+.1f}%, target <= +5%; medians of {rounds})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000, help="table rows (default 10,000)")
    parser.add_argument("--calls", type=int, default=100_000, help="log calls (default 100,000)")
    parser.add_argument("--rounds", type=int, default=8, help="runs of each API (default 8)")
    args = parser.parse_args()
    os.environ["WANDB_SILENT"] = "true"
    os.environ.pop("HERON_DIR", None)
    generator = np.random.default_rng(0)
    images = generator.integers(0, 256, (args.rows, 64, 64, 3), dtype=np.uint8)
    guesses = [CLASSES[int(i)] for i in generator.integers(0, 5, args.rows)]
    # One untimed run of each warms imports and caches.
    _timed(lambda store: table_native(store, images[:100], guesses[:100]))
    _timed(lambda store: table_wandb(store, images[:100], guesses[:100]))
    _compare(
        f"predictions table, {args.rows:,} rows with a 64x64 image each",
        lambda store: table_native(store, images, guesses),
        lambda store: table_wandb(store, images, guesses),
        args.rounds,
    )
    _compare(
        f"log() of 2 scalars, {args.calls:,} calls",
        lambda store: log_native(store, args.calls),
        lambda store: log_wandb(store, args.calls),
        args.rounds,
    )


if __name__ == "__main__":
    main()
