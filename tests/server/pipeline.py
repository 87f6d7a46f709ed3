"""Log the walkthrough's pipeline, small: upload -> split -> train (2 runs) -> infer (2 runs).

Used by the artifact, evaluation and report tests (API and browser). Everything is logged with the
real SDK in its own process, like a user's script; guesses follow fixed rules so tests can count.
Finally one artifact version is deleted behind heron's back (its rows removed from the database),
so its lineage shows a missing node.

A second project, ``epochs``, holds a model trained for 1, 5 and 10 epochs: three versions of one
model artifact with a predictions table each (compared in the browser), evaluated by six runs that
all use the 5-epoch version (a fan-out the lineage graph folds into one node).

Run as ``python pipeline.py STORE_DIR WORKDIR``; prints a JSON object of names -> ids.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import heron

PROJECT = "pipeline"
EPOCHS_PROJECT = "epochs"
EPOCHS = (1, 5, 10)
EVAL_SHARDS = 6
CLASSES = ("Aves", "Fungi", "Insecta")
PER_CLASS = 20  # images per class: 12 train, 4 val, 4 test
COLORS = {"Aves": (200, 60, 50), "Fungi": (150, 110, 60), "Insecta": (40, 140, 70)}


def _write_images(root: Path) -> None:
    from PIL import Image as PILImage

    for label in CLASSES:
        (root / label).mkdir(parents=True, exist_ok=True)
        r, g, b = COLORS[label]
        for index in range(PER_CLASS):
            shade = index * 5
            image = PILImage.new("RGB", (24, 24), (r, (g + shade) % 256, b))
            for x in range(index % 24):
                image.putpixel((x, x), (255, 255, 255))
            image.save(root / label / f"{label.lower()}_{index:02d}.png")


def _split_of(index: int) -> str:
    return "train" if index < 12 else "val" if index < 16 else "test"


def guess_for(variant: str, row: int, truth: str) -> str:
    """The fixed rule a model variant guesses by: wrong on some rows, the next class then."""
    wrong = row % 4 == 1 if variant == "fc256" else row % 3 == 0
    if not wrong:
        return truth
    return CLASSES[(CLASSES.index(truth) + 1) % len(CLASSES)]


def _predictions(rows: list[tuple[str, Path, str]], variant: str, epoch: int) -> heron.Table:
    columns = ["id", "image", "guess", "truth", *[f"score_{c}" for c in CLASSES]]
    table = heron.Table(columns=columns)
    for index, (item_id, path, truth) in enumerate(rows):
        guess = guess_for(variant, index + epoch, truth)
        confident = 0.5 + 0.1 * epoch + 0.02 * (index % 5)
        scores = [confident if c == guess else (1 - confident) / 2 for c in CLASSES]
        table.add_data(item_id, heron.Image(str(path)), guess, truth, *scores)
    return table


def log_pipeline(store_dir: Path, workdir: Path) -> dict[str, Any]:
    """Log the pipeline into ``store_dir``; returns names -> run ids and a few counts."""
    os.environ["HERON_DIR"] = str(store_dir)
    ids: dict[str, Any] = {}
    raw_dir = workdir / "raw"
    _write_images(raw_dir)
    with heron.init(project=PROJECT, name="upload raw", job_type="upload") as run:
        raw = heron.Artifact("inat-raw", type="raw_data", description="24x24 images, 3 classes")
        raw.add_dir(raw_dir, name="images")
        with raw.new_file("README.md") as handle:
            handle.write("# Raw data\n\nThree classes of living things.\n")
        with raw.new_file("classes.json") as handle:
            handle.write(json.dumps({"classes": list(CLASSES)}))
        run.log_artifact(raw)
        ids["upload"] = run.id

    with heron.init(project=PROJECT, name="balanced split", job_type="split") as run:
        root = run.use_artifact("inat-raw:latest").download(workdir / "raw-download")
        split = heron.Artifact("inat-split", type="balanced_data", metadata={"per_class": 20})
        table = heron.Table(columns=["id", "image", "label", "split"])
        for label in CLASSES:
            for index in range(PER_CLASS):
                name = f"{label.lower()}_{index:02d}.png"
                part = _split_of(index)
                path = root / "images" / label / name
                split.add_file(path, name=f"{part}/{label}/{name}")
                table.add_data(name, heron.Image(str(path)), label, part)
        split.add(table, "split_table")
        run.log_artifact(split)
        run.log({"split_table": table})
        ids["split"] = run.id

    split_root = workdir / "split-download"
    variants = {"fc256": (256, 2), "fc1024": (1024, 2)}
    for variant, (fc_size, epochs) in variants.items():
        with heron.init(
            project=PROJECT,
            name=f"train {variant}",
            job_type="train",
            config={"fc_size": fc_size, "epochs": epochs},
        ) as run:
            root = run.use_artifact("inat-split:latest").download(split_root)
            val = [(p.name, p, p.parent.name) for p in sorted((root / "val").glob("*/*.png"))]
            for epoch in range(epochs):
                predictions = _predictions(val, variant, epoch)
                accuracy = sum(
                    guess_for(variant, i + epoch, t) == t for i, (_, _, t) in enumerate(val)
                )
                run.log(
                    {"val_predictions": predictions, "val/acc": accuracy / len(val)}, step=epoch
                )
            model = heron.Artifact(
                "inat-model",
                type="model",
                metadata={"fc_size": fc_size, "epochs": epochs, "optimizer": "rmsprop"},
            )
            with model.new_file("weights.bin") as handle:
                handle.write(f"weights of {variant}\n" * fc_size)
            with model.new_file("config.json") as handle:
                handle.write(json.dumps({"fc_size": fc_size}))
            if variant == "fc256":
                with model.new_file("history.csv") as handle:
                    handle.write("epoch,acc\n0,0.5\n1,0.7\n")
            else:
                with model.new_file("optimizer.bin") as handle:
                    handle.write("optimizer state\n")
            run.log_artifact(model, aliases=[variant])
            ids[f"train {variant}"] = run.id

    for variant in variants:
        with heron.init(project=PROJECT, name=f"infer {variant}", job_type="infer") as run:
            run.use_artifact(f"inat-model:{variant}")
            root = run.use_artifact("inat-split:latest").download(split_root)
            test = [(p.name, p, p.parent.name) for p in sorted((root / "test").glob("*/*.png"))]
            predictions = _predictions(test, variant, 0)
            run.log({"test_predictions": predictions})
            result = heron.Artifact(f"predictions-{variant}", type="predictions")
            result.add(predictions, "test_predictions")
            run.log_artifact(result)
            ids[f"infer {variant}"] = run.id

    with heron.init(project=PROJECT, name="export bundle", job_type="export") as run:
        run.use_artifact("predictions-fc256:latest")
        bundle = heron.Artifact("bundle", type="export")
        with bundle.new_file("bundle.txt") as handle:
            handle.write("exported\n")
        logged = run.log_artifact(bundle)
        ids["export"] = run.id
        ids["deleted_version"] = logged.id
    _delete_version_rows(store_dir / "heron.db", ids["deleted_version"])
    ids["epochs"] = log_epochs(raw_dir)
    return ids


def eval_images(grown: bool) -> list[str]:
    """The ids (file stems) of the epochs project's eval set: 4 per class, 2 more once grown."""
    ids = [f"{c.lower()}_{k:02d}" for c in CLASSES for k in range(4)]
    return ids + (["aves_04", "fungi_04"] if grown else [])


