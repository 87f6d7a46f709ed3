"""Names are checked when they are given: project names (in the SDK and in the store, whatever
creates the project) and the paths inside an artifact (at add time, naming the path)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

import heron
from heron.errors import ArtifactError, UsageError
from heron.store import artifacts as artifact_store
from heron.store import runs as run_store
from heron.store.manifest import MAX_PATH_BYTES, MAX_PATH_PART_BYTES
from heron.store.store import Store

BAD_PROJECT_NAMES = ["..", ".", "...", "a/b", "has space", "x" * 129, "caf\udce9", "é"]


@pytest.mark.parametrize("name", BAD_PROJECT_NAMES)
def test_a_bad_project_name_is_refused_by_init(store_dir: Path, name: str) -> None:
    with pytest.raises(UsageError, match="project name") as refused:
        heron.init(project=name)
    assert repr(name) in str(refused.value)
    assert not store_dir.exists() or heron.Api(store_dir).projects() == []


def test_good_project_names_are_kept(store_dir: Path) -> None:
    for name in ["nature", "my.project-1_x", ".hidden", "x" * 128]:
        heron.init(project=name).finish()
    assert sorted(p["name"] for p in heron.Api(store_dir).projects()) == sorted(
        ["nature", "my.project-1_x", ".hidden", "x" * 128]
    )


def test_the_store_refuses_a_bad_project_name_whoever_asks(
    store_dir: Path, database_url: str | None
) -> None:
    # Runs, artifacts and importers all create projects through the store: each is checked there.
    store = Store.open(store_dir, database_url=database_url)
    try:
        now = time.time()
        with pytest.raises(UsageError, match=r"project name '\.\.' is invalid"):
            run_store.create_run(
                store.engine,
                "..",
                {"id": "r1", "name": "r", "state": "running", "created_at": now,
                 "updated_at": now, "heartbeat_at": now},
            )  # fmt: skip
        with pytest.raises(UsageError, match="project name 'a b' is invalid"):
            artifact_store.commit_version(
                store.engine,
                project="a b",
                name="data",
                type="dataset",
                description="",
                metadata={},
                entries=[],
                aliases=[],
                run_id=None,
            )
        assert run_store.list_projects(store.engine) == []
        assert run_store.list_runs(store.engine) == []
    finally:
        store.close()


# -- paths inside an artifact ----------------------------------------------------------------


def _file(tmp_path: Path) -> Path:
    path = tmp_path / "f.txt"
    path.write_text("f")
    return path


@pytest.mark.parametrize(
    ("name", "complaint"),
    [
        ("..", "relative"),
        ("a/../b", "relative"),
        ("a//b", "relative"),
        ("/etc/passwd", "relative"),
        ("a\x00b", "control character"),
        ("a\\b", "backslash"),
        ("tab\there", "control character"),
        ("x" * (MAX_PATH_PART_BYTES + 1), "part of 256 bytes"),
        ("é" * 128, "part of 256 bytes"),  # 128 characters, but 256 bytes in UTF-8
        ("/".join(["d" * 200] * 6), "1205 bytes long"),
        ("caf\udce9.txt", "not valid UTF-8"),
    ],
)
def test_a_bad_path_is_refused_when_added(tmp_path: Path, name: str, complaint: str) -> None:
    artifact = heron.Artifact("data", type="dataset")
    with pytest.raises(ArtifactError, match=complaint):
        artifact.add_file(_file(tmp_path), name=name)
    with pytest.raises(ArtifactError, match=complaint), artifact.new_file(name) as handle:
        handle.write("x")
    assert artifact.files() == []


def test_paths_up_to_the_limits_are_kept(store_dir: Path, tmp_path: Path) -> None:
    longest_part = "x" * MAX_PATH_PART_BYTES
    wide_part = "é" * (MAX_PATH_PART_BYTES // 2)  # 254 bytes
    deep = "/".join(["d" * 255] * 3 + ["d" * 254]) + "/f"
    assert len(deep.encode()) == MAX_PATH_BYTES
    artifact = heron.Artifact("data", type="dataset")
    for name in (longest_part, wide_part, deep, "ünïcode/名前.txt"):
        artifact.add_file(_file(tmp_path), name=name)
    with heron.init(project="p") as run:
        run.log_artifact(artifact)
    stored = heron.Api().artifact("p/data:v0")
    assert sorted(stored.manifest) == sorted([longest_part, wide_part, deep, "ünïcode/名前.txt"])


def test_a_directory_with_a_non_utf8_file_name_is_refused_naming_it(tmp_path: Path) -> None:
    root = tmp_path / "images"
    (root / "Aves").mkdir(parents=True)
    (root / "Aves" / "ok.jpg").write_bytes(b"fine")
    os.makedirs(os.fsencode(root / "Fungi"))
    with open(os.fsencode(root / "Fungi") + b"/caf\xe9.jpg", "wb") as handle:
        handle.write(b"latin-1 name")
    artifact = heron.Artifact("data", type="dataset")
    with pytest.raises(ArtifactError) as refused:
        artifact.add_dir(root, name="raw")
    message = str(refused.value)
    assert str(root) in message
    assert "b'raw/Fungi/caf\\xe9.jpg'" in message and "not valid UTF-8" in message
    assert artifact.files() == []  # nothing of the directory was added


def test_a_directory_too_deep_for_the_path_limit_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    deep = root.joinpath(*["d" * 250] * 4)
    deep.mkdir(parents=True)
    (deep / "leaf.txt").write_text("x")
    (root / "shallow.txt").write_text("y")
    artifact = heron.Artifact("data", type="dataset")
    with pytest.raises(ArtifactError, match=r"is 1033 bytes long.*at most 1024") as refused:
        artifact.add_dir(root, name="a" * 20)
    assert "leaf.txt" in str(refused.value)
    assert artifact.files() == []
    artifact.add_dir(root)  # without the prefix it fits: 1012 bytes
    assert len(artifact.files()) == 2


def test_a_reference_to_a_directory_with_a_non_utf8_name_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "refs"
    root.mkdir()
    with open(os.fsencode(root) + b"/na\xefve.txt", "wb") as handle:
        handle.write(b"x")
    artifact = heron.Artifact("data", type="dataset")
    with pytest.raises(ArtifactError, match="not valid UTF-8"):
        artifact.add_reference(root.as_uri())
