"""Runs: the walkthrough's example, states, steps, config and summary, resume."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import heron
from heron.errors import ConfigError, NotFoundError, UsageError


def test_issue_example_round_trip(store_dir: Path) -> None:
    with heron.init(
        project="nature",
        job_type="train",
        group="fc-sweep",
        config={"fc_size": 1024, "lr": 1e-3},
        tags=["baseline"],
        notes="first try",
    ) as run:
        assert heron.run is run
        for epoch in range(5):
            run.log({"loss": 0.5 / (epoch + 1), "val/acc": 0.6 + epoch / 20}, step=epoch)
        run.summary["best_acc"] = 0.8
    assert heron.run is None

    api = heron.Api()
    stored = api.runs("nature")[0]
    assert stored.config == {"fc_size": 1024, "lr": 1e-3}
    assert stored.summary == {"best_acc": 0.8, "loss": 0.1, "val/acc": pytest.approx(0.8)}
    assert stored.state == "finished"
    assert (stored.job_type, stored.group, stored.tags, stored.notes) == (
        "train",
        "fc-sweep",
        ["baseline"],
        "first try",
    )
    history = stored.history()
    assert list(history.columns) == ["_step", "loss", "val/acc"]
    assert history["_step"].tolist() == [0, 1, 2, 3, 4]
    assert history["loss"].tolist() == pytest.approx([0.5, 0.25, 0.5 / 3, 0.125, 0.1])


def test_records_host_python_git_and_times(
    store_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    for args in (["init", "-q"], ["commit", "-q", "--allow-empty", "-m", "x"]):
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo, check=True
        )
    (repo / "tracked.txt").write_text("a")
    subprocess.run(["git", "add", "tracked.txt"], cwd=repo, check=True)
    monkeypatch.chdir(repo)
    with heron.init(project="p", dir=store_dir) as run:
        run.log({"x": 1})
    record = heron.Api(store_dir).run(run.path).record
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
    )
    assert record.git_commit == head.stdout.strip()
    assert record.git_dirty is True
    assert record.host and record.pid > 0 and record.python_version.startswith("3.")
    assert record.finished_at is not None and record.finished_at >= record.created_at


def test_auto_steps_and_nested_keys(store_dir: Path) -> None:
    with heron.init(project="p") as run:
        run.log({"a": 1})
        run.log({"a": 2, "train": {"loss": 0.5, "inner": {"x": 3}}})
        assert run.step == 2
        run.log({"b": 1}, step=10)
        run.log({"c": 2}, step=10)  # same step: merged into one row
        run.log({"a": 3})  # continues after the explicit step
    rows = list(heron.Api().run(run.path).scan_history())
    assert rows == [
        {"_step": 0, "a": 1.0},
        {"_step": 1, "a": 2.0, "train/inner/x": 3.0, "train/loss": 0.5},
        {"_step": 10, "b": 1.0, "c": 2.0},
        {"_step": 11, "a": 3.0},
    ]


def test_nan_and_inf_are_kept(store_dir: Path) -> None:
    with heron.init(project="p") as run:
        run.log({"v": math.nan})
        run.log({"v": math.inf})
        run.log({"v": -math.inf})
    values = [row["v"] for row in heron.Api().run(run.path).scan_history()]
    assert math.isnan(values[0]) and values[1] == math.inf and values[2] == -math.inf
    assert values[2] == heron.Api().run(run.path).summary["v"]


def test_numpy_scalars_log_as_numbers(store_dir: Path) -> None:
    import numpy as np

    with heron.init(project="p") as run:
        run.log({"a": np.float32(0.5), "b": np.int64(3), "c": np.bool_(True)})
    assert list(heron.Api().run(run.path).scan_history()) == [
        {"_step": 0, "a": 0.5, "b": 3.0, "c": 1.0}
    ]


def test_exception_marks_failed_and_exit_code_marks_failed(store_dir: Path) -> None:
    with pytest.raises(RuntimeError), heron.init(project="p") as run:
        run.log({"a": 1})
        raise RuntimeError("boom")
    assert heron.Api().run(run.path).state == "failed"
    second = heron.init(project="p")
    second.finish(exit_code=3)
    record = heron.Api().run(second.path).record
    assert (record.state, record.exit_code) == ("failed", 3)


def test_uncaught_exception_in_script_marks_failed(store_dir: Path) -> None:
    script = textwrap.dedent(
        """
        import heron
        run = heron.init(project="p")
        heron.log({"a": 1})
        print(run.path, flush=True)
        raise RuntimeError("crash")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert done.returncode == 1
    path = done.stdout.strip()
    run = heron.Api().run(path)
    assert run.state == "failed"
    assert run.summary == {"a": 1.0}


