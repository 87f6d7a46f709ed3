"""Reading a logged table back through heron.Api: a SQLite store is read with sqlite3 alone
(no SQLAlchemy, no query engine) and gives exactly what the full store gives, errors included."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import heron
from heron.errors import NotFoundError
from heron.sdk.api import Api
from heron.store import migrations
from heron.store.sqlite_reader import SCHEMA_VERSION
from heron.store.store import Store


def _log(store_dir: Path, name: str = "eval") -> str:
    """A run with table 'predictions' at steps 0 and 3 and a chart at step 4; its path."""
    run = heron.init(project="p", name=name, dir=store_dir)
    for step in (0, 3):
        table = heron.Table(columns=["id", "truth", "score"])
        for i in range(5):
            table.add_data(i + step, f"class_{i % 2}", i / 10 + step)
        run.log({"predictions": table}, step=step)
    curve = heron.Table(data=[[0, 1.0], [1, 0.5]], columns=["x", "y"])
    run.log({"curve": heron.Chart(curve, "line", x="x", y="y")}, step=4)
    run.finish()
    return run.path


def _full(store_dir: Path, database_url: str | None = None) -> Api:
    """An Api on the store opened in full (SQLAlchemy), the way every other reader opens it."""
    return Api.from_store(Store.open(store_dir, database_url=database_url, create=False))


def test_reading_a_sqlite_stores_table_imports_no_sqlalchemy(store_dir: Path) -> None:
    path = _log(store_dir)
    code = textwrap.dedent(
        f"""
        import sys
        import heron
        frame = heron.Api(dir={str(store_dir)!r}).run({path!r}).table("predictions").to_pandas()
        print(len(frame), sorted(m for m in ("sqlalchemy", "duckdb", "pydantic") if m in sys.modules))
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["5", "[]"], done.stdout + done.stderr


@pytest.mark.parametrize("by", ["path", "id", "name"])
@pytest.mark.parametrize("step", [None, 0, 3])
def test_quick_read_gives_what_the_full_store_gives(
    store_dir: Path, by: str, step: int | None
) -> None:
    path = _log(store_dir)
    project, run_id = path.split("/")
    ref = {"path": path, "id": run_id, "name": f"{project}/eval"}[by]
    quick = heron.Api(store_dir).run(ref)
    full = _full(store_dir).run(ref)
    assert quick.record == full.record
    got, expected = quick.table("predictions", step), full.table("predictions", step)
    assert (got.label, got.key, got.step, got.chart) == (
        expected.label,
        expected.key,
        expected.step,
        expected.chart,
    )
    assert got.step == (3 if step is None else step)
    assert (
        got.column_types
        == expected.column_types
        == [
            ("id", "int"),
            ("truth", "string"),
            ("score", "float"),
        ]
    )
    assert got.to_arrow().equals(expected.to_arrow())
    pd.testing.assert_frame_equal(got.to_pandas(), expected.to_pandas())
    assert got.to_polars().equals(expected.to_polars())
    assert got.parts == expected.parts


def test_a_chart_read_quickly_keeps_its_description(store_dir: Path) -> None:
    path = _log(store_dir)
    quick = heron.Api(store_dir).run(path).table("curve")
    full = _full(store_dir).run(path).table("curve")
    assert quick.chart is not None and quick.chart == full.chart
    assert quick.label == full.label == f"{path}/curve@{full.step}"


def test_missing_run_key_or_step_raise_what_the_full_store_raises(store_dir: Path) -> None:
    path = _log(store_dir)
    _log(store_dir)  # a second run named "eval": the name is now ambiguous
    cases = [
        lambda api: api.run("p/nope"),
        lambda api: api.run("p/eval"),
        lambda api: api.run(path).table("missing"),
        lambda api: api.run(path).table("predictions", step=7),
    ]
    for case in cases:
        with pytest.raises(NotFoundError) as quick:
            case(heron.Api(store_dir))
        with pytest.raises(NotFoundError) as full:
            case(_full(store_dir))
        assert str(quick.value) == str(full.value)
    with pytest.raises(
        NotFoundError, match=r"has no table 'predictions' at step 7; steps: \[0, 3\]"
    ):
        heron.Api(store_dir).run(path).table("predictions", step=7)


