"""Media by content hash: content types, immutable caching, byte ranges, and no path escapes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from heron.server import create_app
from heron.store.store import Store
from tests.fixtures.local import local_client


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def media(store_dir: Path) -> tuple[Path, str, str, bytes]:
    """A store holding a small PNG (packed) and a 3 MiB blob (a file of its own)."""
    store = Store.open(store_dir)
    png_digest = store.blobs.put(_png())
    large = bytes(range(256)) * (3 * 4096)
    large_digest = store.blobs.put(large)
    store.close()
    return store_dir, png_digest, large_digest, large


def test_image_has_type_etag_and_immutable_cache(media: tuple[Path, str, str, bytes]) -> None:
    store_dir, png, _, _ = media
    with local_client(create_app(store_dir)) as client:
        response = client.get(f"/api/media/{png}")
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/png"
        assert response.headers["etag"] == f'"{png}"'
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.content == _png()
        again = client.get(f"/api/media/{png}", headers={"If-None-Match": f'"{png}"'})
        assert again.status_code == 304 and again.content == b""


def test_range_requests_on_large_and_packed_blobs(media: tuple[Path, str, str, bytes]) -> None:
    store_dir, png, large_digest, large = media
    with local_client(create_app(store_dir)) as client:
        part = client.get(f"/api/media/{large_digest}", headers={"Range": "bytes=1000-1999"})
        assert part.status_code == 206
        assert part.content == large[1000:2000]
        assert part.headers["content-range"] == f"bytes 1000-1999/{len(large)}"
        tail = client.get(f"/api/media/{large_digest}", headers={"Range": "bytes=-10"})
        assert tail.content == large[-10:]
        whole = client.get(f"/api/media/{large_digest}")
        assert whole.status_code == 200 and whole.content == large
        assert whole.headers["accept-ranges"] == "bytes"
        packed = client.get(f"/api/media/{png}", headers={"Range": "bytes=0-7"})
        assert packed.status_code == 206 and packed.content == b"\x89PNG\r\n\x1a\n"
        beyond = client.get(f"/api/media/{png}", headers={"Range": "bytes=999999-"})
        assert beyond.status_code == 416
        assert beyond.json()["error"]["type"] == "RangeNotSatisfiable"


def test_unknown_and_malformed_digests(media: tuple[Path, str, str, bytes]) -> None:
    store_dir = media[0]
    with local_client(create_app(store_dir)) as client:
        missing = client.get("/api/media/" + "0" * 64)
        assert missing.status_code == 404 and missing.json()["error"]["type"] == "NotFoundError"
        bad = client.get("/api/media/not-a-hash")
        assert bad.status_code == 400 and "sha256" in bad.json()["error"]["message"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/media/..%2F..%2Fheron-store.json",
        "/api/media/%2e%2e%2fheron.db",
        "/api/media/%2Fetc%2Fpasswd",
        "/assets/..%2F..%2F..%2F..%2Fpyproject.toml",
        "/%2e%2e/%2e%2e/%2e%2e/pyproject.toml",
        "//etc/passwd",
        "/..%2f..%2f..%2fheron%2f__init__.py",
    ],
)
def test_urls_cannot_escape_the_store_or_the_ui(
    media: tuple[Path, str, str, bytes], path: str
) -> None:
    store_dir = media[0]
    with local_client(create_app(store_dir)) as client:
        response = client.get(path)
    assert response.status_code in (200, 400, 404, 503)
    body = response.content
    assert b"root:" not in body and b'"format": "heron-store"' not in body
    assert b"[project]" not in body and b"SQLite format" not in body and b"__version__" not in body
    if response.status_code == 200:
        # Only ever the UI's index page (the single-page-app fallback).
        assert b'<div id="root">' in body
