"""The blob index: small rows, hex digests everywhere outside it, and older stores upgraded.

The index keeps a digest as 32 bytes, once, and names its pack and the write that stored it by
small numbers (heron.store.blob_rows). A store made before (schema version 4: hex text as the
key, a pack name and a time on every row) is upgraded on open without losing a blob.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import numpy as np
import pytest

import heron
from heron.errors import NotFoundError
from heron.store import blob_rows, gc, migrations
from heron.store.blob_rows import IndexedBlob
from heron.store.store import Store
from tests.fixtures.old_stores import blob_index_as_version_4


def _log_images_and_weights(
    store_dir: Path, count: int, seed: int
) -> tuple[str, list[np.ndarray], bytes]:
    """A run with a table of ``count`` noisy images (several index writes) and an artifact
    holding a file large enough to be kept as an object of its own; (run path, images, file)."""
    rng = np.random.default_rng(seed)
    images = [rng.integers(0, 256, (8, 8, 3), dtype=np.uint8) for _ in range(count)]
    weights = rng.bytes((1 << 20) + 100)
    path = store_dir.parent / f"weights-{seed}.bin"
    path.write_bytes(weights)
    with heron.init(project="p", dir=store_dir) as run:
        table = heron.Table(columns=["id", "image"])
        for i, pixels in enumerate(images):
            table.add_data(i, heron.Image(pixels))
        run.log({"images": table})
        artifact = heron.Artifact("model", type="model")
        artifact.add_file(str(path), name="weights.bin")
        run.log_artifact(artifact)
    return run.path, images, weights


def _index(store: Store) -> dict[str, IndexedBlob]:
    with store.engine.connect() as connection:
        return {row.digest: row for row in blob_rows.every_row(connection)}


def test_a_store_of_the_previous_version_keeps_every_blob(
    store_dir: Path, database_url: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if database_url is not None:
        monkeypatch.setenv("HERON_DATABASE_URL", database_url)
    run_path, images, weights = _log_images_and_weights(store_dir, 300, seed=1)
    old = Store.open(store_dir)
    before = _index(old)
    assert len({row.pack for row in before.values()}) == 2  # a pack, and "" for the weights
    last_rowid = blob_index_as_version_4(old, age=7200.0)
    old.close()

    store = Store.open(store_dir)
    try:
        with store.engine.connect() as connection:
            assert migrations.current_version(connection) == migrations.SCHEMA_VERSION
        after = _index(store)
        assert set(after) == set(before)
        for digest, row in after.items():
            was = before[digest]
            assert (row.size, row.pack, row.offset) == (was.size, was.pack, was.offset)
            assert row.created_at == pytest.approx(was.created_at - 7200.0)
        # gc's age rule reads the upgraded times: nothing is young, and nothing is unreferenced.
        report = gc.collect(store, min_age=3600)
        assert (report.total_blobs, report.skipped_young) == (len(before), 0)
        assert report.loose == [] and report.packed == []
    finally:
        store.close()

    table = heron.Api(store_dir).run(run_path).table("images")
    read_back = [image.to_numpy() for image in table.get_column("image")]
    assert len(read_back) == len(images)
    for got, logged in zip(read_back, images, strict=True):
        np.testing.assert_array_equal(got, logged)
    folder = heron.Api(store_dir).artifact("p/model:v0").download(store_dir.parent / "out")
    assert (Path(folder) / "weights.bin").read_bytes() == weights

    # Blobs stored after the upgrade come after every write numbered before it, so a push
    # cursor saved before the upgrade (a rowid of the old table) still covers exactly the old.
    store = Store.open(store_dir)
    try:
        with store.engine.connect() as connection:
            upgraded = blob_rows.last_batch(connection)
        (fresh,) = store.blobs.put_many([b"stored after the upgrade"])
        with store.engine.connect() as connection:
            assert blob_rows.indexed_between(connection, upgraded, upgraded + 1) == [
                (fresh, len(b"stored after the upgrade"))
            ]
            assert blob_rows.count_after(connection, upgraded) == 1
        if database_url is None:
            assert upgraded == last_rowid
    finally:
        store.close()


def test_a_digest_that_is_not_lowercase_hex_is_not_stored(store_dir: Path) -> None:
    store = Store.open(store_dir)
    try:
        digest = store.blobs.put(b"some bytes")
        assert store.blobs.has(digest)
        for other in (digest.upper(), digest[:-1], "z" * 64, "", digest + "00"):
            assert not store.blobs.has(other)
            assert store.blobs.missing([digest, other]) == {other}
            with pytest.raises(NotFoundError, match="no blob"):
                store.blobs.get(other)
        assert store.blobs.get(digest) == b"some bytes"
    finally:
        store.close()


def test_a_small_blob_adds_a_small_index_row(store_dir: Path) -> None:
    """The index of 4,000 small blobs, stored as a table's images are (batches of 256),
    takes under 64 bytes a blob in the database file (it took over 200 up to version 4)."""
    rng = np.random.default_rng(3)
    store = Store.open(store_dir)
    try:
        store.blobs.put(b"first")  # the pack and the tables exist: what follows is the rows
        store.close()
        database = store_dir / "heron.db"
        start = _checkpointed_size(database)
        store = Store.open(store_dir)
        for _ in range(4000 // 256 + 1):
            store.blobs.put_many([rng.bytes(1200) for _ in range(256)])
    finally:
        store.close()
    per_blob = (_checkpointed_size(database) - start) / (256 * (4000 // 256 + 1))
    assert per_blob < 64, f"{per_blob:.1f} bytes of index per blob"


def _checkpointed_size(database: Path) -> int:
    connection = sqlite3.connect(database)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    return os.path.getsize(database)


def test_the_sync_range_pages_through_a_write_in_digest_order(store_dir: Path) -> None:
    store = Store.open(store_dir)
    try:
        first = store.blobs.put_many([f"one {i}".encode() for i in range(5)])
        with store.engine.connect() as connection:
            after_first = blob_rows.last_batch(connection)
        second = store.blobs.put_many([f"two {i}".encode() for i in range(7)])
        with store.engine.connect() as connection:
            upto = blob_rows.last_batch(connection)
            assert blob_rows.count_after(connection, 0) == 12
            assert blob_rows.count_after(connection, after_first) == 7
            assert blob_rows.count_after(connection, upto) == 0
            pages: list[list[tuple[str, int]]] = []
            last = ""
            while page := blob_rows.indexed_between(
                connection, after_first, upto, after_digest=last, limit=3
            ):
                pages.append(page)
                last = page[-1][0]
        assert [len(page) for page in pages] == [3, 3, 1]
        listed = [digest for page in pages for digest, _ in page]
        assert listed == sorted(second) and not set(listed) & set(first)
    finally:
        store.close()


def test_the_time_of_an_index_write_is_kept_for_gc(store_dir: Path) -> None:
    store = Store.open(store_dir)
    try:
        before = time.time()
        digest = store.blobs.put(b"unreferenced")
        row = _index(store)[digest]
        assert before <= row.created_at <= time.time()
        report = gc.collect(store, min_age=3600)
        assert report.skipped_young == 1 and report.packed == []
    finally:
        store.close()
