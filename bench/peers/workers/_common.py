"""What every tool's worker shares: arguments, the seeded data, the result file.

Workers run in the peers' own environments, so this module imports only the standard library at
the top (the ``import`` scenario must measure the tool alone) and numpy when data is read.

    python <tool>_worker.py <scenario> <params json> <data dir> <work dir> <result json> [prepare]
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

SIDE = 64
IMAGE_BYTES = SIDE * SIDE * 3
CLASSES = [f"class_{i}" for i in range(10)]
SCORES = [f"score_{c}" for c in CLASSES]
COLUMNS = ["id", "image", "guess", "truth", *SCORES]
PLAIN = ["id", "guess", "truth", *SCORES]
KEY = "predictions"


class Job:
    """One worker invocation: the scenario, its parameters and where to read and write."""

    def __init__(self, argv: list[str]) -> None:
        self.scenario = argv[1]
        self.params: dict[str, Any] = json.loads(argv[2])
        self.data = Path(argv[3])
        self.work = Path(argv[4])
        self.result = Path(argv[5])
        self.prepare = len(argv) > 6 and argv[6] == "prepare"
        self.store = self.work / "store"
        self.store.mkdir(parents=True, exist_ok=True)
        self._images: int | None = None
        self._count = 0

    def image(self, i: int) -> Any:
        """Image ``i`` as a 64x64x3 uint8 array, read from disk (no tool holds them all).

        Past the images the data holds (a 1,000,000-row table), image ``i % count`` is reused
        with its first pixel set from ``i``: still noise, and no two rows' images are the same,
        so no tool stores fewer images than rows.
        """
        import numpy as np

        if self._images is None:
            self._images = os.open(self.data / "images.u8", os.O_RDONLY)
            self._count = os.fstat(self._images).st_size // IMAGE_BYTES
        raw = os.pread(self._images, IMAGE_BYTES, (i % self._count) * IMAGE_BYTES)
        pixels = np.frombuffer(raw, dtype=np.uint8).reshape(SIDE, SIDE, 3)
        if i < self._count:
            return pixels
        pixels = pixels.copy()
        pixels[0, 0] = ((i >> 16) & 255, (i >> 8) & 255, i & 255)
        pixels[0, 1, 0] = (i >> 24) & 255
        return pixels

    def labels(self, rows: int) -> tuple[list[str], list[str], list[list[float]]]:
        """(truth names, guess names, score lists) of the first ``rows`` rows, as Python values."""
        import numpy as np

        with np.load(self.data / "labels.npz") as npz:
            truth, scores = npz["truth"][:rows], npz["scores"][:rows]
        guess = scores.argmax(axis=1)
        return (
            [CLASSES[t] for t in truth.tolist()],
            [CLASSES[g] for g in guess.tolist()],
            scores.astype(float).tolist(),
        )

    def columns(self, rows: int) -> dict[str, Any]:
        """The first ``rows`` rows as numpy columns (id, guess, truth, scores)."""
        import numpy as np

        with np.load(self.data / "labels.npz") as npz:
            truth, scores = npz["truth"][:rows], npz["scores"][:rows]
        names = np.array(CLASSES)
        out: dict[str, Any] = {
            "id": np.arange(rows),
            "guess": names[scores.argmax(axis=1)],
            "truth": names[truth],
        }
        for j, name in enumerate(SCORES):
            out[name] = scores[:, j].astype(np.float64)
        return out

    def rows(self, rows: int) -> Iterator[tuple[int, str, str, list[float]]]:
        """(id, guess, truth, scores) per row, as a user's evaluation loop produces them."""
        truth, guess, scores = self.labels(rows)
        yield from zip(range(rows), guess, truth, scores, strict=True)

    def dataset(self) -> Path:
        """The folder of PNG files logged as a dataset artifact."""
        return self.data / "dataset"

    def apart(self, folder: str = "apart", **params: Any) -> Path:
        """Run this scenario with ``params`` changed in a child process with its own folders.

        The child's work folder sits beside this one (named ``work-<folder>``) and every
        environment variable that points into this work folder (HOME, TMPDIR, the tools' caches)
        points into the child's instead, so what it writes can be measured alone. Returns the
        child's work folder.
        """
        work = self.work.with_name(f"{self.work.name}-{folder}")
        env = {
            k: v.replace(str(self.work), str(work)) if v.startswith(str(self.work)) else v
            for k, v in os.environ.items()
        }
        for value in env.values():
            if value.startswith(str(work)):
                Path(value).mkdir(parents=True, exist_ok=True)
        argv = [sys.executable, sys.argv[0], self.scenario, json.dumps({**self.params, **params}),
                str(self.data), str(work), str(work / "result.json")]  # fmt: skip
        subprocess.run(argv, env=env, cwd=work, check=True)
        return work

    def done(self, **figures: Any) -> None:
        """Write the worker's figures for the harness."""
        self.result.write_text(json.dumps(figures))


