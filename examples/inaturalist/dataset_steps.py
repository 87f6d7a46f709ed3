"""Steps 1 and 2 of the walkthrough: upload the raw images, then snapshot balanced splits.

Each step is one heron run; the artifacts they log (`raw_data`, then `balanced_data`) and the
`use_artifact` between them are what draws the lineage graph.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import heron
from examples.inaturalist.data import (
    ImageRecord,
    SplitSizes,
    balanced_split,
    class_names,
    export_animal_mnist,
    scan_image_folder,
    write_split_tree,
)
from examples.inaturalist.settings import (
    RAW_TYPE,
    SPLIT_TYPE,
    Settings,
    raw_artifact_name,
    split_artifact_name,
)


def upload(settings: Settings, *, data_root: Path | None = None, per_class: int = 100) -> str:
    """Log an image-folder dataset as a `raw_data` artifact with an (id, image, label) table.

    Without `data_root`, `per_class` animal-mnist images of each of its 10 classes are written to
    the workdir first. With it, the whole `data_root/<label>/*` tree is uploaded as it is.
    Returns the artifact name (`inat_raw_data_<number of images>`).
    """
    if data_root is None:
        root = settings.workdir / "animal-mnist"
        shutil.rmtree(root, ignore_errors=True)
        records = export_animal_mnist(root, per_class, seed=settings.seed)
        source = "animal-mnist"
    else:
        root = data_root
        records = scan_image_folder(root)
        source = str(data_root)
    name = raw_artifact_name(len(records))
    counts = Counter(r.label for r in records)
    config = {"source": source, "n_images": len(records), "n_classes": len(counts)}
    with heron.init(
        job_type="upload", name=f"upload-{len(records)}", config=config, **settings.init_kwargs()
    ) as run:
        artifact = heron.Artifact(
            name,
            type=RAW_TYPE,
            description=f"{len(records)} images in {len(counts)} class folders, from {source}",
            metadata={
                "classes": class_names(records),
                "images_per_class": dict(sorted(counts.items())),
            },
        )
        artifact.add_dir(str(root))
        table = image_table(records)
        artifact.add(table, "raw_data")
        run.log_artifact(artifact)
        run.log({"raw_data": table})  # also on the run page, next to the artifact
    return name


def split(
    settings: Settings,
    *,
    source: str,
    sizes: SplitSizes | None = None,
    val_fraction: float = 0.1,
    test_fraction: float = 0.1,
) -> str:
    """Split a `raw_data` artifact into balanced train/val/test and log it as `balanced_data`.

    `sizes` gives the images per class of each split; without it every class contributes as many
    images as the smallest class has, split by the fractions (80/10/10 by default). The artifact
    holds `train/<label>/<file>`, `val/...` and `test/...` plus a table (id, image, label, split)
    named "balanced_data": group it by split to check the balance.
    Returns the artifact name (`inat_balanced_<number of images>`).
    """
    with heron.init(
        job_type="split",
        name=f"split-{source.split(':')[0]}",
        config={"source": source, "seed": settings.seed},
        **settings.init_kwargs(),
    ) as run:
        raw = run.use_artifact(source)
        records = scan_image_folder(settings.download(raw))
        labels = class_names(records)
        if sizes is None:
            smallest = min(Counter(r.label for r in records).values())
            sizes = SplitSizes.from_fractions(
                smallest, val_fraction=val_fraction, test_fraction=test_fraction
            )
        per_split = {
            "train_per_class": sizes.train,
            "val_per_class": sizes.val,
            "test_per_class": sizes.test,
        }
        run.config.update(per_split)
        name = split_artifact_name(sizes.per_class * len(labels))
        staging = settings.workdir / "staging" / name
        shutil.rmtree(staging, ignore_errors=True)
        splits = write_split_tree(balanced_split(records, sizes, seed=settings.seed), staging)
        artifact = heron.Artifact(
            name,
            type=SPLIT_TYPE,
            description=(
                f"balanced split of {source}: {sizes.train}/{sizes.val}/{sizes.test} "
                "images per class for train/val/test"
            ),
            metadata={"classes": labels, "source": source, "seed": settings.seed, **per_split},
        )
        artifact.add_dir(str(staging))
        split_of = {record.id: name_ for name_, items in splits.items() for record in items}
        table = image_table(
            (record for items in splits.values() for record in items), split_of=split_of
        )
        artifact.add(table, "balanced_data")
        run.log_artifact(artifact)
        # Also on the run, so the run page can group it by split without opening the artifact.
        run.log({"balanced_data": table})
        run.summary.update({f"n_{name_}": len(items) for name_, items in splits.items()})
    return name


def image_table(
    records: Iterable[ImageRecord], *, split_of: dict[str, str] | None = None
) -> heron.Table:
    """A table of id, image, label (and split, when `split_of` maps ids to splits).

    Images are logged from their files, so the same image has the same hash in every table of
    the workflow and prediction tables join with dataset tables on it.
    """
    columns = ["id", "image", "label"] + (["split"] if split_of is not None else [])
    table = heron.Table(columns=columns)
    for record in records:
        row: list[object] = [record.id, heron.Image(str(record.path)), record.label]
        if split_of is not None:
            row.append(split_of[record.id])
        table.add_data(*row)
    return table
