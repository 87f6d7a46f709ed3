"""How long a wide table takes to build, log and store: 10,000 columns by default.

Every step must stay linear in the number of columns (a 10,000-column table once took 48 s,
spent in per-column work that scanned every column). Figures: building the table row by row,
``run.log`` (checks and freezes the rows), and until ``finish`` returns (Parquet part written
and committed), then reading it back.

    python -m bench.wide_table_bench [--columns N] [--rows N]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import heron


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--columns", type=int, default=10_000, help="columns (default 10,000)")
    parser.add_argument("--rows", type=int, default=10, help="rows (default 10)")
    args = parser.parse_args()
    import pyarrow  # noqa: F401  (imported before timing: the figures are heron's own work)

    names = [f"feature_{i}" for i in range(args.columns)]
    with tempfile.TemporaryDirectory() as directory:
        store = Path(directory) / "store"
        run = heron.init(project="bench", dir=store)
        start = time.perf_counter()
        table = heron.Table(columns=names)
        for row in range(args.rows):
            table.add_data(*[float(row + i) for i in range(args.columns)])
        built = time.perf_counter()
        run.log({"wide": table})
        logged = time.perf_counter()
        run.finish()
        stored = time.perf_counter()
        frame = heron.Api(store).run(run.path).table("wide").to_pandas()
        read = time.perf_counter()
    assert frame.shape == (args.rows, args.columns), frame.shape
    print(f"wide table, {args.columns:,} columns x {args.rows:,} rows")
    print(f"  build (add_data):      {built - start:6.2f} s")
    print(f"  run.log:               {logged - built:6.2f} s")
    print(f"  until finish returns:  {stored - logged:6.2f} s")
    print(f"  total:                 {stored - start:6.2f} s  (was 48 s before it was linear)")
    print(f"  read back (pandas):    {read - stored:6.2f} s")


if __name__ == "__main__":
    main()
