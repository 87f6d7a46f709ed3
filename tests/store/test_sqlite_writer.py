"""A run in a local SQLite store is written with sqlite3 alone, and writes what the full store
would: the same schema for a new store, the same rows, the same refusals."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import heron
from heron.errors import RunExistsError, SchemaTooNewError
from heron.store import local_store, migrations, sqlite_schema, sqlite_writer
from heron.store import runs as run_store
from heron.store.local_store import LocalStore, open_for_run
from heron.store.store import Store


def _schema_of(database: Path) -> list[tuple[str, str, str]]:
    connection = sqlite3.connect(database)
    try:
        return connection.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name"
        ).fetchall()
    finally:
        connection.close()


def test_the_recorded_schema_is_the_one_sqlalchemy_creates(tmp_path: Path) -> None:
    # If this fails after a schema change: python -m heron.store.sqlite_writer
    assert sqlite_schema.SCHEMA_VERSION == migrations.SCHEMA_VERSION
    assert sqlite_writer.schema_digest() == sqlite_schema.SOURCE_DIGEST
    Store.open(tmp_path / "by-sqlalchemy").close()
    light = open_for_run(tmp_path / "by-sqlite3")
    assert isinstance(light, LocalStore)
    light.close()
    assert _schema_of(tmp_path / "by-sqlite3" / "heron.db") == _schema_of(
        tmp_path / "by-sqlalchemy" / "heron.db"
    )
    # The full store opens it as one of its own: same version, nothing to upgrade.
    with sqlite3.connect(tmp_path / "by-sqlite3" / "heron.db") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert migrations.upgrade(Store.open(tmp_path / "by-sqlite3").engine) == (
        migrations.SCHEMA_VERSION
    )


# Logs metrics, a table from rows, a metric definition and a config change, then finishes;
# prints which of SQLAlchemy, pandas and Arrow's compute module it loaded, and the run's path.
_RUN = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import heron

    run = heron.init(project="p", name="first", config={"lr": 0.1}, tags=["a"], dir=sys.argv[1])
    run.define_metric("acc", summary="max")
    for step in range(3):
        run.log({"loss": 1.0 / (step + 1), "acc": step / 10})
    run.config["batch"] = 32
    table = heron.Table(columns=["id", "label"], data=[[1, "cat"], [2, "dog"]])
    run.log({"predictions": table})
    pixels = [[[step * 40 + x for x in range(3)] for _ in range(2)] for step in range(3)]
    images = heron.Table(columns=["id", "image"])
    for step, rows in enumerate(pixels):
        images.add_data(step, heron.Image(np.array(rows, np.uint8)))
    run.log({"images": images})
    run.finish()
    loaded = {name: name in sys.modules for name in ("sqlalchemy", "pandas", "pyarrow.compute")}
    print(json.dumps({"path": run.path, **loaded}))
    """
)


def test_a_run_in_a_local_store_loads_neither_sqlalchemy_nor_pandas_and_reads_back_in_full(
    tmp_path: Path,
) -> None:
    store_dir = tmp_path / "store"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HERON_")}
    done = subprocess.run(
        [sys.executable, "-c", _RUN, str(store_dir)],
        capture_output=True,
        text=True,
        env=environment,
        check=True,
    )
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["sqlalchemy"] is False
    assert result["pandas"] is False  # image cells are packed without pa.array's pandas probe
    assert result["pyarrow.compute"] is False  # nor cast, which loads Arrow's compute kernels
    run = heron.Api(dir=store_dir).run(result["path"])
    assert (run.name, run.state, run.tags) == ("first", "finished", ["a"])
    assert run.config == {"lr": 0.1, "batch": 32}
    assert run.history()["loss"].tolist() == [1.0, 0.5, 1.0 / 3]
    assert run.summary["acc"] == {"max": 0.2}
    assert run.table("predictions").to_pandas()["label"].tolist() == ["cat", "dog"]
    assert list(run.metric_definitions()) == ["acc"]
    images = run.table("images").get_column("image")
    assert [image.to_numpy()[0, 0] for image in images] == [0, 40, 80]


def test_a_second_run_counts_the_first_and_a_taken_id_is_refused(tmp_path: Path) -> None:
    with heron.init(project="p", dir=tmp_path / "store") as first:
        assert isinstance(first.store, LocalStore)
    with heron.init(project="p", dir=tmp_path / "store") as second:
        assert second.name.endswith("-2")  # the project's second run, counted by sqlite3
    store = open_for_run(tmp_path / "store")
    assert isinstance(store, LocalStore)
    record = store.sqlite.get_run(first.id)
    with pytest.raises(RunExistsError, match=first.id):
        store.sqlite.create_run("p", {**_columns(record), "id": first.id})
    store.close()


