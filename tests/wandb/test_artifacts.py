"""``wandb.Artifact``, ``run.use_artifact`` and ``run.log_artifact`` with W&B's semantics.

What W&B does was checked against wandb 0.31 (offline): names are ``name:vN`` once logged,
``download()`` returns a str (the root as given, or ``./artifacts/<name>:vN``), changed files
in the way are replaced, ``get_entry`` of a missing path raises KeyError, ``get`` of a missing
name returns None, ``new_file`` refuses an existing name in mode "x", ``delete`` refuses a
version with aliases unless ``delete_aliases=True``.
"""

from __future__ import annotations

import os
import re
import uuid
import warnings
from pathlib import Path

import numpy as np
import pytest

import heron
from heron.errors import ArtifactError, NotFoundError
from heron.sdk.api import run_artifacts
from heron.sdk.run import Run as HeronRun
from heron.wandb.apis import Api
from heron.wandb.apis import Run as ApiRun
from heron.wandb.artifacts import Artifact, log_artifact, use_artifact
from heron.wandb.errors import UnsupportedWarning
from tests.fixtures.scenario import run_scenario


@pytest.fixture
def workdir(store_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with a small dataset; downloads default to ./artifacts there."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WANDB_ARTIFACT_DIR", raising=False)
    monkeypatch.delenv("HERON_ARTIFACT_DIR", raising=False)
    for label, count in (("cat", 3), ("dog", 2)):
        (tmp_path / "data" / label).mkdir(parents=True)
        for index in range(count):
            (tmp_path / "data" / label / f"{label}{index}.txt").write_text(f"{label} {index}")
    return tmp_path


def start(job_type: str) -> HeronRun:
    return heron.init(project="pets", job_type=job_type)


def logged_dataset(aliases: list[str] | None = None) -> Artifact:
    with start("upload") as run:
        artifact = Artifact("pets-raw", type="raw_data", description="raw", metadata={"n": 5})
        artifact.add_dir("data")
        return log_artifact(run, artifact, aliases=aliases)


def test_a_logged_artifact_is_named_with_its_version_and_downloads_to_a_str(
    workdir: Path,
) -> None:
    draft = Artifact("pets-raw", type="raw_data")
    assert draft.name == "pets-raw" and draft.is_draft() and draft.id is None
    assert draft.state == "PENDING"
    with pytest.raises(ArtifactError, match="before artifact 'pets-raw' was logged"):
        _ = draft.version
    with pytest.raises(ArtifactError):
        draft.download()

    artifact = logged_dataset(aliases=["first"])
    assert artifact.name == "pets-raw:v0" and artifact.version == "v0"
    assert artifact.qualified_name == "local/pets/pets-raw:v0"
    assert artifact.aliases == ["latest", "first"] and artifact.state == "COMMITTED"

    with start("split") as run:
        used = use_artifact(run, "pets-raw:latest", type="raw_data")
        data_dir = used.download()
        assert isinstance(data_dir, str)
        assert data_dir == str(workdir / "artifacts" / "pets-raw:v0")
        assert sorted(os.listdir(data_dir + "/cat/")) == ["cat0.txt", "cat1.txt", "cat2.txt"]
        assert Path(data_dir, "dog", "dog1.txt").read_text() == "dog 1"
        # Entity parts are accepted and ignored; project/name works too.
        assert use_artifact(run, "someone/pets/pets-raw:v0").id == artifact.id
        assert use_artifact(run, "pets/pets-raw:first").id == artifact.id
        with pytest.raises(ArtifactError, match="type 'raw_data', not 'model'"):
            use_artifact(run, "pets-raw:latest", type="model")
        with pytest.raises(NotFoundError, match="no alias 'best'"):
            use_artifact(run, "pets-raw:best")
    read_back = heron.Api().run(run.path)
    assert [a.version for a in Api().run(run.path).used_artifacts()] == ["v0"]
    assert read_back.state == "finished"


def test_logging_again_makes_a_version_only_when_content_changes(workdir: Path) -> None:
    first = logged_dataset()
    again = logged_dataset()
    assert again.name == "pets-raw:v0" and again.id == first.id
    (workdir / "data" / "cat" / "cat0.txt").write_text("a different cat")
    second = logged_dataset()
    assert second.name == "pets-raw:v1"
    assert Api().artifact("pets-raw:latest").version == "v1"
    assert Api().artifact("pets-raw:v0").aliases == []


