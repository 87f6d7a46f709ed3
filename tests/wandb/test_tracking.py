"""``import heron.wandb as wandb``: init, config, summary, log, define_metric, save, finish, modes.

Everything a script logs through the W&B surface is read back through heron's own API.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import heron
import heron.wandb as wandb
from heron.errors import UsageError
from heron.wandb.errors import UnsupportedError, UnsupportedWarning
from tests.fixtures.scenario import run_scenario

WANDB_VARIABLES = [
    "WANDB_PROJECT",
    "WANDB_DIR",
    "WANDB_MODE",
    "WANDB_NAME",
    "WANDB_NOTES",
    "WANDB_TAGS",
    "WANDB_RUN_GROUP",
    "WANDB_JOB_TYPE",
    "WANDB_SILENT",
    "WANDB_RUN_ID",
]


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No WANDB_* settings leak in and no run outlives its test (conftest resets warnings)."""
    for variable in WANDB_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    yield
    wandb.teardown()


def _stored(store_dir: Path, path: str) -> heron.ApiRun:
    return heron.Api(store_dir).run(path)


def test_login_says_once_there_is_nothing_to_log_in_to(capsys: pytest.CaptureFixture[str]) -> None:
    assert wandb.login() is True
    assert wandb.login(key="abc", relogin=True) is True
    err = capsys.readouterr().err
    assert err.count("nothing to log in to") == 1


