"""Query limits benchmark: peak memory and latency of queries that used to take the machine down.

    python -m bench.query_limits_bench                 # every scenario, default limits
    python -m bench.query_limits_bench --rows 200000   # smaller tables

Scenarios, each in a fresh process (so one's memory cannot hide another's) with the engine's
default limits (the HERON_QUERY_* environment applies):

- ``join``: two 500,000-row tables joined on a column with two values (125 billion rows);
- ``join-unguarded``: the same join with the join-size guard lifted and a 5 s time limit (or
  ``HERON_QUERY_TIMEOUT``), to show what the memory limit and the timer bound on their own
  (``HERON_QUERY_MEMORY=2GB HERON_QUERY_TIMEOUT=20``: the memory limit at work);
- ``filters``: eight heavy filters (string functions, a sort, a page) at once on a 1M-row table;
- ``export-before`` / ``export``: the whole 1M-row table (images as their sha256) exported as CSV,
  the former way (the result as one Arrow table, then the CSV in memory) and the streamed way the
  server uses now (batches encoded into a file in the store's cache).

Each line gives the wall time, the process's peak RSS, its RSS when the query ended and one
second later, and the outcome.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

COLUMNS = [("id", "int"), ("truth", "string"), ("score", "float")]


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    # Not getrusage's ru_maxrss: on Linux it keeps the parent's peak across fork and exec.
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def write_tables(directory: Path, rows: int) -> None:
    """Two tables with id, a two-valued truth and a score, and a 1M-row predictions table."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from bench.query_bench import write_predictions

    directory.mkdir(parents=True, exist_ok=True)
    for side in (0, 1):
        path = directory / f"two-{rows}-{side}.parquet"
        if path.exists():
            continue
        rng = np.random.default_rng(side)
        truth = np.where(rng.random(rows) < 0.5, "Plantae", "Animalia")
        table = pa.table({"id": np.arange(rows), "truth": truth, "score": rng.random(rows)})
        pq.write_table(table, path, compression="zstd")
    if not (directory / "p1m" / "complete").exists():
        write_predictions(directory / "p1m", 1_000_000, "1m")
        (directory / "p1m" / "complete").touch()


