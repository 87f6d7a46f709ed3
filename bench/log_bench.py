"""How much ``run.log`` of a dict of 10 scalars costs, amortised over 100,000 calls.

Target: under 50 microseconds per call (W&B documents more than 1 ms of overhead per call).
The figure includes writing everything to the store: the time until ``finish`` returns.

    python -m bench.log_bench [--calls N]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import heron


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--calls", type=int, default=100_000, help="number of log calls (default 100,000)"
    )
    args = parser.parse_args()
    keys = [f"metric_{i}" for i in range(10)]
    with tempfile.TemporaryDirectory() as directory:
        run = heron.init(project="bench", dir=Path(directory) / "store")
        start = time.perf_counter()
        for step in range(args.calls):
            run.log({key: step * 0.001 + i for i, key in enumerate(keys)})
        logged = time.perf_counter() - start
        run.finish()
        total = time.perf_counter() - start
        rows = sum(1 for _ in heron.Api(Path(directory) / "store").run(run.path).scan_history())
    assert rows == args.calls, f"expected {args.calls} rows, read back {rows}"
    print(f"run.log, 10 scalars, {args.calls:,} calls")
    print(f"  in the loop:          {logged / args.calls * 1e6:7.1f} us/call")
    print(f"  including the flush:  {total / args.calls * 1e6:7.1f} us/call  (target < 50)")


if __name__ == "__main__":
    main()
