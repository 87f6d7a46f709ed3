"""The peer suite's harness, run on heron alone at toy sizes, and its report on known figures."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from bench.peers import report
from bench.peers.__main__ import main
from bench.peers.scenarios import select
from bench.peers.suite import Record, Runner, _env

ROOT = Path(__file__).parents[2]  # the repository: bench.peers imports from here


def test_heron_alone_writes_figures_csv_and_summary(tmp_path: Path) -> None:
    out = tmp_path / "results"
    summary = main(["--tiny", "--tools", "heron", "--only", "import,artifact_2k_twice",
                    "--out", str(out), "--data", str(tmp_path / "data")])  # fmt: skip

    with open(out / "peers.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    figures = {(r["scenario"], r["metric"]): r for r in rows}
    # Every figure the two scenarios promise, measured from a finished worker process.
    for key in [("import", "inner_s"), ("import", "peak_rss_mb"), ("import", "wall_s"),
                ("artifact_2k_twice", "first_s"), ("artifact_2k_twice", "second_s"),
                ("artifact_2k_twice", "growth")]:  # fmt: skip
        assert figures[key]["status"] == "ok", figures[key]
        assert float(figures[key]["value"]) > 0
    assert {r["tool"] for r in rows} == {"heron"}
    # The tree's memory includes the interpreter: tens of MB, not a stray zero.
    assert float(figures[("import", "peak_rss_mb")]["value"]) > 10
    # Logging the same files again stores almost nothing new.
    assert float(figures[("artifact_2k_twice", "growth")]["value"]) < 1.5

    text = summary.read_text()
    assert summary == out / "peers.md"
    assert "| scenario | figure | heron | peer ÷ heron | heron target |" in text
    assert "2,000-file dataset artifact logged twice unchanged" in text
    assert "import the package" in text and "target ≤ 0.15 s" in text
    assert "median of 1 round(s)" in text
    # How fast the machine was at the start and end, so a slow run can be told from a slow tool.
    assert "machine speed at start / end: a fixed Python loop" in text
    facts = json.loads((out / "peers.json").read_text())
    assert [set(s) for s in facts["speeds"]] == [{"cpu_loop_s", "touch_64mb_ms"}] * 2
    assert all(value > 0 for s in facts["speeds"] for value in s.values())

    # The summary can be written again from the CSV (and the run facts beside it) alone.
    again = main(["--report-from", str(out / "peers.csv"), "--out", str(tmp_path / "again")])
    assert again.read_text() == text


def _records(scenario: str, figures: dict[str, dict[str, float]]) -> list[Record]:
    return [
        Record(scenario, tool, 0, metric, value, "ok", "", 0.5)
        for tool, by_metric in figures.items()
        for metric, value in by_metric.items()
    ]


def test_report_ratios_targets_and_where_heron_is_behind(tmp_path: Path) -> None:
    scenarios = select("table_100k_img,largest_table")
    tools = ("heron", "wandb", "mlflow", "aim")
    records = _records("table_100k_img", {
        "heron": {"inner_s": 20.0, "peak_rss_mb": 2000.0, "wall_s": 22.0},
        "wandb": {"inner_s": 160.0, "peak_rss_mb": 500.0, "wall_s": 170.0},
    }) + _records("largest_table", {
        "heron": {"rows_stored": 300_000, "inner_s": 3.0},
        "wandb": {"rows_stored": 200_000, "inner_s": 30.0},
    })  # fmt: skip
    records.append(Record("table_100k_img", "aim", 0, "inner_s", None, "unsupported",
                          "no table type", 0.5))  # fmt: skip
    # MLflow stopped at a 240 s limit: its wall time is a lower bound, never "ahead" of heron.
    records += [Record("table_100k_img", "mlflow", 0, "inner_s", None, "timeout", "stopped", 0.5),
                Record("table_100k_img", "mlflow", 0, "wall_s", 240.0, "timeout", "stopped", 0.5)]  # fmt: skip
    table = report.lines(scenarios, tools, records)
    first = next(ln for ln in table if ln.scenario.name == "table_100k_img")
    assert first.ratios["wandb"] == 8.0  # W&B takes 8x heron's time
    wall = next(
        ln for ln in table if ln.scenario.name == "table_100k_img" and ln.metric.key == "wall_s"
    )
    assert wall.ratios["mlflow"] == 240.0 / 22.0
    assert "mlflow >10.91×" in report.printed(table, tools)
    stored = next(ln for ln in table if ln.metric.key == "rows_stored")
    assert stored.ratios["wandb"] == 1.5  # more rows is better: heron's over W&B's

    behind = report.behind(table)
    assert len(behind) == 1 and "peak RSS" in behind[0] and "wandb 500 MB" in behind[0]
    targets = report.missed(table)
    assert any("time, run start to finish" in t and "MISSED" in t for t in targets)  # 20 s > 12 s

    text = report.markdown(table, tools, when="today", versions={"heron": "0"}, size="quick",
                           repeat=1, loads=(0.5, 0.7), plot=None)  # fmt: skip
    assert "no table type" in text  # the unsupported tool shows why
    assert "make bench-peers QUICK=1" in text
    assert report.plot(table, tmp_path / "peers.png")
    assert (tmp_path / "peers.png").stat().st_size > 1000


def test_a_size_predicted_past_the_time_limit_is_skipped_with_the_reason(tmp_path: Path) -> None:
    runner = Runner(tmp_path, tmp_path, "quick", 240.0, {})
    done = [
        Record("table_10k_img", "mlflow", 0, "wall_s", 114.0, "ok", "", 1.0),
        Record("table_10k_img", "wandb", 0, "wall_s", 19.0, "ok", "", 1.0),
    ]
    (bigger,) = select("table_100k_img")
    why = runner.predicted_too_long(bigger, "mlflow", done)
    assert "10,000 rows took 114 s" in why and "240 s limit" in why
    assert runner.predicted_too_long(bigger, "wandb", done) == ""  # ~190 s fits
    assert runner.predicted_too_long(bigger, "heron", done) == ""  # nothing to predict from
    (first,) = select("table_1k_img")
    assert runner.predicted_too_long(first, "mlflow", done) == ""  # no smaller size


def test_workers_keep_compiled_bytecode_as_users_interpreters_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    for tool in ("heron", "wandb"):
        assert "PYTHONDONTWRITEBYTECODE" not in _env(tool, tmp_path / tool)


def test_disk_per_image_and_reads_into_arrow_and_polars_are_measured(tmp_path: Path) -> None:
    out = tmp_path / "results"
    main(["--tiny", "--tools", "heron", "--only", "image_disk,read_100k_frames,table_1m_img,frame_10m",
          "--out", str(out), "--data", str(tmp_path / "data")])  # fmt: skip

    with open(out / "peers.csv", newline="") as f:
        figures = {(r["scenario"], r["metric"]): r for r in csv.DictReader(f)}
    value = {key: float(row["value"]) for key, row in figures.items() if row["status"] == "ok"}
    raw = 64 * 64 * 3  # the suite's images are uniform noise: no lossless codec goes below this
    assert raw < value[("image_disk", "codec_bytes")] < raw + 100
    assert value[("image_disk", "png_bytes")] > raw
    assert value[("image_disk", "png_opt_bytes")] > raw
    # The store holds each image's bytes plus its cell and index: never less than the codec's.
    assert value[("image_disk", "bytes_per_image")] > value[("image_disk", "codec_bytes")]
    for metric in ("arrow_s", "polars_s"):
        assert value[("read_100k_frames", metric)] > 0
    # More rows than the data's images (10 at this size): the seeded ones are reused, made unique.
    assert value[("table_1m_img", "inner_s")] > 0
    assert value[("frame_10m", "inner_s")] > 0  # the seeded rows repeated past their number
    text = (out / "peers.md").read_text()
    png = f"{value[('image_disk', 'png_opt_bytes')]:,.0f} B"
    assert f"target ≤ PNG floor ({png})" in text
    assert "read into Arrow" in text and "read into polars" in text


def test_a_floor_target_is_judged_against_herons_own_floor_figure() -> None:
    scenarios = select("image_disk")
    records = _records("image_disk", {
        "heron": {"bytes_per_image": 12_500.0, "codec_bytes": 12_318.0, "png_bytes": 12_420.0,
                  "png_opt_bytes": 12_410.0, "peak_rss_mb": 150.0, "wall_s": 5.0},
        "wandb": {"bytes_per_image": 13_000.0, "peak_rss_mb": 100.0, "wall_s": 3.0},
    })  # fmt: skip
    table = report.lines(scenarios, ("heron", "wandb"), records)
    # Memory and wall time of the children's parent say nothing here: not shown, never "behind".
    assert [ln.metric.key for ln in table] == [
        "bytes_per_image", "codec_bytes", "png_bytes", "png_opt_bytes"
    ]  # fmt: skip
    assert report.behind(table) == []
    verdicts = report.missed(table)
    assert len(verdicts) == 2
    growth, codec = verdicts
    assert "store growth per image: heron 12,500 B, target ≤ PNG floor (12,410 B): MISSED" in growth
    assert "Why: " in growth and "index" in growth  # a miss says why
    assert codec.endswith("target ≤ PNG floor (12,410 B): met")
    # Without heron's floor figure the target is not judged rather than passed.
    unjudged = report.lines(scenarios, ("heron",), _records("image_disk", {
        "heron": {"bytes_per_image": 12_500.0}
    }))  # fmt: skip
    assert report.missed(unjudged)[0].endswith("PNG floor (not measured): not judged")


def test_a_tree_past_its_memory_ceiling_is_stopped_and_reported_as_a_bound(
    tmp_path: Path,
) -> None:
    from bench.peers import watch

    # 300 MB touched page by page, then held: the watch must stop it, not wait for it.
    grow = (
        "import time; block = bytearray(300 * 2**20); "
        "block[::4096] = b'x' * len(block[::4096]); time.sleep(120)"
    )
    seen = watch.run([sys.executable, "-c", grow], env=dict(os.environ), cwd=tmp_path,
                     log=tmp_path / "log", limit_s=100, ceiling_mb=150)  # fmt: skip
    assert seen.over_ceiling and seen.returncode is None
    assert seen.peak_rss_mb > 150
    assert seen.wall_s < 100  # stopped at the ceiling, long before its time limit

    (scenario,) = select("table_1m_img")
    records = [
        Record("table_1m_img", "heron", 0, "inner_s", None, "ceiling", "stopped", 0.5),
        Record("table_1m_img", "heron", 0, "peak_rss_mb", 4200.0, "ceiling", "stopped", 0.5),
    ]
    table = report.lines((scenario,), ("heron",), records)
    assert "> 4,200 MB" in report.printed(table, ("heron",))
    (verdict,) = report.missed(table)
    assert "peak RSS, process tree: heron > 4,200 MB, target ≤ 4,096 MB: MISSED" in verdict


def test_targets_of_scenarios_not_run_are_listed_as_not_measured() -> None:
    table = report.lines(
        select("import"), ("heron",), _records("import", {"heron": {"inner_s": 0.1}})
    )
    listed = report.unmeasured(table)
    assert any(
        line.startswith("log 1,000,000-row image table (add_data) — peak RSS, process tree: "
                        "target ≤ 4,096 MB: not measured in this run (the scenario runs at the "
                        "full size)")
        for line in listed
    )  # fmt: skip
    assert not any(line.startswith("import the package") for line in listed)


def test_images_past_the_seeded_ones_are_reused_each_made_unique(tmp_path: Path) -> None:
    import numpy as np

    from bench.peers import data

    sys.path.insert(0, str(Path(data.__file__).parent / "workers"))
    try:
        from _common import Job
    finally:
        sys.path.pop(0)
    data.ensure(tmp_path / "data", {"images": 3, "rows": 3, "files": 0})
    job = Job(["worker", "table_1m_img", "{}", str(tmp_path / "data"), str(tmp_path / "work"),
               str(tmp_path / "result.json")])  # fmt: skip
    images = [job.image(i) for i in range(12)]
    assert len({image.tobytes() for image in images}) == 12
    # A reused image differs from its source in its first pixels only.
    assert np.array_equal(images[4][1:], images[1][1:])
    assert data.needs([{"rows": 1_000_000, "images": True}])["images"] == data.MAX_IMAGES


def _watched_from(held_mb: int, code: str, tmp_path: Path) -> dict[str, Any]:
    """watch.run of ``python -S -c code``, called from a fresh interpreter that first touches and
    holds ``held_mb`` MB (the suite's own process, small or large)."""
    script = textwrap.dedent(f"""
        import json, os, sys
        from pathlib import Path
        from bench.peers import watch
        held = bytearray({held_mb} * 2**20)
        held[::4096] = b"x" * len(held[::4096])
        folder = Path({str(tmp_path)!r})
        seen = watch.run([sys.executable, "-S", "-c", {code!r}], env=dict(os.environ),
                         cwd=folder, log=folder / "log", limit_s=100)
        print(json.dumps({{"peak": seen.peak_rss_mb, "returncode": seen.returncode}}))
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, check=True)  # fmt: skip
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def test_the_peak_of_a_process_too_short_to_sample_is_still_seen(tmp_path: Path) -> None:
    # 200 MB written and the process gone again, likely between two 20 ms samples.
    seen = _watched_from(0, "block = b'x' * (200 * 2**20)", tmp_path)
    assert seen["returncode"] == 0
    assert seen["peak"] >= 200
    failed = _watched_from(0, "raise SystemExit(3)", tmp_path)
    assert failed["returncode"] == 3


def test_the_memory_of_the_suite_itself_is_not_counted_as_the_workers(tmp_path: Path) -> None:
    # The kernel's ru_maxrss of a child counts the address space it was started from: a suite
    # holding 300 MB must not see 300 MB in a bare interpreter. The interpreter lives 0.1 s, so
    # it is sampled: one that ends before the first sample, under a suite this large, reads 0
    # (the watch's known limit, in its docstring).
    seen = _watched_from(300, "import time; time.sleep(0.1)", tmp_path)
    assert seen["returncode"] == 0
    assert 0 < seen["peak"] < 60, seen


def test_each_measurement_finds_the_input_it_reads_already_read(tmp_path: Path) -> None:
    from bench.peers import data

    folder = tmp_path / "data"
    data.ensure(folder, {"images": 30, "rows": 40, "files": 4})
    labels = (folder / "labels.npz").stat().st_size
    pngs = sum(p.stat().st_size for p in (folder / "dataset").rglob("*.png"))
    # The images a table of 20 rows reads, and the labels; not the images past them.
    assert data.warm(folder, {"rows": 20, "images": True}) == 20 * data.IMAGE_BYTES + labels
    # A table without images reads one image's worth (the smallest size needs() gives).
    assert data.warm(folder, {"rows": 20, "images": False}) == data.IMAGE_BYTES + labels
    # The dataset artifact reads its PNG files (of the first images) too.
    assert data.warm(folder, {"files": 4}) == 4 * data.IMAGE_BYTES + labels + pngs
