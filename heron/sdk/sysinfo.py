"""Facts about the process a run is logged from: host, Python, program and git state."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class GitState:
    """The commit checked out in the working directory's repository, and whether it is dirty."""

    commit: str
    dirty: bool
    remote: str | None


def git_state(cwd: Path | None = None) -> GitState | None:
    """The git state of ``cwd`` (default: the current directory), or None outside a repository."""
    return start_git_state(cwd)()


def start_git_state(cwd: Path | None = None) -> Callable[[], GitState | None]:
    """Start reading :func:`git_state` in the background; the returned function waits for it.

    The three git commands run at once, beside whatever the caller does meanwhile (heron.init
    opens the store), instead of one after the other on its clock.
    """
    if not _maybe_in_repository(cwd):
        return lambda: None  # no git process to start (each costs milliseconds of a run's start)
    import subprocess  # here: a run started outside a repository never needs it (~3 ms)

    commands = (
        ("rev-parse", "HEAD"),
        ("status", "--porcelain", "--untracked-files=no"),
        ("config", "--get", "remote.origin.url"),
    )
    try:
        running = [
            subprocess.Popen(
                ["git", *args],
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            for args in commands
        ]
    except OSError:  # no git here
        return lambda: None

    outputs: list[str | None] = []

    def result() -> GitState | None:  # may be called again: the processes are waited for once
        for process in running[len(outputs) :]:
            try:
                out, _ = process.communicate(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()
                outputs.append(None)
                continue
            outputs.append(out.strip() if process.returncode == 0 else None)
        commit, status, remote = outputs
        if not commit:
            return None
        return GitState(commit=commit, dirty=bool(status), remote=remote or None)

    return result


def _maybe_in_repository(cwd: Path | None) -> bool:
    """False only when no folder from ``cwd`` up holds ``.git`` and git is not pointed
    elsewhere by its environment: then git would find no repository either."""
    if os.environ.get("GIT_DIR") or os.environ.get("GIT_WORK_TREE"):
        return True
    try:
        start = (cwd or Path.cwd()).resolve()
    except OSError:
        return True  # let git say
    return any((folder / ".git").exists() for folder in (start, *start.parents))


def python_version() -> str:
    """The running Python's version, e.g. ``3.11.7`` (``3.13.0rc1`` for a pre-release): the
    first word of ``sys.version``, as ``platform.python_version()`` reads it."""
    return sys.version.split()[0]


def program() -> str:
    """The script or command the process was started with."""
    return " ".join(sys.argv) if sys.argv and sys.argv[0] else "python"
