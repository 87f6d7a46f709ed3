"""Whether the process that writes a run is still alive: the host it runs on and its pid.

A run records both when it starts; a run still "running" whose host is this one and whose
process is gone has crashed (heron.store.runs and heron.store.sqlite_writer mark it so).
"""

from __future__ import annotations

import os


def host_name() -> str:
    """This machine's host name, as ``socket.gethostname()`` gives it."""
    if hasattr(os, "uname"):  # the same name on POSIX, without importing socket (~3 ms)
        return os.uname().nodename
    import socket

    return socket.gethostname()


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` of this host is alive (a zombie counts as dead)."""
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped) still answers signal 0; it is dead for our purposes.
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ", 1)[1][:1] != "Z"
    except (OSError, IndexError):
        return True
