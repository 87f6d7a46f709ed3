"""Run every scenario for every tool, interleaved, each measurement in a fresh watched process.

Order: for each scenario, round after round, the tools in turn (heron, wandb, mlflow, aim, heron,
wandb, ...), so the machine's drift falls on every tool alike. Each measurement gets a folder of
its own; HOME, TMPDIR and the tools' cache and config folders point into it, so nothing is shared
between measurements or left in the user's home. The folder is deleted once measured.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.peers import data, watch
from bench.peers.scenarios import SCENARIOS, Scenario, Size, reason

WORKERS = Path(__file__).resolve().parent / "workers"
REPO = Path(__file__).resolve().parents[2]
# Variables that would point a tool at another store or change how it runs.
_FOREIGN = ("HERON_", "WANDB_", "MLFLOW_", "AIM_", "DATABASE_URL", "PYTHONPATH")


@dataclass(frozen=True)
class Record:
    """One figure of one measurement (a row of the CSV)."""

    scenario: str
    tool: str
    round: int
    metric: str
    value: float | None
    status: str  # ok | failed | timeout | ceiling | skipped | unsupported
    note: str
    load: float  # 1-minute load average when the measurement started


def _env(tool: str, work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_FOREIGN)}
    # Users' interpreters keep compiled bytecode; without it every import compiles its modules
    # from source (pandas: 3 s instead of 0.65 s here) and the import-heavy figures mean nothing.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    folders = {
        "HOME": "home", "TMPDIR": "tmp", "XDG_CACHE_HOME": "cache", "XDG_CONFIG_HOME": "config",
        "XDG_DATA_HOME": "share", "WANDB_DIR": "store", "WANDB_CACHE_DIR": "cache/wandb",
        "WANDB_DATA_DIR": "share/wandb", "WANDB_CONFIG_DIR": "config/wandb",
        "WANDB_ARTIFACT_DIR": "share/wandb-artifacts",
    }  # fmt: skip
    for name, sub in folders.items():
        (work / sub).mkdir(parents=True, exist_ok=True)
        env[name] = str(work / sub)
    env.update(
        WANDB_MODE="offline", WANDB_SILENT="true", MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING="false"
    )
    if tool == "heron":
        env["PYTHONPATH"] = str(REPO)  # the query scenario reuses bench.query_bench's tables
    return env


def _tail(log: Path, lines: int = 3) -> str:
    text = log.read_text(errors="replace").strip().splitlines() if log.exists() else []
    return " | ".join(line.strip() for line in text[-lines:])[-400:]


@dataclass
class Runner:
    """Where the suite reads its data and writes its temporary folders and logs."""

    data: Path
    scratch: Path
    size: Size
    limit_s: float
    pythons: dict[str, Path]

    def predicted_too_long(self, scenario: Scenario, tool: str, done: list[Record]) -> str:
        """Why ``tool`` should not run ``scenario``: its smaller size predicts the time limit."""
        if scenario.follows is None:
            return ""
        smaller = next(s for s in SCENARIOS if s.name == scenario.follows)
        times = [r.value for r in done if r.scenario == smaller.name and r.tool == tool
                 and r.metric == "wall_s" and r.value is not None]  # fmt: skip
        if not times:
            return ""
        rows, fewer = scenario.params(self.size)["rows"], smaller.params(self.size)["rows"]
        predicted = statistics.median(times) * rows / fewer
        if predicted <= self.limit_s:
            return ""
        return (f"not run: {fewer:,} rows took {statistics.median(times):.0f} s, so {rows:,} "
                f"would take ~{predicted:.0f} s, past the {self.limit_s:.0f} s limit")  # fmt: skip

    def measure(self, scenario: Scenario, tool: str, round_: int) -> list[Record]:
        """One measurement: an unmeasured prepare process if needed, then the watched one."""
        folder = self.scratch / f"{scenario.name}-{tool}-{round_}"
        shutil.rmtree(folder, ignore_errors=True)
        work, result, log = folder / "work", folder / "result.json", folder / "worker.log"
        work.mkdir(parents=True)
        env = _env(tool, work)
        argv = [str(self.pythons[tool]), str(WORKERS / f"{tool}_worker.py"), scenario.name,
                json.dumps(scenario.params(self.size)), str(self.data), str(work), str(result)]  # fmt: skip
        load = os.getloadavg()[0]

        def record(metric: str, value: float | None, status: str, note: str) -> Record:
            return Record(scenario.name, tool, round_, metric, value, status, note, load)

        if scenario.prepare:
            done = watch.run([*argv, "prepare"], env=env, cwd=work, log=log, limit_s=self.limit_s)
            if done.returncode != 0:
                status = "timeout" if done.returncode is None else "failed"
                return [record(scenario.metrics[0].key, None, status, "prepare: " + _tail(log))]
        # What the previous measurement (or the prepare step) wrote is flushed to disk first,
        # so its write-back cannot land in this measurement's clock through the fsyncs and
        # commits the tool makes; and the input it reads is in the page cache, whoever runs
        # first in the round.
        os.sync()
        data.warm(self.data, scenario.params(self.size))
        seen = watch.run(argv, env=env, cwd=work, log=log, limit_s=self.limit_s,
                         ceiling_mb=scenario.ceiling_mb)  # fmt: skip
        if seen.over_ceiling:
            note = f"stopped past the {scenario.ceiling_mb:,.0f} MB memory ceiling"
            # The peak is then known to exceed the ceiling: the report shows it as a bound.
            records = [record(scenario.metrics[0].key, None, "ceiling", note),
                       record("peak_rss_mb", seen.peak_rss_mb, "ceiling", note)]  # fmt: skip
        elif seen.returncode is None:
            note = f"stopped at the {self.limit_s:.0f} s limit"
            # The wall time is then known to exceed the limit: the report shows it as a bound.
            records = [record(scenario.metrics[0].key, None, "timeout", note),
                       record("wall_s", self.limit_s, "timeout", note)]  # fmt: skip
        elif seen.returncode != 0 or not result.exists():
            records = [record(scenario.metrics[0].key, None, "failed", _tail(log))]
        else:
            figures = json.loads(result.read_text())
            note = str(figures.get("note", ""))
            records = [
                record(m.key, float(figures[m.key]), "ok", note)
                for m in scenario.metrics
                if m.key in figures
            ]
            records.append(record("peak_rss_mb", seen.peak_rss_mb, "ok", ""))
            records.append(record("wall_s", seen.wall_s, "ok", ""))
        if all(r.status == "ok" for r in records):
            shutil.rmtree(folder, ignore_errors=True)
        else:
            shutil.rmtree(work, ignore_errors=True)  # keep the log to read; drop the store
            for child in folder.glob("work-*"):  # the stores of the worker's own children
                shutil.rmtree(child, ignore_errors=True)
        return records


def run(scenarios: tuple[Scenario, ...], tools: tuple[str, ...], runner: Runner,
        repeat: int) -> list[Record]:  # fmt: skip
    """Every measurement, interleaved; prints one line per measurement as it lands."""
    records: list[Record] = []
    for scenario in scenarios:
        for tool in tools:
            if not scenario.runs(tool):
                records.append(Record(scenario.name, tool, 0, scenario.metrics[0].key, None,
                                      "unsupported", reason(scenario, tool), os.getloadavg()[0]))  # fmt: skip
        for round_ in range(repeat):
            for tool in (t for t in tools if scenario.runs(t)):
                start = time.perf_counter()
                too_long = runner.predicted_too_long(scenario, tool, records)
                got = (
                    [Record(scenario.name, tool, round_, scenario.metrics[0].key, None,
                            "skipped", too_long, os.getloadavg()[0])]
                    if too_long
                    else runner.measure(scenario, tool, round_)
                )  # fmt: skip
                records += got
                shown = ", ".join(
                    f"{r.metric}={r.value:.4g}" if r.value is not None else f"{r.status}: {r.note}"
                    for r in got
                )
                print(f"  {scenario.name:<18} {tool:<7} round {round_ + 1}/{repeat} "
                      f"({time.perf_counter() - start:5.1f} s, load {got[0].load:4.1f}): {shown}",
                      flush=True)  # fmt: skip
    return records


def write_csv(records: list[Record], path: Path) -> None:
    """Every figure of every round, one row each."""
    import csv

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(Record.__dataclass_fields__))
        writer.writeheader()
        for r in records:
            writer.writerow(asdict(r))
