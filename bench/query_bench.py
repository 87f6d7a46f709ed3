"""Query engine benchmark: prints p50/p95 milliseconds for the budgets in DESIGN.md section 8.

    python -m bench.query_bench            # 1M and 10M rows (writes ~2 GB of Parquet to a temp dir)
    python -m bench.query_bench --quick    # 1M rows only

Tables follow docs/table-format.md: id, an image struct, guess, truth and ten float scores,
zstd Parquet in parts of 1M rows. Every timed call starts with the engine's result caches
cleared (counts, summaries, merged tables); the warm pass keeps the in-memory table copies, the
cold pass decodes Parquet every time (the files are in the OS page cache after generation).
Each line gives wall-clock p50/p95, the process CPU time per call (DuckDB's threads included)
and the load average, so figures taken on a busy machine can be judged.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from heron.query import Engine, Query, TableSource, merge

CLASSES = [
    "Amphibia", "Animalia", "Arachnida", "Aves", "Fungi",
    "Insecta", "Mammalia", "Mollusca", "Plantae", "Reptilia",
]  # fmt: skip
COLUMNS = [("id", "int"), ("image", "image"), ("guess", "string"), ("truth", "string")] + [
    (f"score_{c}", "float") for c in CLASSES
]
_HEX = np.array([f"{i:02x}".encode() for i in range(256)], dtype="S2")
_ARROW = {"int": pa.int64(), "string": pa.string(), "float": pa.float64()}
IMAGE = pa.struct([("sha256", pa.string()), ("format", pa.string()), ("width", pa.int32()),
                   ("height", pa.int32()), ("caption", pa.string()), ("overlays", pa.string())])  # fmt: skip
SCHEMA = pa.schema(
    [
        pa.field(n, IMAGE if t == "image" else _ARROW[t], metadata={"heron.type": t})
        for n, t in COLUMNS
    ],
    metadata={"heron.table": "v1"},
)


def _digests(image_ids: np.ndarray) -> pa.Array:
    """Fake but well-spread sha256 hex digests, one per image id (same id, same digest)."""
    rng = np.random.default_rng(12345)
    salt = np.frombuffer(rng.bytes(32), dtype=np.uint8)
    mixed = (image_ids[:, None].astype(np.uint64) * np.uint64(2654435761) +
             np.arange(32, dtype=np.uint64)[None, :] * np.uint64(40503)) % np.uint64(251)  # fmt: skip
    raw = (mixed.astype(np.uint8) ^ salt[None, :]).reshape(-1)
    # The first 8 bytes carry the id itself so digests never collide.
    raw = raw.reshape(-1, 32)
    raw[:, :8] = image_ids.astype(">u8").view(np.uint8).reshape(-1, 8)
    return pa.array(_HEX[raw.reshape(-1)].view("S64").reshape(-1), type=pa.binary(64)).cast(
        pa.string()
    )


def _chunk(rng: np.random.Generator, ids: np.ndarray, image_ids: np.ndarray) -> pa.Table:
    n = len(ids)
    truth = rng.integers(0, len(CLASSES), n)
    scores = rng.random((n, len(CLASSES)))
    right = rng.random(n) < 0.7
    scores[right, truth[right]] += 1.0
    scores /= scores.sum(axis=1, keepdims=True)
    names = pa.array(CLASSES)
    image = pa.StructArray.from_arrays(
        [_digests(image_ids), pa.array(np.full(n, "png", dtype=object), pa.string()),
         pa.array(np.full(n, 64, dtype=np.int32)), pa.array(np.full(n, 64, dtype=np.int32)),
         pa.nulls(n, pa.string()), pa.nulls(n, pa.string())],
        fields=list(IMAGE),
    )  # fmt: skip
    arrays: list[Any] = [
        pa.array(ids), image,
        names.take(pa.array(scores.argmax(axis=1))), names.take(pa.array(truth)),
    ]  # fmt: skip
    arrays += [pa.array(scores[:, j]) for j in range(len(CLASSES))]
    return pa.Table.from_arrays(arrays, schema=SCHEMA)


def write_predictions(directory: Path, n: int, label: str, seed: int = 0,
                      image_ids: np.ndarray | None = None) -> TableSource:  # fmt: skip
    """Write an n-row predictions table in 1M-row zstd parts; return its source."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    all_images = image_ids if image_ids is not None else np.arange(n)
    parts = []
    for k, start in enumerate(range(0, n, 1_000_000)):
        stop = min(n, start + 1_000_000)
        table = _chunk(rng, np.arange(start, stop, dtype=np.int64), all_images[start:stop])
        path = directory / f"part-{k:05d}.parquet"
        pq.write_table(table, path, compression="zstd", row_group_size=122_880)
        parts.append(path)
    return TableSource(parts, COLUMNS, label)


def _report(name: str, walls: list[float], cpus: list[float], loads: list[float]) -> None:
    """Print p50/p95 wall ms, p50 process CPU ms (all threads, DuckDB's included), load."""
    walls = sorted(walls)
    p95 = walls[min(len(walls) - 1, round(0.95 * (len(walls) - 1)))]
    print(
        f"{name:<58} p50 {statistics.median(walls):8.1f} ms   p95 {p95:8.1f} ms   "
        f"cpu {statistics.median(cpus):8.1f} ms   load {statistics.mean(loads):5.1f}",
        flush=True,
    )


