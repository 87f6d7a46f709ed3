"""``heron import wandb``: real offline runs made by the real wandb package, imported and read
back through heron's API, value by value."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image as PILImage

import heron
from heron.importers.wandb_import import heron_project, heron_run_id, import_wandb
from heron.store import runs as run_store
from tests.wandb.offline_env import wandb_environment

# Making real W&B runs takes seconds; every test here but the one on id stand-ins reads them.
pytestmark = pytest.mark.slow

SCRIPT = Path(__file__).with_name("wandb_offline_script.py")
STEPS = 60


def make_wandb_runs(work: Path, *arguments: str) -> Path:
    """Run the W&B script in its own process; returns the ``wandb/`` directory it wrote."""
    result = subprocess.run(
        [sys.executable, str(SCRIPT), str(work), *arguments],
        env=wandb_environment(work),
        capture_output=True,
        text=True,
        check=False,
        cwd=work,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return work / "wd" / "wandb"


@pytest.fixture(scope="module")
def wandb_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float, float]:
    """The W&B directory holding the two runs, and the times before and after making them."""
    work = tmp_path_factory.mktemp("wandb-work")
    before = time.time()
    directory = make_wandb_runs(work)
    return directory, before, time.time()


def run_dir(wandb_dir: Path, run_id: str) -> Path:
    (found,) = [p for p in wandb_dir.iterdir() if p.name.endswith(f"-{run_id}")]
    return found


def test_import_brings_every_logged_value(
    wandb_runs: tuple[Path, float, float], store_dir: Path
) -> None:
    wandb_dir, before, after = wandb_runs
    report = import_wandb([wandb_dir], store_dir=store_dir, progress=False)
    assert [(o.run_path, o.status) for o in report.runs] == [
        ("nature/wbtrain01", "imported"),
        ("nature/wbeval01", "imported"),
        ("nature/wbfail01", "imported"),
    ]
    api = heron.Api(store_dir)
    train = api.run("nature/wbtrain01")

    # identity, config, state and times
    assert (train.name, train.group, train.job_type, train.notes, train.tags) == (
        "first-train",
        "exp-1",
        "train",
        "trained offline",
        ["baseline", "small"],
    )
    config = dict(train.config)
    assert config.pop("_wandb")["run_id"] == "wbtrain01"
    assert config == {
        "lr": 0.001,
        "layers": [64, 32],
        "optimizer": {"name": "adam", "beta": 0.9},
        "epochs": 3,
        "batch_size": 16,
    }
    record = train.record
    assert train.state == "finished"
    assert before <= record.created_at <= record.finished_at <= after  # type: ignore[operator]
    assert record.program.endswith("wandb_offline_script.py")

    # full history: every step of every key; _step is the step, _runtime a metric
    rows = {row["_step"]: row for row in train.scan_history()}
    plain = STEPS - 10
    for i in range(STEPS):
        assert rows[i]["train/loss"] == pytest.approx(1.0 / (i + 1))
        if i < plain:
            assert rows[i]["acc"] == pytest.approx(i / STEPS)
            assert "val/loss" not in rows[i]
        else:  # logged with commit=False, then joined by the next log call
            assert rows[i]["val/loss"] == pytest.approx(0.5 - i / 1000)
            assert "acc" not in rows[i]
    assert rows[STEPS + 10]["lr_now"] == 0.5
    assert set(rows) == set(range(STEPS)) | {STEPS + 10 + k for k in range(8)}
    runtimes = [rows[step]["_runtime"] for step in sorted(rows)]
    assert runtimes == sorted(runtimes) and runtimes[0] >= 0
    assert all(before <= row["_timestamp"] <= after for row in rows.values())
    assert set(train.metric_keys()) == {
        "train/loss", "acc", "val/loss", "lr_now", "_runtime", "_timestamp"
    }  # fmt: skip

    # summary: last values and the explicitly set one
    summary = train.summary
    assert summary["best_acc"] == 0.97
    assert summary["train/loss"] == pytest.approx(1.0 / STEPS)
    assert summary["acc"] == pytest.approx((plain - 1) / STEPS)
    assert summary["note"] == "halfway"
    assert summary["lr_now"] == 0.5
    assert summary["val/loss"] == {"min": pytest.approx(0.5 - (STEPS - 1) / 1000)}
    definitions = train.metric_definitions()
    assert definitions["val/loss"]["summary"] == ["min"]
    assert definitions["_runtime"]["hidden"] and definitions["_timestamp"]["hidden"]

    # the file saved with wandb.save
    saved = api.artifact("nature/run-wbtrain01-files:latest")
    assert Path(saved.download(root=store_dir.parent / "saved"), "model.txt").read_text() == (
        "weights"
    )

    # the logged image, the table with images, the image list, the histogram, the string
    objects = {
        key: (step, kind, payload)
        for step, key, kind, payload in run_store.read_objects(api.store.engine, train.id)
    }
    step, kind, payload = objects["sample"]
    assert (step, kind, payload["caption"], payload["width"]) == (
        STEPS + 12,
        "image",
        "a sample",
        16,
    )
    sample = np.asarray(PILImage.open(io.BytesIO(api.store.blobs.get(payload["sha256"]))))
    assert np.array_equal(sample, np.arange(16 * 16 * 3, dtype=np.uint8).reshape(16, 16, 3))
    overlays = json.loads(payload["overlays"])
    assert overlays["classes"] == {"0": "background", "1": "cat"}
    (sample_box,) = overlays["boxes"]
    assert (sample_box["x0"], sample_box["x1"], sample_box["caption"]) == (0.25, 0.75, "a cat")
    (mask_ref,) = overlays["masks"]
    truth = np.asarray(PILImage.open(io.BytesIO(api.store.blobs.get(mask_ref["sha256"]))))
    expected_mask = np.zeros((16, 16), dtype=np.uint8)
    expected_mask[4:8, 2:6] = 1
    assert np.array_equal(truth, expected_mask)
    assert objects["note"] == (STEPS + 11, "value", "halfway")
    assert objects["weights"] == (
        STEPS + 14,
        "histogram",
        {"bins": [0.0, 1.0, 2.0, 3.0], "counts": [1.0, 2.0, 3.0]},
    )
    assert "page" not in objects  # HTML: no heron counterpart, reported below
    (train_outcome,) = [o for o in report.runs if o.wandb_id == "wbtrain01"]
    assert any("'page' at step" in note and "HTML" in note for note in train_outcome.notes)

    assert train.tables() == {
        "predictions": [STEPS + 13],
        "examples": [STEPS + 14],
        "err_curve": [STEPS + 15],
        "confusion": [STEPS + 15],
        "joined": [STEPS + 15],
        "live": [STEPS + 16, STEPS + 17],
    }
    # a joined table: the inner join on "id", with the first table's images
    joined = train.table("joined")
    assert joined.columns == ["id", "image", "guess", "truth", "score", "label"]
    assert joined.get_column("id") == ["img1", "img3"]
    assert joined.get_column("label") == ["dog", "cat"]
    assert joined.image(1, "image").to_numpy()[0, 0].tolist() == [3, 0, 7]  # type: ignore[union-attr]
    # an incremental table: each step holds every row logged so far
    first, second = (train.table("live", STEPS + 16 + epoch) for epoch in range(2))
    assert first.get_column("epoch") == [0, 0, 0]
    assert second.get_column("err") == pytest.approx([0, 0.1, 0.2, 1, 1.1, 1.2])
    assert [second.image(i).to_numpy()[0, 0, 0] for i in range(6)] == [100, 101, 102, 110, 111, 112]  # type: ignore[union-attr]
    # wandb.plot charts: their tables under the logged key, drawn as heron charts
    chart = objects["err_curve"][2]["chart"]
    assert (chart["kind"], chart["title"], chart["fields"]) == (
        "line",
        "Error",
        {"x": "epoch", "y": "err"},
    )
    assert train.table("err_curve").get_column("err") == pytest.approx([1, 1 / 2, 1 / 3, 1 / 4])
    assert objects["confusion"][2]["chart"]["kind"] == "confusion_matrix"
    confusion = train.table("confusion")
    counts = {
        (a, p): n
        for a, p, n in zip(
            confusion.get_column("Actual"),
            confusion.get_column("Predicted"),
            confusion.get_column("nPredictions"),
            strict=True,
        )
    }
    assert counts == {("cat", "cat"): 2, ("cat", "dog"): 0, ("dog", "cat"): 1, ("dog", "dog"): 1}
    table = train.table("predictions")
    assert table.columns == ["id", "image", "guess", "truth", "score"]
    assert table.get_column("id") == [f"img{k}" for k in range(6)]
    assert table.get_column("guess") == ["cat", "dog"] * 3
    assert table.get_column("score") == pytest.approx([k / 10 for k in range(6)])
    for k in range(6):
        image = table.image(k, "image")
        assert image is not None and image.caption == f"c{k}"
        assert image.to_numpy()[0, 0].tolist() == [k, 0, 7]
        assert len(image.boxes) == (1 if k == 0 else 0)
    (row_box,) = table.image(0, "image").boxes  # type: ignore[union-attr]
    assert (row_box["y0"], row_box["y1"], row_box["class_id"]) == (0.1, 0.5, 1)
    assert row_box["scores"] == {"conf": 0.8}
    assert table.image(0, "image").classes == {"0": "background", "1": "cat"}  # type: ignore[union-attr]
    examples = train.table("examples")
    assert [examples.image(i).to_numpy()[1, 1, 0] for i in range(2)] == [10, 200]  # type: ignore[union-attr]

    # the artifact, its files and table, its aliases, and lineage both ways
    dataset = api.artifact("nature/nature-data:v0")
    assert dataset.type == "dataset" and dataset.description == "a split"
    assert dataset.metadata == {"n": 3}
    assert set(dataset.aliases) == {"latest", "best"}
    files = {f.path for f in dataset.files()}
    assert {"README.txt", "labels.table.parquet", "checked.table.parquet"} <= files
    assert {"train/a.csv", "train/b.csv"} <= files
    assert dataset.get("checked").get_column("label") == ["dog", "cat"]
    root = Path(dataset.download(root=store_dir.parent / "download"))
    assert (root / "train" / "b.csv").read_text() == "x\n2\n"
    labels = dataset.get("labels")
    assert labels.get_column("id") == [f"img{k}" for k in range(6)]
    assert labels.image(2, "image").sha256 == table.image(2, "image").sha256  # type: ignore[union-attr]
    assert dataset.logged_by().id == "wbtrain01"  # type: ignore[union-attr]
    assert [run.id for run in dataset.used_by()] == ["wbeval01"]

    evaluation = api.run("nature/wbeval01")
    assert evaluation.job_type == "eval" and evaluation.state == "finished"
    assert [row["test_acc"] for row in evaluation.scan_history(["test_acc"])] == [0.9]
    failed = api.run("nature/wbfail01")
    assert (failed.state, failed.record.exit_code) == ("failed", 3)


def test_importing_twice_adds_nothing(
    wandb_runs: tuple[Path, float, float], store_dir: Path
) -> None:
    wandb_dir, _, _ = wandb_runs
    import_wandb([wandb_dir], store_dir=store_dir, progress=False)
    api = heron.Api(store_dir)
    before = _store_contents(api)
    again = import_wandb([wandb_dir], store_dir=store_dir)
    assert [o.status for o in again.runs] == ["unchanged"] * 3
    assert all(o.reason == "already imported from this log" for o in again.runs)
    assert _store_contents(heron.Api(store_dir)) == before


def _store_contents(api: heron.Api) -> Any:
    runs = [(r.path, r.config, r.summary, r.state, list(r.scan_history())) for r in api.runs()]
    artifacts = [(a.qualified_name, a.digest, a.aliases) for a in api.artifacts()]
    return runs, artifacts, sorted(p.name for p in (api.store.root / "tables").iterdir())


def test_bad_run_directories_are_reported_and_skipped(
    wandb_runs: tuple[Path, float, float], store_dir: Path, tmp_path: Path
) -> None:
    wandb_dir, _, _ = wandb_runs
    good = run_dir(wandb_dir, "wbeval01")
    truncated = tmp_path / "truncated" / "offline-run-20260101_000000-wbtrain01"
    shutil.copytree(run_dir(wandb_dir, "wbtrain01"), truncated)
    log = truncated / "run-wbtrain01.wandb"
    data = log.read_bytes()
    log.write_bytes(data[: len(data) // 2])
    garbage = tmp_path / "garbage" / "offline-run-20260101_000000-garbage1"
    garbage.mkdir(parents=True)
    (garbage / "run-garbage1.wandb").write_bytes(b"not a log at all")
    damaged = tmp_path / "damaged" / "offline-run-20260101_000000-wbfail01"
    shutil.copytree(run_dir(wandb_dir, "wbfail01"), damaged)
    damaged_log = damaged / "run-wbfail01.wandb"
    flipped = bytearray(damaged_log.read_bytes())
    # Rot one byte of the first record's data (after the 7-byte file and chunk headers).
    flipped[7 + 7 + 2] ^= 0xFF
    damaged_log.write_bytes(bytes(flipped))
    empty = tmp_path / "empty"
    empty.mkdir()

    report = import_wandb(
        [truncated, garbage, damaged, good, empty, tmp_path / "missing"], store_dir=store_dir
    )
    outcomes = {o.source: o for o in report.runs}
    assert outcomes[truncated].status == "skipped"
    assert (
        str(log) in outcomes[truncated].reason and "truncated at byte" in outcomes[truncated].reason
    )
    assert outcomes[garbage].status == "skipped"
    assert "not a W&B transaction log" in outcomes[garbage].reason
    assert outcomes[damaged].status == "skipped"
    assert outcomes[damaged].reason == f"{damaged_log}: corrupt record at byte 7 (bad checksum)"
    assert outcomes[tmp_path / "missing"].status == "skipped"
    assert "no such file or directory" in outcomes[tmp_path / "missing"].reason
    assert "no W&B run directories" in outcomes[empty].reason
    assert outcomes[good].status == "imported"
    # the truncated run left nothing behind: importing the intact copy later still works
    assert [r.id for r in heron.Api(store_dir).runs()] == ["wbeval01"]
    later = import_wandb([run_dir(wandb_dir, "wbtrain01")], store_dir=store_dir)
    assert [o.status for o in later.runs] == ["imported"]


def test_a_run_already_in_the_store_is_left_as_it_is(
    wandb_runs: tuple[Path, float, float], store_dir: Path
) -> None:
    wandb_dir, _, _ = wandb_runs
    with heron.init(project="nature", id="wbtrain01", dir=store_dir, config={"mine": 1}) as run:
        run.log({"loss": 3.0})
    report = import_wandb([run_dir(wandb_dir, "wbtrain01")], store_dir=store_dir)
    (outcome,) = report.runs
    assert outcome.status == "skipped" and "did not come from W&B" in outcome.reason
    kept = heron.Api(store_dir).run("nature/wbtrain01")
    assert kept.config == {"mine": 1}
    assert list(kept.scan_history()) == [{"_step": 0, "loss": 3.0}]


def test_missing_artifact_files_are_reported(
    wandb_runs: tuple[Path, float, float],
    store_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """W&B's staging copies of an artifact's files may be gone (synced, or another machine)."""
    wandb_dir, _, _ = wandb_runs
    monkeypatch.setenv("WANDB_CACHE_DIR", str(tmp_path / "empty-cache"))
    copy = tmp_path / "moved"
    shutil.copytree(run_dir(wandb_dir, "wbtrain01"), copy / "offline-run-1-wbtrain01")
    staging = wandb_dir.parent.parent / "data" / "artifacts" / "staging"
    hidden = tmp_path / "staging-elsewhere"
    staging.rename(hidden)
    try:
        report = import_wandb([copy], store_dir=store_dir)
    finally:
        hidden.rename(staging)
    (outcome,) = report.runs
    assert outcome.status == "imported"
    assert any(n.startswith("artifact nature-data: files not local") for n in outcome.notes)
    assert any("'predictions' at step" in n and "staging" in n for n in outcome.notes)
    run = heron.Api(store_dir).run("nature/wbtrain01")
    # The image list's files are in the run directory, and so is the whole of a table without
    # media; a table with images is complete only in W&B's staging copy.
    assert run.tables() == {
        "examples": [STEPS + 14],
        "err_curve": [STEPS + 15],
        "confusion": [STEPS + 15],
    }
    assert run.table("err_curve").get_column("epoch") == [0, 1, 2, 3]
    assert [a.name for a in heron.Api(store_dir).artifacts()] == ["run-wbtrain01-files"]


def test_artifact_files_are_found_in_the_wandb_cache(
    wandb_runs: tuple[Path, float, float],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Once a run is synced, W&B keeps the staged files in its cache, named by their MD5
    (``artifacts/obj/md5/ab/cdef...``); this lays them out so, with the staging folder gone."""
    wandb_dir, _, _ = wandb_runs
    staging = wandb_dir.parent.parent / "data" / "artifacts" / "staging"
    cache = tmp_path / "wandb-cache"
    for staged in staging.iterdir():
        digest = hashlib.md5(staged.read_bytes()).hexdigest()
        target = cache / "artifacts" / "obj" / "md5" / digest[:2] / digest[2:]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(staged, target)
    monkeypatch.setenv("WANDB_CACHE_DIR", str(cache))
    hidden = tmp_path / "staging-elsewhere"
    staging.rename(hidden)
    try:
        report = import_wandb([wandb_dir], store_dir=tmp_path / "store")
    finally:
        hidden.rename(staging)
    assert [o.status for o in report.runs] == ["imported"] * 3
    assert not [n for o in report.runs for n in o.notes if "not local" in n or "staging" in n]
    api = heron.Api(tmp_path / "store")
    dataset = api.artifact("nature/nature-data:v0")
    assert dataset.get("labels").image(3, "image").to_numpy()[0, 0].tolist() == [3, 0, 7]  # type: ignore[union-attr]
    assert len(api.run("nature/wbtrain01").table("predictions")) == 6
    assert [run.id for run in dataset.used_by()] == ["wbeval01"]