def test_wandb_silent_silences_the_notes(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WANDB_SILENT", "true")
    assert wandb.login() is True
    assert "nothing to log in to" not in capsys.readouterr().err


def test_config_and_log_before_init_say_to_call_init() -> None:
    assert wandb.run is None
    with pytest.raises(UsageError, match=r"call wandb.init\(\) before wandb.config.lr"):
        _ = wandb.config.lr
    with pytest.raises(UsageError, match=r"wandb.init\(\) before wandb.summary\['x'\]"):
        wandb.summary["x"] = 1
    with pytest.raises(UsageError, match=r"wandb.init\(\) before wandb.log"):
        wandb.log({"x": 1})


def test_init_stores_what_wandb_scripts_pass(store_dir: Path) -> None:
    run = wandb.init(
        project="nature",
        name="first",
        notes="trying",
        tags=["a", "b"],
        group="g1",
        job_type="train",
        config={"fc_size": 1024, "lr": 0.1},
    )
    assert wandb.run is run
    assert (run.project, run.name, run.job_type, run.group) == ("nature", "first", "train", "g1")
    assert run.tags == ("a", "b")
    wandb.config.epochs = 5
    wandb.config["batch"] = 32
    wandb.config.update({"lr": 0.2}, allow_val_change=True)
    wandb.config.setdefaults({"lr": 9.0, "dropout": 0.5})
    assert wandb.config.lr == 0.2
    assert run.config["epochs"] == 5
    assert wandb.config.as_dict() == {
        "fc_size": 1024,
        "lr": 0.2,
        "epochs": 5,
        "batch": 32,
        "dropout": 0.5,
    }
    with pytest.raises(AttributeError, match="no key 'missing'"):
        _ = wandb.config.missing
    run.name = "renamed"
    run.tags = (*run.tags, "best")
    wandb.finish()
    assert wandb.run is None
    with pytest.raises(UsageError, match=r"wandb.init\(\) before wandb.log"):
        wandb.log({"after": 1})

    stored = _stored(store_dir, run.path)
    assert stored.name == "renamed"
    assert stored.tags == ["a", "b", "best"]
    assert (stored.notes, stored.group, stored.job_type) == ("trying", "g1", "train")
    assert stored.config == {"fc_size": 1024, "lr": 0.2, "epochs": 5, "batch": 32, "dropout": 0.5}
    assert stored.state == "finished"


def test_config_takes_argparse_and_absl_flags(store_dir: Path) -> None:
    from absl import flags

    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--arch", default="resnet")
    flag_values = flags.FlagValues()
    flags.DEFINE_integer("epochs", 3, "epochs", flag_values=flag_values)
    flag_values(["prog"])

    run = wandb.init(project="p", config=parser.parse_args([]), config_exclude_keys=["arch"])
    wandb.config.update(flag_values)
    wandb.finish()
    assert _stored(store_dir, run.path).config == {"lr": 0.01, "epochs": 3}


def test_environment_variables_are_the_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HERON_DIR", raising=False)
    monkeypatch.setenv("WANDB_DIR", str(tmp_path))
    monkeypatch.setenv("WANDB_PROJECT", "from-env")
    monkeypatch.setenv("WANDB_NAME", "env-name")
    monkeypatch.setenv("WANDB_NOTES", "env notes")
    monkeypatch.setenv("WANDB_TAGS", "x, y")
    monkeypatch.setenv("WANDB_RUN_GROUP", "env-group")
    monkeypatch.setenv("WANDB_JOB_TYPE", "eval")
    monkeypatch.setenv("WANDB_MODE", "offline")
    run = wandb.init()
    wandb.finish()
    other = wandb.init(project="explicit", name="wins")
    wandb.finish()

    api = heron.Api(tmp_path / "heron-data")
    stored = api.run(run.path)
    assert stored.project == "from-env"
    assert (stored.name, stored.notes, stored.group, stored.job_type) == (
        "env-name",
        "env notes",
        "env-group",
        "eval",
    )
    assert stored.tags == ["x", "y"]
    assert api.run(other.path).name == "wins"
    assert api.run(other.path).project == "explicit"


def test_online_mode_stores_locally_and_says_so(
    store_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = wandb.init(project="p", mode="online")
    wandb.log({"x": 1})
    wandb.finish()
    assert "local heron store" in capsys.readouterr().err
    assert list(_stored(store_dir, run.path).scan_history()) == [{"_step": 0, "x": 1.0}]


def test_disabled_mode_stores_nothing_and_every_call_behaves(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WANDB_MODE", "disabled")
    run = wandb.init(project="p", config={"a": 1})
    assert run.disabled
    wandb.config.b = 2
    assert dict(wandb.config.items()) == {"a": 1, "b": 2}
    wandb.log({"loss": 0.5})
    wandb.log({"loss": 0.25, "image": wandb.Image(np.zeros((4, 4), np.uint8))})
    wandb.define_metric("loss", summary="min")
    wandb.summary["best"] = 3
    assert wandb.summary["loss"] == 0.25
    assert wandb.summary.best == 3
    # As W&B's disabled runs: nothing saved, no artifacts, the step stays 0.
    assert run.save("nothing-here.txt") is False
    assert run.use_artifact("data:latest") is None
    assert run.log_artifact("some/path").wait().version is not None
    assert run.step == 0
    wandb.finish()
    assert not store_dir.exists()


def test_log_follows_wandbs_step_and_commit_rules(store_dir: Path) -> None:
    # The three forms W&B documents as equivalent store the same history.
    run = wandb.init(project="steps")
    wandb.log({"train-loss": 0.5, "accuracy": 0.8})
    wandb.log({"train-loss": 0.4, "accuracy": 0.9})
    wandb.log({"train-loss": 0.5}, commit=False)
    wandb.log({"accuracy": 0.8})
    wandb.log({"train-loss": 0.4}, commit=False)
    assert run.step == 3
    wandb.log({"accuracy": 0.9})
    current_step = run.step
    wandb.log({"train-loss": 0.5}, step=current_step)
    wandb.log({"accuracy": 0.8}, step=current_step)
    current_step += 1
    wandb.log({"train-loss": 0.4}, step=current_step)
    wandb.log({"accuracy": 0.9}, step=current_step, commit=True)
    # A later log without step= goes to the next step; one that skips ahead stays open.
    wandb.log({"c": 3.0}, step=10)
    wandb.log({"d": 4.0})
    with pytest.warns(UnsupportedWarning, match="step 5, which is below the current step 11"):
        wandb.log({"e": 5.0}, step=5)
    wandb.log({"f": 6.0})
    assert run.step == 12
    wandb.log({"g": 7.0}, step=np.int64(12))  # numpy integers are steps too
    with pytest.raises(UsageError, match="step must be an int"):
        wandb.log({"h": 8.0}, step=12.5)
    wandb.finish()

    rows = list(_stored(store_dir, run.path).scan_history())
    pair = [{"train-loss": 0.5, "accuracy": 0.8}, {"train-loss": 0.4, "accuracy": 0.9}]
    assert [{k: v for k, v in row.items() if k != "_step"} for row in rows[:6]] == pair * 3
    assert [row["_step"] for row in rows[:6]] == [0, 1, 2, 3, 4, 5]
    assert rows[6:] == [
        {"_step": 10, "c": 3.0, "d": 4.0},
        {"_step": 11, "f": 6.0},
        {"_step": 12, "g": 7.0},
    ]


def test_summary_keeps_last_values_unless_set(store_dir: Path) -> None:
    run = wandb.init(project="p")
    for loss in (3.0, 1.0, 2.0):
        wandb.log({"loss": loss, "acc": 1 / loss})
    wandb.summary["acc"] = 0.99
    wandb.summary.update({"note": "best"})
    run.summary.epochs = 3
    assert wandb.summary.loss == 2.0
    wandb.finish()
    assert _stored(store_dir, run.path).summary == {
        "loss": 2.0,
        "acc": 0.99,
        "note": "best",
        "epochs": 3,
    }


def test_define_metric_summaries_match_wandbs(store_dir: Path) -> None:
    # Shapes checked against wandb 0.31 offline: summary="max" keeps {"max": ...} only.
    run = wandb.init(project="p")
    wandb.define_metric("acc", summary="max")
    wandb.define_metric("loss", summary="min,last")
    wandb.define_metric("lr", summary="none")
    wandb.define_metric("val/*", step_metric="epoch", summary="mean")
    for epoch, (acc, loss) in enumerate([(0.5, 3.0), (0.9, 1.0), (0.7, 2.0)]):
        wandb.log({"acc": acc, "loss": loss, "lr": 0.1, "epoch": epoch, "val/acc": acc})
    wandb.finish()

    stored = _stored(store_dir, run.path)
    assert stored.summary == {
        "acc": {"max": 0.9},
        "loss": {"min": 1.0, "last": 2.0},
        "epoch": 2.0,
        "val/acc": {"mean": pytest.approx(0.7)},
    }
    definitions = stored.metric_definitions()
    assert definitions["val/*"]["step_metric"] == "epoch"
    assert definitions["acc"]["summary"] == ["max"]
    assert stored.history()["lr"].tolist() == [0.1, 0.1, 0.1]  # history keeps every value


def test_define_metric_refuses_unknown_aggregates(store_dir: Path) -> None:
    wandb.init(project="p")
    with pytest.raises(UsageError, match=r"unknown aggregate\(s\) \['best-ish'\]"):
        wandb.define_metric("acc", summary="best-ish")


def test_save_keeps_files_as_the_runs_files_artifact(store_dir: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    (work / "ckpt").mkdir(parents=True)
    (work / "model.h5").write_bytes(b"weights")
    (work / "ckpt" / "a.pt").write_bytes(b"A")
    (work / "ckpt" / "b.pt").write_bytes(b"B")
    (work / "temp.txt").write_text("gone soon")
    run = wandb.init(project="p")
    assert wandb.save(str(work / "model.h5")) == ["model.h5"]
    assert sorted(wandb.save(str(work / "ckpt" / "*.pt"), base_path=str(work))) == [
        "ckpt/a.pt",
        "ckpt/b.pt",
    ]
    wandb.save(str(work / "temp.txt"), policy="now")
    (work / "temp.txt").unlink()  # copied when saved with policy="now"
    Path(run.dir, "notes.md").write_text("in run.dir")
    wandb.finish()

    artifact = heron.Api(store_dir).artifact(f"p/run-{run.id}-files:latest")
    assert artifact.type == "run-files"
    assert sorted(entry.path for entry in artifact.files()) == [
        "ckpt/a.pt",
        "ckpt/b.pt",
        "model.h5",
        "notes.md",
        "temp.txt",
    ]
    assert artifact.get_path("temp.txt", root=tmp_path / "got").read_text() == "gone soon"
    assert artifact.logged_by() is not None


def test_finish_with_exit_code_marks_the_run_failed(store_dir: Path) -> None:
    run = wandb.init(project="p")
    wandb.finish(exit_code=1)
    assert _stored(store_dir, run.path).state == "failed"
    with wandb.init(project="p") as second:
        wandb.log({"x": 1})
    assert _stored(store_dir, second.path).state == "finished"


def test_init_again_returns_finishes_or_adds_runs_as_wandb_does(store_dir: Path) -> None:
    first = wandb.init(project="p")
    assert wandb.init(project="p") is first  # a script: the active run is returned
    second = wandb.init(project="p", reinit="finish_previous")
    assert second is not first and wandb.run is second
    assert _stored(store_dir, first.path).state == "finished"
    third = wandb.init(project="p", reinit="create_new")
    assert _stored(store_dir, second.path).state == "running"
    third.finish()
    assert wandb.run is second
    wandb.finish()
    assert _stored(store_dir, second.path).state == "finished"


def test_resume_continues_a_run_by_id(store_dir: Path) -> None:
    wandb.init(project="p", id="run-1")
    wandb.log({"x": 1})
    wandb.finish()
    run = wandb.init(project="p", id="run-1", resume="allow")
    assert run.resumed
    wandb.log({"x": 2})
    wandb.finish()
    assert [row["x"] for row in _stored(store_dir, "p/run-1").scan_history()] == [1.0, 2.0]


def test_unsupported_features_warn_once_or_raise_when_the_result_is_needed(
    store_dir: Path,
) -> None:
    with pytest.warns(UnsupportedWarning, match="ignores entity="):
        run = wandb.init(project="p", entity="my-team")
    with pytest.warns(UnsupportedWarning, match=r"alerts \(wandb.alert\)") as caught:
        wandb.alert(title="done", text="!")
        wandb.alert(title="again", text="!")
    assert len(caught) == 1
    with pytest.raises(UnsupportedError, match="sweeps"):
        wandb.sweep({"method": "grid"})
    with pytest.warns(UnsupportedWarning, match=r"wandb.Video"):
        video = wandb.Video(np.zeros((2, 3, 8, 8), np.uint8))
    with pytest.warns(UnsupportedWarning, match=r"link_artifact"):
        run.link_artifact(object(), "registry/models")
    with pytest.warns(UnsupportedWarning, match="ignores grouping="):
        image = wandb.Image(np.zeros((4, 4), np.uint8), grouping=2)
    wandb.log({"video": video, "image": image, "loss": 1.0})
    wandb.finish()
    assert list(_stored(store_dir, run.path).scan_history()) == [{"_step": 0, "loss": 1.0}]


def test_histograms_log_as_in_wandb(store_dir: Path) -> None:
    run = wandb.init(project="p")
    values = np.arange(100)
    wandb.log({"weights": wandb.Histogram(values, num_bins=10)})
    wandb.log({"grads": wandb.Histogram(np_histogram=np.histogram(values, bins=4))})
    wandb.finish()
    from heron.store import runs as run_store

    store = heron.Api(store_dir).store
    objects = {key: payload for _, key, _, payload in run_store.read_objects(store.engine, run.id)}
    assert objects["weights"]["counts"] == [10.0] * 10
    assert objects["grads"]["counts"] == [25.0] * 4


def test_settings_are_read_and_unknown_ones_named(store_dir: Path) -> None:
    with pytest.warns(UnsupportedWarning, match="x_stats_sampling_interval="):
        run = wandb.init(
            settings=wandb.Settings(project="from-settings", x_stats_sampling_interval=5)
        )
    wandb.finish()
    assert _stored(store_dir, run.path).project == "from-settings"


def test_the_run_lives_in_the_store_the_environment_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HERON_DIR", raising=False)
    run = wandb.init(project="p", dir=str(tmp_path / "out"))
    wandb.finish()
    assert os.path.isdir(tmp_path / "out" / "heron-data")
    assert heron.Api(tmp_path / "out" / "heron-data").run(run.path).state == "finished"


def test_resume_without_an_id_starts_a_new_run_and_says_so(store_dir: Path) -> None:
    with pytest.warns(UnsupportedWarning, match=r"needs id= to find the run"):
        run = wandb.init(project="p", resume="allow")
    assert not run.resumed
    wandb.finish()
    assert _stored(store_dir, run.path).state == "finished"


# -- public W&B tracking notebooks, as scenario scripts run in their own process ---------------


def test_scenario_define_metric(tmp_path: Path) -> None:
    api = run_scenario("define_metric", tmp_path)
    runs = {run.notes: run for run in api.runs("define-metric-demo")}
    custom = runs["custom step"]
    assert custom.metric_definitions()["validation/loss"]["step_metric"] == "custom_step"
    history = custom.history()
    assert history["custom_step"].tolist() == [float(i**2) for i in range(10)]
    assert history["validation/loss"].tolist() == [1 / (i + 1) for i in range(10)]
    assert custom.summary["train/loss"] == 0.1

    import random

    random.seed(1)  # the values the notebook draws
    drawn = [(random.uniform(0, 1 / (i + 1)), random.uniform(1 / (i + 1), 1)) for i in range(10)]
    best = runs["min of loss, max of acc"]
    assert best.summary == {
        "loss": {"min": min(loss for loss, _ in drawn)},
        "acc": {"max": max(acc for _, acc in drawn)},
    }
    assert best.history()["loss"].tolist() == [loss for loss, _ in drawn]


def test_scenario_configs(tmp_path: Path) -> None:
    api = run_scenario("configs", tmp_path)
    (run,) = api.runs("config_example")
    assert run.config == {
        "dataset": "CelebA",
        "type": "baseline",
        "epochs": 4,
        "batch_size": 32,
        "batch_per_gpu": 8,
        "weight_decay": 0.1,
        "bar": 32,
    }
    assert run.state == "finished"  # the notebook never calls finish: the process end does


def test_scenario_log_media(tmp_path: Path) -> None:
    from heron.store import runs as run_store

    api = run_scenario("log_media", tmp_path)
    runs = {run.name: run for run in api.runs("visualize-predictions")}

    def objects(name: str) -> list[tuple[int, str, str, Any]]:
        return run_store.read_objects(api.store.engine, runs[name].id)

    prices = [row["Stock Price"] for row in runs["metrics"].scan_history()]
    assert len(prices) == 1000
    ((_, key, kind, plot),) = objects("plots")
    assert (key, kind, plot["format"], plot["width"], plot["height"]) == (
        "plot",
        "image",
        "png",
        640,
        480,
    )
    histograms = objects("histograms")
    assert [step for step, *_ in histograms] == list(range(9))
    assert sum(histograms[0][3]["counts"]) == 10
    cafe = runs["images"].table("img")
    assert cafe.columns == ["image"]
    image = cafe.image(0)
    assert image is not None and (image.caption, image.width, image.height) == ("Cafe", 32, 24)
    tables = runs["tables"]
    assert tables.table("a_table").to_pandas().values.tolist() == [
        ["I love my phone", "1", "1"],
        ["My phone sucks", "0", "-1"],
    ]
    assert len(tables.table("another_table")) == 2
    # Media heron does not store leave a marker naming their type, and the script goes on.
    markers = {
        key: payload["type"]
        for name in ("videos", "audio", "html", "3d_objects")
        for _, key, kind, payload in objects(name)
        if kind == "unsupported"
    }
    assert markers == {
        "video": "wandb.Video",
        "examples": "wandb.Audio",
        "custom_file": "wandb.Html",
        "custom_string": "wandb.Html",
        "3d_object": "wandb.Object3D",
    }