def _timed(fn: Callable[[], Any]) -> tuple[float, float, float]:
    """(wall ms, CPU ms of this process, 1-minute load average) of one call."""
    c0, t0 = time.process_time(), time.perf_counter()
    fn()
    wall, cpu = (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000
    return wall, cpu, os.getloadavg()[0]


def measure(name: str, engine: Engine, fn: Callable[[], Any], repeat: int) -> None:
    """Run ``fn`` ``repeat`` times with the engine's result caches cleared; print figures.

    ``engine.clear()`` drops counts, memoised summaries and merged tables, but not the in-memory
    table copies (those are what the warm pass measures).
    """
    fn()  # warm the OS page cache and DuckDB's code paths; not counted
    samples = []
    for _ in range(repeat):
        engine.clear()
        samples.append(_timed(fn))
    _report(name, *(list(x) for x in zip(*samples, strict=True)))


def bench_table(engine: Engine, source: TableSource, rows: str, repeat: int) -> None:
    """Filter+count, group-by with histograms, and a filtered sorted page on one table."""
    q = Query(source, engine=engine)
    mistakes = q.filter('row["truth"] != row["guess"]')
    measure(f"filter + count, {rows} rows", engine, mistakes.count, repeat)
    grouped = q.group_by("truth")
    measure(f"group by truth with histograms, {rows} rows", engine, grouped.groups, repeat)
    # The walkthrough's recall view as the explorer asks for it after a click: a filter, then
    # every column summarised per truth.
    recall = q.filter('row["score_Plantae"] > 0.001').group_by("truth")
    measure(f"filter + group by truth, every column, {rows} rows", engine, recall.groups, repeat)
    by_guess = mistakes.group_by("guess")
    measure(
        f"filter + group by guess with histograms, {rows} rows", engine, by_guess.groups, repeat
    )
    page = mistakes.sort("score_Amphibia", descending=True)
    measure(f"page of 50, filtered + sorted, {rows} rows", engine, lambda: page.page(0, 50), repeat)
    page.count()  # the UI's next page reuses the cached total

    def next_page() -> None:
        page.page(50, 50)

    samples = [_timed(next_page) for _ in range(repeat)]
    _report(f"  next page (total count cached), {rows} rows",
            *(list(x) for x in zip(*samples, strict=True)))  # fmt: skip


def bench_all(label: str, engine: Engine, one_m: TableSource, runs: list[TableSource],
              ten_m: TableSource | None, repeat: int) -> None:  # fmt: skip
    """Every figure, on one engine."""
    print(f"--- {label}", flush=True)
    for source in [one_m, *runs] + ([ten_m] if ten_m else []):
        t0 = time.perf_counter()
        engine.table_relation(source)  # loads the in-memory copy when the engine keeps them
        if engine.tables.mode != "off":
            print(f"{'  load ' + source.label + ' into memory (once per table)':<58} "
                  f"{(time.perf_counter() - t0) * 1000:8.1f} ms", flush=True)  # fmt: skip
    bench_table(engine, one_m, "1M", repeat)
    m = merge(runs, on="image", how="inner", engine=engine)
    measure("merge 5 runs x 100k on image hash (+ count)", engine, m.count, repeat)
    disagree = m.add_column("disagree", 'stddev(row["score_Amphibia"])').sort(
        "disagree", descending=True
    )
    measure("merge 5 x 100k + disagreement sort, page of 50", engine,
            lambda: disagree.page(0, 50), repeat)  # fmt: skip
    # The runs share each image's id, so row["id"] needs no index: the first use checks that
    # the runs agree on it (one scan of the merged table, then cached with the merge).
    agreed = m.filter('row["id"] < 50000')
    measure("merge 5 x 100k + filter on a column runs agree on", engine, agreed.count, repeat)
    if ten_m is not None:
        bench_table(engine, ten_m, "10M", max(3, repeat // 2))


def _tables(root: Path, quick: bool) -> tuple[TableSource, list[TableSource], TableSource | None]:
    """Write the benchmark tables under ``root``, or reuse ones a previous run left there."""

    def table(sub: str, n: int, label: str, **kw: Any) -> TableSource:
        directory = root / sub
        parts = sorted(directory.glob("part-*.parquet"))
        done = directory / "complete"
        if done.exists():
            return TableSource(parts, COLUMNS, label)
        source = write_predictions(directory, n, label, **kw)
        done.touch()
        return source

    one_m = table("p1m", 1_000_000, "1m")
    images = np.random.default_rng(99).permutation(100_000)
    runs = [table(f"run{i}", 100_000, f"run-{i}", seed=i, image_ids=images) for i in range(5)]
    ten_m = None if quick else table("p10m", 10_000_000, "10m")
    return one_m, runs, ten_m


def main() -> None:
    """Generate the tables and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="1M rows only")
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--warm-only", action="store_true", help="skip the Parquet-only pass")
    parser.add_argument("--cold-only", action="store_true", help="skip the in-memory pass")
    parser.add_argument(
        "--data", type=Path, help="keep the tables in this directory and reuse them"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="heron-query-bench-") as tmp:
        t0 = time.perf_counter()
        one_m, runs, ten_m = _tables(args.data or Path(tmp), args.quick)
        print(f"tables ready in {time.perf_counter() - t0:.1f} s; {os.cpu_count()} CPUs, "
              f"load {os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
        if not args.cold_only:
            bench_all("warm: tables loaded in memory (after their first query)",
                      Engine(timeout=300, cache="sync"), one_m, runs, ten_m, args.repeat)  # fmt: skip
        if not args.warm_only:
            bench_all("cold: every query decodes Parquet",
                      Engine(timeout=300, cache="off"), one_m, runs, ten_m, args.repeat)  # fmt: skip


if __name__ == "__main__":
    main()
