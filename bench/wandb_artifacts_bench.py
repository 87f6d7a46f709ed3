"""What ``heron.wandb``'s Artifact layer costs over heron's own, on a W&B-style dataset log.

The W&B notebooks add a dataset one file at a time (``add_file(path, name=label + "/" + f)``),
log it, then a later run uses it and downloads it. This times that sequence through
``heron.wandb`` and through ``heron.Artifact`` on the same files, interleaved (A B A B ...),
each in a fresh store (which goes first alternates), and prints the medians and the difference. Re-logging unchanged files
and downloading into an existing folder are timed too (the common "run the script again" case).

    python -m bench.wandb_artifacts_bench [--files N] [--repeats R]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import heron
from heron.wandb.artifacts import Artifact as WandbArtifact
from heron.wandb.artifacts import log_artifact, use_artifact


def _make_files(root: Path, count: int) -> list[tuple[str, str]]:
    files = []
    for index in range(count):
        label = f"class_{index % 10}"
        path = root / label / f"img_{index:05d}.bin"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(2048))
        files.append((str(path), f"{label}/{path.name}"))
    return files


def _native(store: Path, files: list[tuple[str, str]], out: Path) -> dict[str, float]:
    times: dict[str, float] = {}
    with heron.init(project="bench", dir=store) as run:
        for phase in ("log", "relog"):
            start = time.perf_counter()
            artifact = heron.Artifact("raw", type="raw_data")
            for path, name in files:
                artifact.add_file(path, name=name)
            run.log_artifact(artifact)
            times[phase] = time.perf_counter() - start
        for phase in ("download", "redownload"):
            start = time.perf_counter()
            run.use_artifact("raw:latest").download(out)
            times[phase] = time.perf_counter() - start
    return times


def _wandb(store: Path, files: list[tuple[str, str]], out: Path) -> dict[str, float]:
    times: dict[str, float] = {}
    with heron.init(project="bench", dir=store) as run:
        for phase in ("log", "relog"):
            start = time.perf_counter()
            artifact = WandbArtifact("raw", type="raw_data")
            for path, name in files:
                artifact.add_file(path, name=name)
            log_artifact(run, artifact)
            times[phase] = time.perf_counter() - start
        for phase in ("download", "redownload"):
            start = time.perf_counter()
            use_artifact(run, "raw:latest").download(str(out))
            times[phase] = time.perf_counter() - start
    return times


def main() -> None:
    """Run the comparison and print medians per phase."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="heron-bench-") as scratch:
        root = Path(scratch)
        files = _make_files(root / "data", args.files)
        results: dict[str, list[dict[str, float]]] = {"heron": [], "heron.wandb": []}
        runners: list[tuple[str, Callable[..., dict[str, float]]]] = [
            ("heron", _native),
            ("heron.wandb", _wandb),
        ]
        for attempt in range(args.repeats):
            # Alternate which goes first, so neither always meets a warmer cache.
            for label, runner in runners if attempt % 2 == 0 else runners[::-1]:
                tag = f"{label}-{attempt}"
                results[label].append(runner(root / tag / "store", files, root / tag / "out"))
        print(
            f"{args.files} files of 2 KB, median of {args.repeats} (interleaved, order alternating)"
        )
        for phase in ("log", "relog", "download", "redownload"):
            native = statistics.median(r[phase] for r in results["heron"])
            layered = statistics.median(r[phase] for r in results["heron.wandb"])
            print(
                f"  {phase:<11} heron {native:7.3f} s   heron.wandb {layered:7.3f} s   "
                f"({(layered / native - 1) * 100:+.1f}%)"
            )


if __name__ == "__main__":
    main()
