"""Table parts in an S3-compatible object store (real SeaweedFS, real PostgreSQL or SQLite):
a table logged by the SDK is queried by a replica with an empty cache; the cache keeps to its
size; a part that cannot be uploaded is never listed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

import heron
from heron.errors import NotFoundError, StoreError
from heron.sdk.api import Api
from heron.store import tables
from heron.store.store import Store
from tests.fixtures.s3_support import PrivateSeaweed, keys, use_s3
from tests.fixtures.s3_support import remove_test_objects as remove_test_objects

pytestmark = [pytest.mark.s3]

LABELS = ["cat", "dog", "owl", "yak"]


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The metadata database writer and replica share: PostgreSQL, or the writer's SQLite file
    (opened by path from the replica's own directory)."""
    if request.param == "sqlite":
        return str(tmp_path / "writer" / "heron.db")
    url: str = request.getfixturevalue("pg_url")
    return url


def _log_predictions(
    directory: Path, database: str, rows: int, seed: int, key: str = "predictions"
) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, len(LABELS), rows)
    scores = rng.random(rows)
    run = heron.init(project="tables-on-s3", dir=directory)
    run.log(
        {
            key: heron.Table(
                dataframe=pa.table(
                    {
                        "id": np.arange(rows),
                        "label": pa.array([LABELS[i] for i in labels]),
                        "score": scores,
                    }
                )
            )
        }
    )
    run.finish()
    return labels, scores


def test_a_replica_with_an_empty_cache_queries_a_logged_table(
    tmp_path: Path,
    shared_database: str,
    s3_settings: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = use_s3(monkeypatch, s3_settings)
    endpoint = s3_settings["endpoint"]
    if shared_database.startswith("postgresql"):
        monkeypatch.setenv("HERON_DATABASE_URL", shared_database)
    monkeypatch.setenv("HERON_BLOBS_URL", url)
    monkeypatch.setenv("HERON_S3_ENDPOINT", endpoint)
    labels, scores = _log_predictions(tmp_path / "writer", shared_database, 20_000, seed=1)
    assert keys(s3_settings, url, "tables/")  # the parts are in the object store
    for name in ("HERON_DATABASE_URL", "HERON_BLOBS_URL", "HERON_S3_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)

    replica_dir = tmp_path / "replica"
    replica = Store.open(replica_dir, database_url=shared_database, s3_endpoint=endpoint)
    assert not list((replica_dir / "tables").rglob("*.parquet"))
    (run,) = Api.from_store(replica).runs("tables-on-s3")
    table = run.table("predictions")
    groups = table.query().filter('row["score"] > 0.5').group_by("label").groups()
    counted = {row["key"][0]: row["count"] for row in groups["rows"]}
    expected = {LABELS[i]: int(((labels == i) & (scores > 0.5)).sum()) for i in range(len(LABELS))}
    assert counted == expected
    assert groups["total_rows"] == int((scores > 0.5).sum())
    # DuckDB read a local copy, downloaded into the replica's cache.
    assert list((replica_dir / "tables").rglob("*.parquet"))
    assert table.to_arrow().column("score").to_numpy().tolist() == scores.tolist()
    replica.close()


def test_the_table_cache_stays_within_its_size(
    tmp_path: Path, pg_url: str, s3_settings: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = use_s3(monkeypatch, s3_settings)
    endpoint = s3_settings["endpoint"]
    writer = Store.open(
        tmp_path / "writer", database_url=pg_url, blobs_url=url, s3_endpoint=endpoint
    )
    rng = np.random.default_rng(2)
    records = []
    for _ in range(4):  # about 400 KB of Parquet each: random floats do not compress
        table_id = tables.new_table_id()
        part = tables.part_name(table_id, 0)
        arrow = pa.table({"x": rng.random(50_000)})
        tables.write_part(writer.root, part, arrow)
        columns = [{"name": "x", "type": "float"}]
        tables.commit_table(writer.engine, table_id, 50_000, columns, [part])
        records.append((table_id, arrow))
    writer.close()

    replica = Store.open(tmp_path / "replica", database_url=pg_url, cache_mb=1)
    cache = tmp_path / "replica" / "tables"
    for table_id, arrow in [*records, records[0]]:  # the first one again, after eviction
        record = tables.get_table(replica.engine, table_id)
        assert tables.read_arrow(replica.root, record).equals(arrow)
        on_disk = sum(p.stat().st_size for p in cache.rglob("*.parquet"))
        assert on_disk <= 1 << 20
    # Another process sharing the directory removed a part this one counts as cached.
    table_id, arrow = records[0]
    for part in cache.rglob("*.parquet"):
        part.unlink()
    record = tables.get_table(replica.engine, table_id)
    assert tables.read_arrow(replica.root, record).equals(arrow)
    replica.close()


def test_a_part_that_cannot_be_uploaded_is_never_listed(
    tmp_path: Path, pg_url: str, s3_settings: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = use_s3(monkeypatch, s3_settings)
    monkeypatch.setenv("HERON_S3_RETRIES", "2")
    seaweed = PrivateSeaweed(tmp_path / "seaweed", s3_settings)
    seaweed.start()
    try:
        store = Store.open(
            tmp_path / "store", database_url=pg_url, blobs_url=url, s3_endpoint=seaweed.endpoint
        )
        table_id = tables.new_table_id()
        part = tables.part_name(table_id, 0)
        seaweed.stop()
        with pytest.raises(StoreError, match=f"table part {table_id}/part-00000.parquet"):
            tables.write_part(store.root, part, pa.table({"x": [1.0, 2.0]}))
        with pytest.raises(NotFoundError):
            tables.get_table(store.engine, table_id)
        seaweed.start()
        tables.write_part(store.root, part, pa.table({"x": [1.0, 2.0]}))
        tables.commit_table(store.engine, table_id, 2, [{"name": "x", "type": "float"}], [part])
        store.close()
        replica = Store.open(
            tmp_path / "replica", database_url=pg_url, s3_endpoint=seaweed.endpoint
        )
        record = tables.get_table(replica.engine, table_id)
        assert tables.read_arrow(replica.root, record).column("x").to_pylist() == [1.0, 2.0]
        replica.close()
    finally:
        seaweed.stop()
