"""Command line of the peer suite: ``python -m bench.peers --help``."""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from bench.peers import data, envs, report, speed, suite
from bench.peers.scenarios import SCENARIOS, TOOLS, Scenario, Size, select

RESULTS = Path(__file__).resolve().parents[1] / "results"
# A measurement's time limit. MLflow's 100,000-row image table takes ~21 minutes a round here:
# three rounds of it were over half of a two-hour full run, for a figure no target rests on, so
# at 15 minutes it is predicted from its 10,000 rows (and reported as not run) instead.
LIMIT_S: dict[Size, float] = {"full": 900.0, "quick": 240.0, "tiny": 120.0}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.peers", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one round, smaller largest table")
    parser.add_argument("--tiny", action="store_true", help="toy sizes (the harness's own test)")
    parser.add_argument("--only", help="comma-separated scenario names")
    parser.add_argument("--tools", default=",".join(TOOLS), help="comma-separated tools")
    parser.add_argument("--repeat", type=int, help="rounds (default 3, 1 with --quick)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where results are written")
    parser.add_argument("--data", type=Path, default=envs.ROOT / "data",
                        help="seeded input, generated once and reused")  # fmt: skip
    parser.add_argument("--envs", type=Path, default=envs.ROOT, help="the peers' environments")
    parser.add_argument("--report-from", type=Path, metavar="CSV",
                        help="measure nothing: rewrite the summary from an earlier run's CSV")  # fmt: skip
    return parser


def write_outputs(records: list[suite.Record], scenarios: tuple[Scenario, ...],
                  tools: tuple[str, ...], out: Path, meta: dict[str, Any]) -> Path:  # fmt: skip
    """Print the figures; write CSV, run facts, markdown summary and plot; return the summary."""
    table = report.lines(scenarios, tools, records)
    print()
    print(report.printed(table, tools))
    behind = report.behind(table)
    print("\nwhere heron is not ahead:" if behind else "\nheron is ahead everywhere in this run")
    for text in behind:
        print(f"  - {text}")
    out.mkdir(parents=True, exist_ok=True)
    suite.write_csv(records, out / "peers.csv")
    (out / "peers.json").write_text(json.dumps(meta, indent=1) + "\n")
    plotted = report.plot(table, out / "peers.png")
    summary = out / "peers.md"
    summary.write_text(report.markdown(table, tools, when=meta["when"], versions=meta["versions"],
                                       size=meta["size"], repeat=meta["repeat"],
                                       loads=tuple(meta["loads"]), speeds=meta.get("speeds"),
                                       plot="peers.png" if plotted else None))  # fmt: skip
    print(f"\nwrote {out / 'peers.csv'}, {summary}" + (", peers.png" if plotted else ""))
    return summary


def _record(row: dict[str, str]) -> suite.Record:
    value = float(row["value"]) if row["value"] else None
    return suite.Record(row["scenario"], row["tool"], int(row["round"]), row["metric"], value,
                        row["status"], row["note"], float(row["load"]))  # fmt: skip


def _rewrite(csv_path: Path, out: Path, size: Size, env_root: Path) -> Path:
    """The summary of an earlier run, from its CSV and the run facts written beside it.

    A CSV without its facts file gets them from the CSV itself (rounds, first and last load,
    its file time) and the environments as they are now (versions).
    """
    with open(csv_path, newline="") as f:
        records = [_record(row) for row in csv.DictReader(f)]
    names = {r.scenario for r in records}
    scenarios = tuple(s for s in SCENARIOS if s.name in names)
    tools = tuple(t for t in TOOLS if any(r.tool == t for r in records))
    facts = csv_path.with_suffix(".json")
    if facts.exists():
        meta = json.loads(facts.read_text())
    else:
        mtime = datetime.datetime.fromtimestamp(csv_path.stat().st_mtime, datetime.UTC)
        meta = {
            "when": mtime.strftime("%Y-%m-%d %H:%M UTC"),
            "versions": {t: envs.version(t, envs.python(t, env_root)) for t in tools},
            "size": size,
            "repeat": max(r.round for r in records) + 1,
            "loads": [records[0].load, records[-1].load],
        }
    return write_outputs(records, scenarios, tools, out, meta)


def main(argv: list[str] | None = None) -> Path:
    """Run the suite; print the figures; write CSV, markdown and plot; return the markdown path."""
    args = _parser().parse_args(argv)
    size: Size = "tiny" if args.tiny else "quick" if args.quick else "full"
    if args.report_from:
        return _rewrite(args.report_from, args.out, size, args.envs)
    repeat = args.repeat or (1 if size != "full" else 3)
    tools = tuple(t.strip() for t in args.tools.split(",") if t.strip())
    unknown = [t for t in tools if t not in TOOLS]
    if unknown or "heron" not in tools:
        raise SystemExit(f"--tools takes heron and any of {TOOLS[1:]}; got {args.tools!r}")
    # A scenario without figures at this size (the 10M-row queries in QUICK) is left out.
    scenarios = tuple(s for s in select(args.only) if size in s.sizes)

    loads = [os.getloadavg()[0]]
    speeds = [speed.measure()]
    pythons = {t: envs.python(t, args.envs) for t in tools}
    versions = {t: envs.version(t, exe) for t, exe in pythons.items()}
    sizes = data.ensure_apart(args.data, data.needs([s.params(size) for s in scenarios]))
    print(f"data: {sizes} in {args.data}; {', '.join(f'{t} {v}' for t, v in versions.items())}; "
          f"{len(scenarios)} scenarios x {repeat} round(s); load {loads[0]:.1f}", flush=True)  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="heron-peers-") as scratch:
        runner = suite.Runner(args.data, Path(scratch), size, LIMIT_S[size], pythons)
        records = suite.run(scenarios, tools, runner, repeat)
    loads.append(os.getloadavg()[0])
    speeds.append(speed.measure())
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    meta = {
        "when": when,
        "versions": versions,
        "size": size,
        "repeat": repeat,
        "loads": loads,
        "speeds": speeds,
    }
    return write_outputs(records, scenarios, tools, args.out, meta)


if __name__ == "__main__":
    main()
