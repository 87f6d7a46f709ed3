"""The content-addressed blob store: dedup, packing, atomicity and verification."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from heron.errors import IntegrityError, NotFoundError
from heron.store.blobs import PACK_THRESHOLD, LocalBlobStore
from heron.store.store import Store


@pytest.fixture
def store(tmp_path: Path, database_url: str | None) -> Store:
    opened = Store.open(tmp_path / "s", database_url=database_url)
    yield opened  # type: ignore[misc]
    opened.close()


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_put_get_round_trip_and_digest(store: Store) -> None:
    data = b"hello heron"
    digest = store.blobs.put(data)
    assert digest == hashlib.sha256(data).hexdigest()
    assert store.blobs.get(digest) == data
    assert store.blobs.has(digest) and store.blobs.size(digest) == len(data)


def test_many_small_blobs_are_packed_into_few_files(store: Store) -> None:
    blobs = [os.urandom(3000) for _ in range(5000)]
    for start in range(0, len(blobs), 500):
        store.blobs.put_many(blobs[start : start + 500])
    assert len(_files(store.blobs.root)) <= 2
    assert store.blobs.get(hashlib.sha256(blobs[1234]).hexdigest()) == blobs[1234]


def test_same_content_is_stored_once(store: Store) -> None:
    payload = os.urandom(5000)
    store.blobs.put(payload)
    size_before = sum(p.stat().st_size for p in _files(store.blobs.root))
    for _ in range(3):
        store.blobs.put(payload)
    # A second writer (as another process would be) knows nothing yet, and still dedups.
    other_writer = LocalBlobStore(store.blobs.root, store.engine)
    other_writer.put(payload)
    other_writer.close()
    assert sum(p.stat().st_size for p in _files(store.blobs.root)) == size_before


def test_large_files_get_their_own_object(store: Store, tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(PACK_THRESHOLD + 10))
    digest = store.blobs.put_file(big)
    path = store.blobs.file_path(digest)
    assert path is not None and path.read_bytes() == big.read_bytes()
    out = tmp_path / "out" / "copy.bin"
    store.blobs.copy_to(digest, out)
    assert out.read_bytes() == big.read_bytes()


def test_corrupted_pack_is_detected_and_named(store: Store) -> None:
    digest = store.blobs.put(b"x" * 1000)
    pack = next((store.blobs.root / "packs").iterdir())
    raw = bytearray(pack.read_bytes())
    raw[10] ^= 0xFF
    pack.write_bytes(bytes(raw))
    with pytest.raises(IntegrityError, match=digest):
        store.blobs.get(digest)


def test_changed_file_is_detected(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes(b"one")
    with pytest.raises(IntegrityError, match="changed while it was being stored"):
        store.blobs.put_file(path, expected_sha256=hashlib.sha256(b"two").hexdigest())


def test_unknown_digest_is_not_found(store: Store) -> None:
    with pytest.raises(NotFoundError, match="no blob"):
        store.blobs.get("0" * 64)