def test_image_cells_read_quickly_load_their_pixels(store_dir: Path) -> None:
    pixels = np.arange(4 * 4 * 3, dtype=np.uint8).reshape(4, 4, 3)
    with heron.init(project="p", dir=store_dir) as run:
        run.log({"images": heron.Table(data=[[1, heron.Image(pixels)]], columns=["id", "image"])})
    table = heron.Api(store_dir).run(run.path).table("images")
    frame = table.to_pandas()
    image = frame["image"][0]
    assert isinstance(image, heron.Image)
    np.testing.assert_array_equal(np.asarray(image.to_pil()), pixels)
    first = table.image(0)
    assert first is not None
    np.testing.assert_array_equal(np.asarray(first.to_pil()), pixels)


def test_a_live_runs_table_is_read_and_the_run_stays_running(store_dir: Path) -> None:
    run = heron.init(project="p", dir=store_dir)
    try:
        run.log({"t": heron.Table(data=[[1]], columns=["a"])})
        # The run's writer commits the table in the background: wait until it is there.
        deadline, full = time.monotonic() + 60, _full(store_dir)
        while "t" not in full.run(run.path).tables():
            assert time.monotonic() < deadline, "the live run's table was never committed"
            time.sleep(0.05)
        api_run = heron.Api(store_dir).run(run.path)
        assert api_run.state == "running"
        assert api_run.table("t").to_pandas()["a"].tolist() == [1]
    finally:
        run.finish()


def test_an_api_kept_open_reads_what_was_logged_after_it_from_any_thread(
    store_dir: Path,
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    path = _log(store_dir)
    api = heron.Api(store_dir)
    assert len(api.run(path).table("predictions")) == 5
    # Its reader keeps one connection between lookups: no snapshot may be kept with it, and a
    # writer (another run, then a checkpoint) goes on while it is open.
    later = _log(store_dir, name="later")
    with sqlite3.connect(store_dir / "heron.db") as connection:
        busy, _, _ = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    connection.close()
    assert busy == 0  # the kept connection blocked no checkpoint
    with ThreadPoolExecutor(2) as pool:
        frames = list(
            pool.map(lambda p: api.run(p).table("predictions").to_pandas(), [path, later] * 4)
        )
    assert [len(frame) for frame in frames] == [5] * 8
    assert api._quick() is not None  # all of it read through the reader, not the full store


@pytest.mark.s3
def test_a_table_of_an_s3_backed_store_is_read_when_its_local_copy_is_gone(
    store_dir: Path, s3_settings: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil
    import uuid

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3_settings["key"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3_settings["secret"])
    monkeypatch.setenv("HERON_S3_ENDPOINT", s3_settings["endpoint"])
    monkeypatch.setenv("HERON_BLOBS_URL", f"s3://{s3_settings['bucket']}/read-{uuid.uuid4().hex}")
    path = _log(store_dir)
    # Read later, in another process and without the variable (the store records its object
    # store), after the local cache of parts was emptied: the parts come back from it.
    monkeypatch.delenv("HERON_BLOBS_URL")
    shutil.rmtree(store_dir / "tables")
    code = textwrap.dedent(
        f"""
        import heron
        table = heron.Api({str(store_dir)!r}).run({path!r}).table("predictions")
        print(table.to_pandas()["id"].tolist())
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "[3, 4, 5, 6, 7]", done.stderr[-2000:]


def test_a_store_at_an_older_schema_is_upgraded_by_the_reader(store_dir: Path) -> None:
    path = _log(store_dir)
    # Take the store back to schema 1 (before collections counted their version numbers).
    with sqlite3.connect(store_dir / "heron.db") as connection:
        connection.execute("ALTER TABLE artifact_collections DROP COLUMN next_version")
        connection.execute("UPDATE heron_meta SET value = '1' WHERE key = 'schema_version'")
    connection.close()
    table = heron.Api(store_dir).run(path).table("predictions")
    assert table.to_pandas()["id"].tolist() == [3, 4, 5, 6, 7]
    with sqlite3.connect(store_dir / "heron.db") as connection:
        version = connection.execute(
            "SELECT value FROM heron_meta WHERE key = 'schema_version'"
        ).fetchone()
    connection.close()
    assert version == (str(migrations.SCHEMA_VERSION),)


def test_the_reader_knows_the_current_schema_version() -> None:
    assert SCHEMA_VERSION == migrations.SCHEMA_VERSION


def test_tables_read_the_same_on_both_databases(
    tmp_path: Path, database_url: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_dir = tmp_path / "s"
    if database_url is None:
        monkeypatch.delenv("HERON_DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv("HERON_DATABASE_URL", database_url)
    path = _log(store_dir)
    table = heron.Api(store_dir, database_url=database_url).run(path).table("predictions")
    assert table.step == 3
    assert table.to_pandas()["score"].tolist() == pytest.approx([3.0, 3.1, 3.2, 3.3, 3.4])
