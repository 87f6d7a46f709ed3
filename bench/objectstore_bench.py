"""Object-store benchmark: a replica querying a table kept in S3, and logging images to S3.

    source .services/env && python -m bench.objectstore_bench [--repeat 5] [--images 5000]

Needs the test S3 server (scripts/services.sh; its HERON_TEST_S3_* settings). Prints, for a
1,000,000-row predictions table (bench.query_bench's shape) filtered and grouped by class:
local mode; a replica reading from the object store with an empty cache (cold: the part is
downloaded, then queried) and with the part already cached (warm). Every query runs with the
engine's caches off, so each decodes Parquet. Then logs an image predictions table through the
SDK into a local store and into an S3-backed one and prints rows per second. Metadata is the
writer's SQLite file, which the replica opens by path (a server would use PostgreSQL).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import heron
from bench.query_bench import COLUMNS, _chunk
from heron.query import Engine, Query, TableSource
from heron.store import tables
from heron.store.store import Store


def _settings() -> tuple[str, str]:
    endpoint = os.environ.get("HERON_TEST_S3_ENDPOINT")
    if not endpoint:
        raise SystemExit("run `source .services/env` first (scripts/services.sh starts SeaweedFS)")
    os.environ.setdefault("AWS_ACCESS_KEY_ID", os.environ["HERON_TEST_S3_KEY"])
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", os.environ["HERON_TEST_S3_SECRET"])
    bucket = os.environ.get("HERON_TEST_S3_BUCKET", "heron")
    return endpoint, f"s3://{bucket}/bench-{uuid.uuid4().hex[:12]}"


def _report(name: str, walls: list[float]) -> None:
    walls = sorted(walls)
    p95 = walls[min(len(walls) - 1, round(0.95 * (len(walls) - 1)))]
    print(f"{name:<62} p50 {statistics.median(walls):8.1f} ms   p95 {p95:8.1f} ms", flush=True)


def _ms(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def _write_table(store: Store, n: int) -> str:
    rng = np.random.default_rng(0)
    arrow = _chunk(rng, np.arange(n, dtype=np.int64), np.arange(n))
    table_id = tables.new_table_id()
    part = tables.part_name(table_id, 0)
    tables.write_part(store.root, part, arrow)
    columns = [{"name": name, "type": kind} for name, kind in COLUMNS]
    tables.commit_table(store.engine, table_id, n, columns, [part])
    return table_id


def _filter_group(store: Store, table_id: str) -> int:
    record = tables.get_table(store.engine, table_id)
    source = TableSource(tables.part_paths(store.root, record), COLUMNS, "bench")
    query = Query(source, engine=Engine(timeout=300, cache="off"))
    groups = query.filter('row["score_Plantae"] > 0.001').group_by("truth").groups()
    return int(groups["total_rows"])


def bench_query(root: Path, endpoint: str, url: str, rows: int, repeat: int) -> None:
    """Filter+group on a local table, then through S3 replicas cold and warm."""
    local = Store.open(root / "local")
    local_id = _write_table(local, rows)
    remote = Store.open(root / "writer", blobs_url=url, s3_endpoint=endpoint)
    start = time.perf_counter()
    remote_id = _write_table(remote, rows)
    upload = time.perf_counter() - start
    size = sum(p.stat().st_size for p in (root / "writer" / "tables").rglob("*.parquet"))
    print(f"{rows:,}-row table: {size / 1e6:.1f} MB of Parquet; written and uploaded in "
          f"{upload:.2f} s", flush=True)  # fmt: skip
    database = str(root / "writer" / "heron.db")
    expected = _filter_group(local, local_id)
    _filter_group(local, local_id)  # page cache and DuckDB code paths warm
    _report(f"local mode: filter + group by truth, {rows:,} rows",
            [_ms(lambda: _filter_group(local, local_id)) for _ in range(repeat)])  # fmt: skip
    cold: list[float] = []
    for attempt in range(repeat):
        replica = Store.open(
            root / f"replica-{attempt}", database_url=database, s3_endpoint=endpoint
        )
        cold.append(_ms(lambda r=replica: _filter_group(r, remote_id)))  # type: ignore[misc]
        replica.close()
    _report(f"S3 replica, empty cache (download + query), {rows:,} rows", cold)
    replica = Store.open(root / "replica-warm", database_url=database, s3_endpoint=endpoint)
    assert _filter_group(replica, remote_id) == expected
    _report(f"S3 replica, part cached locally, {rows:,} rows",
            [_ms(lambda: _filter_group(replica, remote_id)) for _ in range(repeat)])  # fmt: skip
    for store in (local, remote, replica):
        store.close()


def _log_images(directory: Path, count: int) -> float:
    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 255, (count, 32, 32, 3), dtype=np.uint8)
    start = time.perf_counter()
    run = heron.init(project="bench", dir=directory)
    table = heron.Table(columns=["id", "image", "score"])
    for i in range(count):
        table.add_data(i, heron.Image(pixels[i]), float(i) / count)
    run.log({"predictions": table})
    run.finish()
    return count / (time.perf_counter() - start)


def bench_images(root: Path, endpoint: str, url: str, count: int) -> None:
    """Rows per second logging a table of 32x32 images, locally and into the object store."""
    for name in ("HERON_BLOBS_URL", "HERON_S3_ENDPOINT", "HERON_DATABASE_URL"):
        os.environ.pop(name, None)
    _log_images(root / "images-warm-up", 50)  # imports and first-use costs, not counted
    local = _log_images(root / "images-local", count)
    os.environ["HERON_BLOBS_URL"] = url + "-images"
    os.environ["HERON_S3_ENDPOINT"] = endpoint
    try:
        remote = _log_images(root / "images-s3", count)
    finally:
        os.environ.pop("HERON_BLOBS_URL")
        os.environ.pop("HERON_S3_ENDPOINT")
    print(f"log a {count:,}-row image table: local {local:,.0f} rows/s, S3 {remote:,.0f} rows/s "
          f"({remote / local:.0%} of local)", flush=True)  # fmt: skip


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--images", type=int, default=5000)
    args = parser.parse_args()
    endpoint, url = _settings()
    print(f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; object store {endpoint}")
    try:
        with tempfile.TemporaryDirectory(prefix="heron-objectstore-bench-") as tmp:
            bench_query(Path(tmp), endpoint, url, args.rows, args.repeat)
            bench_images(Path(tmp), endpoint, url, args.images)
    finally:
        _remove(endpoint, url)


def _remove(endpoint: str, url: str) -> None:
    """Delete what the benchmark stored (both of its prefixes) from the object store."""
    from heron.store.s3_client import make_client, parse_s3_url

    client = make_client(endpoint)
    location = parse_s3_url(url)
    pages = client.get_paginator("list_objects_v2").paginate(
        Bucket=location.bucket, Prefix=location.prefix
    )
    for page in pages:
        objects = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if objects:
            client.delete_objects(Bucket=location.bucket, Delete={"Objects": objects})


if __name__ == "__main__":
    main()
