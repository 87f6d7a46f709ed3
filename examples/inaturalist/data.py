"""Image-folder datasets: export the offline animal-mnist data, scan `root/<label>/*` trees, split them.

Nothing here imports heron: these are the plain file operations behind the upload and split steps.
"""

from __future__ import annotations

import gzip
import importlib.util
import pickle
import random
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
SPLITS = ("train", "val", "test")

# animal-mnist stores labels as integers 0..9 in this (alphabetical) class order.
ANIMAL_MNIST_CLASSES = (
    "Bear",
    "Bird",
    "Cat",
    "Cow",
    "Dog",
    "Elephant",
    "Giraffe",
    "Horse",
    "Sheep",
    "Zebra",
)


@dataclass(frozen=True)
class ImageRecord:
    """One image of a class-folder dataset.

    `id` is `<label>/<file stem>`: it stays the same when a file is copied into a split, so
    tables from every step of the workflow can be joined on it.
    """

    id: str
    path: Path
    label: str


def _animal_mnist_files() -> tuple[Path, Path]:
    spec = importlib.util.find_spec("animal_mnist")
    if spec is None or spec.origin is None:
        raise ImportError(
            "animal-mnist is required for the offline demo data: "
            "pip install --no-deps animal-mnist==0.4 (or pass --data-root with your own images)"
        )
    # Read the package's data files directly: its loader module imports TensorFlow.
    data_dir = Path(spec.origin).parent / "data" / "Animal_MNIST"
    return data_dir / "animal_data_version_3.gz", data_dir / "animal_label_version_3.gz"


def export_animal_mnist(root: Path, per_class: int, *, seed: int = 0) -> list[ImageRecord]:
    """Write `per_class` animal-mnist images of each class as `root/<Class>/<class>_NNNN.png`.

    Images are picked at random (reproducibly, from `seed`) among the distinct images of each
    class (about 1,000).
    Returns the written records, sorted by id.
    """
    import numpy as np
    from PIL import Image

    data_path, label_path = _animal_mnist_files()
    with gzip.open(data_path, "rb") as f:
        images = np.asarray(pickle.load(f), dtype=np.uint8)
    with gzip.open(label_path, "rb") as f:
        labels = np.asarray(pickle.load(f), dtype=np.int64)
    # The data holds some pixel-identical images; keep one of each so that no image can land in
    # two splits (which would leak test images into training).
    _, first_of_each = np.unique(images.reshape(len(images), -1), axis=0, return_index=True)
    unique = np.zeros(len(images), dtype=bool)
    unique[first_of_each] = True
    rng = np.random.default_rng(seed)
    records: list[ImageRecord] = []
    for label_index, label in enumerate(ANIMAL_MNIST_CLASSES):
        candidates = np.flatnonzero((labels == label_index) & unique)
        if per_class > len(candidates):
            raise ValueError(
                f"animal-mnist has {len(candidates)} distinct {label} images, not {per_class}"
            )
        chosen = np.sort(rng.choice(candidates, size=per_class, replace=False))
        class_dir = root / label
        class_dir.mkdir(parents=True, exist_ok=True)
        for index in tqdm(chosen, desc=f"writing {label}", leave=False):
            path = class_dir / f"{label.lower()}_{int(index):04d}.png"
            Image.fromarray(images[index]).save(path)
            records.append(ImageRecord(id=f"{label}/{path.stem}", path=path, label=label))
    return sorted(records, key=lambda r: r.id)


def scan_image_folder(root: Path) -> list[ImageRecord]:
    """List the images of a `root/<label>/*.jpg|jpeg|png` tree, sorted by id.

    Raises ValueError if the tree holds no image, so a mistyped --data-root fails loudly.
    """
    if not root.is_dir():
        raise ValueError(f"{root} is not a directory of class folders")
    records = [
        ImageRecord(id=f"{path.parent.name}/{path.stem}", path=path, label=path.parent.name)
        for path in root.glob("*/*")
        if path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES
    ]
    if not records:
        raise ValueError(f"no images found under {root}/<label>/ (expected .jpg, .jpeg or .png)")
    return sorted(records, key=lambda r: r.id)


def class_names(records: Iterable[ImageRecord]) -> list[str]:
    """The sorted distinct labels of `records`."""
    return sorted({r.label for r in records})


@dataclass(frozen=True)
class SplitSizes:
    """How many images of each class go to each split."""

    train: int
    val: int
    test: int

    @classmethod
    def from_fractions(
        cls, per_class: int, *, val_fraction: float = 0.1, test_fraction: float = 0.1
    ) -> SplitSizes:
        """Sizes for `per_class` images per class, 80/10/10 by default."""
        val = round(per_class * val_fraction)
        test = round(per_class * test_fraction)
        train = per_class - val - test
        if min(train, val, test) < 1:
            raise ValueError(f"{per_class} images per class is too few for a train/val/test split")
        return cls(train=train, val=val, test=test)

    @property
    def per_class(self) -> int:
        """Images per class over all three splits."""
        return self.train + self.val + self.test


def balanced_split(
    records: Sequence[ImageRecord], sizes: SplitSizes, *, seed: int = 0
) -> dict[str, list[ImageRecord]]:
    """Pick `sizes` images of every class at random into train/val/test; no image is in two splits.

    Every class must have at least `sizes.per_class` images: a balanced split is the point.
    """
    by_label: dict[str, list[ImageRecord]] = {}
    for record in records:
        by_label.setdefault(record.label, []).append(record)
    rng = random.Random(seed)
    splits: dict[str, list[ImageRecord]] = {name: [] for name in SPLITS}
    for label in sorted(by_label):
        pool = sorted(by_label[label], key=lambda r: r.id)
        if len(pool) < sizes.per_class:
            raise ValueError(
                f"class {label!r} has {len(pool)} images, fewer than the {sizes.per_class} "
                "a balanced split needs; lower the per-class sizes"
            )
        rng.shuffle(pool)
        splits["train"] += pool[: sizes.train]
        splits["val"] += pool[sizes.train : sizes.train + sizes.val]
        splits["test"] += pool[sizes.train + sizes.val : sizes.per_class]
    return {name: sorted(items, key=lambda r: r.id) for name, items in splits.items()}


def write_split_tree(
    splits: dict[str, list[ImageRecord]], root: Path
) -> dict[str, list[ImageRecord]]:
    """Copy split images to `root/<split>/<label>/<file>`; return the records at their new paths."""
    copied: dict[str, list[ImageRecord]] = {}
    total = sum(len(items) for items in splits.values())
    with tqdm(total=total, desc="copying split", leave=False) as progress:
        for name, items in splits.items():
            copied[name] = []
            for record in items:
                target = root / name / record.label / record.path.name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(record.path, target)
                copied[name].append(ImageRecord(id=record.id, path=target, label=record.label))
                progress.update()
    return copied


def scan_split_tree(root: Path) -> dict[str, list[ImageRecord]]:
    """Read back a tree written by `write_split_tree` (e.g. a downloaded balanced_data artifact)."""
    return {name: scan_image_folder(root / name) for name in SPLITS if (root / name).is_dir()}
