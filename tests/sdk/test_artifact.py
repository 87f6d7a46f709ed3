"""heron.Artifact end to end, offline: log, use, download, verify, dedup, tables, bad input."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

import heron
from heron.errors import ArtifactError, IntegrityError, NotFoundError


def _tree(root: Path, files: dict[str, bytes]) -> Path:
    for relative, data in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def _blob_bytes(store_dir: Path) -> int:
    return sum(p.stat().st_size for p in (store_dir / "blobs").rglob("*") if p.is_file())


DATA = {
    "Aves/1.jpg": b"bird one",
    "Aves/2.jpg": b"bird two",
    "Fungi/1.jpg": b"mushroom",
}


def test_walkthrough_upload_then_split(store_dir: Path, tmp_path: Path) -> None:
    data = _tree(tmp_path / "nature_1K", DATA)
    with heron.init(project="nature", job_type="upload") as run:
        raw = heron.Artifact(
            "inat_raw_data_1000", type="raw_data", description="raw", metadata={"per_label": 100}
        )
        raw.add_dir(data)
        logged = run.log_artifact(raw, aliases=["latest", "small"])
        assert logged is raw and raw.version == "v0"
        upload_run = run.id

    with heron.init(project="nature", job_type="data_split") as run:
        source = run.use_artifact("inat_raw_data_1000:latest")
        root = source.download(tmp_path / "raw")
        assert sorted(
            p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()
        ) == sorted(DATA)
        split = heron.Artifact("inat_80-10-10_1000", type="balanced_data")
        for relative in sorted(DATA):
            split.add_file(root / relative, name=f"train/{relative}")
        with split.new_file("classes.json") as handle:
            handle.write(json.dumps(["Aves", "Fungi"]))
        run.log_artifact(split)
        split_run = run.id

    art = heron.Api().artifact("nature/inat_80-10-10_1000:v0")
    assert art.version == "v0" and art.aliases == ["latest"] and art.type == "balanced_data"
    assert sorted(art.manifest) == ["classes.json", *(f"train/{p}" for p in sorted(DATA))]
    assert art.manifest["classes.json"].size == len(b'["Aves", "Fungi"]')
    assert art.size == sum(len(v) for v in DATA.values()) + len(b'["Aves", "Fungi"]')
    assert len(art.digest) == 64
    raw_back = heron.Api().artifact("inat_raw_data_1000:small")
    assert raw_back.metadata == {"per_label": 100} and raw_back.description == "raw"
    assert raw_back.logged_by() is not None and raw_back.logged_by().id == upload_run  # type: ignore[union-attr]
    assert [r.id for r in raw_back.used_by()] == [split_run]
    assert art.logged_by().id == split_run  # type: ignore[union-attr]
    out = art.download(tmp_path / "split")
    assert (out / "train/Aves/1.jpg").read_bytes() == b"bird one"
    assert art.verify(out).ok


def test_identical_content_returns_the_existing_version_and_stores_nothing(
    store_dir: Path, tmp_path: Path
) -> None:
    data = _tree(tmp_path / "d", DATA)
    with heron.init(project="p") as run:
        first = heron.Artifact("ds", type="dataset")
        first.add_dir(data)
        run.log_artifact(first)
        before = _blob_bytes(store_dir)
        again = heron.Artifact("ds", type="dataset")
        again.add_dir(data)
        run.log_artifact(again, aliases=["again"])
        assert (again.version, again.digest) == (first.version, first.digest)
        assert again.aliases == ["latest", "again"]
        assert _blob_bytes(store_dir) == before
        (data / "Aves/1.jpg").write_bytes(b"a different bird")
        changed = heron.Artifact("ds", type="dataset")
        changed.add_dir(data)
        run.log_artifact(changed)
    assert changed.version == "v1" and changed.digest != first.digest
    assert _blob_bytes(store_dir) == before + len(b"a different bird")
    assert [a.version for a in heron.Api().artifact_versions("p/ds")] == ["v0", "v1"]


def test_one_blob_per_content_across_artifacts_tables_and_runs(
    store_dir: Path, tmp_path: Path
) -> None:
    from PIL import Image as PILImage

    images = tmp_path / "images"
    images.mkdir()
    for index, colour in enumerate(["red", "blue"]):
        PILImage.new("RGB", (16, 16), colour).save(images / f"{index}.png")
    with heron.init(project="p") as run:
        table = heron.Table(columns=["id", "image"])
        for path in sorted(images.iterdir()):
            table.add_data(path.stem, heron.Image(str(path)))
        run.log({"logged_on_the_run": table})
        first = heron.Artifact("images", type="dataset")
        first.add_dir(images, name="files")
        first.add(table, "index")
        run.log_artifact(first)
        other = heron.Artifact("copy_of_images", type="dataset")
        other.add_dir(images)
        run.log_artifact(other)

    art = heron.Api().artifact("images:latest")
    file_digests = {e.sha256 for e in art.files() if e.path.startswith("files/")}
    table_back = art.get("index")
    cells = table_back.to_arrow().column("image").to_pylist()
    assert {cell["sha256"] for cell in cells} == file_digests
    other_digests = {e.sha256 for e in heron.Api().artifact("copy_of_images:v0").files()}
    assert other_digests == file_digests
    # Each image is stored once, whoever refers to it.
    store = art._bound_store()
    from heron.store import blob_rows

    with store.engine.connect() as connection:
        indexed = [row.digest for row in blob_rows.every_row(connection)]
    assert file_digests <= set(indexed) and len(indexed) == len(set(indexed))
    # The table reads back like a run's table, and downloads as a Parquet file.
    run_table = heron.Api().runs("p")[0].table("logged_on_the_run")
    assert type(table_back) is type(run_table)
    assert table_back.to_arrow().equals(run_table.to_arrow())
    root = art.download(tmp_path / "out")
    import pyarrow.parquet as pq

    assert pq.read_table(root / "index.table.parquet").num_rows == 2
    assert art.verify(root).ok
    with pytest.raises(ArtifactError, match="is a file, not a table"):
        art.get("files/0.png")


def test_download_skips_good_files_refuses_conflicts_and_overwrites_when_asked(
    store_dir: Path, tmp_path: Path
) -> None:
    data = _tree(tmp_path / "d", DATA)
    with heron.init(project="p") as run:
        art = heron.Artifact("ds", type="dataset")
        art.add_dir(data)
        run.log_artifact(art)
    root = tmp_path / "out"
    art.download(root)
    good = root / "Aves/2.jpg"
    before = good.stat().st_mtime_ns
    (root / "Aves/1.jpg").write_bytes(b"edited")
    (root / "notes.txt").write_text("mine")
    with pytest.raises(ArtifactError, match=r"Aves/1\.jpg") as refused:
        art.download(root)
    assert "overwrite=True" in str(refused.value)
    assert (root / "Aves/1.jpg").read_bytes() == b"edited"
    report = art.verify(root)
    assert (report.missing, report.extra, report.changed) == ([], ["notes.txt"], ["Aves/1.jpg"])
    assert not report.ok
    art.download(root, overwrite=True)
    assert (root / "Aves/1.jpg").read_bytes() == b"bird one"
    assert good.stat().st_mtime_ns == before  # already correct: left alone
    (root / "Fungi/1.jpg").unlink()
    report = art.verify(root)
    assert (report.missing, report.extra, report.changed) == (["Fungi/1.jpg"], ["notes.txt"], [])
    assert "1 missing: Fungi/1.jpg" in str(report)


def test_default_download_root(
    store_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _tree(tmp_path / "d", DATA)
    with heron.init(project="p") as run:
        art = heron.Artifact("ds", type="dataset")
        art.add_dir(data)
        run.log_artifact(art)
    monkeypatch.chdir(tmp_path)
    assert art.download() == (tmp_path / "artifacts" / "ds-v0").resolve()
    monkeypatch.setenv("HERON_ARTIFACT_DIR", str(tmp_path / "elsewhere"))
    assert art.download() == (tmp_path / "elsewhere" / "ds-v0").resolve()
    assert art.verify().ok


def test_large_files_download_as_verified_files_of_their_own(
    store_dir: Path, tmp_path: Path
) -> None:
    weights = tmp_path / "model.bin"
    weights.write_bytes(os.urandom(3 << 20))
    with heron.init(project="p") as run:
        model = heron.Artifact("model", type="model")
        model.add_file(weights)
        run.log_artifact(model)
    linked = model.download(tmp_path / "linked") / "model.bin"
    copied = model.download(tmp_path / "copied", link=False) / "model.bin"
    assert linked.read_bytes() == weights.read_bytes() == copied.read_bytes()
    # This process owns the store (it could make a linked file writable): never a hard link.
    assert linked.stat().st_nlink == 1 and copied.stat().st_nlink == 1


def test_a_corrupted_blob_is_detected_and_named(store_dir: Path, tmp_path: Path) -> None:
    small = tmp_path / "small.txt"
    small.write_bytes(b"small content")
    large = tmp_path / "large.bin"
    large.write_bytes(os.urandom(2 << 20))
    with heron.init(project="p") as run:
        art = heron.Artifact("ds", type="dataset")
        art.add_file(small)
        art.add_file(large)
        run.log_artifact(art)
    small_digest = art.manifest["small.txt"].sha256
    large_digest = art.manifest["large.bin"].sha256
    assert small_digest and large_digest
    pack = next((store_dir / "blobs" / "packs").iterdir())
    content = pack.read_bytes()
    pack.write_bytes(content.replace(b"small content", b"SMALL content"))
    with pytest.raises(IntegrityError, match=small_digest):
        art.download(tmp_path / "a")
    pack.write_bytes(content)
    blob_file = store_dir / "blobs" / "objects" / large_digest[:2] / large_digest
    blob_file.chmod(0o644)
    with open(blob_file, "r+b") as handle:
        handle.write(b"\0\0\0\0")
    with pytest.raises(IntegrityError, match=large_digest):
        art.get_path("large.bin", tmp_path / "b")  # small.txt is quarantined since the first


def test_a_file_changing_while_it_is_added_is_refused(store_dir: Path, tmp_path: Path) -> None:
    growing = tmp_path / "growing.log"
    # A sparse 256 MiB file takes a while to hash, so the writer below appends
    # while it is being read even when a busy machine starves the writer thread for a while.
    with open(growing, "wb") as handle:
        handle.truncate(256 << 20)
    stop = threading.Event()

    def keep_writing() -> None:
        while not stop.is_set():
            with open(growing, "ab") as handle:
                handle.write(os.urandom(1 << 16))

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        with heron.init(project="p") as run:
            art = heron.Artifact("logs", type="dataset")
            art.add_file(growing)
            with pytest.raises(ArtifactError, match="changed while it was being"):
                run.log_artifact(art)
    finally:
        stop.set()
        writer.join()
    assert heron.Api().artifacts("p") == []


def test_bad_input_is_refused_with_clear_errors(store_dir: Path, tmp_path: Path) -> None:
    for bad in ["", "has space", "a/b", "x:y", ".."]:
        with pytest.raises(ArtifactError, match="invalid"):
            heron.Artifact(bad, type="dataset")
    with pytest.raises(ArtifactError, match="type"):
        heron.Artifact("ok", type="")
    with pytest.raises(ArtifactError, match="JSON"):
        heron.Artifact("ok", type="t", metadata={"x": object()})
    art = heron.Artifact("ok", type="t")
    with pytest.raises(NotFoundError, match="does not exist"):
        art.add_file(tmp_path / "missing.txt")
    with pytest.raises(NotFoundError):
        art.add_dir(tmp_path / "missing")
    (tmp_path / "f.txt").write_text("f")
    (tmp_path / "g.txt").write_text("g")
    for bad_path in ["/abs", "../up", "a//b", "a/./b", ""]:
        with pytest.raises(ArtifactError):
            art.add_file(tmp_path / "f.txt", name=bad_path)
    art.add_file(tmp_path / "f.txt", name="x")
    art.add_file(tmp_path / "f.txt", name="x")  # the same file again is fine
    with pytest.raises(ArtifactError, match="already in artifact"):
        art.add_file(tmp_path / "g.txt", name="x")
    art.add_file(tmp_path / "g.txt", name="x/inner")
    with pytest.raises(ArtifactError, match=r"takes a heron\.Table, got dict"):
        art.add({"not": "a table"}, "header")  # type: ignore[arg-type]
    with heron.init(project="p") as run:
        with pytest.raises(ArtifactError, match="both a file and the directory"):
            run.log_artifact(art)
        art.remove("x/inner")
        with pytest.raises(ArtifactError, match="reserved"):
            run.log_artifact(art, aliases=["v2"])
        with pytest.raises(ArtifactError, match="empty"):
            run.log_artifact(heron.Artifact("empty", type="t"))
        run.log_artifact(art)
        with pytest.raises(ArtifactError, match="committed"):
            art.add_file(tmp_path / "g.txt")
        with pytest.raises(ArtifactError, match="already logged"):
            run.log_artifact(art)
        with pytest.raises(NotFoundError, match="versions: v0"):
            run.use_artifact("ok:v3")
        with pytest.raises(ArtifactError, match="not 'model'"):
            run.use_artifact("ok:latest", type="model")
    with pytest.raises(ArtifactError, match="draft"):
        _ = heron.Artifact("draft", type="t").version
    with pytest.raises(NotFoundError, match="no path 'nope'"):
        art.get_path("nope")
    assert art.get_path("x", root=tmp_path / "one").read_text() == "f"


def test_aliases_on_logged_versions(
    store_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "model.bin"
    with heron.init(project="p") as run:
        versions = []
        for epoch in range(2):
            model.write_bytes(f"weights {epoch}".encode())
            art = heron.Artifact("model", type="model")
            art.add_file(model)
            versions.append(run.log_artifact(art, aliases=["best"]))
        assert "alias 'best' moved from v0 to v1" in capsys.readouterr().err
        with pytest.raises(ArtifactError, match="already on v1"):
            versions[0].add_alias("best", unique=True)
        versions[0].add_alias("production")
        assert versions[0].aliases == ["production"]
        assert versions[1].aliases == ["latest", "best"]
        with pytest.raises(ArtifactError, match="managed by heron"):
            versions[1].remove_alias("latest")
        versions[0].remove_alias("production")
        assert versions[0].aliases == []
