"""Run one measurement in a fresh process under a memory and time watch.

Memory is the peak of the RSS summed over every process of the measurement: W&B writes through a
separate ``wandb-core`` process, Aim and MLflow may start helpers. The worker is started in a
session of its own; the watch finds the session's members by scanning /proc (every 200 ms, to
keep its own cost low) and reads the known members' RSS every 20 ms. A member that outlives the
worker is ended with the session when the measurement is over.

Sampling can miss the peak of a process that lives a few tens of milliseconds (``import heron``),
so the peak is never below the worker's own high-water mark: its ``VmHWM``, read at every sample,
and the ``ru_maxrss`` the kernel reports when it is reaped. That last figure also counts the
address space the worker was started from (this process's: the kernel keeps the larger of the
two across ``exec``), so it is taken only when it is above this process's own high-water mark,
where it can only be the worker's. The suite keeps itself small for this (it generates its data
in a child process); a worker that ends before its first sample, watched from a process larger
than it, reads 0.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")
SAMPLE_S = 0.02
SCAN_S = 0.2


@dataclass(frozen=True)
class Watched:
    """What the watch saw of one process tree."""

    returncode: int | None  # None when it was stopped at the time limit or memory ceiling
    wall_s: float
    peak_rss_mb: float
    processes: int  # distinct processes seen in the session
    over_ceiling: bool = False  # stopped because the tree's RSS passed ``ceiling_mb``


def _session_members(sid: int) -> set[int]:
    """Pids whose session id is ``sid`` (field 6 of /proc/<pid>/stat)."""
    members = set()
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # The command name (field 2) may hold spaces; fields after it follow the last ')'.
        fields = stat[stat.rindex(b")") + 2 :].split()
        if int(fields[3]) == sid:
            members.add(int(name))
    return members


def _rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0  # the process has just ended


def _high_water_bytes(pid: int | str) -> int:
    """A process's peak RSS (``VmHWM``), which the kernel keeps per address space: nothing of
    the process it was started from is in it. 0 once the process has ended."""
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024  # kilobytes
    except (OSError, IndexError, ValueError):
        pass
    return 0


def run(argv: list[str], *, env: dict[str, str], cwd: Path, log: Path, limit_s: float,
        ceiling_mb: float | None = None) -> Watched:  # fmt: skip
    """Run ``argv`` to its end (or ``limit_s``), sampling the tree's RSS; output goes to ``log``.

    With ``ceiling_mb``, the tree is stopped as soon as its RSS passes it (a scenario whose
    target is a memory ceiling, on a machine others share: it must not grow past it)."""
    with open(log, "ab") as out:
        start = time.perf_counter()
        child = subprocess.Popen(
            argv, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        # The worker has been exec'd once Popen returns: whatever high-water mark it inherited
        # from this process is at most this process's own now.
        inherited = _high_water_bytes("self")
        seen = {child.pid}
        members = {child.pid}
        peak = 0
        next_scan = start
        returncode: int | None = None
        while True:
            now = time.perf_counter()
            if now >= next_scan:
                members = _session_members(child.pid) | {child.pid}
                seen |= members
                next_scan = now + SCAN_S
            peak = max(peak, sum(_rss_bytes(pid) for pid in members), _high_water_bytes(child.pid))
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:  # reaped here, for its rusage; Popen is told its exit code
                returncode = child.returncode = os.waitstatus_to_exitcode(status)
                reaped = usage.ru_maxrss * 1024  # kilobytes on Linux
                if reaped > inherited:
                    peak = max(peak, reaped)
                break
            if ceiling_mb is not None and peak > ceiling_mb * 2**20:
                break
            if now - start > limit_s:
                break
            time.sleep(SAMPLE_S)
        wall = time.perf_counter() - start
        # Whatever is left of the session (a timed-out worker, a lingering helper) is ours to end.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()
    over = ceiling_mb is not None and returncode is None and peak > ceiling_mb * 2**20
    return Watched(returncode, wall, peak / 2**20, len(seen), over)
