"""The suite's scenarios written with W&B (offline), as its docs show them.

The harness points WANDB_MODE=offline and WANDB_DIR / the cache / HOME / TMPDIR into the
measurement's own folder, so a run's files are all under ``store``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from _common import COLUMNS, KEY, PLAIN, Job, disk_bytes, main, read_and_query, timed


def do_import(job: Job) -> None:
    start = time.perf_counter()
    import wandb  # noqa: F401

    job.done(inner_s=time.perf_counter() - start)


def _log_rows(job: Job, rows: int, images: bool, dir: Path) -> None:
    import wandb

    run = wandb.init(project="bench", dir=dir)
    table = wandb.Table(columns=COLUMNS if images else PLAIN)
    for i, guess, truth, scores in job.rows(rows):
        if images:
            table.add_data(i, wandb.Image(job.image(i)), guess, truth, *scores)
        else:
            table.add_data(i, guess, truth, *scores)
    run.log({KEY: table})
    run.finish()


def _stored_table(dir: Path) -> dict[str, Any]:
    """The last logged table's JSON as W&B wrote it in the offline run's media folder."""
    found = sorted((dir / "wandb").glob(f"offline-run-*/files/media/table/{KEY}_*.table.json"))
    table: dict[str, Any] = json.loads(found[-1].read_text())
    return table


def table(job: Job) -> None:
    import wandb  # noqa: F401

    job.labels(1)
    job.done(inner_s=timed(lambda: _log_rows(job, job.params["rows"], job.params["images"],
                                             job.store)))  # fmt: skip


def table_frame(job: Job) -> None:
    import pandas as pd
    import wandb

    frame = pd.DataFrame(job.columns(job.params["rows"]))

    def log() -> None:
        run = wandb.init(project="bench", dir=job.store)
        run.log({KEY: wandb.Table(dataframe=frame)})
        run.finish()

    job.done(inner_s=timed(log))


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
            run.log({KEY: table}, step=epoch)
        run.finish()

    if job.params.get("apart"):  # the one-epoch run the growth is measured against
        log(job.store, job.params["epochs"])
        return
    one = disk_bytes(job.apart(epochs=1, apart=True))
    seconds = timed(lambda: log(job.store, job.params["epochs"]))
    many = disk_bytes(job.work)
    job.done(inner_s=seconds, growth=many / one, store_mb=many / 2**20)


def artifact(job: Job) -> None:
    import wandb

    def log() -> None:
        run = wandb.init(project="bench", dir=job.store)
        dataset = wandb.Artifact("dataset", type="dataset")
        dataset.add_dir(str(job.dataset()))
        run.log_artifact(dataset)
        run.finish()

    first = timed(log)
    after_one = disk_bytes(job.work)
    second = timed(log)
    growth = disk_bytes(job.work) / after_one
    job.done(inner_s=first + second, first_s=first, second_s=second, growth=growth)


def read(job: Job) -> None:
    if job.prepare:
        _log_rows(job, job.params["rows"], False, job.store)
        return

    def load() -> Any:
        import pandas as pd

        stored = _stored_table(job.store)
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
    stored = len(_stored_table(job.store)["data"])
    note = "" if stored == job.params["rows"] else "truncated at wandb.Table.MAX_ARTIFACT_ROWS"
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
            "artifact_2k_twice": artifact,
            "read_100k": read,
            "scalars_100k": scalars,
            "largest_table": largest,
        }
    )