def test_script_without_finish_is_finished_at_exit(store_dir: Path) -> None:
    script = "import heron\nrun = heron.init(project='p')\nheron.log({'a': 2})\nprint(run.path)\n"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert heron.Api().run(done.stdout.strip()).state == "finished"


def test_killed_process_is_marked_crashed_on_next_open(store_dir: Path) -> None:
    script = textwrap.dedent(
        """
        import os, signal, heron
        run = heron.init(project="p")
        run.log({"a": 1})
        print(run.path, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert done.returncode == -9
    assert heron.Api().run(done.stdout.strip()).state == "crashed"


def test_config_is_persisted_and_updatable(store_dir: Path) -> None:
    with heron.init(project="p", config={"lr": 0.1, "model": {"layers": [1, 2]}}) as run:
        run.config["batch"] = 32
        run.config.update({"lr": 0.2})
        run.config.epochs = 5
        assert run.config.lr == 0.2
        # Persisted at once: a reader sees it while the run is still going.
        assert heron.Api().run(run.path).config == {
            "lr": 0.2,
            "model": {"layers": [1, 2]},
            "batch": 32,
            "epochs": 5,
        }


def test_unstorable_config_fails_naming_the_key(store_dir: Path) -> None:
    with pytest.raises(ConfigError, match=r"config\['act'\]"):
        heron.init(project="p", config={"act": lambda x: x})
    assert not store_dir.exists(), "a refused config must not create anything"
    with heron.init(project="p", config={"lr": 1}) as run:
        with pytest.raises(ConfigError, match=r"config\['opt'\]\['cls'\]"):
            run.config["opt"] = {"cls": object()}
        assert dict(run.config) == {"lr": 1}
    assert heron.Api().run(run.path).config == {"lr": 1}


def test_log_after_finish_is_refused(store_dir: Path) -> None:
    run = heron.init(project="p")
    run.log({"a": 1})
    run.finish()
    with pytest.raises(UsageError, match="after finish"):
        run.log({"a": 2})
    assert [row["a"] for row in heron.Api().run(run.path).scan_history()] == [1.0]


def test_bad_keys_and_backward_steps_store_nothing_wrong(store_dir: Path) -> None:
    with heron.init(project="p") as run:
        run.log({"a": 1}, step=5)
        with pytest.raises(UsageError, match="must be strings"):
            run.log({3: 1.0})  # type: ignore[dict-item]
        with pytest.raises(UsageError, match="goes backwards"):
            run.log({"a": 2}, step=4)
        with pytest.raises(UsageError, match="cannot log object"):
            run.log({"a": 9, "b": object()}, step=6)
        run.log({"a": 3}, step=7)
    assert list(heron.Api().run(run.path).scan_history()) == [
        {"_step": 5, "a": 1.0},
        {"_step": 7, "a": 3.0},
    ]


def test_resume_continues_steps_and_keeps_config(store_dir: Path) -> None:
    with heron.init(project="p", id="resumable", config={"lr": 0.1}) as run:
        run.log({"a": 1})
        run.log({"a": 2})
    with pytest.raises(UsageError, match="already exists"):
        heron.init(project="p", id="resumable")
    with heron.init(project="p", id="resumable", resume="allow", config={"extra": True}) as again:
        assert again.step == 2
        again.log({"a": 3})
    stored = heron.Api().run("p/resumable")
    assert [row["_step"] for row in stored.scan_history()] == [0, 1, 2]
    assert stored.config == {"lr": 0.1, "extra": True}
    with pytest.raises(NotFoundError):
        heron.init(project="p", id="nope", resume="must")


def test_module_level_log_needs_a_run(store_dir: Path) -> None:
    with pytest.raises(UsageError, match=r"heron\.init"):
        heron.log({"a": 1})
    heron.init(project="p")
    heron.log({"a": 1})
    path = heron.run.path if heron.run else ""
    heron.finish()
    assert heron.run is None
    assert heron.Api().run(path).summary == {"a": 1.0}
