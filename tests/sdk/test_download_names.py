"""Downloads of files whose names are long (up to NAME_MAX) or that no file system can hold."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import update

import heron
from heron.errors import ArtifactError
from heron.store import schema
from heron.store.blobs import PACK_THRESHOLD
from heron.store.store import Store

LONG_ASCII = "a" * 250 + ".bin"  # 254 bytes: legal, but too long for "<name>.tmp-<uuid>"
LONG_UTF8 = "é" * 120 + ".txt"  # 244 bytes in UTF-8


def _log(tmp_path: Path) -> dict[str, bytes]:
    contents = {
        LONG_ASCII: os.urandom(PACK_THRESHOLD + 10),  # a file of its own in the store
        LONG_UTF8: b"small, packed",
        f"nested/{LONG_ASCII}": b"small too",
    }
    source = tmp_path / "source"
    for name, data in contents.items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_bytes(data)
    with heron.init(project="p") as run:
        artifact = heron.Artifact("data", type="dataset")
        artifact.add_dir(source)
        run.log_artifact(artifact)
    return contents


def _cli(*args: str, store_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "heron.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "HERON_DIR": str(store_dir)},
        timeout=120,
    )


def test_files_with_names_up_to_name_max_download(store_dir: Path, tmp_path: Path) -> None:
    contents = _log(tmp_path)
    root = heron.Api(store_dir).artifact("p/data:v0").download(tmp_path / "sdk")
    for name, data in contents.items():
        assert (root / name).read_bytes() == data
    assert not [p for p in root.rglob("*") if p.name.startswith(".")]  # no temporary left
    done = _cli(
        "artifacts", "get", "p/data:v0", "--root", str(tmp_path / "cli"), store_dir=store_dir
    )
    assert done.returncode == 0, done.stderr
    for name, data in contents.items():
        assert (tmp_path / "cli" / name).read_bytes() == data


def _rename_in_manifest(store_dir: Path, old: str, new: str) -> None:
    """Give a stored file a name this file system cannot hold (as an older heron allowed)."""
    store = Store.open(store_dir, create=False)
    try:
        with store.engine.begin() as connection:
            files = schema.artifact_files
            connection.execute(update(files).where(files.c.path == old).values(path=new))
    finally:
        store.close()


@pytest.mark.parametrize(
    ("name", "reason"),
    # 304 bytes; and 134 characters that take 264 bytes in UTF-8
    [("b" * 300 + ".bin", "304 bytes"), ("ü" * 130 + ".txt", "264 bytes")],
)
def test_names_the_file_system_cannot_hold_are_refused_by_name(
    store_dir: Path, tmp_path: Path, name: str, reason: str
) -> None:
    _log(tmp_path)
    _rename_in_manifest(store_dir, LONG_UTF8, name)
    artifact = heron.Api(store_dir).artifact("p/data:v0")
    with pytest.raises(ArtifactError, match=reason) as raised:
        artifact.download(tmp_path / "sdk")
    assert repr(name)[:40] in raised.value.message
    assert not any((tmp_path / "sdk").iterdir())  # refused before anything was written
    done = _cli(
        "artifacts", "get", "p/data:v0", "--root", str(tmp_path / "cli"), store_dir=store_dir
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("error: cannot write 1 path(s)")
