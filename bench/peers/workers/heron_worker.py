"""The suite's scenarios written with heron, as its docs show them."""

from __future__ import annotations

import json
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
    image_disk,
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
    import numpy as np
    import pyarrow as pa

    import heron

    if "tiled_rows" in job.params:  # 10,000,000 rows: the seeded rows repeated, ids unique
        rows = job.params["tiled_rows"]
        seeded = job.columns(min(rows, job.params["seeded_rows"]))
        times = -(-rows // len(seeded["id"]))
        columns = {name: np.tile(values, times)[:rows] for name, values in seeded.items()}
        columns["id"] = np.arange(rows)
        arrow = pa.table(columns)
        assert arrow.num_rows == rows, arrow.num_rows
    else:
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


def disk_per_image(job: Job) -> None:
    def log(images: bool) -> None:
        _log_rows(job, job.store, job.params["image_rows"], images)

    image_disk(job, log)
    if "with_images" in job.params:
        return
    # The floors the figure is judged against, from the same images: Pillow's PNG (optimize
    # off and on), and heron's own encoding of an image alone (what the store adds is the rest).
    import io

    from PIL import Image

    from heron.store import codec

    def mean_bytes(encode: Any) -> float:
        count = job.params["image_rows"]
        return sum(len(encode(job.image(i))) for i in range(count)) / count

    def png(optimize: bool) -> Any:
        def encode(pixels: Any) -> bytes:
            out = io.BytesIO()
            Image.fromarray(pixels).save(out, "PNG", optimize=optimize)
            return out.getvalue()

        return encode

    figures = json.loads(job.result.read_text())
    figures.update(
        codec_bytes=mean_bytes(codec.encode),
        png_bytes=mean_bytes(png(False)),
        png_opt_bytes=mean_bytes(png(True)),
    )
    job.done(**figures)


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


def read_frames(job: Job) -> None:
    """Reads into Arrow and into polars, each timed in fresh child processes (this process
    imports nothing heavy, so it adds little to the tree's memory); the median of ``reads``."""
    if "into" in job.params:  # one of the children
        _read_into(job, job.params["into"])
        return
    if job.prepare:
        import heron  # noqa: F401

        path = _log_rows(job, job.store, job.params["rows"], False)
        (job.work / "run-path").write_text(path)
        return
    path = (job.work / "run-path").read_text()
    seconds: dict[str, list[float]] = {"arrow": [], "polars": []}
    for _ in range(job.params["reads"]):
        for into, times in seconds.items():
            child = job.apart(folder=into, into=into, store=str(job.store), path=path)
            times.append(json.loads((child / "result.json").read_text())["seconds"])
    job.done(**{f"{into}_s": statistics.median(times) for into, times in seconds.items()})


def _read_into(job: Job, into: str) -> None:
    """The read into ``into`` timed as the pandas read is: from ``heron.Api`` to the frame in
    hand, with pandas, the frame's library and heron already imported (as in a notebook)."""
    import importlib

    import pandas  # noqa: F401

    import heron

    importlib.import_module({"arrow": "pyarrow", "polars": "polars"}[into])
    start = time.perf_counter()
    table = heron.Api(dir=job.params["store"]).run(job.params["path"]).table(KEY)
    frame = table.to_arrow() if into == "arrow" else table.to_polars()
    seconds = time.perf_counter() - start
    assert len(frame) == job.params["rows"], len(frame)
    job.done(seconds=seconds)


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
            "table_1m_img": table,
            "table_100k_plain": table,
            "table_100k_frame": table_frame,
            "epochs_5x1k": epochs,
            "image_disk": disk_per_image,
            "artifact_2k_twice": artifact,
            "read_100k": read,
            "read_100k_frames": read_frames,
            "scalars_100k": scalars,
            "largest_table": largest,
            "frame_1m": frame_1m,
            "frame_10m": frame_1m,
            "query_1m": query,
            "query_10m": query,
        }
    )