def timed(work: Callable[[], Any]) -> float:
    """Seconds ``work`` takes."""
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def disk_bytes(path: Path) -> int:
    """Bytes of the files under ``path`` (hard links and symlinks counted once / not at all)."""
    total = 0
    seen: set[tuple[int, int]] = set()
    for root, _, names in os.walk(path):
        for name in names:
            st = os.lstat(os.path.join(root, name))
            if (st.st_dev, st.st_ino) in seen or not stat.S_ISREG(st.st_mode):
                continue
            seen.add((st.st_dev, st.st_ino))
            total += st.st_size
    return total


def epochs_growth(job: Job, log: Callable[[int], None]) -> None:
    """The epochs scenario's common part: ``log(epochs)`` timed, and the store's growth.

    Growth is the store's size after all epochs over its size after one, the one-epoch run made
    in a child process of its own (:meth:`Job.apart`), which runs ``log(1)`` alone.
    """
    if job.params.get("apart"):  # this is that child
        log(job.params["epochs"])
        return
    one = disk_bytes(job.apart(epochs=1, apart=True))
    seconds = timed(lambda: log(job.params["epochs"]))
    many = disk_bytes(job.work)
    job.done(inner_s=seconds, growth=many / one, store_mb=many / 2**20)


def logged_twice(job: Job, log: Callable[[], None]) -> None:
    """The artifact scenario's common part: ``log()`` timed twice, and the store's growth."""
    first = timed(log)
    after_one = disk_bytes(job.work)
    second = timed(log)
    growth = disk_bytes(job.work) / after_one
    job.done(inner_s=first + second, first_s=first, second_s=second, growth=growth)


def image_disk(job: Job, log: Callable[[bool], None]) -> None:
    """The image-disk scenario's common part: the bytes each image adds to the store.

    Two children of this worker log the same ``image_rows`` rows into stores of their own, one
    table without its image column (``log(False)``) and one with it (``log(True)``); the figure
    is the difference of their folders' sizes over the number of images. Both are measured after
    their process exited, so a database has written its log back and nothing is still buffered.
    """
    if "with_images" in job.params:  # one of the two children
        job.labels(1)
        log(bool(job.params["with_images"]))
        return
    plain = disk_bytes(job.apart(folder="plain", with_images=False))
    images = disk_bytes(job.apart(folder="images", with_images=True))
    job.done(bytes_per_image=(images - plain) / job.params["image_rows"])


def read_and_query(load: Callable[[], Any], job: Job) -> None:
    """The read scenario's common part: load into pandas, then filter + group as a user would."""
    import pandas as pd  # imported before the clock starts, as the scenario says

    start = time.perf_counter()
    frame = load()
    read_s = time.perf_counter() - start
    assert isinstance(frame, pd.DataFrame) and len(frame) == job.params["rows"], len(frame)
    start = time.perf_counter()
    wrong = frame[frame["truth"] != frame["guess"]]
    summary = wrong.groupby("truth")[SCORES].mean()
    query_s = time.perf_counter() - start
    assert len(summary) > 0
    job.done(inner_s=read_s + query_s, read_s=read_s, query_s=query_s)


def main(scenarios: dict[str, Callable[[Job], None]]) -> None:
    """Run the scenario named on the command line."""
    job = Job(sys.argv)
    scenarios[job.scenario](job)
