"""``wandb.Api()``: runs, history, filters, artifacts and projects read back from a heron store.

W&B's shapes, checked against wandb 0.31's public API: ``run.path`` is ``[entity, project,
id]``, ``history()`` a DataFrame of sampled rows (a list of dicts with ``pandas=False``),
``scan_history(keys=...)`` only rows holding every key, ``runs(order=)`` defaults to
``+created_at`` (oldest first), ``artifacts(type, name)`` lists versions newest first.
"""

from __future__ import annotations

from pathlib import Path

import pandas
import pytest

import heron
from heron.errors import ArtifactError, NotFoundError, UsageError
from heron.wandb.apis import Api, ArtifactCollection, Project, Run
from heron.wandb.artifacts import Artifact, log_artifact, use_artifact
from heron.wandb.errors import UnsupportedError


@pytest.fixture
def runs(store_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Three finished runs of project "zoo" and one of "other"; returns the zoo run ids."""
    monkeypatch.chdir(tmp_path)
    ids = []
    for index, (lr, tags, job) in enumerate(
        [(0.1, ["baseline"], "train"), (0.01, ["tuned", "best"], "train"), (0.5, [], "eval")]
    ):
        with heron.init(
            project="zoo",
            name=f"run-{index}",
            config={"lr": lr, "arch": {"depth": index}},
            tags=tags,
            job_type=job,
        ) as run:
            for step in range(10):
                run.log({"loss": 1.0 / (step + 1) + index}, step=step)
                if step % 3 == 0:
                    run.log({"acc": step / 10 + index}, step=step)
            ids.append(run.id)
    with heron.init(project="other", name="elsewhere") as run:
        run.log({"loss": 1.0})
    return ids


def test_a_run_reads_back_with_wandb_names(runs: list[str]) -> None:
    api = Api()
    run = api.run(f"my-team/zoo/{runs[1]}")
    assert isinstance(run, Run)
    assert run.id == runs[1] and run.name == "run-1" and run.display_name == "run-1"
    assert run.path == ["local", "zoo", runs[1]] and run.entity == "local"
    assert run.project == "zoo" and run.state == "finished"
    assert run.config == {"lr": 0.01, "arch": {"depth": 1}}
    assert run.summary["loss"] == pytest.approx(1.1) and run.summary["acc"] == pytest.approx(1.9)
    assert run.tags == ["tuned", "best"] and run.job_type == "train"
    assert run.created_at is not None and run.created_at.endswith("Z")
    assert api.run(f"zoo/{runs[1]}").id == runs[1]
    assert api.run(f"my-team/zoo/runs/{runs[1]}").id == runs[1]
    with pytest.raises(NotFoundError):
        api.run("zoo/no-such-run")
    with pytest.raises(UsageError, match="needs a path"):
        api.run()


def test_history_and_scan_history(runs: list[str]) -> None:
    run = Api().run(f"zoo/{runs[0]}")
    frame = run.history()
    assert isinstance(frame, pandas.DataFrame)
    assert list(frame["_step"]) == list(range(10))
    assert frame["loss"].tolist() == pytest.approx([1.0 / (s + 1) for s in range(10)])
    only_acc = run.history(keys=["acc"], pandas=False)
    assert isinstance(only_acc, list)
    assert only_acc == [{"_step": s, "acc": pytest.approx(s / 10)} for s in (0, 3, 6, 9)]
    sampled = run.history(samples=4, pandas=False)
    assert [row["_step"] for row in sampled] == [0, 3, 6, 9]
    rows = list(run.scan_history())
    assert len(rows) == 10 and rows[3] == {
        "_step": 3,
        "loss": pytest.approx(0.25),
        "acc": pytest.approx(0.3),
    }
    assert [r["_step"] for r in run.scan_history(keys=["acc", "loss"])] == [0, 3, 6, 9]
    assert [r["_step"] for r in run.scan_history(min_step=2, max_step=5)] == [2, 3, 4]
    with pytest.raises(UsageError, match="list of metric names"):
        run.scan_history(keys="acc")  # type: ignore[arg-type]


def test_runs_filters_and_order(runs: list[str]) -> None:
    api = Api()
    assert [r.id for r in api.runs("zoo")] == runs
    assert [r.id for r in api.runs("team/zoo", order="-created_at")] == runs[::-1]
    assert [r.name for r in api.runs("zoo", filters={"config.lr": 0.01})] == ["run-1"]
    assert [r.name for r in api.runs("zoo", filters={"config.arch.depth": {"$gte": 1}})] == [
        "run-1",
        "run-2",
    ]
    assert [r.name for r in api.runs("zoo", filters={"state": "finished"})] == [
        "run-0",
        "run-1",
        "run-2",
    ]
    assert [r.name for r in api.runs("zoo", filters={"tags": {"$in": ["best", "baseline"]}})] == [
        "run-0",
        "run-1",
    ]
    assert [r.name for r in api.runs("zoo", filters={"tags": "tuned"})] == ["run-1"]
    either = {"$or": [{"jobType": "eval"}, {"summary_metrics.acc": {"$lt": 1}}]}
    assert [r.name for r in api.runs("zoo", filters=either)] == ["run-0", "run-2"]
    both = {"$and": [{"jobType": "train"}, {"display_name": {"$regex": "^run-[01]$"}}]}
    assert [r.name for r in api.runs("zoo", filters=both)] == ["run-0", "run-1"]
    assert [r.name for r in api.runs("zoo", order="-summary_metrics.acc")] == [
        "run-2",
        "run-1",
        "run-0",
    ]
    with pytest.raises(UnsupportedError, match=r"\$where"):
        api.runs("zoo", filters={"$where": "this.lr > 0"})
    assert [r.name for r in api.runs("other")] == ["elsewhere"]


def test_update_stores_edits_of_a_read_back_run(runs: list[str]) -> None:
    run = Api().run(f"zoo/{runs[2]}")
    run.summary["final_note"] = "reviewed"
    run.config["lr"] = 0.25
    run.tags.append("checked")
    run.update()
    again = heron.Api().run(f"zoo/{runs[2]}")
    assert again.summary["final_note"] == "reviewed" and again.config["lr"] == 0.25
    assert again.tags == ["checked"]


def test_artifacts_read_back_through_the_api(runs: list[str], tmp_path: Path) -> None:
    (tmp_path / "weights.bin").write_bytes(b"v0")
    with heron.init(project="zoo", job_type="train") as producer:
        first = log_artifact(producer, "weights.bin", name="model", type="model")
        (tmp_path / "weights.bin").write_bytes(b"v1")
        second = log_artifact(producer, "weights.bin", name="model", type="model", aliases=["best"])
    with heron.init(project="zoo", job_type="eval") as consumer:
        use_artifact(consumer, "model:best")
    api = Api()
    assert api.artifact("team/zoo/model:v0").id == first.id
    assert api.artifact("model", type="model").id == second.id  # latest when no version given
    with pytest.raises(UsageError, match="type 'model', not 'dataset'"):
        api.artifact("model:v0", type="dataset")
    assert api.artifact_exists("zoo/model:best") and not api.artifact_exists("model:v7")
    assert [a.name for a in api.artifacts("model", "zoo/model")] == ["model:v1", "model:v0"]
    assert [a.name for a in api.artifact_versions("model", "model")] == ["model:v1", "model:v0"]
    kind = api.artifact_type("model", project="zoo")
    assert kind.name == "model"
    collections = kind.collections()
    assert [type(c) for c in collections] == [ArtifactCollection]
    assert [c.name for c in collections] == ["model"]
    assert [a.version for a in collections[0].artifacts()] == ["v1", "v0"]
    assert collections[0].aliases == ["best", "latest"]
    assert [t.name for t in api.artifact_types("zoo")] == ["model"]
    assert api.artifact_collection_exists("model", "model")

    read_producer = api.run(f"zoo/{producer.id}")
    assert [a.name for a in read_producer.logged_artifacts()] == ["model:v0", "model:v1"]
    read_consumer = api.run(f"zoo/{consumer.id}")
    assert [a.name for a in read_consumer.used_artifacts()] == ["model:v1"]
    downloaded = read_consumer.used_artifacts()[0].download()
    assert isinstance(downloaded, str) and Path(downloaded, "weights.bin").read_bytes() == b"v1"
    assert [r.id for r in api.artifact("model:v1").used_by()] == [consumer.id]
    assert api.artifact("model:v1").logged_by().id == producer.id  # type: ignore[union-attr]


def test_projects_and_what_heron_lacks(runs: list[str]) -> None:
    api = Api()
    projects = api.projects()
    assert [type(p) for p in projects] == [Project, Project]
    assert [p.name for p in projects] == ["other", "zoo"]
    zoo = api.project("zoo", entity="team")
    assert zoo.path == ["local", "zoo"] and len(zoo.runs()) == 3
    with pytest.raises(NotFoundError, match="projects: other, zoo"):
        api.project("nope")
    assert api.default_entity == "local"
    with pytest.raises(UnsupportedError, match=r"Api\.sweep"):
        api.sweep("team/zoo/abc123")
    assert isinstance(Artifact, type)


def test_files_saved_with_a_run_are_listed_by_the_api(store_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "model.pth").write_bytes(b"weights")
    (tmp_path / "notes.txt").write_text("done")
    with heron.init(project="zoo") as run:
        run.save(str(tmp_path / "*.pth"), base_path=str(tmp_path))
        run.save(str(tmp_path / "notes.txt"), base_path=str(tmp_path))
    read = Api().run(f"zoo/{run.id}")
    assert sorted(f.name for f in read.files()) == ["model.pth", "notes.txt"]
    with read.file("notes.txt").download(root=str(tmp_path / "back")) as handle:
        assert handle.read() == "done"
    with pytest.raises(NotFoundError, match=r"has no file 'absent\.txt'"):
        read.file("absent.txt")


def test_exporting_runs_the_way_wandb_docs_show(runs: list[str], tmp_path: Path) -> None:
    # W&B's "export a project's runs" recipe reads summary._json_dict, config and name.
    summaries, configs, names = [], [], []
    for run in Api().runs("team" + "/" + "zoo"):
        summaries.append(run.summary._json_dict)
        configs.append({k: v for k, v in run.config.items() if not k.startswith("_")})
        names.append(run.name)
    frame = pandas.DataFrame({"summary": summaries, "config": configs, "name": names})
    frame.to_csv(tmp_path / "project.csv")
    assert names == ["run-0", "run-1", "run-2"]
    assert [c["lr"] for c in configs] == [0.1, 0.01, 0.5]
    assert summaries[2]["loss"] == pytest.approx(2.1)
    assert pandas.read_csv(tmp_path / "project.csv")["name"].tolist() == names


def test_a_read_back_run_can_record_an_artifact_it_used(runs: list[str], tmp_path: Path) -> None:
    (tmp_path / "labels.txt").write_text("cat\ndog\n")
    with heron.init(project="zoo") as producer:
        labels = log_artifact(producer, str(tmp_path / "labels.txt"), name="labels")
    api = Api()
    run = api.run(f"zoo/{runs[0]}")
    assert run.use_artifact(api.artifact("labels:latest")).id == labels.id
    assert [a.name for a in api.run(f"zoo/{runs[0]}").used_artifacts()] == ["labels:v0"]
    with pytest.raises(ArtifactError, match="is a draft"):
        run.use_artifact(Artifact("draft", type="t"))
