"""A process killed (SIGKILL) in the middle of log_artifact leaves no partial version."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import heron

CHILD = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    import heron
    from heron.store import artifacts as artifact_store
    from heron.store.blobs import LocalBlobStore

    stage, signal_file, data = sys.argv[1], Path(sys.argv[2]), sys.argv[3]

    def pause_here():
        signal_file.write_text(str(os.getpid()))
        time.sleep(600)

    if stage == "after-blobs":
        # Every blob is written and indexed; the version's transaction has not begun.
        original = artifact_store.commit_version
        def commit_version(*args, **kwargs):
            pause_here()
        artifact_store.commit_version = commit_version
    elif stage == "inside-commit":
        # The version row and manifest are inserted, the transaction is still open.
        original = artifact_store._set_alias
        def _set_alias(*args, **kwargs):
            pause_here()
        artifact_store._set_alias = _set_alias
    elif stage == "between-blob-batches":
        original = LocalBlobStore.put_many
        def put_many(self, items):
            digests = original(self, items)
            if len(items) > 1:
                pause_here()
            return digests
        LocalBlobStore.put_many = put_many

    with heron.init(project="crash", job_type="upload") as run:
        artifact = heron.Artifact("dataset", type="raw_data")
        artifact.add_dir(data)
        run.log_artifact(artifact, aliases=["candidate"])
        print(artifact.version)
    """
)


def _data(root: Path) -> Path:
    for index in range(200):
        path = root / f"label_{index % 4}" / f"{index}.bin"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(f"file {index} ".encode() * 100)
    (root / "weights.bin").write_bytes(os.urandom(2 << 20))  # a large blob, stored as its own file
    return root


def _log_in_child(tmp_path: Path, stage: str, data: Path) -> subprocess.Popen[str]:
    signal_file = tmp_path / f"{stage}.paused"
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    child = subprocess.Popen(
        [sys.executable, str(script), stage, str(signal_file), str(data)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not signal_file.exists():
        if child.poll() is not None:
            raise AssertionError(f"child ended early: {child.communicate()}")
        if time.monotonic() > deadline:
            child.kill()
            child.communicate()
            raise AssertionError("child never reached the point to kill it at")
        time.sleep(0.05)
    return child


@pytest.mark.parametrize("stage", ["between-blob-batches", "after-blobs", "inside-commit"])
def test_killed_log_artifact_leaves_no_version_and_the_next_log_works(
    store_dir: Path,
    tmp_path: Path,
    database_url: str | None,
    monkeypatch: pytest.MonkeyPatch,
    stage: str,
) -> None:
    if database_url:
        monkeypatch.setenv("HERON_DATABASE_URL", database_url)
    data = _data(tmp_path / "data")
    child = _log_in_child(tmp_path, stage, data)
    os.kill(child.pid, signal.SIGKILL)
    child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL

    api = heron.Api()
    assert api.artifacts("crash") == []
    assert api.artifact_collections() == [] or all(
        c["versions"] == 0 for c in api.artifact_collections()
    )
    assert [r.state for r in api.runs("crash")] == ["crashed"]

    # The next log, in a fresh process, commits v0 with every file.
    done = subprocess.run(
        [sys.executable, str(tmp_path / "child.py"), "none", str(tmp_path / "unused"), str(data)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "v0"
    logged = heron.Api().artifact("crash/dataset:candidate")
    assert logged.version == "v0" and len(logged.files()) == 201
    assert logged.verify(logged.download(tmp_path / "out")).ok
