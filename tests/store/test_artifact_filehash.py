"""The cache of local file digests: trusted only for unchanged, non-racy files, any layout."""

from __future__ import annotations

import os
import time
from pathlib import Path

import heron
from heron.store.filehash import Fingerprint, HashCache, fingerprint_files

DIGEST = "ab" * 32


def _files(root: Path, count: int) -> list[str]:
    root.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = root / f"f{i:04d}.bin"
        path.write_bytes(os.urandom(64))
        paths.append(str(path))
    return paths


def test_a_digest_is_trusted_only_while_the_file_is_unchanged(tmp_path: Path) -> None:
    paths = _files(tmp_path / "data", 3)
    time.sleep(0.25)  # older than a timestamp tick when hashed: the behaviour under test
    cache = HashCache(tmp_path / "cache.sqlite")
    stats = fingerprint_files(paths)
    cache.remember([(p, f, DIGEST) for p, f in stats.items()])
    assert cache.lookup(fingerprint_files(paths)) == dict.fromkeys(paths, DIGEST)

    with open(paths[1], "r+b") as handle:  # same size, new bytes
        handle.write(b"changed!")
    assert cache.lookup(fingerprint_files(paths)) == {paths[0]: DIGEST, paths[2]: DIGEST}


def test_a_file_modified_close_to_its_hash_time_is_not_trusted(tmp_path: Path) -> None:
    paths = _files(tmp_path / "data", 2)
    cache = HashCache(tmp_path / "cache.sqlite")
    stats = fingerprint_files(paths)
    modified = max(max(f.mtime_ns, f.ctime_ns) for f in stats.values())
    cache.remember([(p, f, DIGEST) for p, f in stats.items()], hashed_at_ns=modified + 10**6)
    assert cache.lookup(stats) == {}


def test_paths_spread_among_many_other_cached_files_are_found(tmp_path: Path) -> None:
    cache = HashCache(tmp_path / "cache.sqlite")
    old = time.time_ns() - 10**10
    between = [
        (f"{tmp_path}/b/{i:05d}", Fingerprint(1, old, old, i, 1), "cd" * 32) for i in range(1_100)
    ]
    wanted = {
        f"{tmp_path}/a": Fingerprint(1, old, old, 1, 1),
        f"{tmp_path}/c": Fingerprint(2, old, old, 2, 1),
    }
    cache.remember([*between, *((p, f, DIGEST) for p, f in wanted.items())])
    assert cache.lookup(wanted) == dict.fromkeys(wanted, DIGEST)
    other = {f"{tmp_path}/a": Fingerprint(1, old, old, 9, 1)}  # another inode
    assert cache.lookup(other) == {}


def test_a_file_rewritten_after_add_dir_is_logged_with_its_new_bytes(
    store_dir: Path, tmp_path: Path
) -> None:
    root = tmp_path / "data"
    paths = _files(root, 3)
    time.sleep(0.25)  # older than a timestamp tick when hashed: the behaviour under test
    with heron.init(project="p") as run:
        first = heron.Artifact("d", type="dataset")
        first.add_dir(root)
        run.log_artifact(first)  # the digests are cached now
        second = heron.Artifact("d", type="dataset")
        second.add_dir(root)
        Path(paths[0]).write_bytes(b"x" * 64)  # same size, after add_dir
        run.log_artifact(second)
    assert second.version == "v1"
    assert second.manifest["f0000.bin"].sha256 != first.manifest["f0000.bin"].sha256
    assert second.manifest["f0001.bin"] == first.manifest["f0001.bin"]
    assert second.verify(root).ok
