"""A deleted artifact version's number is never given to other content, on both backends.

A script pinned to ``name:v3`` must get v3's data or a NotFoundError, never whatever was logged
after v3 was deleted. Stores made before the version counter existed continue after their
highest version once opened by this heron.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text

from heron.errors import ArtifactError, NotFoundError
from heron.store import artifacts as artifact_store
from heron.store import migrations, schema
from heron.store import runs as run_store
from heron.store.artifact_edits import delete_version
from heron.store.database import write
from heron.store.manifest import ManifestEntry
from heron.store.store import Store


@pytest.fixture
def store(store_dir: Path, database_url: str | None) -> Iterator[Store]:
    opened = Store.open(store_dir, database_url=database_url)
    yield opened
    opened.close()


def _commit(
    store: Store, content: bytes, *, name: str = "model", type: str = "model"
) -> artifact_store.VersionRecord:
    (digest,) = store.blobs.put_many([content])
    result = artifact_store.commit_version(
        store.engine,
        project="p",
        name=name,
        type=type,
        description="",
        metadata={},
        entries=[ManifestEntry(path="weights.bin", size=len(content), sha256=digest)],
        aliases=[],
        run_id=None,
    )
    assert result.created
    return result.record


def _delete(store: Store, ref: str) -> None:
    delete_version(store.engine, artifact_store.resolve(store.engine, ref), delete_aliases=True)


def test_deleting_the_newest_version_does_not_free_its_number(store: Store) -> None:
    _commit(store, b"zero")
    _commit(store, b"one")
    _delete(store, "model:v1")
    assert artifact_store.resolve(store.engine, "model:latest").version == 0

    after = _commit(store, b"different")
    assert after.version == 2
    with pytest.raises(NotFoundError, match=r"no version 'v1'; versions: v0, v2"):
        artifact_store.resolve(store.engine, "model:v1")
    assert artifact_store.resolve(store.engine, "model:latest").id == after.id
    # Content identical to the deleted version is a new version too, with a new number.
    assert _commit(store, b"one").version == 3


def test_a_collection_with_every_version_deleted_is_hidden_and_keeps_counting(
    store: Store,
) -> None:
    _commit(store, b"keep", name="other")
    _commit(store, b"zero")
    _commit(store, b"one")
    _delete(store, "model:v0")
    _delete(store, "model:v1")

    listed = artifact_store.list_collections(store.engine, project="p")
    assert [c["name"] for c in listed] == ["other"]
    assert artifact_store.list_versions(store.engine, name="model") == []
    assert run_store.list_projects(store.engine)[0]["artifacts"] == 1
    for ref in ("model:latest", "model", "p/model:v1"):
        with pytest.raises(NotFoundError, match=r"p/model has no versions: all were deleted"):
            artifact_store.resolve(store.engine, ref)
    with pytest.raises(NotFoundError, match="the next one logged will be v2"):
        artifact_store.find_collection(store.engine, "p/model")
    with pytest.raises(NotFoundError, match=r"no artifact named 'missing'.*artifacts: p/other$"):
        artifact_store.resolve(store.engine, "missing:latest")

    revived = _commit(store, b"two")
    assert revived.version == 2
    assert artifact_store.resolve(store.engine, "model:latest").id == revived.id
    listed = artifact_store.list_collections(store.engine, project="p")
    model = next(c for c in listed if c["name"] == "model")
    assert (model["versions"], model["latest_version"]) == (1, 2)
    assert run_store.list_projects(store.engine)[0]["artifacts"] == 2


def test_an_emptied_name_may_take_a_new_type_but_a_used_one_may_not(store: Store) -> None:
    _commit(store, b"zero")
    with pytest.raises(ArtifactError, match="has type 'model'; it cannot take a version"):
        _commit(store, b"data", type="dataset")
    _delete(store, "model:v0")
    record = _commit(store, b"data", type="dataset")
    assert (record.type, record.version) == ("dataset", 1)


def test_concurrent_commits_and_deletes_never_share_a_number(store: Store) -> None:
    _commit(store, b"base")
    numbers: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def commit_then_delete(worker: int) -> None:
        try:
            for round_ in range(4):
                record = _commit(store, f"{worker}-{round_}".encode())
                with lock:
                    numbers.append(record.version)
                delete_version(store.engine, record, delete_aliases=True)
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=commit_then_delete, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(numbers) == list(range(1, 17))
    assert [v.version for v in artifact_store.list_versions(store.engine, name="model")] == [0]
    assert _commit(store, b"last").version == 17


def _as_schema_version_1(store: Store) -> None:
    """Turn the store back into what the first schema wrote: no version counter."""
    with write(store.engine) as connection:
        connection.execute(text("ALTER TABLE artifact_collections DROP COLUMN next_version"))
        connection.execute(
            schema.store_meta.update()
            .where(schema.store_meta.c.key == "schema_version")
            .values(value="1")
        )


def test_a_store_of_schema_version_1_continues_after_its_highest_version(
    store_dir: Path, database_url: str | None
) -> None:
    old = Store.open(store_dir, database_url=database_url)
    for content in (b"a0", b"a1", b"a2"):
        _commit(old, content, name="a")
    _commit(old, b"b0", name="b")
    _commit(old, b"b1", name="b")
    _delete(old, "b:v0")  # a gap below the highest version
    _as_schema_version_1(old)
    old.close()

    store = Store.open(store_dir, database_url=database_url)
    try:
        with store.engine.connect() as connection:
            version = connection.execute(
                select(schema.store_meta.c.value).where(schema.store_meta.c.key == "schema_version")
            ).scalar_one()
        assert int(version) == migrations.SCHEMA_VERSION
        assert _commit(store, b"a3", name="a").version == 3
        assert _commit(store, b"b2", name="b").version == 2
        assert _commit(store, b"c0", name="c").version == 0
        _delete(store, "a:v3")
        assert _commit(store, b"a4", name="a").version == 4
    finally:
        store.close()


def test_server_and_cli_treat_an_emptied_collection_as_gone(
    store_dir: Path, database_url: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from heron.cli.main import cli
    from heron.server import create_app
    from tests.fixtures.local import local_client, make_store

    make_store(store_dir, database_url, versions=2)
    store = Store.open(store_dir, database_url=database_url)
    try:
        _delete(store, "model:v1")
        _delete(store, "model:v0")
    finally:
        store.close()

    with local_client(create_app(store_dir, database_url)) as client:
        assert client.get("/api/projects/p/artifacts").json() == []
        detail = client.get("/api/projects/p/artifacts/model")
        assert detail.status_code == 404
        assert "all were deleted" in detail.text
        assert client.get("/api/projects/p/artifacts/model/latest").status_code == 404
        projects = client.get("/api/projects").json()
        assert [(p["name"], p["artifacts"]) for p in projects] == [("p", 0)]

    if database_url:
        monkeypatch.setenv("HERON_DATABASE_URL", database_url)
    listed = CliRunner().invoke(cli, ["artifacts", "list", "--dir", str(store_dir)])
    assert listed.exit_code == 0, listed.output
    assert listed.output.strip() == "no artifacts"
