"""Logging and reading tables: a 100,000-row prediction table with a 64x64 image per row.

Figures printed (targets from issue 3 and DESIGN.md §8):

- log a predictions table (id, 64x64 RGB image, guess, truth, 10 float scores): rows/s and
  seconds until ``finish`` returns (wandb 0.31 offline: ~131 s for 100,000 rows here);
- log the same images again in 5 more epochs: image bytes on disk must not grow;
- files on disk after storing the images (packs, not a file per image);
- a 1,000,000-row table without images: seconds to log, seconds to read back (< 1 s).

    python -m bench.tables_bench [--rows N] [--epochs N] [--big-rows N]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

import heron

CLASSES = [f"class_{i}" for i in range(10)]


def synthetic_images(count: int, seed: int = 0) -> np.ndarray:
    """Distinct 64x64 RGB images with smooth structure and sensor-like noise (not pure noise)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:64, 0:64].astype(np.float32)
    images = np.empty((count, 64, 64, 3), dtype=np.uint8)
    for start in range(0, count, 5000):
        n = min(5000, count - start)
        a, b, c = (rng.uniform(0.5, 4.0, (n, 1, 1, 1)).astype(np.float32) for _ in range(3))
        phase = rng.uniform(0, 255, (n, 1, 1, 3)).astype(np.float32)
        base = (x[None, :, :, None] * a + y[None, :, :, None] * b + phase + c * 7) % 256
        noise = rng.integers(-4, 5, (n, 64, 64, 3), dtype=np.int16)
        images[start : start + n] = np.clip(base.astype(np.int16) + noise, 0, 255).astype(np.uint8)
    return images


def directory_stats(path: Path) -> tuple[int, int]:
    """(bytes, files) under ``path``."""
    total = files = 0
    for root, _, names in os.walk(path):
        for name in names:
            files += 1
            total += (Path(root) / name).stat().st_size
    return total, files


