"""The suite's scenarios written with MLflow (local SQLite tracking store), as its docs show them.

The tracking database is created (MLflow runs its schema migrations, ~5 s here) before the clock
starts: a user pays that once per store, not once per run. MLflow has no ``add_data``: rows are
collected in a list and logged with ``mlflow.log_table`` (image cells as PIL images, which MLflow
writes as files beside the table's JSON).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from _common import (
    COLUMNS,
    KEY,
    PLAIN,
    Job,
    epochs_growth,
    image_disk,
    logged_twice,
    main,
    read_and_query,
    timed,
)

TABLE = f"{KEY}.json"


def do_import(job: Job) -> None:
    start = time.perf_counter()
    import mlflow  # noqa: F401

    job.done(inner_s=time.perf_counter() - start)


def _store(store: Path) -> None:
    """Point MLflow at a SQLite store in ``store`` and create it with the experiment."""
    import mlflow

    store.mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(f"sqlite:///{store / 'mlflow.db'}")
    if mlflow.get_experiment_by_name("bench") is None:
        mlflow.create_experiment("bench", artifact_location=(store / "artifacts").as_uri())
    mlflow.set_experiment("bench")


def _rows(job: Job, rows: int, images: bool) -> Any:
    import pandas as pd
    from PIL import Image

    data = []
    for i, guess, truth, scores in job.rows(rows):
        if images:
            data.append([i, Image.fromarray(job.image(i)), guess, truth, *scores])
        else:
            data.append([i, guess, truth, *scores])
    return pd.DataFrame(data, columns=COLUMNS if images else PLAIN)


def _log_rows(job: Job, rows: int, images: bool, artifact_file: str = TABLE) -> str:
    import mlflow

    with mlflow.start_run() as run:
        mlflow.log_table(_rows(job, rows, images), artifact_file=artifact_file)
    run_id: str = run.info.run_id
    return run_id


def table(job: Job) -> None:
    _store(job.store)
    job.labels(1)
    job.done(inner_s=timed(lambda: _log_rows(job, job.params["rows"], job.params["images"])))


def table_frame(job: Job) -> None:
    import mlflow
    import pandas as pd

    _store(job.store)
    frame = pd.DataFrame(job.columns(job.params["rows"]))

    def log() -> None:
        with mlflow.start_run():
            mlflow.log_table(frame, artifact_file=TABLE)

    job.done(inner_s=timed(log))


def epochs(job: Job) -> None:
    import mlflow

    _store(job.store)
    job.labels(1)

    def log(count: int) -> None:
        with mlflow.start_run():
            for epoch in range(count):
                frame = _rows(job, job.params["images"], True)
                # log_table appends to a file logged before; one file per epoch keeps epochs apart
                mlflow.log_table(frame, artifact_file=f"{KEY}_epoch{epoch}.json")

    epochs_growth(job, log)


def disk_per_image(job: Job) -> None:
    def log(images: bool) -> None:  # in each child, with a store of its own
        _store(job.store)
        _log_rows(job, job.params["image_rows"], images)

    image_disk(job, log)


def artifact(job: Job) -> None:
    import mlflow

    _store(job.store)

    def log() -> None:
        with mlflow.start_run():
            mlflow.log_artifacts(str(job.dataset()), artifact_path="dataset")

    logged_twice(job, log)


def read(job: Job) -> None:
    import mlflow

    _store(job.store)
    if job.prepare:
        (job.work / "run-id").write_text(_log_rows(job, job.params["rows"], False))
        return
    run_id = (job.work / "run-id").read_text()
    read_and_query(lambda: mlflow.load_table(TABLE, run_ids=[run_id]), job)


def scalars(job: Job) -> None:
    import mlflow
    from mlflow.entities import Metric
    from mlflow.tracking import MlflowClient

    _store(job.store)
    steps = job.params["steps"]

    def log() -> None:
        client = MlflowClient()
        with mlflow.start_run() as run:
            now = int(time.time() * 1000)
            batch: list[Metric] = []
            for step in range(steps):
                batch.append(Metric("loss", 1.0 / (step + 1), now, step))
                batch.append(Metric("acc", step * 1e-6, now, step))
                if len(batch) == 1000:  # the most log_batch takes at once
                    client.log_batch(run.info.run_id, metrics=batch)
                    batch = []
            if batch:
                client.log_batch(run.info.run_id, metrics=batch)

    note = "log_batch of 1,000 values (one log_metrics call per step: ~15 ms each here)"
    job.done(inner_s=timed(log), note=note)


def largest(job: Job) -> None:
    import mlflow

    _store(job.store)
    job.labels(1)
    start = time.perf_counter()
    run_id = _log_rows(job, job.params["rows"], False)
    seconds = time.perf_counter() - start
    stored = len(mlflow.load_table(TABLE, run_ids=[run_id]))
    job.done(inner_s=seconds, rows_stored=stored)


if __name__ == "__main__":
    main(
        {
            "import": do_import,
            "table_1k_img": table,
            "table_10k_img": table,
            "table_100k_img": table,
            "table_100k_plain": table,
            "table_100k_frame": table_frame,
            "epochs_5x1k": epochs,
            "image_disk": disk_per_image,
            "artifact_2k_twice": artifact,
            "read_100k": read,
            "scalars_100k": scalars,
            "largest_table": largest,
        }
    )
