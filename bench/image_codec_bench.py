"""Lossless image codecs on the peer suite's images: bytes per image, encode and decode time.

Compares what heron stores for an image array (hrw: a left-neighbour filter and zstd, see
heron.store.codec) with what Pillow offers losslessly: PNG at several compression levels and
with ``optimize``, and WebP lossless at several methods. The images are the suite's (64x64 RGB
uniform noise, from ``.bench-envs/data`` when `make bench-peers` has run, else generated from the
same seed), and, for contrast, smooth images (gradients with a little noise), where filters pay.
Times are medians per image over ``--images`` images on one core (``--repeat`` passes).

    python -m bench.image_codec_bench [--images 300] [--repeat 3] [--data DIR]
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

SIDE = 64
IMAGE_BYTES = SIDE * SIDE * 3


def noise_images(count: int, data: Path) -> Any:
    """The suite's first ``count`` images (generated like bench.peers.data if absent)."""
    path = data / "images.u8"
    if path.exists() and path.stat().st_size >= count * IMAGE_BYTES:
        raw = np.fromfile(path, dtype=np.uint8, count=count * IMAGE_BYTES)
        return raw.reshape(count, SIDE, SIDE, 3)
    from bench.peers.data import SEED

    return np.random.default_rng(SEED).integers(0, 256, (count, SIDE, SIDE, 3), dtype=np.uint8)


def smooth_images(count: int) -> Any:
    """Gradients with a little noise: the kind of image a filter and a dictionary compress."""
    rng = np.random.default_rng(1)
    y, x = np.mgrid[0:SIDE, 0:SIDE]
    out = np.empty((count, SIDE, SIDE, 3), np.uint8)
    for i in range(count):
        angle = rng.random() * np.pi
        base = (np.cos(angle) * x + np.sin(angle) * y) * 2 + rng.integers(0, 64)
        for c in range(3):
            channel = base + c * 20 + rng.normal(0, 2, (SIDE, SIDE))
            out[i, :, :, c] = np.clip(channel, 0, 255)
    return out


def _pillow(format: str, **options: Any) -> Callable[[Any], bytes]:
    from PIL import Image

    def encode(pixels: Any) -> bytes:
        out = io.BytesIO()
        Image.fromarray(pixels).save(out, format, **options)
        return out.getvalue()

    return encode


def _pillow_decode(data: bytes) -> Any:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return image


def codecs() -> dict[str, tuple[Callable[[Any], bytes], Callable[[bytes], Any]]]:
    """Each codec's encoder and decoder (every one lossless: checked on the first image)."""
    from heron.store import codec

    out: dict[str, tuple[Callable[[Any], bytes], Callable[[bytes], Any]]] = {
        "hrw (heron's default)": (codec.encode, codec.decode),
    }
    for level in (1, 6, 9):
        out[f"PNG, level {level}"] = (_pillow("PNG", compress_level=level), _pillow_decode)
    out["PNG, optimize"] = (_pillow("PNG", optimize=True), _pillow_decode)
    for method in (0, 4):
        encode = _pillow("WEBP", lossless=True, method=method, quality=100)
        out[f"WebP lossless, method {method}"] = (encode, _pillow_decode)
    return out


def measure(images: Any, repeat: int) -> list[tuple[str, float, float, float]]:
    """(codec, mean bytes, median encode us, median decode us) per codec."""
    rows = []
    for name, (encode, decode) in codecs().items():
        first = encode(images[0])
        assert np.array_equal(np.asarray(decode(first)), images[0]), f"{name} is not lossless"
        encode_s, decode_s = [], []
        for _ in range(repeat):
            start = time.perf_counter()
            blobs = [encode(image) for image in images]
            encode_s.append((time.perf_counter() - start) / len(images))
            start = time.perf_counter()
            for blob in blobs:
                decode(blob)
            decode_s.append((time.perf_counter() - start) / len(images))
        size = sum(len(blob) for blob in blobs) / len(blobs)
        rows.append(
            (name, size, statistics.median(encode_s) * 1e6, statistics.median(decode_s) * 1e6)
        )
    return rows


def main() -> None:
    """Print one table per kind of image."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--images", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", type=Path, default=Path(__file__).parents[1] / ".bench-envs/data")
    args = parser.parse_args()
    kinds = {
        "the suite's images (64x64 RGB noise)": noise_images(args.images, args.data),
        "smooth images (64x64 RGB gradients, a little noise)": smooth_images(args.images),
    }
    for title, images in kinds.items():
        print(f"{title}: raw {IMAGE_BYTES:,} B; {args.images} images, median of {args.repeat}")
        print(f"  {'codec':<28} {'bytes/image':>12} {'encode':>11} {'decode':>11}")
        for name, size, encode_us, decode_us in measure(images, args.repeat):
            print(f"  {name:<28} {size:>12,.0f} {encode_us:>8,.0f} us {decode_us:>8,.0f} us")


if __name__ == "__main__":
    main()