def log_predictions(
    run: heron.Run, images: np.ndarray, scores: np.ndarray, truths: list[str], step: int
) -> tuple[float, float]:
    """Build and log one epoch's table; returns (seconds to build, seconds in run.log)."""
    start = time.perf_counter()
    table = heron.Table(columns=["id", "image", "guess", "truth"] + [f"score_{c}" for c in CLASSES])
    guesses = scores.argmax(axis=1)
    score_rows = scores.tolist()
    for index in range(len(images)):
        table.add_data(
            index,
            heron.Image(images[index]),
            CLASSES[guesses[index]],
            truths[index],
            *score_rows[index],
        )
    built = time.perf_counter()
    run.log({"predictions": table}, step=step)
    return built - start, time.perf_counter() - built


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--rows", type=int, default=100_000, help="rows of the image table (default 100,000)"
    )
    parser.add_argument(
        "--epochs", type=int, default=5, help="epochs re-logging the same images (default 5)"
    )
    parser.add_argument(
        "--big-rows", type=int, default=1_000_000, help="rows of the table without images"
    )
    args = parser.parse_args()
    import pandas  # noqa: F401  - pyarrow imports it on first use; a one-time cost, not timed
    import pyarrow  # noqa: F401

    rng = np.random.default_rng(1)
    print(f"preparing {args.rows:,} synthetic 64x64 RGB images (not timed)...", flush=True)
    images = synthetic_images(args.rows)
    truths = [CLASSES[i] for i in rng.integers(0, len(CLASSES), args.rows)]

    with tempfile.TemporaryDirectory() as directory:
        store_dir = Path(directory) / "store"
        run = heron.init(project="bench", dir=store_dir, name="epoch-0")
        start, cpu_start = time.perf_counter(), time.process_time()
        scores = rng.dirichlet(np.ones(len(CLASSES)), args.rows)
        build, in_log = log_predictions(run, images, scores, truths, step=0)
        run.finish()
        stored = time.perf_counter() - start
        cpu = time.process_time() - cpu_start
        image_bytes, image_files = directory_stats(store_dir / "blobs")
        print(
            f"\npredictions table, {args.rows:,} rows (id, 64x64 RGB image, guess, truth, 10 scores)"
        )
        print(f"  build (Image + add_data): {build:6.2f} s")
        print(f"  run.log returns after:    {in_log:6.2f} s")
        print(
            f"  until finish() returns:   {stored:6.2f} s  = {args.rows / stored:,.0f} rows/s  (wandb offline: ~131 s)"
        )
        load = os.getloadavg()[0]
        print(
            f"  CPU time, all threads:    {cpu:6.2f} s  (load average {load:.1f} on {os.cpu_count()} cores)"
        )
        print(
            f"  image bytes on disk:      {image_bytes / 1e6:8.1f} MB in {image_files} file(s) under blobs/"
        )

        run = heron.init(project="bench", dir=store_dir, name="more-epochs")
        start = time.perf_counter()
        for epoch in range(1, args.epochs + 1):
            scores = rng.dirichlet(np.ones(len(CLASSES)), args.rows)
            log_predictions(run, images, scores, truths, step=epoch)
        run.finish()
        per_epoch = (time.perf_counter() - start) / max(1, args.epochs)
        after_bytes, after_files = directory_stats(store_dir / "blobs")
        store_bytes, store_files = directory_stats(store_dir)
        print(
            f"\nsame images re-logged in {args.epochs} more epochs (new run, new Image objects, new scores)"
        )
        print(f"  per epoch, until finish:  {per_epoch:6.2f} s")
        print(
            f"  image bytes on disk:      {after_bytes / 1e6:8.1f} MB (was {image_bytes / 1e6:.1f} MB: grew by {after_bytes - image_bytes:,} bytes)"
        )
        print(
            f"  files under blobs/:       {after_files}; whole store: {store_files} files, {store_bytes / 1e6:.1f} MB"
        )
        api_run = heron.Api(store_dir).run(run.path)
        read_start = time.perf_counter()
        table = api_run.table("predictions")
        frame = table.to_arrow()
        first = table.image(0)
        assert first is not None and np.array_equal(first.to_numpy(), images[0])
        print(
            f"  read back last epoch:     {time.perf_counter() - read_start:6.2f} s ({frame.num_rows:,} rows, image 0 identical)"
        )

        big_table(Path(directory) / "big", args.big_rows)


def big_table(store_dir: Path, rows: int) -> None:
    """A table without images: built by add_data and from pyarrow, logged, read back."""
    import pyarrow as pa

    rng = np.random.default_rng(2)
    ids = np.arange(rows)
    values = rng.normal(size=rows)
    labels = np.array(CLASSES)[rng.integers(0, len(CLASSES), rows)]
    flags = values > 0
    print(f"\n{rows:,}-row table without images (id, label, value, flag)")
    with heron.init(project="bench", dir=store_dir) as run:
        start = time.perf_counter()
        arrow = pa.table({"id": ids, "label": labels, "value": values, "flag": flags})
        table = heron.Table(dataframe=arrow)
        run.log({"big": table}, step=0)
        run.finish()
        print(f"  from pyarrow, log+finish: {time.perf_counter() - start:6.2f} s")
    with heron.init(project="bench", dir=store_dir) as run:
        start = time.perf_counter()
        table = heron.Table(columns=["id", "label", "value", "flag"])
        for row in zip(ids.tolist(), labels.tolist(), values.tolist(), flags.tolist(), strict=True):
            table.add_data(*row)
        built = time.perf_counter() - start
        run.log({"big": table}, step=0)
        run.finish()
        print(
            f"  by add_data: build {built:6.2f} s, log+finish {time.perf_counter() - start - built:6.2f} s"
        )
    api_run = heron.Api(store_dir).run(run.path)
    start = time.perf_counter()
    read = api_run.table("big").to_arrow()
    print(
        f"  read back (to_arrow):     {time.perf_counter() - start:6.2f} s  (target < 1 s; {read.num_rows:,} rows)"
    )
    start = time.perf_counter()
    api_run.table("big").to_pandas()
    print(f"  read back (to_pandas):    {time.perf_counter() - start:6.2f} s")


if __name__ == "__main__":
    main()
