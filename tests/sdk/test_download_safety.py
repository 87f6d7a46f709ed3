"""Downloads cannot write through to the store, whoever downloads: root, the store's owner, or
another account."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import heron
from heron.store.store import Store
from heron.store.verify import verify_store

NOBODY = 65534


def _log_model(tmp_path: Path) -> tuple[heron.Artifact, bytes]:
    weights = os.urandom(3 << 20)  # large: a blob kept as a file of its own
    source = tmp_path / "model.bin"
    source.write_bytes(weights)
    with heron.init(project="p") as run:
        model = heron.Artifact("model", type="model")
        model.add_file(source)
        run.log_artifact(model)
    return model, weights


def test_appending_to_a_download_as_root_leaves_the_store_intact(
    store_dir: Path, tmp_path: Path
) -> None:
    assert os.geteuid() == 0, "this test is the root case: run it as root, as CI does"
    model, weights = _log_model(tmp_path)
    downloaded = model.download(tmp_path / "first") / "model.bin"
    with open(downloaded, "ab") as handle:  # root ignores a read-only mode
        handle.write(b"fine-tuned tail")
    # Every later download of the version is still the logged content...
    again = heron.Api(store_dir).artifact("p/model:v0").download(tmp_path / "second")
    assert (again / "model.bin").read_bytes() == weights
    # ...and a whole-store check finds nothing wrong.
    store = Store.open(store_dir, create=False)
    try:
        assert verify_store(store).ok
    finally:
        store.close()


def test_a_download_with_link_false_is_a_copy_as_well(store_dir: Path, tmp_path: Path) -> None:
    model, weights = _log_model(tmp_path)
    copied = model.download(tmp_path / "copy", link=False) / "model.bin"
    copied.write_bytes(b"overwritten in place")
    assert model.download(tmp_path / "again") / "model.bin" != copied
    assert (tmp_path / "again" / "model.bin").read_bytes() == weights


def _download_and_edit(store_dir: Path, root: Path) -> str:
    """As the current account: download the model, try to append to it; what happened."""
    path = heron.Api(store_dir).artifact("p/model:v0").download(root) / "model.bin"
    linked = os.stat(path).st_nlink > 1
    try:
        with open(path, "ab") as handle:
            handle.write(b"edited by another account")
        edited = "wrote own copy"
    except PermissionError:
        edited = "refused"
    return ("link" if linked else "copy") + ":" + edited


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A directory another account can reach (pytest's own temp dir is private to root)."""
    directory = Path(tempfile.mkdtemp(prefix="heron-shared-"))
    directory.chmod(0o777)
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def test_another_account_downloading_a_shared_store_cannot_change_it(
    shared_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A team store written by one account, downloaded from by another (here ``nobody``).

    The downloader may get a hard link (where the OS allows linking a file it does not own) or
    a copy; either way, writing to its download must not change the store.
    """
    assert os.geteuid() == 0, "needs root to act as another account"
    store_dir = shared_dir / "heron-data"
    monkeypatch.setenv("HERON_DIR", str(store_dir))
    model, weights = _log_model(tmp_path)
    # The team's store: directories and the database writable by the team, blobs as heron
    # wrote them (read-only, owned by the account that logged them).
    for directory, _, files in os.walk(store_dir):
        os.chmod(directory, 0o777)
        for name in files:
            path = Path(directory) / name
            if "objects" not in path.parts:
                path.chmod(0o666)
    # Download once as root first: the child below cannot read the interpreter's own files
    # (they live in root's home), so everything it needs must already be imported.
    model.download(tmp_path / "warm-up")
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child process
        outcome = "failed"
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            outcome = _download_and_edit(store_dir, shared_dir / "download")
        except BaseException as error:  # reported to the parent below
            outcome = f"error: {type(error).__name__}: {error}"
        finally:
            os.write(write_end, outcome.encode())
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as reader:
        outcome = reader.read().decode()
    os.waitpid(child, 0)
    # A hard link must be unwritable for nobody; a copy is nobody's own to edit.
    assert outcome in ("link:refused", "copy:wrote own copy"), outcome
    again = heron.Api(store_dir).artifact("p/model:v0").download(tmp_path / "check")
    assert (again / "model.bin").read_bytes() == weights