def epoch_guess(epochs: int, item_id: str) -> str:
    """What the model trained for ``epochs`` answers: wrong (the next class) on some images."""
    label = CLASSES[[c.lower() for c in CLASSES].index(item_id.split("_")[0])]
    if int(item_id.split("_")[1]) % (epochs + 1) != 1:
        return label
    return CLASSES[(CLASSES.index(label) + 1) % len(CLASSES)]


def confidence(epochs: int) -> float:
    """The score a model trained for ``epochs`` gives its guesses: surer with more training."""
    return round(0.95 - 0.35 / epochs, 2)


def _epoch_predictions(raw_dir: Path, epochs: int, items: list[str]) -> heron.Table:
    table = heron.Table(columns=["id", "image", "truth", "guess", "score"])
    for item_id in items:
        label = CLASSES[[c.lower() for c in CLASSES].index(item_id.split("_")[0])]
        path = raw_dir / label / f"{item_id}.png"
        table.add_data(
            item_id, heron.Image(str(path)), label, epoch_guess(epochs, item_id), confidence(epochs)
        )
    return table


def _log_eval_set(raw_dir: Path, grown: bool) -> str:
    with heron.init(project=EPOCHS_PROJECT, name="collect eval set", job_type="upload") as run:
        artifact = heron.Artifact("eval-set", type="dataset")
        for item_id in eval_images(grown):
            label = CLASSES[[c.lower() for c in CLASSES].index(item_id.split("_")[0])]
            artifact.add_file(raw_dir / label / f"{item_id}.png", name=f"{label}/{item_id}.png")
        run.log_artifact(artifact)
        return run.id


