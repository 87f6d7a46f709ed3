"""Evaluation benchmark: what the evaluation panel's request costs on a 1M-row predictions table
with 10 classes, and what the minimum score threshold adds to it.

    python -m bench.threshold_bench [--repeat N] [--data DIR]

Prints p50/p95 milliseconds (tables loaded in memory, result caches cleared before each call) of:
the confusion counts, the per-class score histograms, the threshold sweep (every threshold of the
0.01 grid and every class's PR/ROC counts, in one scan), and, for comparison, one query counting
kept and abstained rows at a single threshold: the cost of the other design, a request per
slider position.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from bench.query_bench import CLASSES, COLUMNS, measure, write_predictions
from heron.query import Engine, Query, TableSource
from heron.query.evaluation import label_counts, label_sql, score_histograms
from heron.query.thresholds import threshold_sweep, top_score_expression


def _table(root: Path) -> TableSource:
    directory = root / "p1m"
    done = directory / "complete"
    if done.exists():
        return TableSource(sorted(directory.glob("part-*.parquet")), COLUMNS, "1m")
    source = write_predictions(directory, 1_000_000, "1m")
    done.touch()
    return source


def main() -> None:
    """Generate (or reuse) the table and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--data", type=Path, help="keep the table in this directory and reuse it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="heron-threshold-bench-") as tmp:
        source = _table(args.data or Path(tmp))
        engine = Engine(timeout=300, cache="sync")
        engine.table_relation(source)
        print(f"1M rows, {len(CLASSES)} classes; {os.cpu_count()} CPUs, "
              f"load {os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
        query = Query(source, engine=engine)
        measure("confusion counts (truth x guess)", engine,
                lambda: label_counts(query, "truth", "guess"), args.repeat)  # fmt: skip
        measure("score histograms, 10 classes x 10 bins", engine,
                lambda: score_histograms(query, "truth", CLASSES), args.repeat)  # fmt: skip
        measure("threshold sweep: 101 thresholds + 10 classes' curves", engine,
                lambda: threshold_sweep(query, "truth", "guess", CLASSES), args.repeat)  # fmt: skip
        top = top_score_expression([f"score_{c}" for c in CLASSES])
        plan = query.add_column("top", top).plan()
        sql = (
            f"SELECT {label_sql(plan, 'truth', 'truth')}, {label_sql(plan, 'guess', 'guess')}, "
            f"{plan.ref('top').sql} < 0.6, count(*) FROM {plan.from_sql} WHERE {plan.where} "
            "GROUP BY ALL"
        )
        values = list(plan.params.values)
        measure("one threshold only (kept/abstained per truth x guess)", engine,
                lambda: engine.run(sql, values), args.repeat)  # fmt: skip
        t0 = time.perf_counter()
        sweep = threshold_sweep(query, "truth", "guess", CLASSES)
        size = len(sweep.model_dump_json())
        print(f"sweep JSON: {size / 1000:.0f} kB "
              f"({(time.perf_counter() - t0) * 1000:.0f} ms with serialisation)", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
