"""Editing and deleting logged artifact versions, and building the next version from one.

Run on SQLite and PostgreSQL: deleting touches versions, files, aliases and lineage in one
transaction, and ``latest`` must keep naming the newest version left.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import heron
from heron.errors import ArtifactError, NotFoundError
from heron.sdk.api import run_artifacts


@pytest.fixture
def store(
    store_dir: Path, database_url: str | None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Path:
    if database_url:
        monkeypatch.setenv("HERON_DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    return store_dir


def log_text(run: heron.Run, content: str, aliases: list[str] | None = None) -> heron.Artifact:
    artifact = heron.Artifact("notes", type="text", description="first", metadata={"n": 1})
    with artifact.new_file("notes.txt") as handle:
        handle.write(content)
    return run.log_artifact(artifact, aliases=aliases)


def test_description_and_metadata_of_a_logged_version_are_saved(store: Path) -> None:
    with heron.init(project="edits") as run:
        artifact = log_text(run, "one")
    artifact.description = "reviewed"
    artifact.metadata["n"] = 2
    artifact.metadata["owner"] = "data team"
    assert heron.Api().artifact("notes:v0").metadata == {"n": 1}  # not saved yet
    artifact.save()
    again = heron.Api().artifact("edits/notes:v0")
    assert again.description == "reviewed"
    assert again.metadata == {"n": 2, "owner": "data team"}
    with pytest.raises(ArtifactError, match="JSON-compatible"):
        again.metadata = {"bad": {1, 2}}
    assert again.metadata == {"n": 2, "owner": "data team"}  # the refused value is not kept
    with pytest.raises(ArtifactError, match="is a draft"):
        heron.Artifact("draft", type="text").save()


def test_delete_keeps_aliases_working_or_refuses(store: Path) -> None:
    with heron.init(project="edits") as run:
        first = log_text(run, "one")
        second = log_text(run, "two", aliases=["best"])
    with heron.init(project="edits") as reader:
        reader.use_artifact("notes:best")
    assert [a.version for a in heron.Api().run(reader.path).used_artifacts()] == ["v1"]
    with pytest.raises(
        ArtifactError, match=r"still has aliases \(best, latest\): nothing was deleted"
    ):
        second.delete()
    assert heron.Api().artifact("notes:latest").id == second.id
    second.delete(delete_aliases=True)
    assert heron.Api().artifact("notes:latest").id == first.id
    with pytest.raises(NotFoundError, match="no version 'v1'"):
        heron.Api().artifact("notes:v1")
    assert heron.Api().artifact_collections("edits")[0]["versions"] == 1
    assert run_artifacts(heron.Api().store, reader.id, "input") == []
    assert [a.version for a in run_artifacts(heron.Api().store, run.id, "output")] == ["v0"]
    assert [a.version for a in heron.Api().run(run.path).logged_artifacts()] == ["v0"]
    assert heron.Api().run(reader.path).used_artifacts() == []
    assert (first.download() / "notes.txt").read_text() == "one"
    first.delete(delete_aliases=True)
    assert heron.Api().artifact_collections("edits") == []
    with pytest.raises(NotFoundError):
        first.delete(delete_aliases=True)


def test_new_draft_and_add_entry_reuse_stored_bytes(store: Path, tmp_path: Path) -> None:
    (tmp_path / "extra.txt").write_text("extra")
    with heron.init(project="edits") as run:
        first = log_text(run, "one")
        draft = first.new_draft()
        draft.add_file(tmp_path / "extra.txt", name="more/extra.txt")
        second = run.log_artifact(draft)
        other = heron.Artifact("copy", type="text")
        other.add_entry(first.manifest["notes.txt"], name="copied.txt")
        run.log_artifact(other)
    assert second.version == "v1" and second.metadata == {"n": 1}
    assert sorted(second.manifest) == ["more/extra.txt", "notes.txt"]
    assert second.manifest["notes.txt"].sha256 == first.manifest["notes.txt"].sha256
    folder = heron.Api().artifact("copy:v0").download()
    assert (folder / "copied.txt").read_text() == "one"
    only = second.download(tmp_path / "only", path_prefix="more/")
    assert [p.name for p in only.iterdir()] == ["more"]


def test_removing_a_directory_removes_every_path_under_it(store: Path, tmp_path: Path) -> None:
    (tmp_path / "d" / "e").mkdir(parents=True)
    (tmp_path / "d" / "e" / "f.txt").write_text("f")
    (tmp_path / "d" / "g.txt").write_text("g")
    artifact = heron.Artifact("dirs", type="text")
    artifact.add_dir(tmp_path / "d", name="top")
    artifact.add_file(tmp_path / "d" / "g.txt")
    artifact.remove("top/e")
    assert sorted(e.path for e in artifact.files()) == ["g.txt", "top/g.txt"]
    artifact.remove("top")
    assert [e.path for e in artifact.files()] == ["g.txt"]
