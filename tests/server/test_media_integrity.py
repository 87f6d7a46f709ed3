"""Served blobs are verified first: corrupt bytes get an error (never 200, never cached), the blob
is quarantined, symlinks planted in the store are not followed, and image headers cannot make a
thumbnail request allocate gigabytes."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

import heron
from heron.server import create_app
from heron.store import codec, quarantine
from heron.store.blob_reader import IN_MEMORY_LIMIT
from heron.store.store import Store

LOCAL = "http://127.0.0.1:8080"


@pytest.fixture
def client(store_dir: Path) -> Iterator[TestClient]:
    Store.open(store_dir).close()
    with TestClient(create_app(store_dir), base_url=LOCAL) as test_client:
        yield test_client


def _object(store_dir: Path, digest: str) -> Path:
    return store_dir / "blobs" / "objects" / digest[:2] / digest


def _put(store_dir: Path, data: bytes) -> str:
    store = Store.open(store_dir)
    try:
        return store.blobs.put(data)
    finally:
        store.close()


def _assert_refused(response: Any, store_dir: Path) -> None:
    assert response.status_code == 500
    assert "immutable" not in response.headers.get("cache-control", "")
    error = response.json()["error"]
    assert error["type"] == "IntegrityError"
    assert str(store_dir) not in error["message"]
    assert "/blobs/" not in error["message"] and ".pack" not in error["message"]


def test_a_large_blob_changed_on_disk_is_refused_and_quarantined(
    store_dir: Path, client: TestClient
) -> None:
    content = os.urandom(3 << 20)
    digest = _put(store_dir, content)
    first = client.get(f"/api/media/{digest}")
    assert first.status_code == 200 and first.content == content
    assert first.headers["cache-control"] == "public, max-age=31536000, immutable"
    with open(_object(store_dir, digest), "ab") as handle:  # as root: the mode is no obstacle
        handle.write(b"appended")
    _assert_refused(client.get(f"/api/media/{digest}"), store_dir)
    record = quarantine.find(store_dir / "blobs", digest)
    assert record is not None and record.set_aside_as is not None
    assert not _object(store_dir, digest).exists()
    # Later requests, ranges included, are refused too: the blob is quarantined.
    again = client.get(f"/api/media/{digest}", headers={"Range": "bytes=0-99"})
    _assert_refused(again, store_dir)
    assert "quarantined" in again.json()["error"]["message"]


def test_a_corrupt_packed_blob_is_refused_without_naming_store_files(
    store_dir: Path, client: TestClient
) -> None:
    digest = _put(store_dir, os.urandom(5000))
    pack = next((store_dir / "blobs" / "packs").iterdir())
    raw = bytearray(pack.read_bytes())
    raw[100] ^= 0xFF
    pack.write_bytes(bytes(raw))
    _assert_refused(client.get(f"/api/media/{digest}"), store_dir)
    _assert_refused(client.get(f"/api/media/{digest}/thumbnail"), store_dir)


def _log_artifact(store_dir: Path, tmp_path: Path) -> tuple[str, bytes]:
    large = os.urandom(2 << 20)
    source = tmp_path / "source"
    source.mkdir()
    (source / "weights.bin").write_bytes(large)
    (source / "notes.txt").write_text("fine")
    with heron.init(project="p") as run:
        artifact = heron.Artifact("model", type="model")
        artifact.add_dir(source)
        run.log_artifact(artifact)
    digest = artifact.manifest["weights.bin"].sha256
    assert digest is not None
    return digest, large


def test_file_and_archive_routes_refuse_a_corrupt_file(
    store_dir: Path, tmp_path: Path, client: TestClient
) -> None:
    digest, large = _log_artifact(store_dir, tmp_path)
    base = "/api/projects/p/artifacts/model/v0"
    assert client.get(f"{base}/files/weights.bin").content == large
    assert client.get(f"{base}/archive?format=zip").status_code == 200
    path = _object(store_dir, digest)
    with open(path, "r+b") as handle:  # same size, other bytes
        handle.write(b"\0" * 16)
    _assert_refused(client.get(f"{base}/archive?format=tar"), store_dir)
    _assert_refused(client.get(f"{base}/files/weights.bin?download=true"), store_dir)
    assert client.get(f"{base}/files/notes.txt").content == b"fine"


def test_a_file_changed_while_it_is_streamed_is_cut_off(
    store_dir: Path, tmp_path: Path, client: TestClient
) -> None:
    content = os.urandom(IN_MEMORY_LIMIT + (1 << 20))  # sent in chunks, not from memory
    source = tmp_path / "big.bin"
    source.write_bytes(content)
    store = Store.open(store_dir)
    try:
        digest = store.blobs.put_file(source)
    finally:
        store.close()
    whole = client.get(f"/api/media/{digest}")
    assert whole.status_code == 200 and whole.content == content
    received = b""
    plain = TestClient(client.app, base_url=LOCAL, raise_server_exceptions=False)
    with plain, plain.stream("GET", f"/api/media/{digest}") as response:
        assert response.status_code == 200  # checked before it started...
        chunks = response.iter_bytes()
        received += next(chunks)
        with open(_object(store_dir, digest), "r+b") as handle:
            handle.seek(len(content) - 10)
            handle.write(b"\0" * 10)
        for chunk in chunks:
            received += chunk
    # ...and cut off before its end once the bytes stopped matching: never complete and wrong.
    assert len(received) < len(content)
    assert quarantine.find(store_dir / "blobs", digest) is not None


def test_symlinks_planted_in_the_store_are_not_followed(
    store_dir: Path, tmp_path: Path, client: TestClient
) -> None:
    from PIL import Image

    content = os.urandom(2 << 20)
    digest = _put(store_dir, content)
    outside = tmp_path / "outside.bin"
    outside.write_bytes(content)  # the right bytes, but not the store's file
    _object(store_dir, digest).unlink()
    _object(store_dir, digest).symlink_to(outside)
    _assert_refused(client.get(f"/api/media/{digest}"), store_dir)
    assert outside.read_bytes() == content

    image = _put(store_dir, codec.encode(np.full((30, 40, 3), 90, np.uint8)))
    secret = tmp_path / "secret.png"
    Image.new("RGB", (3, 3), (255, 0, 0)).save(secret)
    cached = store_dir / "cache" / "thumbs" / "256" / image[:2] / f"{image}.png"
    cached.parent.mkdir(parents=True)
    cached.symlink_to(secret)
    thumb = client.get(f"/api/media/{image}/thumbnail")
    assert thumb.status_code == 200 and thumb.content != secret.read_bytes()


def _zstd_zero_frame(length: int) -> bytes:
    frame = struct.pack("<IB", 0xFD2FB528, 0xE0) + struct.pack("<Q", length)
    remaining = length
    while remaining:
        size = min(1 << 17, remaining)
        remaining -= size
        frame += ((size << 3) | 2 | (remaining == 0)).to_bytes(3, "little") + b"\0"
    return frame


def test_a_thumbnail_of_a_tiny_file_declaring_a_huge_image_is_refused_cheaply(
    store_dir: Path,
) -> None:
    width, height = 26_000, 26_000  # about 2 GB of RGB pixels, declared by ~60 KB
    header = codec.HEADER.pack(codec.MAGIC, codec.VERSION, 1, 3, 2, width, height, 1)
    bomb = header + _zstd_zero_frame(width * height * 3)
    assert len(bomb) < 64_000
    digest = _put(store_dir, bomb)
    # A fresh server process, so its peak memory is this request's.
    script = textwrap.dedent(
        f"""
        import json
        from fastapi.testclient import TestClient
        from heron.server import create_app
        with TestClient(create_app({str(store_dir)!r}), base_url={LOCAL!r}) as client:
            response = client.get("/api/media/{digest}/thumbnail?size=256")
        # VmHWM is this process image's own peak; ru_maxrss would carry over the peak of
        # the test worker that started it (Linux keeps it across fork and exec).
        status = open("/proc/self/status").read().split("VmHWM:")[1]
        peak = int(status.split()[0]) * 1024
        print(json.dumps({{"status": response.status_code, "body": response.json(), "peak": peak}}))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["status"] == 400
    assert result["body"]["error"]["type"] == "MediaError"
    assert "26000 x 26000" in result["body"]["error"]["message"]
    assert result["peak"] < 1 << 30, f"peak memory {result['peak'] / (1 << 20):.0f} MiB"