def test_cli_imports_and_prints_the_summary(
    wandb_runs: tuple[Path, float, float], tmp_path: Path
) -> None:
    wandb_dir, _, _ = wandb_runs
    store = tmp_path / "cli-store"
    command = [
        sys.executable,
        "-m",
        "heron.cli",
        "import",
        "wandb",
        "--dir",
        str(store),
        str(wandb_dir),
    ]
    first = subprocess.run(command, capture_output=True, text=True, check=False)
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert lines[0].startswith("imported 3 run(s)")
    assert "1 artifact version(s)" in lines[0]
    assert any(line.strip().startswith("imported  nature/wbtrain01") for line in lines)
    assert any("logged nature/nature-data:v0" in line for line in lines)
    assert any("used nature/nature-data:v0" in line for line in lines)
    assert any("skipped 'page' at step" in line for line in lines)
    second = subprocess.run([*command, "--progress"], capture_output=True, text=True, check=False)
    assert second.returncode == 0
    assert "importing W&B runs" in second.stderr and "3/3" in second.stderr  # the progress bar
    assert second.stdout.startswith("imported 0 run(s)")
    assert "3 already imported" in second.stdout


def test_cli_without_wandb_says_how_to_install_it(
    wandb_runs: tuple[Path, float, float], tmp_path: Path
) -> None:
    wandb_dir, _, _ = wandb_runs
    # None in sys.modules makes the import fail as if the package were not installed.
    code = (
        "import sys; sys.modules['wandb'] = None; sys.argv = ['heron'] + sys.argv[1:]; "
        "from heron.cli.main import main; main()"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            "import",
            "wandb",
            "--dir",
            str(tmp_path / "s"),
            str(wandb_dir),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "pip install 'heron[wandb]'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.postgres
def test_import_into_a_postgresql_store(
    wandb_runs: tuple[Path, float, float], store_dir: Path, pg_url: str
) -> None:
    wandb_dir, _, _ = wandb_runs
    report = import_wandb([wandb_dir], store_dir=store_dir, database_url=pg_url)
    assert [o.status for o in report.runs] == ["imported"] * 3
    api = heron.Api(store_dir, database_url=pg_url)
    train = api.run("nature/wbtrain01")
    assert train.config["batch_size"] == 16 and train.summary["best_acc"] == 0.97
    assert len(list(train.scan_history(["train/loss"]))) == STEPS
    assert train.table("predictions").get_column("id") == [f"img{k}" for k in range(6)]
    dataset = api.artifact("nature/nature-data:latest")
    assert [run.id for run in dataset.used_by()] == ["wbeval01"]
    again = import_wandb([wandb_dir], store_dir=store_dir, database_url=pg_url)
    assert [o.status for o in again.runs] == ["unchanged"] * 3
    assert len(heron.Api(store_dir, database_url=pg_url).artifacts()) == 2  # and saved files


def test_ids_and_project_names_heron_does_not_accept_get_stable_stand_ins() -> None:
    assert heron_run_id("k3x9p2aq") == "k3x9p2aq"
    mapped = heron_run_id("my run:1/b")
    assert mapped.startswith("my-run-1-b-") and mapped == heron_run_id("my run:1/b")
    assert heron_run_id("my run:1/c") != mapped
    assert heron_project("nature") == "nature"
    assert heron_project("my project!") == "my-project"
    assert heron_project("..") == "uncategorized"  # heron refuses a project of dots only


def test_an_interrupted_import_is_reported_not_repeated(
    wandb_runs: tuple[Path, float, float], store_dir: Path
) -> None:
    """A run whose import stopped half-way records no log digest: it is left for the user."""
    wandb_dir, _, _ = wandb_runs
    with heron.init(project="nature", id="wbeval01", dir=store_dir) as run:
        run.config["_wandb"] = {"run_id": "wbeval01", "log": "run-wbeval01.wandb"}
    report = import_wandb([run_dir(wandb_dir, "wbeval01")], store_dir=store_dir)
    (outcome,) = report.runs
    assert outcome.status == "skipped"
    assert "an earlier import of this run did not finish" in outcome.reason
    assert list(heron.Api(store_dir).run("nature/wbeval01").scan_history()) == []


def test_an_alias_taken_in_the_store_stays_where_it_is(
    wandb_runs: tuple[Path, float, float], store_dir: Path, tmp_path: Path
) -> None:
    wandb_dir, _, _ = wandb_runs
    (tmp_path / "mine.txt").write_text("my own data")
    with heron.init(project="nature", dir=store_dir) as run:
        mine = heron.Artifact("nature-data", type="dataset")
        mine.add_file(tmp_path / "mine.txt")
        run.log_artifact(mine, aliases=["best"])
    report = import_wandb([run_dir(wandb_dir, "wbtrain01")], store_dir=store_dir)
    (outcome,) = report.runs
    assert outcome.artifacts == ["nature/nature-data:v1"]
    assert any("alias(es) best already name another version" in n for n in outcome.notes)
    api = heron.Api(store_dir)
    assert set(api.artifact("nature/nature-data:v0").aliases) == {"best"}
    assert set(api.artifact("nature/nature-data:v1").aliases) == {"latest"}


CRASHING_SCRIPT = """
import glob, os, time, wandb
run = wandb.init(project="nature", id="wbcrash1")
for i in range(3000):
    run.log({"loss": float(i)})
# W&B writes its log in the background, in 32 KiB blocks: once two are on disk some history is
# there. Then die without finishing, as a killed job does.
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    found = glob.glob("wd/wandb/*-wbcrash1/run-wbcrash1.wandb")
    if found and os.path.getsize(found[0]) >= 2 * 32768:
        break
    time.sleep(0.05)
os._exit(9)
"""


def test_a_run_whose_process_died_comes_in_crashed(store_dir: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    script = work / "crash.py"
    script.write_text(CRASHING_SCRIPT)
    died = subprocess.run(
        [sys.executable, str(script)], env=wandb_environment(work), cwd=work, check=False
    )
    assert died.returncode == 9
    # W&B writes its log in whole blocks: the log of a process that died usually ends
    # mid-record (refused without --partial), or by chance at a record's end.
    report = import_wandb([work / "wd" / "wandb"], store_dir=store_dir, partial=True)
    (outcome,) = report.runs
    assert outcome.status == "imported"
    run = heron.Api(store_dir).run("nature/wbcrash1")
    assert run.state == "crashed" and run.record.finished_at is None
    rows = list(run.scan_history(["loss"]))
    assert 0 < len(rows) <= 3000
    assert [row["_step"] for row in rows] == list(range(len(rows)))
    assert [row["loss"] for row in rows] == [float(step) for step in range(len(rows))]


def test_a_log_cut_short_is_refused_or_read_up_to_the_cut(
    wandb_runs: tuple[Path, float, float], store_dir: Path, tmp_path: Path
) -> None:
    wandb_dir, _, _ = wandb_runs
    cut = tmp_path / "cut" / "offline-run-20260101_000000-wbtrain01"
    shutil.copytree(run_dir(wandb_dir, "wbtrain01"), cut)
    log = cut / "run-wbtrain01.wandb"
    data = log.read_bytes()
    log.write_bytes(data[: len(data) * 2 // 3])

    (refused,) = import_wandb([cut], store_dir=store_dir).runs
    assert refused.status == "skipped"
    assert f"{log}: truncated at byte" in refused.reason and "--partial" in refused.reason
    assert heron.Api(store_dir).runs() == []

    (outcome,) = import_wandb([cut], store_dir=store_dir, partial=True).runs
    assert outcome.status == "imported"
    assert any(n.startswith("the log is cut short at byte") for n in outcome.notes)
    run = heron.Api(store_dir).run("nature/wbtrain01")
    assert run.state == "crashed"
    rows = list(run.scan_history(["train/loss"]))
    assert 0 < len(rows) < STEPS + 10
    for row in rows:
        assert row["train/loss"] == pytest.approx(1.0 / (row["_step"] + 1))


RESUMING_SCRIPT = """
import os, wandb
for offset in (0, 10):
    # each part in its own folder: W&B names run folders by the second they start in
    os.makedirs(f"part{offset}", exist_ok=True)
    run = wandb.init(project="nature", id="wbresum1", resume="allow", dir=f"part{offset}")
    for i in range(3):
        run.log({"loss": float(offset + i)})
    run.finish()
"""


def test_a_resumed_part_of_an_imported_run_is_reported(store_dir: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "resume.py").write_text(RESUMING_SCRIPT)
    subprocess.run([sys.executable, "resume.py"], env=wandb_environment(work), cwd=work, check=True)
    parts = [work / "part0" / "wandb", work / "part10" / "wandb"]
    report = import_wandb(parts, store_dir=store_dir)
    first, second = report.runs
    assert first.status == "imported"
    assert second.status == "skipped" and "a resumed part of a run" in second.reason
    run = heron.Api(store_dir).run("nature/wbresum1")
    assert [row["loss"] for row in run.scan_history(["loss"])] == [0.0, 1.0, 2.0]
