"""``heron verify`` / ``heron doctor``: a whole-store check that finds, quarantines and repairs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
from click.testing import CliRunner
from sqlalchemy import select, update

import heron
from heron.cli.main import cli
from heron.errors import IntegrityError
from heron.store import quarantine, schema
from heron.store.store import Store


def _heron(*args: str, store_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "heron.cli", *args, "--dir", str(store_dir)],
        capture_output=True,
        text=True,
        timeout=300,
    )


def _log(tmp_path: Path) -> dict[str, str]:
    """An artifact (a large file and small ones) and a run with an image table."""
    source = tmp_path / "dataset"
    source.mkdir()
    (source / "weights.bin").write_bytes(os.urandom(2 << 20))
    (source / "labels.txt").write_text("cat\ndog\n")
    (source / "readme.md").write_text("the data")
    with heron.init(project="p") as run:
        artifact = heron.Artifact("data", type="dataset")
        artifact.add_dir(source)
        run.log_artifact(artifact)
        rng = np.random.default_rng(0)
        table = heron.Table(columns=["image", "label"])
        for label in ("a", "b", "c"):
            table.add_data(heron.Image(rng.integers(0, 255, (16, 16, 3), dtype=np.uint8)), label)
        run.log({"samples": table})
    digests = {e.path: e.sha256 or "" for e in artifact.files()}
    return digests


def _pack_with(store_dir: Path, content: bytes) -> tuple[Path, int]:
    for pack in (store_dir / "blobs" / "packs").iterdir():
        offset = pack.read_bytes().find(content)
        if offset >= 0:
            return pack, offset
    raise AssertionError("content not in any pack")


def test_a_sound_store_checks_out(store_dir: Path, tmp_path: Path) -> None:
    _log(tmp_path)
    done = _heron("verify", store_dir=store_dir)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "checked" in done.stdout and "1 artifact version(s)" in done.stdout
    assert "ok: every blob, table and manifest checked out" in done.stdout
    doctor = CliRunner().invoke(cli, ["doctor", "--dir", str(store_dir)])
    assert doctor.exit_code == 0 and "ok:" in doctor.output


def test_bad_blobs_are_found_quarantined_and_repaired_from_the_originals(
    store_dir: Path, tmp_path: Path
) -> None:
    digests = _log(tmp_path)
    weights = digests["weights.bin"]
    with open(store_dir / "blobs" / "objects" / weights[:2] / weights, "ab") as handle:
        handle.write(b"edited through a hard link")
    pack, offset = _pack_with(store_dir, b"cat\ndog\n")
    with open(pack, "r+b") as handle:
        handle.seek(offset)
        handle.write(b"CAT")

    found = _heron("verify", store_dir=store_dir)
    assert found.returncode == 1
    assert "bad blobs found now: 2, quarantined" in found.stdout
    assert (
        f"blob {weights}: " in found.stdout
        and "used by p/data:v0 file 'weights.bin'" in found.stdout
    )
    assert f"blob {digests['labels.txt']}: hash mismatch" in found.stdout
    assert "--repair-from" in found.stdout
    assert quarantine.find(store_dir / "blobs", weights) is not None
    # Quarantined blobs are not served any more, and say so.
    try:
        heron.Api(store_dir).artifact("p/data:v0").download(tmp_path / "download")
    except IntegrityError as error:
        assert "quarantined" in error.message
    else:
        raise AssertionError("a quarantined blob was downloaded")

    again = _heron("verify", store_dir=store_dir)
    assert again.returncode == 1
    assert "quarantined earlier" in again.stdout and "bad blobs found now" not in again.stdout

    repaired = _heron("verify", "--repair-from", str(tmp_path / "dataset"), store_dir=store_dir)
    assert repaired.returncode == 0, repaired.stdout
    assert "restored from --repair-from: 2 blob(s)" in repaired.stdout
    root = heron.Api(store_dir).artifact("p/data:v0").download(tmp_path / "download")
    assert heron.Api(store_dir).artifact("p/data:v0").verify(root).ok
    assert _heron("verify", store_dir=store_dir).returncode == 0


def _first_image(store_dir: Path) -> np.ndarray:  # type: ignore[type-arg]
    api = heron.Api(store_dir)
    try:
        image = api.runs("p")[0].table("samples").image(0)
        assert image is not None
        return image.to_numpy()
    finally:
        api.store.close()


def test_repair_from_another_store_restores_table_images(store_dir: Path, tmp_path: Path) -> None:
    _log(tmp_path)
    expected = _first_image(store_dir)
    backup = tmp_path / "backup"
    shutil.copytree(store_dir, backup)
    for pack in (store_dir / "blobs" / "packs").iterdir():  # ruin every packed blob
        pack.write_bytes(b"\0" * pack.stat().st_size)
    found = _heron("verify", store_dir=store_dir)
    assert found.returncode == 1
    assert "used by a table image or a run object" in found.stdout
    try:
        _first_image(store_dir)
    except IntegrityError as error:
        assert "quarantined" in error.message
    else:
        raise AssertionError("a quarantined image was read")
    repaired = _heron("verify", "--repair-from", str(backup), store_dir=store_dir)
    assert repaired.returncode == 0, repaired.stdout
    assert (_first_image(store_dir) == expected).all()


def test_table_files_manifests_and_symlinks_are_checked(store_dir: Path, tmp_path: Path) -> None:
    _log(tmp_path)
    store = Store.open(store_dir, create=False)
    try:
        with store.engine.begin() as connection:
            t = schema.tables
            parts = connection.execute(select(t.c.parts)).scalars().all()
            f = schema.artifact_files
            connection.execute(update(f).where(f.c.path == "readme.md").values(size=f.c.size + 1))
    finally:
        store.close()
    first_part = store_dir / json.loads(parts[0])[0]
    first_part.write_bytes(b"not parquet")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (store_dir / "cache" / "thumbs").mkdir(parents=True, exist_ok=True)
    (store_dir / "cache" / "thumbs" / "planted").symlink_to(outside)

    done = _heron("verify", store_dir=store_dir)
    assert done.returncode == 1
    assert "not a readable Parquet file" in done.stdout
    assert (
        "manifest p/data:v0: its file list no longer hashes to the version's digest" in done.stdout
    )
    assert "symlink cache/thumbs/planted" in done.stdout


def test_logging_the_same_files_again_heals_quarantined_blobs(
    store_dir: Path, tmp_path: Path
) -> None:
    digests = _log(tmp_path)
    weights = digests["weights.bin"]
    with open(store_dir / "blobs" / "objects" / weights[:2] / weights, "ab") as handle:
        handle.write(b"appended")
    assert _heron("verify", store_dir=store_dir).returncode == 1
    with heron.init(project="p") as run:  # unchanged files: the same version, v0
        artifact = heron.Artifact("data", type="dataset")
        artifact.add_dir(tmp_path / "dataset")
        run.log_artifact(artifact)
    assert artifact.version == "v0"
    healed = _heron("verify", store_dir=store_dir)
    assert healed.returncode == 0, healed.stdout
    root = heron.Api(store_dir).artifact("p/data:v0").download(tmp_path / "download")
    assert (root / "weights.bin").read_bytes() == (
        tmp_path / "dataset" / "weights.bin"
    ).read_bytes()
