"""The suite's scenarios written with W&B (offline), as its docs show them.

The harness points WANDB_MODE=offline and WANDB_DIR / the cache / HOME / TMPDIR into the
measurement's own folder, so a run's files are all under ``store``.
"""

from __future__ import annotations

import json
import os
import time
from functools import partial
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


def do_import(job: Job) -> None:
    start = time.perf_counter()
    import wandb  # noqa: F401

    job.done(inner_s=time.perf_counter() - start)


def _log_table(run: Any, table: Any, rows: int, step: int | None = None) -> None:
    """Log a table as W&B's docs advise: ``run.log`` up to 10,000 rows, an Artifact above.

    ``run.log`` keeps only ``wandb.Table.MAX_ROWS`` (10,000) rows of a table; an Artifact keeps
    up to ``MAX_ARTIFACT_ROWS`` (200,000) and drops the rest with a warning.
    """
    import wandb

    if rows <= wandb.Table.MAX_ROWS:
        run.log({KEY: table}, step=step)
    else:
        artifact = wandb.Artifact(KEY, type="predictions")
        artifact.add(table, KEY)
        run.log_artifact(artifact)


def _log_rows(job: Job, rows: int, images: bool, dir: Path) -> None:
    import wandb

    run = wandb.init(project="bench", dir=dir)
    table = wandb.Table(columns=COLUMNS if images else PLAIN)
    for i, guess, truth, scores in job.rows(rows):
        if images:
            table.add_data(i, wandb.Image(job.image(i)), guess, truth, *scores)
        else:
            table.add_data(i, guess, truth, *scores)
    _log_table(run, table, rows)
    run.finish()


def _stored_table(job: Job) -> dict[str, Any]:
    """The logged table's JSON where offline W&B left it (it has no reading API offline).

    ``run.log`` writes it to the run's media folder; an Artifact's copy stays in the artifact
    staging folder under WANDB_DATA_DIR.
    """
    media = sorted(job.store.glob(f"wandb/offline-run-*/files/media/table/{KEY}_*.table.json"))
    staged = Path(os.environ["WANDB_DATA_DIR"]) / "artifacts" / "staging"
    for path in [*media, *sorted(staged.glob("*"), key=lambda p: p.stat().st_size)][::-1]:
        with open(path, "rb") as f:
            if f.read(18) != b'{"_type": "table",' and path not in media:
                continue
        table: dict[str, Any] = json.loads(path.read_text())
        return table
    raise FileNotFoundError(f"no logged table under {job.store} or {staged}")


NOTE = "tables over 10,000 rows logged through a wandb.Artifact (run.log keeps 10,000 rows)"


def table(job: Job) -> None:
    import wandb  # noqa: F401

    job.labels(1)
    rows = job.params["rows"]
    seconds = timed(lambda: _log_rows(job, rows, job.params["images"], job.store))
    job.done(inner_s=seconds, note=NOTE if rows > 10_000 else "")


def table_frame(job: Job) -> None:
    import pandas as pd
    import wandb

    frame = pd.DataFrame(job.columns(job.params["rows"]))

    def log() -> None:
        run = wandb.init(project="bench", dir=job.store)
        _log_table(run, wandb.Table(dataframe=frame), len(frame))
        run.finish()

    job.done(inner_s=timed(log), note=NOTE if len(frame) > 10_000 else "")


def epochs(job: Job) -> None:
    import wandb

    job.labels(1)

    def log(dir: Path, count: int) -> None:
        dir.mkdir(parents=True, exist_ok=True)
        run = wandb.init(project="bench", dir=dir)
        for epoch in range(count):
            table = wandb.Table(columns=COLUMNS)
            for i, guess, truth, scores in job.rows(job.params["images"]):
                table.add_data(i, wandb.Image(job.image(i)), guess, truth, *scores)
            _log_table(run, table, job.params["images"], step=epoch)
        run.finish()

    epochs_growth(job, partial(log, job.store))


def disk_per_image(job: Job) -> None:
    image_disk(job, lambda images: _log_rows(job, job.params["image_rows"], images, job.store))


def artifact(job: Job) -> None:
    import wandb

    def log() -> None:
        run = wandb.init(project="bench", dir=job.store)
        dataset = wandb.Artifact("dataset", type="dataset")
        dataset.add_dir(str(job.dataset()))
        run.log_artifact(dataset)
        run.finish()

    logged_twice(job, log)


def read(job: Job) -> None:
    if job.prepare:
        _log_rows(job, job.params["rows"], False, job.store)
        return

    def load() -> Any:
        import pandas as pd

        stored = _stored_table(job)
        return pd.DataFrame(stored["data"], columns=stored["columns"])

    read_and_query(load, job)


def scalars(job: Job) -> None:
    import wandb

    def log() -> None:
        run = wandb.init(project="bench", dir=job.store)
        for step in range(job.params["steps"]):
            run.log({"loss": 1.0 / (step + 1), "acc": step * 1e-6})
        run.finish()

    job.done(inner_s=timed(log))


def largest(job: Job) -> None:
    job.labels(1)
    seconds = timed(lambda: _log_rows(job, job.params["rows"], False, job.store))
    stored = len(_stored_table(job)["data"])
    note = NOTE + ("" if stored == job.params["rows"] else "; truncated at MAX_ARTIFACT_ROWS")
    job.done(inner_s=seconds, rows_stored=stored, note=note)


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
