"""Logging a 10,000-file dataset artifact: first time, unchanged again, 1% changed, download.

Targets (issue 4): ``add_dir`` + ``log_artifact`` of 10,000 files of about 10 KB at no less than
80% of the files/s of ``sha256sum`` plus copying the same files (``cp -r``) on this machine;
logging it again unchanged in under 10% of the first time with no new bytes on disk; a version
with 1% of its files changed stores only those files. The baseline is measured here, on the
same files, right before heron runs, since the machine's speed varies.

    python -m bench.artifacts_bench [--files N] [--size BYTES]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import heron


def _tree_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def _make_files(root: Path, count: int, size: int) -> list[Path]:
    paths = []
    for i in range(count):
        path = root / f"class_{i % 10}" / f"img_{i:05d}.bin"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(size))
        paths.append(path)
    return paths


def _baseline(source: Path, scratch: Path) -> float:
    """Seconds for `sha256sum` of every file plus `cp -r` of the tree (best of 3)."""
    best = float("inf")
    for attempt in range(3):
        target = scratch / f"copy-{attempt}"
        start = time.perf_counter()
        subprocess.run(
            f"find {source} -type f -print0 | xargs -0 sha256sum > /dev/null && cp -r {source} {target}",
            shell=True,
            check=True,
        )
        best = min(best, time.perf_counter() - start)
        shutil.rmtree(target)
    return best


def _log(store: Path, source: Path, name: str) -> tuple[float, heron.Artifact]:
    with heron.init(project="bench", job_type="upload", dir=store) as run:
        start = time.perf_counter()
        artifact = heron.Artifact(name, type="dataset")
        artifact.add_dir(str(source))
        run.log_artifact(artifact)
        return time.perf_counter() - start, artifact


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--files", type=int, default=10_000, help="number of files (default 10,000)"
    )
    parser.add_argument("--size", type=int, default=10_240, help="bytes per file (default 10,240)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        source = work / "dataset"
        paths = _make_files(source, args.files, args.size)
        time.sleep(0.5)  # files older than a timestamp tick, as a real dataset's are
        baseline = _baseline(source, work)
        store = work / "store"

        first, v0 = _log(store, source, "data")
        blobs = store / "blobs"
        bytes_after_first = _tree_bytes(blobs)

        again, same = _log(store, source, "data")
        bytes_after_again = _tree_bytes(blobs)

        changed = paths[:: max(1, 100)][: max(1, args.files // 100)]
        for path in changed:
            path.write_bytes(os.urandom(args.size))
        time.sleep(0.3)
        partial, v1 = _log(store, source, "data")
        bytes_after_partial = _tree_bytes(blobs)

        download_root = work / "download"
        start = time.perf_counter()
        heron.Api(store).artifact("bench/data:v1").download(download_root)
        download = time.perf_counter() - start
        start = time.perf_counter()
        heron.Api(store).artifact("bench/data:v1").download(download_root)
        download_again = time.perf_counter() - start

    n = args.files
    print(f"artifact of {n:,} files x {args.size:,} B ({n * args.size / 1e6:.0f} MB)")
    print(
        f"  sha256sum + cp -r:          {baseline:6.2f} s  {n / baseline:9,.0f} files/s  (baseline)"
    )
    print(
        f"  add_dir + log_artifact:     {first:6.2f} s  {n / first:9,.0f} files/s  "
        f"= {baseline / first:5.0%} of baseline (target >= 80%)  -> {v0.version}"
    )
    print(
        f"  again, unchanged:           {again:6.2f} s  = {again / first:5.1%} of the first (target < 10%)  "
        f"-> {same.version}, {bytes_after_again - bytes_after_first:,} new bytes (target 0)"
    )
    print(
        f"  {len(changed)} files changed (1%):     {partial:6.2f} s  -> {v1.version}, "
        f"{bytes_after_partial - bytes_after_again:,} new bytes = {len(changed)} x {args.size:,} "
        f"({(bytes_after_partial - bytes_after_again) / (len(changed) * args.size):.2f}x the changed bytes)"
    )
    print(f"  download (packed blobs):    {download:6.2f} s  {n / download:9,.0f} files/s")
    print(f"  download again (present):   {download_again:6.2f} s")


if __name__ == "__main__":
    main()
