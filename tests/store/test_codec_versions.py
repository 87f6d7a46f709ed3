"""hrw's versions: version 2 is what heron writes (an 8-byte header, pixels stored as they are
when no zstd frame of them is smaller), and version 1 images stored before still read."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import zstandard
from PIL import Image as PILImage

from heron.store import codec
from heron.store.store import Store
from heron.store.thumbnails import thumbnail


def _as_version_1(array: np.ndarray) -> bytes:
    """``array`` encoded as heron wrote hrw up to version 1: a 20-byte header and a zstd frame
    of the left-neighbour differences."""
    pixels = array if array.ndim == 3 else array[:, :, None]
    dtype_code = 1 if pixels.dtype == np.uint8 else 2
    filtered = pixels.copy()
    filtered[:, 1:] = pixels[:, 1:] - pixels[:, :-1]
    flags = 2 | (1 if array.ndim == 2 else 0)
    header = codec.HEADER.pack(
        codec.MAGIC, 1, dtype_code, pixels.shape[2], flags, pixels.shape[1], pixels.shape[0], 1
    )
    frame = zstandard.ZstdCompressor(level=1, write_content_size=True).compress(
        filtered.astype(filtered.dtype.newbyteorder("<")).tobytes()
    )
    return header + frame


RNG = np.random.default_rng(15)


@pytest.mark.parametrize(
    "array",
    [
        RNG.integers(0, 256, (64, 64, 3), dtype=np.uint8),
        np.tile(np.arange(64, dtype=np.uint8), (64, 1))[:, :, None].repeat(3, axis=2),
        RNG.integers(0, 65536, (5, 7), dtype=np.uint16),
        np.tile(np.arange(40, dtype=np.uint16) * 1000, (3, 1))[:, :, None].repeat(4, axis=2),
    ],
    ids=["noise", "smooth", "u16-hw-noise", "u16-rgba-smooth"],
)
def test_images_heron_stored_in_version_1_still_decode(array: np.ndarray) -> None:
    old = _as_version_1(array)
    assert codec.read_header(old)["size"] == codec.HEADER.size
    decoded = codec.decode(old)
    assert decoded.dtype == array.dtype and np.array_equal(decoded, array)


def test_a_version_1_image_in_a_store_gets_its_thumbnail(store_dir: Path) -> None:
    smooth = np.tile(np.arange(32, dtype=np.uint8) * 8, (32, 1))[:, :, None].repeat(3, axis=2)
    store = Store.open(store_dir)
    try:
        digest = store.blobs.put(_as_version_1(smooth))
        png, content_type = thumbnail(store, digest, 256)
    finally:
        store.close()
    assert content_type == "image/png"
    assert np.array_equal(np.asarray(PILImage.open(io.BytesIO(png))), smooth)


def test_noise_is_stored_as_its_pixels_behind_an_eight_byte_header() -> None:
    noise = RNG.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    encoded = codec.encode(noise)
    header = codec.read_header(encoded)
    assert (header["version"], header["size"], header["compressed"]) == (2, 8, False)
    assert len(encoded) == noise.nbytes + 8
    assert encoded[8:] == noise.tobytes()
    smooth = np.tile(np.arange(64, dtype=np.uint8), (64, 1))[:, :, None].repeat(3, axis=2)
    assert codec.read_header(codec.encode(smooth))["compressed"]


def test_large_sides_take_longer_sizes_in_the_header() -> None:
    wide = RNG.integers(0, 256, (2, 70_000), dtype=np.uint8)
    encoded = codec.encode(wide)
    assert codec.read_header(encoded)["size"] == 6 + 3 + 1
    assert np.array_equal(codec.decode(encoded), wide)


def test_version_2_headers_that_lie_are_refused() -> None:
    noise = codec.encode(RNG.integers(0, 256, (16, 16, 3), dtype=np.uint8))
    with pytest.raises(ValueError, match="stored pixels"):
        codec.decode(noise[:-1])
    with pytest.raises(ValueError, match="stored pixels"):
        codec.decode(noise + b"\0")
    with pytest.raises(ValueError, match="ends inside a size"):
        codec.decode(noise[:7])
    with pytest.raises(ValueError, match="corrupt hrw header"):
        codec.decode(noise[:5] + bytes([noise[5] | 64]) + noise[6:])  # an unknown layout bit
    with pytest.raises(ValueError, match="corrupt hrw header"):
        codec.decode(noise[:5] + bytes([3]) + noise[6:])  # a channel count that does not exist
    with pytest.raises(ValueError, match="more than 32 bits"):
        codec.decode(codec.MAGIC + bytes([2, 1]) + b"\xff" * 5 + b"\x01\x01")
    with pytest.raises(ValueError, match="newer"):
        codec.decode(codec.MAGIC + bytes([3]) + noise[5:])
    # 40,000 x 40,000 RGB: 4.8 GB declared by a few bytes, refused before any allocation.
    side = bytes([40_000 & 0x7F | 0x80, (40_000 >> 7) & 0x7F | 0x80, 40_000 >> 14])
    huge = codec.MAGIC + bytes([2, 1]) + side * 2
    with pytest.raises(ValueError, match="GiB"):
        codec.decode(huge + b"\0" * 100)
    with pytest.raises(ValueError, match="an image without pixels"):
        codec.decode(codec.MAGIC + bytes([2, 1, 0, 4]))