def test_add_file_new_file_and_remove_follow_wandb(workdir: Path) -> None:
    artifact = Artifact("files", type="dataset")
    entry = artifact.add_file("data/cat/cat0.txt")
    assert entry.path == "cat0.txt" and entry.size == len("cat 0")
    assert entry.digest is not None and len(entry.digest) == 64 and entry.ref is None
    assert artifact.add_file(str(workdir / "data/cat/cat0.txt")).path == "cat0.txt"  # same bytes
    with pytest.raises(ArtifactError, match="already in artifact 'files' with other content"):
        artifact.add_file("data/cat/cat1.txt", name="cat0.txt")
    artifact.add_file("data/cat/cat1.txt", name="cat0.txt", overwrite=True)
    renamed = artifact.add_file("data/dog/dog0.txt", name="tmp/dog.txt", is_tmp=True)
    assert renamed.path.startswith("tmp/") and renamed.path.endswith(".txt")
    assert renamed.path != "tmp/dog.txt"
    with artifact.new_file("labels.json") as handle:
        handle.write('["cat", "dog"]')
    with (
        pytest.raises(ArtifactError, match=r"'labels\.json' is already in"),
        artifact.new_file("labels.json") as handle,
    ):
        handle.write("again")
    with artifact.new_file("labels.json", mode="w") as handle:
        handle.write('["cat", "dog", "bird"]')
    with artifact.new_file("weights.bin", mode="wb") as handle:
        handle.write(b"\x00\x01")
    artifact.add_dir("data/dog", name="more/dog")
    artifact.remove("more")  # a directory: every path under it
    with pytest.raises(NotFoundError, match="'nothing' is not in artifact"):
        artifact.remove("nothing")
    assert sorted(artifact.manifest.entries) == [
        "cat0.txt",
        "labels.json",
        renamed.path,
        "weights.bin",
    ]
    with start("upload") as run:
        log_artifact(run, artifact)
    folder = artifact.download()
    assert Path(folder, "cat0.txt").read_text() == "cat 1"
    assert Path(folder, "labels.json").read_text() == '["cat", "dog", "bird"]'
    assert Path(folder, "weights.bin").read_bytes() == b"\x00\x01"
    with pytest.raises(ArtifactError, match="is committed and cannot change"):
        artifact.add_file("data/cat/cat2.txt")


def test_tables_and_images_added_to_an_artifact_read_back_with_get(workdir: Path) -> None:
    from heron.wandb.data_types import Classes, JoinedTable, Table, Video

    table = Table(columns=["id", "label", "score"], data=[["a", "cat", 0.5], ["b", "dog", 0.25]])
    pixels = np.zeros((4, 6, 3), dtype=np.uint8)
    pixels[:, :3] = 255
    labels = Table(columns=["label", "legs"], data=[["cat", 4], ["dog", 4], ["bird", 2]])
    artifact = Artifact("preview", type="dataset")
    artifact.add(table, "data_split")
    artifact.add(heron.Image(pixels), "example")
    artifact.add(JoinedTable(table, labels, "label"), "with_legs")
    artifact.add(Classes([{"id": 0, "name": "cat"}, {"id": 1, "name": "dog"}]), "classes")
    with warnings.catch_warnings():  # making one warns once per process: not this test's point
        warnings.simplefilter("ignore", UnsupportedWarning)
        clip = Video()
    with pytest.warns(UnsupportedWarning, match="adding Video objects"):
        artifact.add(clip, "clip")
    assert artifact.get("data_split") is table  # a draft hands back what was added
    with start("split") as run:
        log_artifact(run, artifact)
    with start("train") as run:
        used = use_artifact(run, "preview:latest")
        back = used.get("data_split")
        assert isinstance(back, Table)
        assert back.columns == ["id", "label", "score"]
        assert back.data == [["a", "cat", 0.5], ["b", "dog", 0.25]]
        assert back.get_column("label") == ["cat", "dog"]
        image = used.get("example")
        assert isinstance(image, heron.Image)
        assert image.to_numpy().tolist() == pixels.tolist()
        assert used.get("absent") is None
        joined = used.get("with_legs")
        assert joined.columns == ["id", "label", "score", "legs"]
        assert joined.data == [["a", "cat", 0.5, 4], ["b", "dog", 0.25, 4]]
        assert used.get("classes").as_map() == {0: "cat", 1: "dog"}
        assert used.get("clip") is None
        assert used.get_entry("data_split").path == "data_split.table.parquet"
        with pytest.raises(KeyError):
            used.get_entry("absent.txt")
    # heron's own API reads the same table.
    assert len(heron.Api().artifact("preview:v0").get("data_split")) == 2


