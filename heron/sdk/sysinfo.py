"""Facts about the process a run is logged from: host, Python, program and git state."""

from __future__ import annotations

import os
import platform
import socket
import subprocess
import sys
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

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", *args],
                cwd=cwd,
                capture_output=True,
                text=True,
                timeout=5,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    if not _maybe_in_repository(cwd):
        return None  # no git process to start (each costs milliseconds of a run's start)
    commit = git("rev-parse", "HEAD")
    if not commit:
        return None
    status = git("status", "--porcelain", "--untracked-files=no")
    remote = git("config", "--get", "remote.origin.url") or None
    return GitState(commit=commit, dirty=bool(status), remote=remote)


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


def host_name() -> str:
    """This machine's host name."""
    return socket.gethostname()


def python_version() -> str:
    """The running Python's version, e.g. ``3.11.7``."""
    return platform.python_version()


def program() -> str:
    """The script or command the process was started with."""
    return " ".join(sys.argv) if sys.argv and sys.argv[0] else "python"
