"""Blobs in an S3-compatible object store (real SeaweedFS, real PostgreSQL): round trips,
packing, verification on read, the bounded read cache, faults, and which store a database uses."""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

import heron
from heron.errors import ConfigError, IntegrityError, NotFoundError, StoreError
from heron.store.blob_index import sha256_hex
from heron.store.s3_blobs import S3BlobStore
from heron.store.store import Store, marker_blobs_url
from tests.fixtures.s3_support import PrivateSeaweed, keys, s3_client, use_s3
from tests.fixtures.s3_support import remove_test_objects as remove_test_objects

pytestmark = [pytest.mark.s3, pytest.mark.postgres]


def _open(directory: Path, pg_url: str, url: str, endpoint: str, **kw: object) -> Store:
    return Store.open(directory, database_url=pg_url, blobs_url=url, s3_endpoint=endpoint, **kw)  # type: ignore[arg-type]


def test_blobs_round_trip_through_a_replica_with_an_empty_cache(
    tmp_path: Path, pg_url: str, s3_settings: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = use_s3(monkeypatch, s3_settings)
    writer = _open(tmp_path / "writer", pg_url, url, s3_settings["endpoint"])
    assert isinstance(writer.blobs, S3BlobStore)
    small = [os.urandom(3000 + i) for i in range(50)]
    large = os.urandom(3 << 20)
    digests = writer.blobs.put_many([*small, large])
    big_file = tmp_path / "weights.bin"
    big_file.write_bytes(os.urandom(40 << 20))  # over the multipart threshold
    file_digest = writer.blobs.put_file(big_file)
    assert file_digest == hashlib.sha256(big_file.read_bytes()).hexdigest()
    writer.close()

    replica = _open(tmp_path / "replica", pg_url, url, s3_settings["endpoint"])
    assert replica.blobs.get(digests[7]) == small[7]
    assert replica.blobs.get(digests[-1]) == large
    assert replica.blobs.missing([*digests, file_digest, "0" * 64]) == {"0" * 64}
    with replica.blobs.open_verified(file_digest) as reader:
        assert reader.size == 40 << 20
        assert reader.read(1000, 2000) == big_file.read_bytes()[1000:2000]
    streamed = b"".join(replica.blobs.open_verified(file_digest).chunks())
    assert streamed == big_file.read_bytes()
    copy = tmp_path / "copy.bin"
    replica.blobs.copy_to(file_digest, copy)
    assert copy.read_bytes() == big_file.read_bytes()
    located = replica.blobs.locate_many(digests[:10])
    assert dict(replica.blobs.read_packed(digests[:10], located)) == dict(
        zip(digests[:10], small[:10], strict=True)
    )
    with pytest.raises(NotFoundError, match="0000"):
        replica.blobs.get("0" * 64)
    # Nothing of the blobs was written into either directory's blob folder: they are in S3.
    assert not list((tmp_path / "replica" / "blobs").rglob("*.pack"))
    replica.close()


def test_two_thousand_logged_images_are_a_handful_of_objects(
    tmp_path: Path, s3_settings: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = use_s3(monkeypatch, s3_settings)
    monkeypatch.setenv("HERON_BLOBS_URL", url)
    monkeypatch.setenv("HERON_S3_ENDPOINT", s3_settings["endpoint"])
    monkeypatch.delenv("HERON_DATABASE_URL", raising=False)
    rng = np.random.default_rng(0)
    run = heron.init(project="packing", dir=tmp_path / "store")
    table = heron.Table(columns=["id", "image"])
    for i in range(2000):
        table.add_data(i, heron.Image(rng.integers(0, 255, (16, 16, 3), dtype=np.uint8)))
    run.log({"images": table})
    run.finish()
    blob_objects = keys(s3_settings, url, "packs/") + keys(s3_settings, url, "objects/")
    store = Store.open(tmp_path / "store")
    assert isinstance(store.blobs, S3BlobStore)
    with store.engine.connect() as connection:
        indexed = connection.exec_driver_sql("SELECT count(*) FROM blobs").scalar_one()
    assert indexed == 2000
    assert 1 <= len(blob_objects) <= 20, len(blob_objects)
    # Every image reads back from the object store (through an empty cache).
    shutil.rmtree(tmp_path / "store" / "cache" / "s3-blobs")
    logged = heron.Api(tmp_path / "store").runs("packing")[0].table("images")
    for index in (0, 1999):
        image = logged.image(index, "image")
        assert image is not None
        assert image.to_pil().size == (16, 16)
    store.close()


def test_a_corrupted_object_is_an_integrity_error_and_is_quarantined(
    tmp_path: Path, pg_url: str, s3_settings: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = use_s3(monkeypatch, s3_settings)
    writer = _open(tmp_path / "writer", pg_url, url, s3_settings["endpoint"])
    good, victim = os.urandom(5000), os.urandom(5000)
    good_digest, victim_digest = writer.blobs.put_many([good, victim])
    writer.close()
    (pack_key,) = keys(s3_settings, url, "packs/")
    client = s3_client(s3_settings)
    bucket = s3_settings["bucket"]
    body = bytearray(client.get_object(Bucket=bucket, Key=pack_key)["Body"].read())
    body[5000 + 17] ^= 0xFF  # one bit of the second blob
    client.put_object(Bucket=bucket, Key=pack_key, Body=bytes(body))

    replica = _open(tmp_path / "replica", pg_url, url, s3_settings["endpoint"])
    assert replica.blobs.get(good_digest) == good
    with pytest.raises(IntegrityError, match=victim_digest):
        replica.blobs.get(victim_digest)
    # Quarantined: no longer listed as stored, and a later read says why.
    assert replica.blobs.missing([victim_digest]) == {victim_digest}
    with pytest.raises(IntegrityError, match="quarantined"):
        replica.blobs.get(victim_digest)
    # Logging the same content again restores it.
    replica.blobs.forget([victim_digest])
    assert replica.blobs.put(victim) == victim_digest
    assert replica.blobs.get(victim_digest) == victim
    replica.close()


def test_a_damaged_cached_copy_is_fetched_again(
    tmp_path: Path, pg_url: str, s3_settings: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = use_s3(monkeypatch, s3_settings)
    store = _open(tmp_path / "store", pg_url, url, s3_settings["endpoint"])
    data = os.urandom(4000)
    digest = store.blobs.put(data)
    assert store.blobs.get(digest) == data  # now cached
    cached = tmp_path / "store" / "cache" / "s3-blobs" / digest[:2] / digest
    assert cached.read_bytes() == data
    cached.write_bytes(b"x" * 4000)
    assert store.blobs.get(digest) == data
    assert cached.read_bytes() == data
    assert store.blobs.missing([digest]) == set()
    # A blob of its own, opened from its cached copy as artifact downloads do.
    large = os.urandom(2 << 20)
    large_digest = store.blobs.put(large)
    fd, _ = store.blobs.open_object(large_digest)
    os.close(fd)
    copy = store.blobs.object_path(large_digest)
    copy.chmod(0o644)
    copy.write_bytes(b"y" * len(large))
    fd, info = store.blobs.open_object(large_digest)
    with open(fd, "rb") as handle:
        assert handle.read() == large
    assert info.st_size == len(large)
    store.close()


def test_the_read_cache_stays_within_its_size(
    tmp_path: Path, pg_url: str, s3_settings: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = use_s3(monkeypatch, s3_settings)
    writer = _open(tmp_path / "writer", pg_url, url, s3_settings["endpoint"])
    blobs = [os.urandom(100_000) for _ in range(40)]  # 4 MB in all
    digests = writer.blobs.put_many(blobs)
    writer.close()
    replica = _open(tmp_path / "replica", pg_url, url, s3_settings["endpoint"], cache_mb=1)
    cache = tmp_path / "replica" / "cache" / "s3-blobs"
    for digest, data in zip(digests, blobs, strict=True):
        assert replica.blobs.get(digest) == data
        on_disk = sum(p.stat().st_size for p in cache.rglob("*") if p.is_file())
        assert on_disk <= 1 << 20
    # The most recent blobs are the ones kept.
    assert (cache / digests[-1][:2] / digests[-1]).exists()
    assert not (cache / digests[0][:2] / digests[0]).exists()
    replica.close()


def test_the_database_remembers_the_object_store(
    tmp_path: Path, pg_url: str, s3_settings: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = use_s3(monkeypatch, s3_settings)
    first = _open(tmp_path / "a", pg_url, url, s3_settings["endpoint"])
    digest = first.blobs.put(b"remembered")
    first.close()
    # A replica told only the database (and the endpoint) uses the same bucket and prefix.
    replica = Store.open(tmp_path / "b", database_url=pg_url, s3_endpoint=s3_settings["endpoint"])
    assert isinstance(replica.blobs, S3BlobStore)
    assert replica.blobs.get(digest) == b"remembered"
    replica.close()
    # Each directory's marker says it is a cache of the object store, for readers that skip
    # the database; a local store's says nothing.
    assert marker_blobs_url(tmp_path / "a") == marker_blobs_url(tmp_path / "b") == url
    Store.open(tmp_path / "local").close()
    assert marker_blobs_url(tmp_path / "local") is None
    with pytest.raises(ConfigError, match="keeps its blobs in"):
        _open(tmp_path / "c", pg_url, url + "-other", s3_settings["endpoint"])


def test_a_store_with_local_blobs_is_not_reopened_on_s3(
    tmp_path: Path, s3_settings: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = use_s3(monkeypatch, s3_settings)
    local = Store.open(tmp_path / "local")
    local.blobs.put(b"kept locally")
    local.close()
    with pytest.raises(ConfigError, match="already keeps blobs"):
        Store.open(tmp_path / "local", blobs_url=url, s3_endpoint=s3_settings["endpoint"])
    with pytest.raises(ConfigError, match="s3://bucket/prefix"):
        Store.open(tmp_path / "other", blobs_url="bucket/prefix")


def test_the_object_store_going_away_mid_write_leaves_nothing_visible(
    tmp_path: Path, pg_url: str, s3_settings: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = use_s3(monkeypatch, s3_settings)
    monkeypatch.setenv("HERON_S3_RETRIES", "3")
    seaweed = PrivateSeaweed(tmp_path / "seaweed", s3_settings)
    seaweed.start()
    try:
        store = _open(tmp_path / "store", pg_url, url, seaweed.endpoint)
        before = store.blobs.put(b"before the outage")
        seaweed.stop()
        lost = [os.urandom(2000) for _ in range(5)]
        with pytest.raises(StoreError, match=f"blob {sha256_hex(lost[0])}.*did not answer"):
            store.blobs.put_many(lost)
        # Nothing half-written is visible: the index has no row for any of them.
        assert store.blobs.missing([sha256_hex(b) for b in lost]) == {sha256_hex(b) for b in lost}
        seaweed.start()
        assert store.blobs.get(before) == b"before the outage"
        digests = store.blobs.put_many(lost)
        assert [store.blobs.get(d) for d in digests] == lost
        store.close()
    finally:
        seaweed.stop()


def test_a_write_waits_out_a_short_outage(
    tmp_path: Path, pg_url: str, s3_settings: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = use_s3(monkeypatch, s3_settings)
    monkeypatch.setenv("HERON_S3_RETRIES", "12")  # about 40 s of backoff in all
    seaweed = PrivateSeaweed(tmp_path / "seaweed", s3_settings)
    seaweed.start()
    try:
        store = _open(tmp_path / "store", pg_url, url, seaweed.endpoint)
        store.blobs.put(b"warm up")
        seaweed.stop()
        data = os.urandom(3000)
        outcome: list[object] = []
        writer = threading.Thread(target=lambda: outcome.append(store.blobs.put(data)))
        writer.start()
        seaweed.start()  # back while the write is still retrying
        writer.join(timeout=120)
        assert outcome == [sha256_hex(data)]
        assert store.blobs.get(sha256_hex(data)) == data
        store.close()
    finally:
        seaweed.stop()


def test_verify_refuses_and_gc_deletes_objects_in_the_object_store(
    tmp_path: Path, s3_settings: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from heron.store import gc, verify

    url = use_s3(monkeypatch, s3_settings)
    store = Store.open(tmp_path / "store", blobs_url=url, s3_endpoint=s3_settings["endpoint"])
    data = os.urandom(2 << 20)  # an object of its own: what gc deletes
    digest = store.blobs.put(data)
    assert store.blobs.get(digest) == data  # and a cached copy
    with pytest.raises(StoreError, match="local stores only"):
        verify.verify_store(store)
    assert store.blobs.get(digest) == data  # verify dropped nothing
    assert keys(s3_settings, url, f"objects/{digest[:2]}/")
    report = gc.collect(store, delete_loose=True, min_age=0)
    assert (report.deleted, report.deleted_bytes) == (1, len(data))
    assert keys(s3_settings, url, f"objects/{digest[:2]}/") == []
    assert not (tmp_path / "store" / "cache" / "s3-blobs" / digest[:2] / digest).exists()
    assert store.blobs.missing([digest]) == {digest}
    store.close()


@pytest.mark.slow
def test_the_server_of_a_replica_serves_media_from_the_object_store(
    tmp_path: Path, pg_url: str, s3_settings: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from heron.server import create_app
    from tests.fixtures.local import local_client

    url = use_s3(monkeypatch, s3_settings)
    writer = _open(tmp_path / "writer", pg_url, url, s3_settings["endpoint"])
    small = os.urandom(2000)
    large = os.urandom(65 << 20)  # above the in-memory limit: served from the cached file
    small_digest, large_digest = writer.blobs.put_many([small, large])
    writer.close()
    monkeypatch.setenv("HERON_S3_ENDPOINT", s3_settings["endpoint"])
    Store.open(tmp_path / "replica", database_url=pg_url).close()
    with local_client(create_app(tmp_path / "replica", pg_url)) as client:
        assert client.get(f"/api/media/{small_digest}").content == small
        part = client.get(f"/api/media/{large_digest}", headers={"Range": "bytes=1000-1999"})
        assert part.status_code == 206 and part.content == large[1000:2000]
        whole = client.get(f"/api/media/{large_digest}")
        assert whole.status_code == 200 and whole.content == large


def test_the_cache_removes_the_least_recently_used_file_first(tmp_path: Path) -> None:
    from heron.store.byte_cache import ByteCache

    cache = ByteCache(tmp_path / "cache", max_bytes=2000)
    for name in ("a", "b"):
        temporary = cache.temporary(name)
        temporary.write_bytes(b"x" * 1000)
        cache.add(name, temporary)
    assert cache.touch("a")  # a is now used more recently than b
    temporary = cache.temporary("c")
    temporary.write_bytes(b"x" * 1000)
    cache.add("c", temporary)
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == ["a", "c"]
    assert cache.total_bytes == 2000
    # A new process sees what is there, oldest access first.
    again = ByteCache(tmp_path / "cache", max_bytes=2000)
    assert again.total_bytes == 2000 and again.touch("c") and not again.touch("b")


def test_a_wrong_secret_is_a_clear_error_at_once(
    tmp_path: Path, s3_settings: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = use_s3(monkeypatch, s3_settings)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    store = Store.open(tmp_path / "store", blobs_url=url, s3_endpoint=s3_settings["endpoint"])
    data = b"never stored"
    with pytest.raises(
        StoreError, match=f"storing blob {sha256_hex(data)}: the object store refused"
    ):
        store.blobs.put(data)
    assert store.blobs.missing([sha256_hex(data)]) == {sha256_hex(data)}
    with pytest.raises(StoreError, match="refused"):
        store.blobs.check()  # type: ignore[attr-defined]
    store.close()
