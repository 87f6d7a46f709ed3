"""The git state a run records: the repository's commit, or nothing outside one."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from pathlib import Path

import heron
from heron.sdk.sysinfo import git_state, python_version


def _git(folder: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=folder, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.strip()


def test_a_folder_inside_a_repository_gives_its_commit(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "src" / "deep").mkdir(parents=True)
    _git(repo, "init", "-q")
    (repo / "src" / "a.txt").write_text("one")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "first")
    state = git_state(repo / "src" / "deep")  # found from a folder below the top
    assert state is not None and state.commit == _git(repo, "rev-parse", "HEAD")
    assert not state.dirty
    (repo / "src" / "a.txt").write_text("two")
    state = git_state(repo)
    assert state is not None and state.dirty


def test_a_folder_outside_any_repository_gives_none(tmp_path: Path) -> None:
    assert not any((folder / ".git").exists() for folder in (tmp_path, *tmp_path.parents))
    assert git_state(tmp_path) is None


def test_the_state_read_in_the_background_is_the_same_when_asked_twice(tmp_path: Path) -> None:
    from heron.sdk.sysinfo import start_git_state

    _git(tmp_path, "init", "-q")
    (tmp_path / "a.txt").write_text("one")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "first")
    _git(tmp_path, "remote", "add", "origin", "https://example.invalid/repo.git")
    result = start_git_state(tmp_path)
    first = result()
    assert first is not None and first.remote == "https://example.invalid/repo.git"
    assert result() == first == git_state(tmp_path)


def test_the_python_version_is_the_one_platform_gives() -> None:
    assert python_version() == platform.python_version()


def test_a_run_started_outside_a_repository_loads_no_process_or_crypto_modules(
    tmp_path: Path,
) -> None:
    """subprocess (for git), platform and hashlib cost milliseconds of every run's start, on a
    new store (which checks its recorded schema) as on an existing one."""
    store = tmp_path / "store"
    script = (
        "import json, sys, heron\n"
        "run = heron.init(project='p', dir=sys.argv[1])\n"
        "run.log({'loss': 0.5})\n"
        "run.finish()\n"
        "heavy = ('subprocess', 'platform', 'hashlib', 'socket')\n"
        "print(json.dumps(sorted(m for m in heavy if m in sys.modules)))"
    )
    for _ in ("a new store", "the same store again"):
        done = subprocess.run([sys.executable, "-c", script, str(store)], cwd=tmp_path,
                              capture_output=True, text=True, check=True)  # fmt: skip
        assert json.loads(done.stdout.splitlines()[-1]) == []
    records = [run.record for run in heron.Api(dir=store).runs("p")]
    assert len(records) == 2
    assert {(r.python_version, r.git_commit) for r in records} == {(python_version(), None)}
