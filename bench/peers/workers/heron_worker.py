"""The suite's scenarios written with heron, as its docs show them."""

from __future__ import annotations

import statistics
import time
from functools import partial
from typing import Any

from _common import (
    COLUMNS,
    KEY,
    PLAIN,
    Job,
    epochs_growth,
    logged_twice,
    main,
    read_and_query,
    timed,
)


def do_import(job: Job) -> None:
    start = time.perf_counter()
    import heron  # noqa: F401

    job.done(inner_s=time.perf_counter() - start)


def _log_rows(job: Job, store: Any, rows: int, images: bool, step: int | None = None) -> str:
    import heron

    run = heron.init(project="bench", dir=store)
    table = heron.Table(columns=COLUMNS if images else PLAIN)
    for i, guess, truth, scores in job.rows(rows):
        if images:
            table.add_data(i, heron.Image(job.image(i)), guess, truth, *scores)
        else:
            table.add_data(i, guess, truth, *scores)
    run.log({KEY: table}, step=step)
    run.finish()
    return run.path


def table(job: Job) -> None:
    import heron  # noqa: F401  (the import is not the scenario)

    job.labels(1)  # numpy loaded and the data opened before the clock starts
    seconds = timed(lambda: _log_rows(job, job.store, job.params["rows"], job.params["images"]))
    job.done(inner_s=seconds)


def table_frame(job: Job) -> None:
    import pandas as pd

    import heron

    frame = pd.DataFrame(job.columns(job.params["rows"]))

    def log() -> None:
        with heron.init(project="bench", dir=job.store) as run:
            run.log({KEY: heron.Table(dataframe=frame)})

    job.done(inner_s=timed(log))


def frame_1m(job: Job) -> None:
    import pyarrow as pa

    import heron

    arrow = pa.table(job.columns(job.params["rows"]))

    def log() -> None:
        with heron.init(project="bench", dir=job.store) as run:
            run.log({KEY: heron.Table(dataframe=arrow)})

    job.done(inner_s=timed(log))


def epochs(job: Job) -> None:
    import heron

    job.labels(1)

    def log(store: Any, count: int) -> None:
        run = heron.init(project="bench", dir=store)
        for epoch in range(count):
            table = heron.Table(columns=COLUMNS)
            for i, guess, truth, scores in job.rows(job.params["images"]):
                table.add_data(i, heron.Image(job.image(i)), guess, truth, *scores)
            run.log({KEY: table}, step=epoch)
        run.finish()

    epochs_growth(job, partial(log, job.store))


def artifact(job: Job) -> None:
    import heron

    def log() -> None:
        with heron.init(project="bench", dir=job.store) as run:
            dataset = heron.Artifact("dataset", type="dataset")
            dataset.add_dir(str(job.dataset()))
            run.log_artifact(dataset)

    logged_twice(job, log)


def read(job: Job) -> None:
    import heron

    if job.prepare:
        path = _log_rows(job, job.store, job.params["rows"], False)
        (job.work / "run-path").write_text(path)
        return
    path = (job.work / "run-path").read_text()
    read_and_query(lambda: heron.Api(dir=job.store).run(path).table(KEY).to_pandas(), job)


def scalars(job: Job) -> None:
    import heron

    def log() -> None:
        run = heron.init(project="bench", dir=job.store)
        for step in range(job.params["steps"]):
            run.log({"loss": 1.0 / (step + 1), "acc": step * 1e-6})
        run.finish()

    job.done(inner_s=timed(log))


def largest(job: Job) -> None:
    import heron

    job.labels(1)
    start = time.perf_counter()
    path = _log_rows(job, job.store, job.params["rows"], False)
    seconds = time.perf_counter() - start
    stored = len(heron.Api(dir=job.store).run(path).table(KEY))
    job.done(inner_s=seconds, rows_stored=stored)


def query(job: Job) -> None:
    from bench.query_bench import COLUMNS as QUERY_COLUMNS
    from bench.query_bench import write_predictions

    rows, folder = job.params["table_rows"], job.work / "table"
    if job.prepare:
        write_predictions(folder, rows, "bench")
        return
    start = time.perf_counter()
    from heron.query import Query, TableSource

    source = TableSource(sorted(folder.glob("part-*.parquet")), QUERY_COLUMNS, "bench")
    q = Query(source)
    q.filter('row["truth"] != row["guess"]').count()
    figures = {"first_ms": (time.perf_counter() - start) * 1000}
    # The engine copies the table into memory in the background after its first query; the
    # explorer's next clicks meet a warm table, so the distinct queries wait for that copy.
    q.engine.tables.wait()
    # Each call is a query the engine has not seen (a new threshold), as every click in the
    # explorer is: repeats would only measure the result cache.
    kinds = {
        "filter_count_ms": lambda t: q.filter(f'row["score_Aves"] > {t}').count(),
        "filter_sort_page_ms": lambda t: (
            q.filter(f'row["score_Fungi"] > {t}').sort("score_Aves", descending=True).page(0, 50)
        ),
        "filter_group_guess_ms": lambda t: (
            q.filter(f'row["score_Insecta"] > {t}').group_by("guess").groups()
        ),
        "group_truth_all_ms": lambda t: (
            q.filter(f'row["score_Plantae"] > {t}').group_by("truth").groups()
        ),
    }
    for k, (name, ask) in enumerate(kinds.items()):
        thresholds = [0.001 * (1 + i) + 0.0001 * k for i in range(job.params["queries"])]
        figures[name] = statistics.median(timed(partial(ask, t)) * 1000 for t in thresholds)
    job.done(**figures)


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
            "frame_1m": frame_1m,
            "query_1m": query,
            "query_10m": query,
        }
    )
