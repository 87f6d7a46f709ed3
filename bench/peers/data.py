"""The suite's seeded input, generated once and read by every tool's worker.

Layout of the data folder (raw files every peer environment can read with numpy alone):

- ``images.u8``: ``images`` 64x64 RGB uint8 noise images back to back (12,288 bytes each); a
  worker reads one image at a time by offset, so no tool is charged for holding them all;
- ``labels.npz``: ``truth`` (class index per row) and ``scores`` (float32, 10 per row, the
  guess is their argmax) for ``rows`` rows;
- ``dataset/class_k/img_i.png``: ``files`` PNGs of the first images, the dataset artifact;
- ``meta.json``: the sizes above; written last, so a folder without it is regenerated.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

SEED = 20261203
SIDE = 64
CLASSES = 10
IMAGE_BYTES = SIDE * SIDE * 3
# At most this many distinct images are generated (1.2 GB); a table with more rows reuses them,
# each made unique again (heron.bench.peers.workers._common.Job.image).
MAX_IMAGES = 100_000


def needs(params: list[dict[str, Any]]) -> dict[str, int]:
    """Sizes of data the given scenario parameters read (images, rows, dataset files)."""
    images = rows = files = 0
    for p in params:
        rows = max(rows, p.get("rows", 0))
        if p.get("images") is True:  # a table with an image column
            images = max(images, p["rows"])
        if "tiled_rows" in p:  # a table of the first seeded rows repeated
            rows = max(rows, p["seeded_rows"])
        if "image_rows" in p:  # a table of images logged to measure its disk
            images = max(images, p["image_rows"])
            rows = max(rows, p["image_rows"])
        if "epochs" in p:  # the same images every epoch
            images = max(images, p["images"])
            rows = max(rows, p["images"])
        files = max(files, p.get("files", 0))
    images = min(max(images, files), MAX_IMAGES)  # the dataset's files: PNGs of the first images
    return {"images": max(images, 1), "rows": max(rows, 1), "files": files}


def warm(folder: Path, params: dict[str, Any]) -> int:
    """Read what one measurement with ``params`` reads, so that it is in the page cache whichever
    tool runs first; returns the bytes read. Without this, the first tool of a round pays for
    reading from disk whatever the measurements before it pushed out of the cache (all 1.2 GB of
    images, for the 100,000-row image table)."""
    sizes = needs([params])
    paths: list[tuple[Path, int | None]] = [
        (folder / "images.u8", sizes["images"] * IMAGE_BYTES),
        (folder / "labels.npz", None),
    ]
    if sizes["files"]:
        paths += [(path, None) for path in sorted((folder / "dataset").rglob("*.png"))]
    total = 0
    buffer = memoryview(bytearray(8 << 20))
    for path, limit in paths:
        done = 0
        with open(path, "rb", buffering=0) as f:
            while limit is None or done < limit:
                room = len(buffer) if limit is None else min(len(buffer), limit - done)
                read = f.readinto(buffer[:room])
                if not read:
                    break
                done += read
        total += done
    return total


def _meta(folder: Path) -> dict[str, int] | None:
    path = folder / "meta.json"
    if not path.exists():
        return None
    meta: dict[str, int] = json.loads(path.read_text())
    return meta


def _enough(folder: Path, sizes: dict[str, int]) -> dict[str, int] | None:
    """The sizes a previous run left in ``folder`` when they cover ``sizes``, else None."""
    meta = _meta(folder)
    if meta is not None and all(meta.get(k, 0) >= v for k, v in sizes.items()):
        return meta
    return None


def ensure_apart(folder: Path, sizes: dict[str, int]) -> dict[str, int]:
    """:func:`ensure`, generating in a child process: generating holds a few hundred MB, and
    the suite's own high-water mark must stay below the peaks it measures (bench.peers.watch)."""
    meta = _enough(folder, sizes)
    if meta is not None:
        return meta
    subprocess.run([sys.executable, "-m", "bench.peers.data", str(folder), json.dumps(sizes)],
                   cwd=Path(__file__).parents[2], check=True)  # fmt: skip
    return ensure(folder, sizes)


def ensure(folder: Path, sizes: dict[str, int]) -> dict[str, int]:
    """Generate the data in ``folder`` unless a previous run left enough there; return sizes."""
    meta = _enough(folder, sizes)
    if meta is not None:
        return meta
    import numpy as np
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "meta.json").unlink(missing_ok=True)
    rng = np.random.default_rng(SEED)
    with open(folder / "images.u8", "wb") as out:
        for start in range(0, sizes["images"], 10_000):
            count = min(10_000, sizes["images"] - start)
            out.write(rng.integers(0, 256, (count, SIDE, SIDE, 3), dtype=np.uint8).tobytes())
    truth = rng.integers(0, CLASSES, sizes["rows"]).astype(np.int8)
    scores = rng.random((sizes["rows"], CLASSES), dtype=np.float32)
    right = rng.random(sizes["rows"]) < 0.7  # a model that is right 70% of the time
    scores[right, truth[right]] += 1.0
    scores /= scores.sum(axis=1, keepdims=True)
    np.savez(folder / "labels.npz", truth=truth, scores=scores)
    images = np.memmap(folder / "images.u8", dtype=np.uint8, mode="r")
    dataset = folder / "dataset"
    for i in range(sizes["files"]):
        pixels = np.asarray(images[i * IMAGE_BYTES : (i + 1) * IMAGE_BYTES])
        path = dataset / f"class_{truth[i % sizes['rows']]}" / f"img_{i:05d}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(pixels.reshape(SIDE, SIDE, 3)).save(path)
    (folder / "meta.json").write_text(json.dumps({**sizes, "seed": SEED}))
    return sizes


if __name__ == "__main__":  # what ensure_apart runs: python -m bench.peers.data FOLDER SIZES
    ensure(Path(sys.argv[1]), json.loads(sys.argv[2]))
