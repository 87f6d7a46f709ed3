"""Blob integrity in the store: bad blobs are quarantined and healed, links are never followed,
image headers cannot ask for gigabytes."""

from __future__ import annotations

import hashlib
import os
import struct
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from heron.errors import IntegrityError, MediaError, NotFoundError
from heron.store import codec, quarantine
from heron.store.blobs import PACK_THRESHOLD
from heron.store.store import Store
from heron.store.thumbnails import thumbnail


@pytest.fixture
def store(tmp_path: Path, database_url: str | None) -> Iterator[Store]:
    opened = Store.open(tmp_path / "s", database_url=database_url)
    yield opened
    opened.close()


def _large(store: Store, tmp_path: Path) -> tuple[str, bytes, Path]:
    content = os.urandom(PACK_THRESHOLD + 1000)
    source = tmp_path / "large.bin"
    source.write_bytes(content)
    digest = store.blobs.put_file(source)
    return digest, content, store.blobs.root / "objects" / digest[:2] / digest


def test_large_blobs_are_stored_read_only(store: Store, tmp_path: Path) -> None:
    _, _, path = _large(store, tmp_path)
    assert not path.stat().st_mode & 0o222


def test_a_corrupt_file_is_quarantined_then_healed_by_storing_it_again(
    store: Store, tmp_path: Path
) -> None:
    digest, content, path = _large(store, tmp_path)
    path.chmod(0o644)
    with open(path, "ab") as handle:  # what root appending to a hard-linked download did
        handle.write(b"appended")
    with pytest.raises(IntegrityError, match=digest) as raised:
        store.blobs.get(digest)
    assert str(store.root) not in raised.value.message  # no store path in the message
    assert not path.exists()
    record = quarantine.find(store.blobs.root, digest)
    assert record is not None and record.set_aside_as is not None
    assert "bytes" in record.problem
    aside = store.blobs.root / "quarantine" / record.set_aside_as
    assert aside.read_bytes() == content + b"appended"  # set aside, not destroyed
    # Every later read says it is quarantined (and how to restore it), not "no such blob".
    with pytest.raises(IntegrityError, match="quarantined"):
        store.blobs.get(digest)
    assert not store.blobs.has(digest)
    # Storing the same content again heals it.
    assert store.blobs.put_file(tmp_path / "large.bin") == digest
    assert store.blobs.get(digest) == content


def test_a_corrupt_packed_blob_is_quarantined_and_healed(store: Store) -> None:
    payload = os.urandom(3000)
    digest = store.blobs.put(payload)
    neighbour = store.blobs.put(os.urandom(3000))
    pack = next((store.blobs.root / "packs").iterdir())
    raw = bytearray(pack.read_bytes())
    raw[5] ^= 0xFF
    pack.write_bytes(bytes(raw))
    with pytest.raises(IntegrityError, match=digest) as raised:
        store.blobs.get(digest)
    assert ".pack" not in raised.value.message and str(store.root) not in raised.value.message
    assert store.blobs.get(neighbour)  # the rest of the pack is fine
    record = quarantine.find(store.blobs.root, digest)
    assert record is not None and record.set_aside_as is None and "pack" in record.where
    fresh = Store.open(store.root)  # another process: nothing remembered
    try:
        assert fresh.blobs.put(payload) == digest
        assert fresh.blobs.get(digest) == payload
    finally:
        fresh.close()


def test_a_never_stored_blob_is_still_not_found(store: Store) -> None:
    with pytest.raises(NotFoundError):
        store.blobs.get("0" * 64)


def test_open_verified_rechecks_a_file_that_changed_since_it_was_checked(
    store: Store, tmp_path: Path
) -> None:
    digest, content, path = _large(store, tmp_path)
    with store.blobs.open_verified(digest) as blob:
        assert blob.read(0, blob.size) == content
    with store.blobs.open_verified(digest) as blob:  # unchanged: served again
        assert blob.read(10, 20) == content[10:20]
    path.chmod(0o644)
    with open(path, "r+b") as handle:  # same size, other bytes
        handle.write(b"\0" * 8)
    with pytest.raises(IntegrityError, match=digest):
        store.blobs.open_verified(digest)