def test_download_replaces_changed_files_and_honours_prefix_and_roots(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    artifact = logged_dataset()
    folder = artifact.download()
    Path(folder, "cat", "cat0.txt").write_text("edited by hand")
    Path(folder, "notes.txt").write_text("mine")
    assert artifact.download() == folder
    assert Path(folder, "cat", "cat0.txt").read_text() == "cat 0"
    assert Path(folder, "notes.txt").read_text() == "mine"  # not the artifact's: left alone
    with pytest.raises(ArtifactError, match="does not match"):
        artifact.verify()
    Path(folder, "notes.txt").unlink()
    artifact.verify()

    assert artifact.download(root="only-dogs", path_prefix="dog/") == "only-dogs"
    assert sorted(os.listdir("only-dogs")) == ["dog"]
    monkeypatch.setenv("WANDB_ARTIFACT_DIR", str(workdir / "elsewhere"))
    assert artifact.download() == str(workdir / "elsewhere" / "pets-raw:v0")

    Path("checkout").mkdir()
    Path("checkout", "stale.txt").write_text("old")
    assert artifact.checkout("checkout") == "checkout"
    assert not Path("checkout", "stale.txt").exists()
    assert Path("checkout", "cat", "cat2.txt").read_text() == "cat 2"

    entry = artifact.get_entry("dog/dog0.txt")
    assert entry.download(root="one") == os.path.join("one", "dog/dog0.txt")
    assert Path("one", "dog", "dog0.txt").read_text() == "dog 0"
    files = artifact.files()
    assert [f.name for f in files] == [
        "cat/cat0.txt",
        "cat/cat1.txt",
        "cat/cat2.txt",
        "dog/dog0.txt",
        "dog/dog1.txt",
    ]
    with files[0].download(root="listed") as handle:
        assert handle.read() == "cat 0"
    with pytest.raises(ArtifactError, match="already exists"):
        files[0].download(root="listed")
    with pytest.raises(ArtifactError, match="holds 5 files"):
        artifact.file()


def test_log_artifact_of_a_path_and_file_of_a_single_file_artifact(workdir: Path) -> None:
    with start("upload") as run:
        logged = log_artifact(
            run, artifact_or_path="data/cat/cat1.txt", name="one-cat", type="dataset"
        )
        unnamed = log_artifact(run, "data/dog")
        with pytest.raises(NotFoundError, match="is not a file, a directory or a URI"):
            log_artifact(run, "missing.csv")
    assert logged.name == "one-cat:v0" and logged.type == "dataset"
    assert unnamed.name == f"run-{run.id}-dog:v0" and unnamed.type == "unspecified"
    path = logged.file()
    assert isinstance(path, str) and Path(path).read_text() == "cat 1"
    assert path == str(workdir / "artifacts" / "one-cat:v0" / "cat1.txt")


def test_an_artifact_logged_in_the_same_script_can_be_used(workdir: Path) -> None:
    with start("pipeline") as run:
        artifact = Artifact("model", type="model")
        with artifact.new_file("weights.bin", mode="wb") as handle:
            handle.write(b"w")
        logged = log_artifact(run, artifact)
        assert use_artifact(run, logged) is logged
        draft = Artifact("config", type="params")
        with draft.new_file("config.json") as handle:
            handle.write("{}")
        used = use_artifact(run, draft, aliases=["base"])
        assert used is draft and draft.name == "config:v0" and "base" in draft.aliases
    api_run = Api().run(f"pets/{run.id}")
    assert [a.name for a in api_run.used_artifacts()] == ["model:v0", "config:v0"]
    # A used draft has no producing run, as in W&B: the run is only its user.
    assert [a.name for a in api_run.logged_artifacts()] == ["model:v0"]
    assert draft.logged_by() is None
    assert isinstance(logged.logged_by(), ApiRun)
    assert [r.id for r in logged.used_by()] == [run.id]


def test_save_keeps_edits_of_description_metadata_and_aliases(workdir: Path) -> None:
    logged_dataset()
    with start("curate") as run:
        artifact = use_artifact(run, "pets-raw:latest")
        artifact.description = "This is an edited description."
        artifact.metadata = {"source": "local disk"}
        artifact.metadata["owner"] = "platform team"
        artifact.aliases.append("reviewed")
        artifact.save()
    again = Api().artifact("pets/pets-raw:reviewed")
    assert again.description == "This is an edited description."
    assert again.metadata == {"source": "local disk", "owner": "platform team"}
    assert again.aliases == ["latest", "reviewed"]
    again.aliases.remove("reviewed")
    again.save()
    assert Api().artifact("pets-raw:v0").aliases == ["latest"]
    with pytest.raises(ArtifactError, match="must be a dict"):
        again.metadata = ["not", "a", "dict"]  # type: ignore[assignment]
    with pytest.raises(ArtifactError, match="JSON-compatible"):
        again.metadata = {"bad": object()}
    assert Api().artifact("pets-raw:v0").metadata == {
        "source": "local disk",
        "owner": "platform team",
    }


def test_delete_refuses_a_version_with_aliases_unless_asked(workdir: Path) -> None:
    first = logged_dataset()
    (workdir / "data" / "cat" / "cat0.txt").write_text("changed")
    second = logged_dataset(aliases=["best"])
    with pytest.raises(ArtifactError, match=r"still has aliases \(best, latest\)"):
        second.delete()
    assert Api().artifact("pets-raw:v1").id == second.id  # nothing was deleted
    second.delete(delete_aliases=True)
    assert Api().artifact("pets-raw:latest").id == first.id
    assert not Api().artifact_exists("pets-raw:v1")
    with pytest.raises(NotFoundError, match="no alias 'best'"):
        Api().artifact("pets-raw:best")
    assert Path(first.download(), "cat", "cat0.txt").read_text() == "cat 0"
    upload_runs = Api().runs("pets", filters={"jobType": "upload"})
    assert [a.version for r in upload_runs for a in r.logged_artifacts()] == ["v0"]


def test_new_draft_continues_from_a_logged_version(workdir: Path) -> None:
    logged_dataset()
    (workdir / "extra.txt").write_text("a new file")
    with start("extend") as run:
        draft = use_artifact(run, "pets-raw:latest").new_draft()
        draft.add_file("extra.txt", name="cat/extra.txt")
        draft.remove("dog/dog1.txt")
        log_artifact(run, draft)
    assert draft.name == "pets-raw:v1"
    assert sorted(Api().artifact("pets-raw:v1").manifest.entries) == [
        "cat/cat0.txt",
        "cat/cat1.txt",
        "cat/cat2.txt",
        "cat/extra.txt",
        "dog/dog0.txt",
    ]
    assert Path(draft.download(), "cat", "cat0.txt").read_text() == "cat 0"


def test_references_and_entries_of_other_artifacts(workdir: Path) -> None:
    source = logged_dataset()
    artifact = Artifact("refs", type="dataset")
    added = artifact.add_reference((workdir / "data" / "dog").as_uri(), name="dogs")
    assert [e.path for e in added] == ["dogs/dog0.txt", "dogs/dog1.txt"]
    assert added[0].ref == (workdir / "data" / "dog" / "dog0.txt").as_uri()
    shared = artifact.add_reference(source.get_entry("cat/cat2.txt"))
    assert [e.path for e in shared] == ["cat2.txt"]
    with pytest.raises(ArtifactError, match="must be URIs"):
        artifact.add_reference("data/cat")
    with start("refs") as run:
        log_artifact(run, artifact)
    folder = artifact.download()
    assert Path(folder, "dogs", "dog1.txt").read_text() == "dog 1"
    assert Path(folder, "cat2.txt").read_text() == "cat 2"


def test_features_heron_lacks_warn_and_carry_on(workdir: Path) -> None:
    with pytest.warns(UnsupportedWarning, match="incremental artifacts"):
        artifact = Artifact("inc", type="dataset", incremental=True)
    assert artifact.incremental
    artifact.add_file("data/cat/cat0.txt")
    with start("upload") as run, pytest.warns(UnsupportedWarning, match="artifact tags"):
        log_artifact(run, artifact, tags=["raw"])
    with pytest.warns(UnsupportedWarning, match="registry"):
        artifact.link("model-registry/pets")
    assert artifact.name == "inc:v0"
    web = Artifact("web", type="dataset")
    with pytest.warns(UnsupportedWarning, match=r"https:// references"):
        assert web.add_reference("https://example.com/data.csv") == []
    assert web.manifest.entries == {}


# -- the public W&B Artifacts notebooks, as scenario scripts run in their own process -----------


def versions(api: heron.Api, project: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for version in api.artifacts(project):
        found.setdefault(version.name, []).append(version.version)
    return found


def edges(api: heron.Api, project: str) -> set[tuple[str, str, str]]:
    """(job type, kind, artifact name:vN) for every lineage edge of the project's runs."""
    found = set()
    for run in api.runs(project):
        for kind, direction in (("logged", "output"), ("used", "input")):
            for version in run_artifacts(api.store, run.id, direction):
                found.add((run.job_type or "", kind, f"{version.name}:{version.version}"))
    return found


def test_scenario_artifacts_quickstart(tmp_path: Path) -> None:
    api = run_scenario("artifacts_quickstart", tmp_path)
    assert versions(api, "artifacts_demo") == {
        "inat_raw_data_50": ["v0"],
        "inat_test_data_5": ["v0"],
        "inat_train_data_40": ["v0"],
        "inat_val_data_5": ["v0"],
        "iv3": ["v0"],
        "iv3_trained": ["v0"],
    }
    assert edges(api, "artifacts_demo") == {
        ("upload", "logged", "inat_raw_data_50:v0"),
        ("data_split", "used", "inat_raw_data_50:v0"),
        ("data_split", "logged", "inat_train_data_40:v0"),
        ("data_split", "logged", "inat_val_data_5:v0"),
        ("data_split", "logged", "inat_test_data_5:v0"),
        ("train", "used", "inat_train_data_40:v0"),
        ("train", "used", "inat_val_data_5:v0"),
        ("train", "logged", "iv3:v0"),
        ("train", "logged", "iv3_trained:v0"),
        ("inference", "used", "iv3_trained:v0"),
        ("inference", "used", "inat_test_data_5:v0"),
    }
    raw = api.artifact("artifacts_demo/inat_raw_data_50:latest")
    assert len(raw.files()) == 50 and raw.type == "raw_data"
    source = tmp_path / "nature_stand_in"
    downloaded = raw.download(tmp_path / "check")
    for entry in raw.files():
        assert (downloaded / entry.path).read_bytes() == (source / entry.path).read_bytes()
    train_split = {e.path for e in api.artifact("inat_train_data_40:v0").files()}
    test_split = {e.path for e in api.artifact("inat_test_data_5:v0").files()}
    assert len(train_split) == 40 and not train_split & test_split
    model = api.artifact("iv3_trained:latest")
    assert model.description == "trained inception v3"
    assert model.metadata["num_train"] == 40 and model.metadata["img_width"] == 299
    weights = model.download(tmp_path / "model") / "trained_keras_model_iv3.keras"
    assert weights.read_text() == "weights trained on 40 images"


def test_scenario_image_classification_artifacts(tmp_path: Path) -> None:
    api = run_scenario("image_classification_artifacts", tmp_path)
    split = api.artifact("nature_photos/inat_80-10-10_50:v0")
    assert split.type == "balanced_data"
    paths = [e.path for e in split.files()]
    assert len(paths) == 51 and "data_split.table.parquet" in paths
    assert sum(p.startswith("test/") for p in paths) == 5
    preview = split.get("data_split")
    assert preview.columns == ["id", "image", "label", "split"] and len(preview) == 50
    frame = preview.to_pandas()
    assert (frame["label"] == "unknown").sum() == 5
    assert set(frame.loc[frame["split"] == "test", "label"]) == {"unknown"}
    first = frame.iloc[0]
    stored = split.download(tmp_path / "split")
    matching = [p for p in paths if p.endswith(f"/{first['id']}.png")]
    assert len(matching) == 1
    assert first["image"].encoded_bytes() == (stored / matching[0]).read_bytes()
    model = api.artifact("iv3_finetuned:latest")
    assert sorted(e.path for e in model.files()) == ["saved_model.pb", "variables/variables.index"]
    inference = next(r for r in api.runs("nature_photos") if r.job_type == "inference")
    results = inference.table("test_results")
    assert len(results) == 5 and results.columns[:4] == ["id", "image", "guess", "truth"]
    assert {(job, kind, name) for job, kind, name in edges(api, "nature_photos")} >= {
        ("train", "used", "inat_80-10-10_50:v0"),
        ("train", "logged", "iv3_finetuned:v0"),
        ("inference", "used", "iv3_finetuned:v0"),
        ("inference", "used", "inat_80-10-10_50:v0"),
    }


def test_scenario_artifact_fundamentals(tmp_path: Path) -> None:
    api = run_scenario("artifact_fundamentals", tmp_path)
    history = api.artifact_versions("artifact-basics/my_first_artifact")
    assert [v.version for v in history] == ["v0", "v1", "v2"]
    assert [sorted(e.path for e in v.files()) for v in history] == [
        ["file1.csv"],
        ["file1.csv", "file2.csv"],
        ["file1.csv"],
    ]
    latest = history[-1]
    assert latest.aliases == ["latest", "subsampled"]
    assert latest.description == "This is an edited description."
    assert latest.metadata == {"source": "local disk", "internal data owner": "platform team"}
    rows = (latest.download(tmp_path / "v2") / "file1.csv").read_text().splitlines()
    assert rows[0] == "feature1,feature2,feature3,feature4" and len(rows) == 51
    assert [r.state for r in latest.used_by()] == ["finished", "finished"]
    first_run = history[0].logged_by()
    assert first_run is not None and first_run.project == "artifact-basics"


def test_scenario_tabular_split(tmp_path: Path) -> None:
    api = run_scenario("tabular_split", tmp_path)
    library = api.artifact("tabular-splits/data-library:latest")
    assert library.metadata == {"filename": "stand-in.csv", "rows": 40}
    table = library.get("data-table")
    assert len(table) == 40 and table.columns == ["ID", "AGE", "SEX", "K_BLOOD", "LET_IS"]
    assert table.get_column("AGE")[:3] == [30, 31, 32]
    splits = api.artifact("data-splits:v0")
    sources = {
        name: splits.get(name).get_column("source")
        for name in ("train-data", "val-data", "test-data")
    }
    assert [len(v) for v in sources.values()] == [32, 4, 4]
    assert sorted(i for values in sources.values() for i in values) == list(range(40))
    transforms = api.artifact("data-transforms:latest")
    assert set(transforms.metadata) == {"NoneToVal", "ToTensor", "OneHot"}
    saved = (transforms.download(tmp_path / "t") / "transforms.txt").read_text()
    assert '"num_classes": 8' in saved
    assert ("package-data", "used", "data-splits:v0") in edges(api, "tabular-splits")
    assert ("split-data", "used", "data-library:v0") in edges(api, "tabular-splits")


def test_scenario_artifacts_pipeline(tmp_path: Path) -> None:
    api = run_scenario("artifacts_pipeline", tmp_path)
    raw = api.artifact("artifacts-example/mnist-raw:latest")
    assert raw.metadata == {"source": "stand-in", "sizes": [48, 16, 16]}
    assert sorted(e.path for e in raw.files()) == ["test.pt", "training.pt", "validation.pt"]
    assert api.artifact("mnist-preprocess:v0").metadata == {"normalize": True, "expand_dims": True}
    assert api.artifact("convnet:v0").metadata["hidden_layer_sizes"] == [8]
    assert [e.path for e in api.artifact("trained-model:v0").files()] == ["trained_model.pth"]
    assert edges(api, "artifacts-example") >= {
        ("load-data", "logged", "mnist-raw:v0"),
        ("preprocess-data", "used", "mnist-raw:v0"),
        ("preprocess-data", "logged", "mnist-preprocess:v0"),
        ("initialize", "logged", "convnet:v0"),
        ("train", "used", "mnist-preprocess:v0"),
        ("train", "used", "convnet:v0"),
        ("train", "logged", "trained-model:v0"),
        ("report", "used", "trained-model:v0"),
        ("report", "used", "mnist-preprocess:v0"),
    }
    train_run = next(r for r in api.runs("artifacts-example") if r.job_type == "train")
    assert train_run.config["optimizer"] == "Adam" and train_run.config["dropout"] == 0.5
    assert "train/loss" in train_run.metric_keys()
    report = next(r for r in api.runs("artifacts-example") if r.job_type == "report")
    assert set(report.summary) >= {"loss", "accuracy"}


def test_saving_a_draft_logs_it_with_the_active_run_or_an_auto_run(workdir: Path) -> None:
    with start("build") as run:
        inside = Artifact("saved-inside", type="dataset")
        inside.add_file("data/cat/cat0.txt")
        inside.save()
        assert inside.wait() is inside and inside.name == "saved-inside:v0"
    outside = Artifact("saved-outside", type="dataset")
    outside.add_file("data/dog/dog0.txt")
    with pytest.raises(ArtifactError, match="before artifact 'saved-outside' was logged"):
        outside.wait()
    outside.save(project="pets")
    assert outside.name == "saved-outside:v0" and outside.project == "pets"
    producer = outside.logged_by()
    assert producer is not None and producer.job_type == "auto" and producer.state == "finished"
    assert [a.name for a in Api().run(f"pets/{run.id}").logged_artifacts()] == ["saved-inside:v0"]


def test_scenario_artifact_auditing(tmp_path: Path, s3_settings: dict[str, str]) -> None:
    import boto3

    prefix = f"audit-{uuid.uuid4().hex}"
    s3 = boto3.client(
        "s3",
        endpoint_url=s3_settings["endpoint"],
        aws_access_key_id=s3_settings["key"],
        aws_secret_access_key=s3_settings["secret"],
        region_name="us-east-1",
    )
    try:
        api = run_scenario(
            "artifact_auditing",
            tmp_path,
            {
                "AUDIT_S3_PREFIX": prefix,
                "AUDIT_S3_BUCKET": s3_settings["bucket"],
                "AUDIT_S3_ENDPOINT": s3_settings["endpoint"],
                "AUDIT_S3_KEY": s3_settings["key"],
                "AUDIT_S3_SECRET": s3_settings["secret"],
            },
        )
        # Only the two best checkpoints are kept: older ones were deleted with their aliases.
        names = [c["name"] for c in api.artifact_collections("audit-artifacts")]
        assert names == ["checkpoint-2.pth.tar", "checkpoint-3.pth.tar"]
        (run,) = api.runs("audit-artifacts")
        assert [a.name for a in run.logged_artifacts()] == names
        assert run.config["NUM_CHECKPOINTS"] == 2
        assert [row["evaluation loss"] for row in run.scan_history(["evaluation loss"])] == [
            pytest.approx(1 / n) for n in (1, 2, 3, 4)
        ]
        best = api.artifact("audit-artifacts/checkpoint-3.pth.tar:latest")
        uploaded = s3.get_object(Bucket=s3_settings["bucket"], Key=f"{prefix}/checkpoint-3.pth.tar")
        assert uploaded["Metadata"] == {"digest": best.digest}
        stored = best.download(tmp_path / "best") / "checkpoint-3.pth.tar"
        assert uploaded["Body"].read() == stored.read_bytes()
        assert (tmp_path / "stdout.txt").read_text().split() == [
            "uploaded",
            f"{prefix}/checkpoint-3.pth.tar",
            "unchanged",
            f"{prefix}/checkpoint-3.pth.tar",
        ]
    finally:
        listed = s3.list_objects_v2(Bucket=s3_settings["bucket"], Prefix=prefix + "/")
        for item in listed.get("Contents", []):
            s3.delete_object(Bucket=s3_settings["bucket"], Key=item["Key"])


def test_s3_references_use_the_aws_settings_wandb_users_have(
    workdir: Path, s3_settings: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3

    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_settings["endpoint"])
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3_settings["key"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3_settings["secret"])
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    s3 = boto3.client("s3")
    bucket, prefix = s3_settings["bucket"], f"wandb-refs-{uuid.uuid4().hex}"
    for name, body in (("a.csv", b"x,y\n1,2\n"), ("sub/b.csv", b"x,y\n3,4\n")):
        s3.put_object(Bucket=bucket, Key=f"{prefix}/{name}", Body=body)
    try:
        artifact = Artifact("s3-data", type="dataset")
        entries = artifact.add_reference(f"s3://{bucket}/{prefix}", name="csv")
        assert sorted(e.path for e in entries) == ["csv/a.csv", "csv/sub/b.csv"]
        assert entries[0].ref == f"s3://{bucket}/{prefix}/a.csv"
        with pytest.raises(ArtifactError):
            artifact.add_reference(f"s3://{bucket}/{prefix}", name="more", max_objects=1)
        with start("refs") as run:
            log_artifact(run, artifact)
        folder = artifact.download()
        assert Path(folder, "csv", "sub", "b.csv").read_bytes() == b"x,y\n3,4\n"
        assert artifact.get_entry("csv/a.csv").ref_target() == f"s3://{bucket}/{prefix}/a.csv"
    finally:
        listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix + "/")
        for item in listed.get("Contents", []):
            s3.delete_object(Bucket=bucket, Key=item["Key"])


def test_entry_and_identity_details(workdir: Path) -> None:
    first = logged_dataset()
    assert first.source_name == first.name == "pets-raw:v0"
    assert first.source_qualified_name == "local/pets/pets-raw:v0"
    assert first.file_count == 5 and first.size == sum(len(f"cat {i}") for i in range(3)) + 10
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", first.created_at)
    entry = first.get_path("cat/cat1.txt")  # W&B's deprecated name for get_entry
    assert entry.path == "cat/cat1.txt" and entry.size == 5 and entry.ref is None
    assert entry.ref_url() == f"heron-artifact://{first.id}/cat/cat1.txt"
    assert entry.parent_artifact() is first
    again = Api().artifact("pets-raw:v0")
    assert again.digest == first.digest and again.id == first.id
    draft = Artifact("draft", type="dataset")
    added = draft.add_file("data/cat/cat0.txt")
    draft.add_file("data/cat/cat1.txt")
    draft.remove(added)  # an entry object works as well as a path
    assert list(draft.manifest.entries) == ["cat1.txt"]
    assert draft.manifest.entries["cat1.txt"].size == 5


def test_numpy_values_in_metadata_are_stored_as_numbers_and_lists(workdir: Path) -> None:
    artifact = Artifact(
        "stats",
        type="dataset",
        metadata={"count": np.int64(5), "mean": np.float32(0.5), "classes": np.array([0, 1])},
    )
    artifact.add_file("data/cat/cat0.txt")
    artifact.metadata["std"] = np.float64(0.25)  # changed after it was made, as scripts do
    with start("stats") as run:
        log_artifact(run, artifact)
    assert Api().artifact("stats:v0").metadata == {
        "count": 5,
        "mean": 0.5,
        "classes": [0, 1],
        "std": 0.25,
    }


def test_saving_aliases_read_earlier_leaves_latest_on_the_newest_version(workdir: Path) -> None:
    logged_dataset()
    old = Api().artifact("pets-raw:v0")
    assert old.aliases == ["latest"]  # read while v0 is the newest
    (workdir / "data" / "cat" / "cat0.txt").write_text("a new cat")
    logged_dataset()  # v1 takes 'latest'
    old.aliases.append("archived")
    old.save()
    assert Api().artifact("pets-raw:latest").version == "v1"
    assert Api().artifact("pets-raw:v0").aliases == ["archived"]
    old.aliases = []  # assigning a list says which aliases the version keeps
    old.save()
    assert Api().artifact("pets-raw:v0").aliases == []
    with start("relabel") as run:
        log_artifact(run, old, aliases=["latest", "kept"])  # already logged: only labelled
    assert Api().artifact("pets-raw:latest").version == "v1"
    assert Api().artifact("pets-raw:kept").version == "v0"
