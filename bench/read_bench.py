"""Reading a logged table back: a 100,000-row table without images into pandas, Arrow, polars.

Each measurement runs in a fresh process that has already imported heron, pandas and the frame
library (pyarrow or polars), as a user's notebook has; the clock runs from ``heron.Api(dir=...)``
to the frame in hand, as the peers suite's read scenario times it. Prints the median of
``--repeat`` processes per target (issue 15: pandas <= 0.06 s, Arrow and polars <= 0.02 s).

    python -m bench.read_bench [--rows N] [--repeat N] [--store DIR] [--heron-src DIR]

``--heron-src`` times another checkout's heron (e.g. an older commit's ``git archive``) on the
same store, for before/after figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

KEY = "predictions"
CLASSES = [f"class_{i}" for i in range(10)]
TARGETS = {"pandas": 0.06, "arrow": 0.02, "polars": 0.02}

# Runs in the fresh process: imports first, then the timed read.
_CHILD = """
import json, sys, time
import pandas
import {library}
import heron
store, path, key = sys.argv[1:4]
start, cpu = time.perf_counter(), time.process_time()
frame = heron.Api(dir=store).run(path).table(key).{method}()
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
print(json.dumps({{"seconds": seconds, "cpu": cpu, "rows": len(frame)}}))
"""
_FORMATS = {
    "pandas": ("pandas", "to_pandas"),
    "arrow": ("pyarrow", "to_arrow"),
    "polars": ("polars", "to_polars"),
}


def make_store(store: Path, rows: int) -> str:
    """Log the table (id, truth, guess, 10 float scores) into a new store; returns the run path."""
    import numpy as np
    import pyarrow as pa

    import heron

    rng = np.random.default_rng(0)
    truth = rng.integers(0, 10, rows)
    scores = rng.random((rows, 10))
    guess = scores.argmax(axis=1)
    names = np.array(CLASSES)
    columns: dict[str, object] = {
        "id": np.arange(rows),
        "truth": names[truth].tolist(),
        "guess": names[guess].tolist(),
    }
    columns.update({f"score_{c}": scores[:, i] for i, c in enumerate(CLASSES)})
    with heron.init(project="bench", dir=store) as run:
        run.log({KEY: heron.Table(dataframe=pa.table(columns))})
        return run.path


def time_read(
    store: Path, path: str, target: str, rows: int, pycache: Path, source: Path | None = None
) -> tuple[float, float]:
    """Seconds one fresh process takes from Api(...) to the frame in hand: wall clock, and CPU
    time over all its threads (steadier than the wall clock on a busy machine)."""
    library, method = _FORMATS[target]
    code = _CHILD.format(library=library, method=method)
    # Compiled modules are cached as in a user's installed environment (a shell that turns
    # bytecode off would time Python compiling SQLAlchemy, not heron reading a table).
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    if source is not None:
        env["PYTHONPATH"] = str(source)
    output = subprocess.run(
        [sys.executable, "-c", code, str(store), path, KEY],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=pycache.parent,  # not a checkout: ``python -c`` imports from its working directory
    ).stdout
    result = json.loads(output.strip().splitlines()[-1])
    assert result["rows"] == rows, result
    return float(result["seconds"]), float(result["cpu"])


def main() -> None:
    """Build the store once, then time each target in fresh processes and print medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--store", type=Path, help="reuse (or create) the store here")
    parser.add_argument("--heron-src", type=Path, help="the directory holding the heron to time")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        store = args.store or Path(scratch) / "store"
        marker = store / "bench-run-path"
        if marker.exists():
            path = marker.read_text()
        else:
            path = make_store(store, args.rows)
            marker.write_text(path)
        pycache = Path(scratch) / "pycache"
        print(f"read {args.rows:,} rows, median of {args.repeat} fresh processes")
        for target in _FORMATS:
            time_read(
                store, path, target, args.rows, pycache, args.heron_src
            )  # warm-up: compile, page cache
            # Interleaved with the other targets would cancel drift too; one target's runs in a
            # row keep the page cache equally warm for each.
            runs = [
                time_read(store, path, target, args.rows, pycache, args.heron_src)
                for _ in range(args.repeat)
            ]
            wall = sorted(seconds for seconds, _ in runs)
            median = statistics.median(wall)
            cpu = statistics.median(cpu for _, cpu in runs)
            verdict = "met" if median <= TARGETS[target] else "MISSED"
            print(
                f"  {target:<7} {median * 1000:7.1f} ms  (min {wall[0] * 1000:.1f}, "
                f"max {wall[-1] * 1000:.1f}; CPU {cpu * 1000:.1f} ms; "
                f"target <= {TARGETS[target] * 1000:.0f} ms: {verdict})"
            )


if __name__ == "__main__":
    main()
