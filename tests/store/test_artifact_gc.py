"""gc on both backends: what artifacts, tables and run objects refer to is never collected."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import heron
from heron.store.gc import collect
from heron.store.store import Store


def test_gc_keeps_every_referenced_blob(
    store_dir: Path, tmp_path: Path, database_url: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PIL import Image as PILImage

    if database_url:
        monkeypatch.setenv("HERON_DATABASE_URL", database_url)
    image_path = tmp_path / "red.png"
    PILImage.new("RGB", (8, 8), "red").save(image_path)
    weights = tmp_path / "weights.bin"
    weights.write_bytes(os.urandom(2 << 20))
    with heron.init(project="p") as run:
        table = heron.Table(columns=["image"])
        table.add_data(heron.Image(str(tmp_path / "red.png")))
        run.log({"only_on_the_run": table})
        run.log({"a_single_image": heron.Image(PILImage.new("RGB", (4, 4), "blue"))})
        art = heron.Artifact("model", type="model")
        art.add_file(weights)
        run.log_artifact(art)

    store = Store.open(store_dir)
    try:
        orphan_small = store.blobs.put(b"orphan")
        orphan_file = tmp_path / "orphan.bin"
        orphan_file.write_bytes(os.urandom(2 << 20))
        orphan_large = store.blobs.put_file(orphan_file)
        report = collect(store, min_age=0)
        assert report.loose == [(orphan_large, 2 << 20)]
        assert report.packed == [(orphan_small, 6)]
        assert report.referenced == report.total_blobs - 2
        assert report.deleted == 0 and store.blobs.has(orphan_large)  # dry run by default
        deleted = collect(store, delete_loose=True, min_age=0)
        assert (deleted.deleted, deleted.deleted_bytes) == (1, 2 << 20)
        assert store.blobs.missing([orphan_large]) == {orphan_large}
        assert collect(store, min_age=0).loose == []
    finally:
        store.close()
    api = heron.Api()
    run_back = api.runs("p")[0]
    assert run_back.table("only_on_the_run").image(0) is not None
    model = api.artifact("model:v0")
    assert model.verify(model.download(tmp_path / "model")).ok
