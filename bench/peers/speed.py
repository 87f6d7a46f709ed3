"""How fast the machine is at the moment: two fixed workloads, timed in a fresh process.

The suite's figures move with the machine as much as with the tools. On a shared virtual machine
the same CPU loop can take half as long again from one minute to the next, and memory a process
touches for the first time can cost ten times more when the host has taken the guest's free
pages back. The summary shows these two figures at the start and end of a run, so that a reader
can tell a slow run from a slow tool (the ratios between tools, measured interleaved, move less).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys

# A pure-Python loop (CPU only), then 64 MB of fresh memory written once (page faults only).
_PROBE = """
import json, time
start = time.perf_counter()
sum(range(10_000_000))
loop = time.perf_counter() - start
start = time.perf_counter()
touched = b"\\1" * (64 << 20)
touch = time.perf_counter() - start
print(json.dumps({"cpu_loop_s": loop, "touch_64mb_ms": touch * 1000}))
"""


def measure(probes: int = 3) -> dict[str, float]:
    """The median of ``probes`` fresh processes: ``cpu_loop_s`` (a fixed Python loop) and
    ``touch_64mb_ms`` (writing 64 MB of memory the process never used before)."""
    runs = [
        json.loads(subprocess.run([sys.executable, "-c", _PROBE], capture_output=True,
                                  text=True, check=True).stdout)
        for _ in range(probes)
    ]  # fmt: skip
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def described(start: dict[str, float], end: dict[str, float]) -> str:
    """One line for the summary: the two figures at the start and at the end of the run."""
    return (
        f"machine speed at start / end: a fixed Python loop {start['cpu_loop_s']:.2f} / "
        f"{end['cpu_loop_s']:.2f} s, writing 64 MB of fresh memory {start['touch_64mb_ms']:.0f} / "
        f"{end['touch_64mb_ms']:.0f} ms (lower is faster; see docs/benchmarks.md)"
    )