def scenario(name: str, directory: Path, rows: int) -> dict[str, Any]:
    """Run one scenario in this process; return its figures."""
    from heron.errors import QueryError
    from heron.query import Engine, Query, TableSource, merge

    if name.startswith("export"):
        # Imports are not the export's time (the server has them loaded already).
        import pyarrow.csv  # noqa: F401

        import heron.server.table_export  # noqa: F401
    rss_before = _rss_mb()
    t0 = time.perf_counter()
    outcome = "ok"
    if name.startswith("join"):
        sides = [
            TableSource([directory / f"two-{rows}-{i}.parquet"], COLUMNS, f"run-{i}")
            for i in (0, 1)
        ]
        if name == "join":
            engine = Engine()
        else:
            timeout = float(os.environ.get("HERON_QUERY_TIMEOUT", "5"))
            try:  # engines without a join-size guard take no such argument
                engine = Engine(timeout=timeout, join_max_rows=10**15)
            except TypeError:
                engine = Engine(timeout=timeout)
        try:
            merge(sides, on="truth", engine=engine).page(0, 50)
        except QueryError as error:
            outcome = str(error)
    elif name.startswith("export"):
        outcome = _export(name, directory)
    else:
        from bench.query_bench import COLUMNS as PREDICTIONS

        parts = sorted((directory / "p1m").glob("part-*.parquet"))
        source = TableSource(parts, PREDICTIONS, "1m")
        engine = Engine()
        filters = [
            f'lower(row["guess"]) != lower(row["truth"]) and contains(row["image"].sha256, "{c}")'
            for c in "0123456789abcdef"[:8]
        ]
        results: list[str] = []

        def one(i: int) -> None:
            q = Query(source, engine=engine).filter(filters[i]).sort(f"score_{PICK[i]}", True)
            started = time.perf_counter()
            try:
                q.page(0, 50)
                results.append(f"{(time.perf_counter() - started) * 1000:.0f}")
            except QueryError as error:
                results.append(f"error: {error}")

        threads = [threading.Thread(target=one, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        outcome = "per query ms: " + ", ".join(sorted(results, key=lambda r: (len(r), r)))
    seconds = time.perf_counter() - t0
    rss_after = _rss_mb()
    time.sleep(1)  # memory goes back to the system from a background thread
    return {
        "scenario": name,
        "seconds": seconds,
        "peak_mb": _peak_mb(),
        "rss_before_mb": rss_before,
        "rss_after_mb": rss_after,
        "rss_settled_mb": _rss_mb(),
        "outcome": outcome,
    }


def _export(name: str, directory: Path) -> str:
    """Export the 1M-row table as CSV the former way or the streamed way; its size."""
    from bench.query_bench import COLUMNS as PREDICTIONS
    from heron.query import Engine, Query, TableSource

    parts = sorted((directory / "p1m").glob("part-*.parquet"))
    # No loaded copy: what is measured is the export, not the table cache.
    query = Query(TableSource(parts, PREDICTIONS, "1m"), engine=Engine(cache="off"))
    if name == "export-before":
        import io

        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.csv as pcsv

        table = query.to_arrow()
        flat = pa.table(
            {
                n: pc.struct_field(table.column(n), "sha256") if n == "image" else table.column(n)
                for n in table.column_names
            }
        )
        buffer = io.BytesIO()
        pcsv.write_csv(flat, buffer)
        size = len(buffer.getvalue())
    else:
        from heron.server.table_export import export_file

        handle = export_file(directory / "cache", query, "csv", time.monotonic() + 600)
        size = os.fstat(handle.fileno()).st_size
        handle.close()
    return f"{size / 2**20:.0f} MB of CSV"


PICK = ["Amphibia", "Animalia", "Arachnida", "Aves", "Fungi", "Insecta", "Mammalia", "Mollusca"]


def main() -> None:
    """Write the tables, then run each scenario in its own process and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=500_000, help="rows per side of the join")
    parser.add_argument("--data", type=Path, help="keep the tables here and reuse them")
    parser.add_argument(
        "--only",
        choices=["join", "join-unguarded", "filters", "export-before", "export"],
        action="append",
    )
    parser.add_argument("--scenario", help=argparse.SUPPRESS)  # the child process's part
    args = parser.parse_args()
    if args.scenario:
        print(json.dumps(scenario(args.scenario, args.data, args.rows)), flush=True)
        return
    with tempfile.TemporaryDirectory(prefix="heron-limits-bench-") as tmp:
        directory = args.data or Path(tmp)
        write_tables(directory, args.rows)
        print(f"{os.cpu_count()} CPUs, {os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') / 2**30:.0f} GB RAM, "
              f"load {os.getloadavg()[0]:.1f}; limits from the environment: "
              f"{ {k: v for k, v in os.environ.items() if k.startswith('HERON_')} }", flush=True)  # fmt: skip
        for name in args.only or ["join", "join-unguarded", "filters", "export-before", "export"]:
            command = [sys.executable, "-m", "bench.query_limits_bench", "--scenario", name,
                       "--data", str(directory), "--rows", str(args.rows)]  # fmt: skip
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                print(f"{name:<15} failed (exit {done.returncode}): {done.stderr[-2000:]}")
                continue
            r = json.loads(done.stdout.strip().splitlines()[-1])
            print(
                f"{name:<15} {r['seconds']:6.2f} s   peak RSS {r['peak_mb']:6.0f} MB   RSS at the "
                f"end {r['rss_after_mb']:6.0f} MB, 1 s later {r['rss_settled_mb']:6.0f} MB   "
                f"{r['outcome'][:160]}",
                flush=True,
            )


if __name__ == "__main__":
    main()
