"""Core SDK behaviour, run in local mode and in remote mode, so the two cannot drift apart.

``heron_mode`` gives each test the same SDK calls either way; ``stored`` is the store a user
reads afterwards: the local store, or the server's store once the runs have finished (remote
mode's finish() waits for the upload).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import heron
from tests.sync.server import ServerProcess


@dataclass(frozen=True)
class Mode:
    """Where the SDK logs (``name``) and which store then holds what it logged."""

    name: str
    stored: Path


@pytest.fixture(params=["local", "remote"])
def heron_mode(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Mode]:
    """Local mode (a store directory) or remote mode (a server URL and key, a spool)."""
    monkeypatch.delenv("HERON_DATABASE_URL", raising=False)
    monkeypatch.setenv("HERON_DIR", str(tmp_path / "heron-data"))
    if request.param == "local":
        monkeypatch.delenv("HERON_URL", raising=False)
        yield Mode("local", tmp_path / "heron-data")
        return
    server = ServerProcess(tmp_path / "server-data")
    server.start()
    monkeypatch.setenv("HERON_URL", server.url)
    monkeypatch.setenv("HERON_API_KEY", server.api_key)
    try:
        yield Mode("remote", server.store_dir)
    finally:
        server.stop()


def test_scalars_summary_config_and_tags_read_back(heron_mode: Mode) -> None:
    with heron.init(project="modes", name="scalars", config={"lr": 0.01}, tags=["a"]) as run:
        for step in range(50):
            run.log({"loss": 1 / (step + 1), "nan": math.nan if step == 3 else 0.0})
        run.config.update({"batch": 32})
        run.summary["best"] = 0.9
        path = run.path

    stored = heron.Api(heron_mode.stored).run(path)
    assert stored.state == "finished"
    assert stored.config == {"lr": 0.01, "batch": 32}
    assert stored.tags == ["a"]
    assert stored.summary["best"] == 0.9
    history = stored.history(keys=["loss"])
    assert list(history["loss"]) == [1 / (step + 1) for step in range(50)]
    assert math.isnan(stored.history(keys=["nan"])["nan"][3])


def test_an_image_table_reads_back_with_its_images(heron_mode: Mode) -> None:
    rng = np.random.default_rng(1)
    pixels = [rng.integers(0, 255, (8, 8, 3), dtype=np.uint8) for _ in range(30)]
    with heron.init(project="modes", name="table") as run:
        for epoch in range(2):
            table = heron.Table(columns=["id", "image", "score"])
            for index, array in enumerate(pixels):
                table.add_data(index, heron.Image(array), float(index * epoch))
            run.log({"predictions": table}, step=epoch)
        path = run.path

    stored = heron.Api(heron_mode.stored).run(path)
    assert stored.tables() == {"predictions": [0, 1]}
    frame = stored.table("predictions", step=1).to_pandas()
    assert list(frame["score"]) == [float(index) for index in range(30)]
    assert [np.asarray(image.to_pil()).tolist() for image in frame["image"]] == [
        array.tolist() for array in pixels
    ]


def test_an_artifact_logged_then_used_downloads_the_same_files(
    heron_mode: Mode, tmp_path: Path
) -> None:
    source = tmp_path / "files"
    source.mkdir()
    (source / "a.txt").write_text("alpha")
    (source / "sub").mkdir()
    (source / "sub" / "b.bin").write_bytes(bytes(range(256)) * 1000)
    with heron.init(project="modes", name="maker") as run:
        artifact = heron.Artifact("files", type="dataset", metadata={"n": 2})
        artifact.add_dir(str(source))
        run.log_artifact(artifact, aliases=["best"])
    with heron.init(project="modes", name="user") as run:
        used = run.use_artifact("files:best")
        assert used.metadata == {"n": 2}

    stored = heron.Api(heron_mode.stored).artifact("modes/files:best")
    target = Path(stored.download(root=str(tmp_path / "out")))
    assert (target / "a.txt").read_text() == "alpha"
    assert (target / "sub" / "b.bin").read_bytes() == bytes(range(256)) * 1000
    assert stored.logged_by() is not None and stored.logged_by().name == "maker"
    assert [run.name for run in stored.used_by()] == ["user"]
    assert set(stored.aliases) == {"best", "latest"}


def test_a_resumed_run_continues_its_steps(heron_mode: Mode) -> None:
    with heron.init(project="modes", id="resumable") as run:
        for step in range(5):
            run.log({"x": step})
    with heron.init(project="modes", id="resumable", resume="allow") as run:
        for step in range(5, 8):
            run.log({"x": step})

    stored = heron.Api(heron_mode.stored).run("modes/resumable")
    assert list(stored.history(keys=["x"])["x"]) == list(range(8))
    assert stored.state == "finished"


def _read_elsewhere(mode: Mode, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> heron.Api:
    """An Api in the active mode as another machine opens it: the same store in local mode; in
    remote mode an empty spool, so everything read comes from the server."""
    if mode.name == "remote":
        monkeypatch.setenv("HERON_DIR", str(tmp_path / "another-machine"))
    return heron.Api()


def test_artifact_listings_and_lineage_read_the_same_in_both_modes(
    heron_mode: Mode, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "data.csv").write_text("x\n1\n")
    (tmp_path / "model.bin").write_bytes(b"\x00" * 4096)
    with heron.init(project="modes", name="prepare") as maker:
        dataset = heron.Artifact("data", type="dataset")
        dataset.add_file(str(tmp_path / "data.csv"))
        maker.log_artifact(dataset, aliases=["golden"])
    with heron.init(project="modes", name="train") as trainer:
        trainer.use_artifact("data:golden")
        model = heron.Artifact("net", type="model")
        model.add_file(str(tmp_path / "model.bin"))
        trainer.log_artifact(model)

    api = _read_elsewhere(heron_mode, monkeypatch, tmp_path)
    assert [a.qualified_name for a in api.artifacts("modes")] == ["modes/data:v0", "modes/net:v0"]
    assert [(c["name"], c["versions"]) for c in api.artifact_collections("modes")] == [
        ("data", 1),
        ("net", 1),
    ]
    run = api.run(f"modes/{trainer.id}")
    assert [a.qualified_name for a in run.used_artifacts()] == ["modes/data:v0"]
    assert [a.qualified_name for a in run.logged_artifacts()] == ["modes/net:v0"]
    listed = api.artifact_versions("modes/data")[0]
    assert listed.aliases == ["latest", "golden"]
    assert [r.name for r in listed.used_by()] == ["train"]
    graph = api.lineage(listed, depth=2)
    names = sorted(n.get("qualified_name") or n["name"] for n in graph["nodes"])
    assert names == ["modes/data:v0", "modes/net:v0", "prepare", "train"]
    assert len(graph["edges"]) == 3
    target = listed.download(str(tmp_path / "out"))
    assert (target / "data.csv").read_text() == "x\n1\n"


def test_a_run_reads_the_same_in_both_modes_on_another_machine(
    heron_mode: Mode, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(3)
    values = [list(rng.normal(size=50)) for _ in range(3)]
    with heron.init(project="modes", name="hist", config={"seed": 3}) as run:
        for step, sample in enumerate(values):
            run.log({"weights": heron.Histogram(sample), "loss": 1.0 / (step + 1)})
        run.summary["note"] = "done"

    api = _read_elsewhere(heron_mode, monkeypatch, tmp_path)
    stored = api.run(f"modes/{run.id}")
    assert (stored.name, stored.state, stored.config) == ("hist", "finished", {"seed": 3})
    assert stored.summary["note"] == "done"
    assert sorted(stored.metric_keys()) == ["loss"]
    assert list(stored.history(keys=["loss"])["loss"]) == [1.0, 0.5, 1.0 / 3]
    histograms = stored.histograms("weights")
    assert sorted(histograms["weights"]) == [0, 1, 2]
    assert [sum(histograms["weights"][step]["counts"]) for step in range(3)] == [50, 50, 50]
    assert [api.runs("modes")[0].id] == [run.id]
