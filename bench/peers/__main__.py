"""Command line of the peer suite: ``python -m bench.peers --help``."""

from __future__ import annotations

import argparse
import datetime
import os
import tempfile
from pathlib import Path

from bench.peers import data, envs, report, suite
from bench.peers.scenarios import TOOLS, Size, select

RESULTS = Path(__file__).resolve().parents[1] / "results"
LIMIT_S: dict[Size, float] = {"full": 1800.0, "quick": 420.0, "tiny": 120.0}


def main(argv: list[str] | None = None) -> Path:
    """Run the suite; print the figures; write CSV, markdown and plot; return the markdown path."""
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
    args = parser.parse_args(argv)
    size: Size = "tiny" if args.tiny else "quick" if args.quick else "full"
    repeat = args.repeat or (1 if size != "full" else 3)
    tools = tuple(t.strip() for t in args.tools.split(",") if t.strip())
    unknown = [t for t in tools if t not in TOOLS]
    if unknown or "heron" not in tools:
        raise SystemExit(f"--tools takes heron and any of {TOOLS[1:]}; got {args.tools!r}")
    scenarios = select(args.only)

    loads = [os.getloadavg()[0]]
    pythons = {t: envs.python(t, args.envs) for t in tools}
    versions = {t: envs.version(t, exe) for t, exe in pythons.items()}
    sizes = data.ensure(args.data, data.needs([s.params(size) for s in scenarios]))
    print(f"data: {sizes} in {args.data}; {', '.join(f'{t} {v}' for t, v in versions.items())}; "
          f"{len(scenarios)} scenarios x {repeat} round(s); load {loads[0]:.1f}", flush=True)  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="heron-peers-") as scratch:
        runner = suite.Runner(args.data, Path(scratch), size, LIMIT_S[size], pythons)
        records = suite.run(scenarios, tools, runner, repeat)
    loads.append(os.getloadavg()[0])

    table = report.lines(scenarios, tools, records)
    print()
    print(report.printed(table, tools))
    behind = report.behind(table)
    print("\nwhere heron is not ahead:" if behind else "\nheron is ahead everywhere in this run")
    for text in behind:
        print(f"  - {text}")
    args.out.mkdir(parents=True, exist_ok=True)
    suite.write_csv(records, args.out / "peers.csv")
    plotted = report.plot(table, args.out / "peers.png")
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    summary = args.out / "peers.md"
    summary.write_text(report.markdown(table, tools, when=when, versions=versions, size=size,
                                       repeat=repeat, loads=(loads[0], loads[1]),
                                       plot="peers.png" if plotted else None))  # fmt: skip
    print(f"\nwrote {args.out / 'peers.csv'}, {summary}" + (", peers.png" if plotted else ""))
    return summary


if __name__ == "__main__":
    main()
