"""What the sync tests log: a run with metrics, an image table and an artifact, and a second
run that uses the artifact; and how to compare what two stores hold."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

import heron
from heron.store import artifacts as artifact_store
from heron.store import lineage
from heron.store import runs as run_store
from heron.store.store import Store


def log_workflow(tmp_path: Path, *, steps: int = 300) -> dict[str, str]:
    """Log the two runs into the active store ($HERON_DIR or remote mode); their ids."""
    rng = np.random.default_rng(0)
    source = tmp_path / "dataset"
    source.mkdir(exist_ok=True)
    (source / "labels.csv").write_text("id,label\n1,bird\n2,plant\n")
    (source / "big.bin").write_bytes(rng.bytes(3 * 1024 * 1024))
    with heron.init(project="sync", name="train", config={"lr": 0.1}) as run:
        for step in range(steps):
            run.log({"loss": 1.0 / (step + 1), "acc": step / steps})
        table = heron.Table(columns=["id", "image", "truth"])
        for index in range(20):
            pixels = rng.integers(0, 255, (16, 16, 3), dtype=np.uint8)
            table.add_data(index, heron.Image(pixels), "bird" if index % 2 else "plant")
        run.log({"predictions": table})
        artifact = heron.Artifact("raw", type="dataset")
        artifact.add_dir(str(source))
        run.log_artifact(artifact, aliases=["best"])
        train_id = run.id
    with heron.init(project="sync", name="infer") as run:
        used = run.use_artifact("raw:latest")
        used.download(root=str(tmp_path / "downloaded"))
        run.log({"score": 0.5})
        infer_id = run.id
    return {"train": train_id, "infer": infer_id}


def contents(
    store_dir: Path, run_ids: dict[str, str], database_url: str | None = None
) -> dict[str, Any]:
    """What a user sees of the logged workflow in a store: records, history, tables, artifact."""
    store = Store.open(store_dir, database_url=database_url, create=False)
    try:
        engine = store.engine
        seen: dict[str, Any] = {}
        for label, run_id in run_ids.items():
            record = run_store.get_run(engine, run_id)
            history = run_store.read_history(engine, run_id)
            objects = run_store.read_objects(engine, run_id)
            seen[label] = {
                "project": record.project,
                "name": record.name,
                "state": record.state,
                "config": record.config,
                "summary": record.summary,
                "history": history,
                "objects": [(step, key, kind) for step, key, kind, _ in objects],
            }
        api = heron.Api(dir=str(store_dir), database_url=database_url)
        frame = api.run(f"sync/{run_ids['train']}").table("predictions")
        seen["table"] = frame.to_pandas().drop(columns=["image"]).to_dict("list")
        # The image bytes themselves, read from this store's blobs.
        seen["images"] = [cell.encoded_bytes() for cell in frame.to_pandas()["image"]]
        version = artifact_store.resolve(engine, "sync/raw:latest")
        manifest = artifact_store.read_manifest(engine, version.id)
        seen["artifact"] = {
            "aliases": sorted(version.aliases),
            "files": sorted((e.path, e.sha256) for e in manifest),
            "bytes": {e.path: store.blobs.get(e.sha256) for e in manifest if e.sha256},
            "logged_by": lineage.runs_of_version(engine, version.id, "output"),
            "used_by": lineage.runs_of_version(engine, version.id, "input"),
        }
        return seen
    finally:
        store.close()