@pytest.mark.parametrize("planted", ["file", "directory"])
def test_symlinks_inside_the_store_are_not_followed(
    store: Store, tmp_path: Path, planted: str
) -> None:
    digest, content, path = _large(store, tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    # The very bytes the blob should hold, outside the store: only not following the link
    # keeps heron from reading them.
    (outside / digest).write_bytes(content)
    if planted == "file":
        path.unlink()
        path.symlink_to(outside / digest)
    else:
        for child in path.parent.iterdir():
            child.unlink()
        path.parent.rmdir()
        path.parent.symlink_to(outside)
    with pytest.raises(IntegrityError, match=digest):
        store.blobs.get(digest)
    record = quarantine.find(store.blobs.root, digest)
    assert record is not None and "regular file" in record.problem
    assert (outside / digest).read_bytes() == content  # the target was not touched


def _zstd_zero_frame(length: int) -> bytes:
    """A valid zstd frame of ``length`` zero bytes made of RLE blocks: tiny on disk."""
    frame = struct.pack("<IB", 0xFD2FB528, 0xE0) + struct.pack("<Q", length)
    block = 1 << 17
    remaining = length
    while remaining:
        size = min(block, remaining)
        remaining -= size
        header = (size << 3) | (1 << 1) | (1 if remaining == 0 else 0)
        frame += header.to_bytes(3, "little") + b"\0"
    return frame


def _hrw_header(width: int, height: int, channels: int = 3) -> bytes:
    return codec.HEADER.pack(codec.MAGIC, codec.VERSION, 1, channels, 2, width, height, 1)


def test_hrw_headers_cannot_declare_more_than_the_format_allows() -> None:
    forged = _hrw_header(60_000, 60_000) + _zstd_zero_frame(1000)
    with pytest.raises(ValueError, match="GiB"):
        codec.decode(forged)
    with pytest.raises(ValueError, match="GiB"):
        codec.read_header(forged)


def test_hrw_frames_must_agree_with_their_header() -> None:
    image = np.zeros((8, 8, 3), np.uint8)
    good = codec.encode(image)
    assert (codec.decode(good) == image).all()
    lying = _hrw_header(4000, 4000) + good[codec.read_header(good)["size"] :]
    with pytest.raises(ValueError, match="declares"):
        codec.decode(lying)


def test_a_small_file_declaring_a_huge_image_gets_no_thumbnail(store: Store) -> None:
    width = height = 16_000  # 768 MB of RGB pixels declared in a ~24 KB file
    bomb = _hrw_header(width, height) + _zstd_zero_frame(width * height * 3)
    assert len(bomb) < 32_000
    digest = store.blobs.put(bomb)
    with pytest.raises(MediaError, match="16000 x 16000"):
        thumbnail(store, digest, 256)


def test_a_png_declaring_a_huge_image_gets_no_thumbnail(store: Store) -> None:
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 12_000, 12_000, 8, 2, 0, 0, 0)  # 12000 x 12000 RGB
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")
    digest = store.blobs.put(png)
    with pytest.raises(MediaError, match="12000 x 12000"):
        thumbnail(store, digest, 256)


def test_a_symlink_planted_in_the_thumbnail_cache_is_not_served(
    store: Store, tmp_path: Path
) -> None:
    from PIL import Image

    image = np.full((40, 60, 3), 200, np.uint8)
    digest = store.blobs.put(codec.encode(image))
    secret = tmp_path / "secret.png"
    Image.new("RGB", (5, 5), (255, 0, 0)).save(secret)
    cached = store.cache_dir / "thumbs" / "64" / digest[:2] / f"{digest}.png"
    cached.parent.mkdir(parents=True)
    cached.symlink_to(secret)
    data, content_type = thumbnail(store, digest, 64)
    assert content_type == "image/png" and data != secret.read_bytes()
    assert hashlib.sha256(data).hexdigest() != hashlib.sha256(secret.read_bytes()).hexdigest()


def test_thumbnails_are_not_cached_through_a_planted_directory_link(
    store: Store, tmp_path: Path
) -> None:
    digest = store.blobs.put(codec.encode(np.full((40, 60, 3), 200, np.uint8)))
    outside = tmp_path / "outside"
    outside.mkdir()
    (store.cache_dir / "thumbs").mkdir(parents=True)
    (store.cache_dir / "thumbs" / "64").symlink_to(outside)
    data, content_type = thumbnail(store, digest, 64)
    assert content_type == "image/png" and data.startswith(b"\x89PNG")
    assert list(outside.iterdir()) == []  # nothing made or written outside the store
    again, _ = thumbnail(store, digest, 128)  # other sizes are cached as usual
    assert (store.cache_dir / "thumbs" / "128" / digest[:2] / f"{digest}.png").read_bytes() == again
