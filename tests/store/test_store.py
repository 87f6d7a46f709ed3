"""Opening stores: where they are, what is refused, and the metadata on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

import heron
from heron.errors import NotAStoreError, SchemaTooNewError
from heron.store import migrations, schema
from heron.store.database import write
from heron.store.runs import list_runs
from heron.store.store import MARKER_NAME, Store


def test_default_location_is_heron_data_in_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("HERON_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    with heron.init(project="p") as run:
        run.log({"a": 1})
    assert (tmp_path / "heron-data" / MARKER_NAME).exists()
    assert str(tmp_path / "heron-data") in capsys.readouterr().err


def test_heron_dir_env_is_used(store_dir: Path) -> None:
    with heron.init(project="p"):
        pass
    assert (store_dir / MARKER_NAME).exists()


def test_directory_with_other_files_is_refused_and_untouched(tmp_path: Path) -> None:
    target = tmp_path / "not-a-store"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    with pytest.raises(NotAStoreError, match="not a heron store"):
        heron.init(project="p", dir=target)
    assert sorted(p.name for p in target.iterdir()) == ["notes.txt"]
    assert (target / "notes.txt").read_text() == "mine"


def test_store_from_newer_heron_is_refused(store_dir: Path) -> None:
    Store.open(store_dir).close()
    marker = store_dir / MARKER_NAME
    marker.write_text(json.dumps({"format": "heron-store", "version": 99}))
    before = (store_dir / "heron.db").read_bytes()
    with pytest.raises(SchemaTooNewError, match="upgrade heron"):
        heron.Api(store_dir)
    assert (store_dir / "heron.db").read_bytes() == before


def test_database_from_newer_schema_is_refused(store_dir: Path) -> None:
    store = Store.open(store_dir)
    with write(store.engine) as connection:
        connection.execute(
            schema.store_meta.update().values(value=str(migrations.SCHEMA_VERSION + 1))
        )
    store.close()
    with pytest.raises(SchemaTooNewError, match="schema version"):
        Store.open(store_dir)


def test_api_never_creates_a_store(tmp_path: Path) -> None:
    with pytest.raises(NotAStoreError, match="no heron store"):
        heron.Api(tmp_path / "missing")
    assert not (tmp_path / "missing").exists()


def test_runs_on_both_databases(tmp_path: Path, database_url: str | None) -> None:
    store = Store.open(tmp_path / "s", database_url=database_url)
    try:
        with store.engine.connect() as connection:
            version = connection.execute(select(schema.store_meta.c.value)).scalar_one()
        assert int(version) == migrations.SCHEMA_VERSION
        assert list_runs(store.engine) == []
    finally:
        store.close()


def test_metrics_round_trip_on_postgresql(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HERON_DATABASE_URL", pg_url)
    with heron.init(project="pg", dir=tmp_path / "s", config={"lr": float("nan")}) as run:
        for step in range(50):
            run.log({"loss": 1 / (step + 1), "inf": float("inf")})
    stored = heron.Api(tmp_path / "s").run(run.path)
    rows = list(stored.scan_history())
    assert (
        len(rows) == 50
        and rows[49]["loss"] == pytest.approx(0.02)
        and rows[0]["inf"] == float("inf")
    )
    assert stored.state == "finished"