def _columns(record: run_store.RunRecord) -> dict[str, object]:
    return {
        "id": record.id,
        "name": record.name,
        "tags": "[]",
        "notes": "",
        "config": "{}",
        "summary": "{}",
        "state": "running",
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "heartbeat_at": record.heartbeat_at,
        "host": record.host,
        "pid": record.pid,
        "python_version": record.python_version,
        "program": record.program,
        "last_step": -1,
    }


def test_opening_for_a_run_marks_a_dead_run_crashed(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    done = subprocess.run(
        [sys.executable, "-c", "import heron, os, sys; print(heron.init(project='p', dir=sys.argv[1]).id, flush=True); os._exit(0)",
         str(store_dir)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    run_id = done.stdout.strip()  # that process exited without finishing its run
    store = open_for_run(store_dir)
    assert isinstance(store, LocalStore)
    assert store.sqlite.get_run(run_id).state == "crashed"
    store.close()


def test_a_store_of_another_version_goes_through_the_full_store(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    Store.open(store_dir).close()
    with sqlite3.connect(store_dir / "heron.db") as connection:
        connection.execute(
            "UPDATE heron_meta SET value = ? WHERE key = 'schema_version'",
            (str(migrations.SCHEMA_VERSION + 1),),
        )
    with pytest.raises(SchemaTooNewError, match="upgrade heron"):
        heron.init(project="p", dir=store_dir)


def test_a_stale_schema_recording_makes_new_stores_with_sqlalchemy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_schema, "SOURCE_DIGEST", "recorded before the schema changed")
    with heron.init(project="p", dir=tmp_path / "new") as run:
        assert not isinstance(run.store, LocalStore)
        run.log({"loss": 1.0})
    assert heron.Api(dir=tmp_path / "new").run(run.path).history()["loss"].tolist() == [1.0]
    # An existing store at the current version is still written with sqlite3.
    store = open_for_run(tmp_path / "new")
    assert isinstance(store, LocalStore)
    store.close()


def test_a_database_url_opens_the_full_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HERON_DATABASE_URL", f"sqlite:///{tmp_path / 'elsewhere.db'}")
    store = local_store.open_for_run(tmp_path / "store")
    assert not isinstance(store, LocalStore)
    store.close()


def test_images_are_indexed_with_sqlite3_and_the_engine_opens_the_full_store(
    tmp_path: Path,
) -> None:
    import numpy as np

    with heron.init(project="p", dir=tmp_path / "store") as run:
        assert isinstance(run.store, LocalStore)
        run.log({"sample": heron.Image(np.zeros((4, 4), np.uint8))})
        run.log({"again": heron.Image(np.zeros((4, 4), np.uint8))})  # the same bytes
    assert run.store.opened() is None  # blobs and their index rows needed no engine
    assert run.store.engine is run.store.full().engine
    api = heron.Api(dir=tmp_path / "store")
    objects = run_store.read_objects(api.store.engine, run.id)
    assert [(key, kind) for _, key, kind, _ in objects] == [("again", "image"), ("sample", "image")]
    [digest] = {payload["sha256"] for _, _, _, payload in objects}
    assert api.store.blobs.has(digest)
    with sqlite3.connect(tmp_path / "store" / "heron.db") as connection:
        assert connection.execute("SELECT count(*) FROM blobs").fetchone() == (1,)


def test_the_key_limit_is_the_key_columns_size() -> None:
    from sqlalchemy import String

    from heron.sdk.values import max_key_chars
    from heron.store import schema

    for table in (schema.metrics, schema.run_objects):
        column = table.c.key.type
        assert isinstance(column, String) and column.length == max_key_chars()


def test_a_store_recording_settings_of_its_own_is_left_to_the_full_store(tmp_path: Path) -> None:
    Store.open(tmp_path / "store").close()
    with sqlite3.connect(tmp_path / "store" / "heron.db") as connection:
        # What a store whose blobs and tables live in an object store records.
        connection.execute("INSERT INTO heron_meta (key, value) VALUES ('blobs_url', 's3://b/p')")
    assert sqlite_writer.SqliteWriter.open(tmp_path / "store") is None


def test_a_store_whose_marker_names_an_object_store_is_opened_in_full(tmp_path: Path) -> None:
    Store.open(tmp_path / "store").close()
    marker = tmp_path / "store" / "heron-store.json"
    marker.write_text(json.dumps({**json.loads(marker.read_text()), "blobs_url": "s3://b/p"}))
    store = open_for_run(tmp_path / "store")  # its tables directory is only a cache
    assert not isinstance(store, LocalStore)
    store.close()