def log_epochs(raw_dir: Path) -> dict[str, Any]:
    """The epochs project: a classifier trained for 1, 5 and 10 epochs, evaluated six times."""
    ids: dict[str, Any] = {"collect": _log_eval_set(raw_dir, False)}
    ids["collect more"] = _log_eval_set(raw_dir, True)
    for epochs in EPOCHS:
        name = f"train {epochs} epoch{'s' if epochs > 1 else ''}"
        with heron.init(
            project=EPOCHS_PROJECT, name=name, job_type="train", config={"epochs": epochs}
        ) as run:
            grown = epochs > 1
            run.use_artifact(f"eval-set:v{int(grown)}")
            items = eval_images(grown)
            for step in range(epochs):
                run.log(
                    {"val_predictions": _epoch_predictions(raw_dir, step + 1, items)}, step=step
                )
            model = heron.Artifact("classifier", type="model", metadata=_model_metadata(epochs))
            with model.new_file("weights.bin") as handle:
                handle.write(f"weights after {epochs} epochs\n" * 8)
            with model.new_file("config.json") as handle:
                handle.write(json.dumps({"arch": "resnet18"}))
            if epochs == 1:
                with model.new_file("history.csv") as handle:
                    handle.write("epoch,acc\n0,0.5\n")
            else:
                with model.new_file("optimizer.bin") as handle:
                    handle.write(f"optimizer state {epochs}\n")
            model.add(_epoch_predictions(raw_dir, epochs, items), "predictions")
            if epochs == 10:
                calibration = heron.Table(columns=["bin", "accuracy"])
                for index in range(3):
                    calibration.add_data(index, 0.8 + 0.05 * index)
                model.add(calibration, "calibration")
            run.log_artifact(model, aliases=["best"] if epochs == 5 else None)
            ids[name] = run.id
    for shard in range(EVAL_SHARDS):
        with heron.init(
            project=EPOCHS_PROJECT, name=f"evaluate shard {shard}", job_type="evaluate"
        ) as run:
            run.use_artifact("classifier:best")
            run.log({"accuracy": 0.9})
            ids[f"evaluate shard {shard}"] = run.id
    return ids


def _model_metadata(epochs: int) -> dict[str, Any]:
    if epochs == 1:
        return {"epochs": 1, "optimizer": "adam", "lr": 0.01}
    return {"epochs": epochs, "optimizer": "adam" if epochs == 5 else "sgd", "val_acc": 0.9}


def _delete_version_rows(database: Path, version_id: str) -> None:
    """Remove a version as an outside tool would, leaving its lineage edge dangling."""
    connection = sqlite3.connect(database)
    try:
        connection.execute("PRAGMA foreign_keys=OFF")
        connection.execute("DELETE FROM artifact_aliases WHERE version_id = ?", (version_id,))
        connection.execute("DELETE FROM artifact_files WHERE version_id = ?", (version_id,))
        connection.execute("DELETE FROM artifact_versions WHERE id = ?", (version_id,))
        connection.commit()
    finally:
        connection.close()


def log_pipeline_store(store_dir: Path, workdir: Path) -> dict[str, Any]:
    """Run this file in its own process; returns what :func:`log_pipeline` returned."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HERON_")}
    result = subprocess.run(
        [sys.executable, __file__, str(store_dir), str(workdir)],
        capture_output=True,
        text=True,
        env=environment,
    )
    if result.returncode != 0:
        raise RuntimeError(f"logging the pipeline failed:\n{result.stderr[-3000:]}")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    found = log_pipeline(Path(sys.argv[1]), Path(sys.argv[2]))
    print(json.dumps(found))
