"""The host and process a run records, and whether that process still lives."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from heron.store.liveness import host_name, pid_alive


def test_the_host_name_is_the_one_the_socket_module_gives() -> None:
    assert host_name() == socket.gethostname()


def test_this_process_is_alive_and_impossible_pids_are_not() -> None:
    assert pid_alive(os.getpid())
    assert not pid_alive(0)
    assert not pid_alive(-1)


def test_a_child_is_alive_while_it_runs_and_dead_once_it_exits() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                             stdin=subprocess.PIPE)  # fmt: skip
    try:
        assert pid_alive(child.pid)
        child.communicate(b"")  # it exits and is reaped
        assert not pid_alive(child.pid)
    finally:
        child.kill()
        child.wait()


def test_an_exited_child_not_yet_reaped_counts_as_dead() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # exited; still a zombie
    try:
        assert not pid_alive(child.pid)
    finally:
        child.wait()
