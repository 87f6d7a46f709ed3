"""The image-folder side of the walkthrough: exporting animal-mnist, scanning trees, splitting."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from examples.inaturalist.data import (
    ANIMAL_MNIST_CLASSES,
    ImageRecord,
    SplitSizes,
    balanced_split,
    class_names,
    export_animal_mnist,
    scan_image_folder,
    scan_split_tree,
    write_split_tree,
)


def _tree(root: Path, counts: dict[str, int]) -> list[ImageRecord]:
    for label, count in counts.items():
        (root / label).mkdir(parents=True)
        for i in range(count):
            Image.new("RGB", (8, 8), (i, 0, 0)).save(root / label / f"{label}_{i}.jpg")
    return scan_image_folder(root)


def test_export_writes_distinct_grayscale_pngs_per_class(tmp_path: Path) -> None:
    records = export_animal_mnist(tmp_path, 3)
    assert len(records) == 30
    assert class_names(records) == sorted(ANIMAL_MNIST_CLASSES)
    assert scan_image_folder(tmp_path) == records
    with Image.open(records[0].path) as image:
        assert (image.mode, image.size) == ("L", (28, 28))
    contents = {r.path.read_bytes() for r in records}
    assert len(contents) == 30, "duplicates would leak between splits"


def test_export_is_reproducible_from_the_seed(tmp_path: Path) -> None:
    first = [r.id for r in export_animal_mnist(tmp_path / "a", 2, seed=1)]
    assert first == [r.id for r in export_animal_mnist(tmp_path / "b", 2, seed=1)]
    assert first != [r.id for r in export_animal_mnist(tmp_path / "c", 2, seed=2)]


def test_scan_reads_jpg_and_png_and_ignores_other_files(tmp_path: Path) -> None:
    records = _tree(tmp_path, {"Fungi": 2, "Aves": 1})
    (tmp_path / "Aves" / "notes.txt").write_text("not an image")
    Image.new("L", (4, 4)).save(tmp_path / "Aves" / "x.PNG")
    records = scan_image_folder(tmp_path)
    assert [r.id for r in records] == ["Aves/Aves_0", "Aves/x", "Fungi/Fungi_0", "Fungi/Fungi_1"]
    assert {r.label for r in records} == {"Aves", "Fungi"}


def test_scan_of_an_empty_or_missing_root_fails_loudly(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no images"):
        scan_image_folder(tmp_path)
    with pytest.raises(ValueError, match="not a directory"):
        scan_image_folder(tmp_path / "missing")


def test_split_sizes_default_to_80_10_10() -> None:
    assert SplitSizes.from_fractions(100) == SplitSizes(80, 10, 10)
    assert SplitSizes.from_fractions(10) == SplitSizes(8, 1, 1)
    with pytest.raises(ValueError, match="too few"):
        SplitSizes.from_fractions(3)


def test_balanced_split_is_balanced_disjoint_and_stable(tmp_path: Path) -> None:
    records = _tree(tmp_path, {"A": 12, "B": 10})
    splits = balanced_split(records, SplitSizes(6, 2, 2), seed=3)
    for name, expected in (("train", 6), ("val", 2), ("test", 2)):
        labels = [r.label for r in splits[name]]
        assert labels.count("A") == labels.count("B") == expected
    ids = [r.id for items in splits.values() for r in items]
    assert len(ids) == len(set(ids)) == 20
    assert balanced_split(records, SplitSizes(6, 2, 2), seed=3) == splits


def test_balanced_split_refuses_a_class_that_is_too_small(tmp_path: Path) -> None:
    records = _tree(tmp_path, {"A": 10, "B": 4})
    with pytest.raises(ValueError, match="'B' has 4 images"):
        balanced_split(records, SplitSizes(6, 2, 2))


def test_split_tree_round_trips_and_keeps_ids(tmp_path: Path) -> None:
    records = _tree(tmp_path / "raw", {"A": 5, "B": 5})
    splits = balanced_split(records, SplitSizes(3, 1, 1))
    written = write_split_tree(splits, tmp_path / "split")
    assert written["val"][0].path.parent == tmp_path / "split" / "val" / written["val"][0].label
    read_back = scan_split_tree(tmp_path / "split")
    assert {k: [r.id for r in v] for k, v in read_back.items()} == {
        k: [r.id for r in v] for k, v in splits.items()
    }
