"""Artifact metadata on both backends: versions, dedup by digest, aliases, resolution, lineage."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from heron.errors import ArtifactError, NotFoundError
from heron.store import artifacts as artifact_store
from heron.store import lineage as store_lineage
from heron.store.manifest import ManifestEntry, manifest_digest
from heron.store.store import Store


@pytest.fixture
def store(store_dir: Path, database_url: str | None) -> Store:
    opened = Store.open(store_dir, database_url=database_url)
    yield opened
    opened.close()


def _entries(store: Store, contents: dict[str, bytes]) -> list[ManifestEntry]:
    digests = store.blobs.put_many(list(contents.values()))
    return [
        ManifestEntry(path=path, size=len(data), sha256=digest)
        for (path, data), digest in zip(contents.items(), digests, strict=True)
    ]


def _commit(
    store: Store, entries: list[ManifestEntry], aliases: tuple[str, ...] = (), **kwargs: object
) -> artifact_store.CommitResult:
    arguments: dict[str, object] = {
        "project": "nature",
        "name": "raw",
        "type": "raw_data",
        "description": "",
        "metadata": {"per_label": 100},
        "entries": entries,
        "aliases": list(aliases),
        "run_id": None,
    }
    arguments.update(kwargs)
    return artifact_store.commit_version(store.engine, **arguments)  # type: ignore[arg-type]


def test_versions_count_up_and_identical_content_creates_nothing(store: Store) -> None:
    first = _commit(store, _entries(store, {"a.txt": b"a", "b/c.txt": b"c"}), ("small",))
    assert first.created and first.record.version == 0
    assert first.record.aliases == ("latest", "small")
    assert first.record.metadata == {"per_label": 100}
    assert (first.record.size, first.record.file_count) == (2, 2)

    same = _commit(store, _entries(store, {"b/c.txt": b"c", "a.txt": b"a"}))
    assert not same.created
    assert same.record.id == first.record.id and same.record.digest == first.record.digest

    second = _commit(store, _entries(store, {"a.txt": b"a", "b/c.txt": b"changed"}))
    assert second.created and second.record.version == 1
    assert second.record.aliases == ("latest",)
    assert [
        v.version for v in artifact_store.list_versions(store.engine, project="nature", name="raw")
    ] == [0, 1]
    assert artifact_store.resolve(store.engine, "raw:small").version == 0
    assert artifact_store.resolve(store.engine, "nature/raw").version == 1  # latest by default
    assert artifact_store.resolve(store.engine, "raw:v0", project="nature").id == first.record.id
    manifest = artifact_store.read_manifest(store.engine, second.record.id)
    assert [(e.path, e.size) for e in manifest] == [("a.txt", 1), ("b/c.txt", 7)]


def test_digest_depends_on_content_not_order(store: Store) -> None:
    one = [ManifestEntry("a", 1, "0" * 64), ManifestEntry("b", 2, "1" * 64)]
    assert manifest_digest(one) == manifest_digest(one[::-1])
    other = [ManifestEntry("a", 1, "0" * 64), ManifestEntry("b", 2, "2" * 64)]
    assert manifest_digest(one) != manifest_digest(other)
    renamed = [ManifestEntry("a2", 1, "0" * 64), ManifestEntry("b", 2, "1" * 64)]
    assert manifest_digest(one) != manifest_digest(renamed)


def test_aliases_move_with_a_message_or_are_refused_when_unique(store: Store) -> None:
    v0 = _commit(store, _entries(store, {"m.bin": b"0"}), ("best",)).record
    moved = _commit(store, _entries(store, {"m.bin": b"1"}), ("best",))
    assert moved.messages == ["alias 'best' moved from v0 to v1"]
    assert artifact_store.resolve(store.engine, "raw:best").version == 1
    assert artifact_store.get_version(store.engine, v0.id).aliases == ()

    with pytest.raises(ArtifactError, match="already on v1"):
        _commit(store, _entries(store, {"m.bin": b"2"}), ("best",), unique_aliases=True)
    # The refused commit left nothing behind: still two versions, alias unchanged.
    assert len(artifact_store.list_versions(store.engine, name="raw")) == 2
    assert artifact_store.resolve(store.engine, "raw:best").version == 1

    with pytest.raises(ArtifactError, match="already on v1"):
        artifact_store.set_alias(store.engine, v0, "best", unique=True)
    assert artifact_store.set_alias(store.engine, v0, "best") == [
        "alias 'best' moved from v1 to v0"
    ]
    artifact_store.remove_alias(
        store.engine, artifact_store.get_version(store.engine, v0.id), "best"
    )
    with pytest.raises(NotFoundError, match="has no alias 'best'"):
        artifact_store.resolve(store.engine, "raw:best")


@pytest.mark.parametrize("alias", ["v3", "", "a b", "x/y", "..", "latest!"])
def test_bad_aliases_are_refused(store: Store, alias: str) -> None:
    with pytest.raises(ArtifactError):
        _commit(store, _entries(store, {"f": b"f"}), (alias,))


@pytest.mark.parametrize("name", ["", "a b", "x/y", "..", "é", "a:b", "n" * 257])
def test_bad_names_are_refused(store: Store, name: str) -> None:
    with pytest.raises(ArtifactError):
        _commit(store, _entries(store, {"f": b"f"}), name=name)


def test_unknown_references_list_what_exists(store: Store) -> None:
    _commit(store, _entries(store, {"f": b"f"}), ("small",))
    _commit(store, _entries(store, {"f": b"g"}), name="model", type="model")
    with pytest.raises(NotFoundError) as missing_version:
        artifact_store.resolve(store.engine, "raw:v7")
    assert "versions: v0" in str(missing_version.value) and "small -> v0" in str(
        missing_version.value
    )
    with pytest.raises(NotFoundError) as missing_alias:
        artifact_store.resolve(store.engine, "raw:best")
    assert "no alias 'best'" in str(missing_alias.value) and "latest -> v0" in str(
        missing_alias.value
    )
    with pytest.raises(NotFoundError) as missing_name:
        artifact_store.resolve(store.engine, "rwa:latest")
    assert "nature/model" in str(missing_name.value) and "nature/raw" in str(missing_name.value)
    with pytest.raises(NotFoundError, match="in project 'other'"):
        artifact_store.resolve(store.engine, "other/raw:latest")


def test_a_name_in_two_projects_needs_the_project(store: Store) -> None:
    _commit(store, _entries(store, {"f": b"f"}))
    _commit(store, _entries(store, {"f": b"f"}), project="other")
    with pytest.raises(NotFoundError, match="several projects"):
        artifact_store.resolve(store.engine, "raw:latest")
    assert artifact_store.resolve(store.engine, "other/raw:latest").project == "other"
    assert artifact_store.resolve(store.engine, "raw:latest", project="nature").project == "nature"


def test_a_collection_keeps_its_type(store: Store) -> None:
    _commit(store, _entries(store, {"f": b"f"}))
    with pytest.raises(ArtifactError, match="has type 'raw_data'"):
        _commit(store, _entries(store, {"f": b"g"}), type="model")


def test_a_manifest_whose_blobs_are_not_stored_is_not_committed(store: Store) -> None:
    ghost = ManifestEntry(path="ghost.bin", size=3, sha256="f" * 64)
    with pytest.raises(artifact_store.MissingBlobsError) as error:
        _commit(store, [ghost])
    assert error.value.digests == {"f" * 64}
    assert artifact_store.list_versions(store.engine) == []


def test_references_and_tables_round_trip_through_the_manifest(store: Store) -> None:
    stored = _entries(store, {"t.table.parquet": b"PAR1"})[0]
    table_entry = ManifestEntry(
        path=stored.path, size=stored.size, sha256=stored.sha256, table_id="t1"
    )
    reference = ManifestEntry(
        path="remote/x.bin", size=10, ref_uri="s3://bucket/x.bin", ref_etag="abc", ref_version="v-1"
    )
    record = _commit(store, [table_entry, reference]).record
    assert artifact_store.read_manifest(store.engine, record.id) == [reference, table_entry]
    assert {e.kind for e in artifact_store.read_manifest(store.engine, record.id)} == {
        "reference",
        "table",
    }


def test_concurrent_commits_take_distinct_versions(store: Store) -> None:
    errors: list[BaseException] = []

    def commit(index: int) -> None:
        try:
            _commit(store, _entries(store, {"f": f"content {index}".encode()}))
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=commit, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    versions = artifact_store.list_versions(store.engine, name="raw")
    assert sorted(v.version for v in versions) == list(range(6))
    assert artifact_store.resolve(store.engine, "raw:latest").version == 5


def test_lineage_edges_are_recorded_once(store: Store) -> None:
    import heron.store.runs as run_store

    run_store.create_run(
        store.engine,
        "nature",
        {
            "id": "r1",
            "name": "r1",
            "state": "finished",
            "created_at": 0.0,
            "updated_at": 0.0,
            "heartbeat_at": 0.0,
        },
    )
    record = _commit(store, _entries(store, {"f": b"f"}), run_id="r1").record
    store_lineage.add_lineage(store.engine, "r1", record.id, "input")
    store_lineage.add_lineage(store.engine, "r1", record.id, "input")
    assert store_lineage.lineage_edges(store.engine, version_ids=[record.id]) == [
        ("r1", record.id, "input"),
        ("r1", record.id, "output"),
    ]
    assert store_lineage.runs_of_version(store.engine, record.id, "output") == ["r1"]
