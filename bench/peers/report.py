"""Turn the suite's records into figures: the printed table, the markdown summary and the plot.

Each cell is the median over the rounds that finished. A ratio is how many times heron is ahead:
the peer's figure over heron's where lower is better (time, memory, disk), heron's over the
peer's where higher is better (rows stored); below 1 heron is behind, and the summary lists
those cells with the reason.
"""

from __future__ import annotations

import os
import platform
import statistics
from dataclasses import dataclass, replace
from pathlib import Path

from bench.peers import speed
from bench.peers.scenarios import OUTSIDE, PEERS, SCENARIOS, Metric, Scenario
from bench.peers.suite import Record


@dataclass(frozen=True)
class Target:
    """A figure issue 15 asks of heron: at most ``limit``, and/or at most ``factor`` x W&B's.

    A ``floor`` target is at most another of the scenario's figures, as heron's worker measured
    it in the same run (the PNG floor of the same images); :func:`lines` fills in its limit.
    """

    limit: float | None = None
    factor_of_wandb: float | None = None
    floor: Metric | None = None

    def text(self, unit: str) -> str:
        parts = []
        if self.floor is not None:
            shown = "not measured" if self.limit is None else _fmt(self.limit, unit)
            parts.append(f"≤ {self.floor.label.split(':')[0]} ({shown})")
        elif self.limit is not None:
            parts.append(f"≤ {_fmt(self.limit, unit)}")
        if self.factor_of_wandb is not None:
            f = self.factor_of_wandb
            parts.append(f"≥ {1 / f:.0f}× W&B" if f < 1 else f"≤ {f:g}× W&B")
        return ", ".join(parts)

    def met(self, heron: float, wandb: float | None) -> bool | None:
        if self.floor is not None and self.limit is None:
            return None
        ok = self.limit is None or heron <= self.limit
        if self.factor_of_wandb is not None:
            if wandb is None:
                return None
            ok = ok and heron <= wandb * self.factor_of_wandb
        return ok


_PNG_FLOOR = next(m for s in SCENARIOS for m in s.metrics if m.key == "png_opt_bytes")

TARGETS = {
    ("image_disk", "bytes_per_image"): Target(floor=_PNG_FLOOR),
    ("image_disk", "codec_bytes"): Target(floor=_PNG_FLOOR),
    ("table_1k_img", "inner_s"): Target(0.5),
    ("table_10k_img", "inner_s"): Target(2.0),
    ("table_100k_img", "inner_s"): Target(12.0, 0.1),
    ("table_100k_img", "peak_rss_mb"): Target(factor_of_wandb=1.2),
    ("table_1m_img", "peak_rss_mb"): Target(4096),
    ("table_100k_plain", "inner_s"): Target(0.4),
    ("table_100k_frame", "inner_s"): Target(0.15),
    ("read_100k", "read_s"): Target(0.06),
    ("read_100k_frames", "arrow_s"): Target(0.02),
    ("read_100k_frames", "polars_s"): Target(0.02),
    ("import", "inner_s"): Target(0.15),
    ("frame_1m", "inner_s"): Target(0.5),
    ("frame_10m", "inner_s"): Target(3.0),
    ("query_1m", "first_ms"): Target(150),
    ("query_1m", "filter_count_ms"): Target(15),
    ("query_1m", "filter_sort_page_ms"): Target(25),
    ("query_1m", "filter_group_guess_ms"): Target(60),
    ("query_1m", "group_truth_all_ms"): Target(150),
    ("query_10m", "first_ms"): Target(300),
    ("query_10m", "filter_count_ms"): Target(100),
    ("query_10m", "filter_sort_page_ms"): Target(200),
    ("query_10m", "filter_group_guess_ms"): Target(400),
    ("query_10m", "group_truth_all_ms"): Target(1000),
}

# Why heron is behind where it is known to be (issue 15); other cells say they are unexplained.
WHY = {
    ("table_100k_img", "peak_rss_mb"): "images stream to the store in batches as rows are "
    "added; what remains is the process's libraries (pyarrow, PIL) and the batches "
    "being encoded",
    ("table_10k_img", "peak_rss_mb"): "as for 100k rows: the libraries and the batches in flight",
    ("table_1k_img", "peak_rss_mb"): "heron's process loads pyarrow and PIL at log time; images "
    "are not held",
    ("table_100k_plain", "inner_s"): "rows are packed by column every 1,024 rows and joined "
    "into Arrow at log time, without pandas, and the run starts on sqlite3 alone; MLflow "
    "collects plain lists and writes one JSON document",
    ("table_100k_plain", "peak_rss_mb"): "the rows are held in Python as in W&B; heron's process "
    "also loads pyarrow and the store's libraries to write Parquet",
    ("largest_table", "peak_rss_mb"): "as for 100,000 plain rows: rows held in Python until "
    "run.log, plus pyarrow and the store's libraries",
    ("epochs_5x1k", "peak_rss_mb"): "the libraries and the image batches in flight; images "
    "stream to the store as they are added",
    ("read_100k", "wall_s"): "not explained in detail: heron's reader no longer opens the store "
    "with SQLAlchemy (sqlite3 alone) and its read is a few tens of milliseconds of it; the rest is "
    "the process importing heron, pandas and pyarrow's Parquet reader, where W&B's reader imports "
    "no wandb and reads the offline table's JSON with pandas alone",
    ("read_100k", "query_s"): "one call, the first in its process, a few milliseconds long, so "
    "the figure is mostly pandas warming up: the frames have the same dtypes (pandas' Arrow-backed "
    "str for the text), and timed warm in one process the same filter + group takes the same "
    "time on heron's frame as on one built from Python lists (about 20 ms each on a busy machine)",
}


# Why heron misses one of its targets where it is known (a comparison with a peer uses WHY).
MISSED_WHY = {
    ("table_100k_plain", "inner_s"): "the clock includes the scenario's own work, about 0.2 s: "
    "loading its 100,000 rows and turning them into Python lists (0.10-0.14 s) and its bare loop "
    "(0.06 s); heron's share is add_data's check of each row (about 0.6 µs a row), packing the "
    "rows by column every 1,024 rows (0.4 µs a row), starting the run (about 45 ms, mostly "
    "imports), importing pyarrow, building the Arrow columns (about 17 ms) and writing the "
    "Parquet part (25-35 ms). The same code measures 0.31-0.80 s from one process to the next "
    "on this machine: in slow rounds both its CPU time and its system time grow. The machine is "
    "a virtual one whose free memory goes back to the host, so touching fresh memory costs from "
    "0.15 to 2.3 ms per MB (64 MB touched twelve times a second apart: 8.5-151 ms), and this "
    "scenario touches about 80 MB (20,000 pages), over 60 MB of it loading its labels; a "
    "fixed CPU loop also takes 0.14-0.24 s",
    ("read_100k_frames", "arrow_s"): "what is left is mostly decoding the part in a fresh "
    "process (the float columns, now LZ4, and the text columns, read as their dictionaries), "
    "about 15 ms of CPU on two threads, plus about 7 ms importing heron's reader and the "
    "SQLite lookups; on a quiet machine the fastest reads are at 17-20 ms, and any other load on "
    "two cores puts the median over",
    ("read_100k_frames", "polars_s"): "the Arrow read (see above) plus building polars' own "
    "strings for the text columns, 3-4 ms",
    ("query_10m", "filter_group_guess_ms"): "the figure moves by a third from one process to "
    "the next on this machine: the run's three rounds read 336, 471 and 421 ms, and two more "
    "rounds alone on an idle machine 347 and 457 ms (each round a fresh process, on a table "
    "logged for it; the p50 of its distinct queries). This was the Intel Xeon machine of "
    "2026-12-08, whose fixed loop took 0.18-0.22 s; with the suite worker's code it measured "
    "241 ms on 2026-12-07, on an AMD EPYC machine of the same size",
    ("image_disk", "bytes_per_image"): "besides the image's own bytes (the pixels as they are "
    "when zstd cannot shrink them, after an 8-byte header), the store keeps per image its blob "
    "index row (about 53 B: the digest as 32 bytes, its size, pack number, offset and batch) and "
    "the image cell in the Parquet part (about 37 B); a margin of under 100 B stays for them",
}


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "rows":
        return f"{value:,.0f}"
    if unit == "x":
        return f"{value:.2f}×"
    if unit == "MB":
        return f"{value:,.0f} MB"
    if unit == "ms":
        return f"{value:.1f} ms"
    if unit == "B":
        return f"{value:,.0f} B"
    return f"{value:.3g} s" if value < 100 else f"{value:,.0f} s"


@dataclass(frozen=True)
class Cell:
    """The median of one figure for one tool, or why there is none."""

    value: float | None
    why: str  # status and note when there is no value; the tool's note otherwise
    at_least: float | None = None  # a measurement stopped at its time limit: a lower bound


def medians(records: list[Record]) -> dict[tuple[str, str, str], Cell]:
    """(scenario, metric, tool) → the median over the rounds that finished."""
    values: dict[tuple[str, str, str], list[float]] = {}
    bounds: dict[tuple[str, str, str], float] = {}
    notes: dict[tuple[str, str, str], str] = {}
    for r in records:
        key = (r.scenario, r.metric, r.tool)
        if r.value is not None and r.status == "ok":
            values.setdefault(key, []).append(r.value)
        elif r.value is not None and r.status in ("timeout", "ceiling"):
            bounds[key] = r.value
        if r.note:
            notes[key] = r.note if r.status == "ok" else f"{r.status}: {r.note}"
    cells = {key: Cell(statistics.median(v), notes.get(key, "")) for key, v in values.items()}
    for key, note in notes.items():
        cells.setdefault(key, Cell(None, note, bounds.get(key)))
    return cells


def _ratio(metric: Metric, heron: Cell, peer: Cell) -> float | None:
    """How many times heron is ahead; from a peer's lower bound when it was stopped."""
    theirs = peer.value if peer.value is not None else peer.at_least
    if heron.value is None or theirs is None or heron.value <= 0 or theirs <= 0:
        return None
    return heron.value / theirs if metric.higher_is_better else theirs / heron.value


def _ratio_text(line: Line, sep: str) -> str:
    return sep.join(
        f"{p} {'>' if line.cells[p].value is None else ''}{r:.2f}×"
        for p, r in line.ratios.items()
        if r is not None
    )


@dataclass(frozen=True)
class Line:
    """One row of the figures table."""

    scenario: Scenario
    metric: Metric
    cells: dict[str, Cell]
    ratios: dict[str, float | None]
    target: Target | None


def lines(scenarios: tuple[Scenario, ...], tools: tuple[str, ...],
          records: list[Record]) -> list[Line]:  # fmt: skip
    """The figures table: per scenario its own figures, then peak RSS and outer wall time."""
    cells = medians(records)
    out = []
    for s in scenarios:
        for m in (*s.metrics, *(OUTSIDE if s.outside else ())):
            row = {t: cells.get((s.name, m.key, t), Cell(None, "")) for t in tools}
            if all(c.value is None and c.at_least is None for c in row.values()) and m in OUTSIDE:
                continue
            # A tool that does not run the scenario shows why on the scenario's first line only.
            if m is not s.metrics[0]:
                row = {
                    t: c if c.value is not None or c.at_least else Cell(None, "")
                    for t, c in row.items()
                }
            ratios = {p: _ratio(m, row["heron"], row[p]) for p in tools if p in PEERS}
            target = TARGETS.get((s.name, m.key))
            if target is not None and target.floor is not None:
                floor = cells.get((s.name, target.floor.key, "heron"))
                target = replace(target, limit=None if floor is None else floor.value)
            out.append(Line(s, m, row, ratios, target))
    return out


def behind(table: list[Line]) -> list[str]:
    """Where a peer does better than heron, with the reason where it is known."""
    out = []
    for line in table:
        for peer, ratio in line.ratios.items():
            # A peer stopped at the time limit is no faster than the bound: never "ahead".
            if ratio is not None and ratio < 1 and line.cells[peer].value is not None:
                why = WHY.get((line.scenario.name, line.metric.key), "not explained yet")
                unit = line.metric.unit
                out.append(
                    f"{line.scenario.title} — {line.metric.label}: {peer} "
                    f"{_fmt(line.cells[peer].value, unit)} vs heron "
                    f"{_fmt(line.cells['heron'].value, unit)} ({ratio:.2f}×). Why: {why}."
                )
    return out


def missed(table: list[Line]) -> list[str]:
    """Issue 15's targets for heron and whether this run met them."""
    out = []
    for line in table:
        cell = line.cells.get("heron", Cell(None, ""))
        # A measurement stopped at a limit gives a lower bound: judged by it.
        heron = cell.value if cell.value is not None else cell.at_least
        if line.target is None or heron is None:
            continue
        wandb = line.cells["wandb"].value if "wandb" in line.cells else None
        met = line.target.met(heron, wandb)
        unjudged = "not judged" if line.target.floor else "not judged (no W&B figure)"
        verdict = {True: "met", False: "MISSED", None: unjudged}[met]
        if met is False:
            key = (line.scenario.name, line.metric.key)
            verdict += f". Why: {MISSED_WHY.get(key, WHY.get(key, 'not explained yet'))}."
        bound = "> " if cell.value is None else ""
        out.append(f"{line.scenario.title} — {line.metric.label}: heron "
                   f"{bound}{_fmt(heron, line.metric.unit)}, target "
                   f"{line.target.text(line.metric.unit)}: {verdict}")  # fmt: skip
    return out


def unmeasured(table: list[Line]) -> list[str]:
    """Issue 15's targets whose scenario this run did not measure (another size, ``--only``)."""
    ran = {line.scenario.name for line in table}
    known = {s.name: s for s in SCENARIOS}
    out = []
    for (name, key), target in TARGETS.items():
        scenario = known[name]
        if name in ran:
            continue
        metric = next(m for m in (*scenario.metrics, *OUTSIDE) if m.key == key)
        sizes = " and ".join(size for size in ("full", "quick") if size in scenario.sizes)
        out.append(f"{scenario.title} — {metric.label}: target {target.text(metric.unit)}: not "
                   f"measured in this run (the scenario runs at the {sizes} size)")  # fmt: skip
    return out


def _shown(cell: Cell, unit: str) -> str:
    """A printed cell: the figure, "n/a" when the tool does not run it, "—" when there is none."""
    if cell.value is not None:
        return _fmt(cell.value, unit)
    if cell.at_least is not None:
        return "> " + _fmt(cell.at_least, unit)
    return "n/a" if cell.why else "—"


def printed(table: list[Line], tools: tuple[str, ...]) -> str:
    """The figures as a fixed-width text table."""
    head = f"{'scenario':<44} {'figure':<32}" + "".join(f"{t:>11}" for t in tools)
    rows = [head + "   peer ÷ heron", "-" * (len(head) + 40)]
    for line in table:
        name = line.scenario.title if line.metric is line.scenario.metrics[0] else ""
        cells = "".join(f"{_shown(line.cells[t], line.metric.unit):>11}" for t in tools)
        ratios = _ratio_text(line, "  ")
        rows.append(f"{name[:44]:<44} {line.metric.label[:32]:<32}{cells}   {ratios}")
    return "\n".join(rows)


def machine() -> str:
    """The CPU model, cores, memory and OS of this machine, for a results header."""
    model = "unknown CPU"
    try:
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                model = text.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{model}, {os.cpu_count()} cores, {mem:.0f} GB RAM, {platform.system()} {platform.release()}"


def markdown(table: list[Line], tools: tuple[str, ...], *, when: str, versions: dict[str, str],
             size: str, repeat: int, loads: tuple[float, float],
             speeds: list[dict[str, float]] | None = None, plot: str | None) -> str:  # fmt: skip
    """The summary: setup, figures with ratios, targets, where heron is behind, what did not run."""
    text = [
        "# heron side by side with its peers",
        "",
        f"- date: {when}; machine: {machine()}",
        f"- load average (1 min) at start {loads[0]:.1f}, at end {loads[1]:.1f}; per measurement "
        f"in peers.csv (the suite's own processes count in it: about 1 on {os.cpu_count()} cores)",
        *([f"- {speed.described(speeds[0], speeds[-1])}"] if speeds else []),
        "- versions: " + ", ".join(f"{t} {v}" for t, v in versions.items()),
        f"- sizes: {size}; median of {repeat} round(s), tools interleaved in each round; each figure "
        "from a fresh process; memory is the peak RSS summed over the process tree",
        "- produced by `make bench-peers" + (" QUICK=1`" if size == "quick" else "`"),
        "",
        "| scenario | figure | " + " | ".join(tools) + " | peer ÷ heron | heron target |",
        "|---|---|" + "---|" * len(tools) + "---|---|",
    ]
    for line in table:
        name = line.scenario.title if line.metric is line.scenario.metrics[0] else ""
        cells = [
            "n/a" if c.why.startswith("unsupported")
            else _shown(c, line.metric.unit) if c.value is not None or c.at_least
            else (c.why or "—")
            for c in (line.cells[t] for t in tools)
        ]  # fmt: skip
        ratios = _ratio_text(line, ", ")
        target = line.target.text(line.metric.unit) if line.target else ""
        text.append(f"| {name} | {line.metric.label} | " + " | ".join(cells)
                    + f" | {ratios} | {target} |")  # fmt: skip
    notes = sorted({f"{t}, {line.scenario.name}: {c.why}" for line in table
                    for t, c in line.cells.items() if c.value is not None and c.why})  # fmt: skip
    if plot:
        text += ["", f"![peer ÷ heron per scenario]({plot})"]
    text += ["", "## Issue 15's targets for heron", ""]
    text += [f"- {m}" for m in missed(table)] or ["- none of the targeted figures ran"]
    text += [f"- {m}" for m in unmeasured(table)]
    text += ["", "## Where heron is not ahead", ""]
    text += [f"- {b}" for b in behind(table)] or ["- nowhere in this run"]
    not_run = sorted({f"{line.scenario.name}: {t} ({c.why.removeprefix('unsupported: ')})"
                      for line in table for t, c in line.cells.items()
                      if c.why.startswith("unsupported")})  # fmt: skip
    if not_run:
        text += ["", "## Not run (n/a)", ""] + [f"- {n}" for n in not_run]
    if notes:
        text += ["", "## Notes", ""] + [f"- {n}" for n in notes]
    return "\n".join(text) + "\n"


def plot(table: list[Line], path: Path) -> bool:
    """Bars of peer ÷ heron (log scale) for each scenario's first figure and its peak memory."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter, ScalarFormatter

    compared = [ln for ln in table if any(ln.ratios.values())]
    panels = {
        "first figure (time; rows stored)": [
            ln for ln in compared if ln.metric is ln.scenario.metrics[0]
        ],
        "peak RSS": [ln for ln in compared if ln.metric.key == "peak_rss_mb"],
    }
    if not any(panels.values()):
        return False
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.5))
    for ax, (title, chosen) in zip(axes, panels.items(), strict=True):
        peers = [p for p in PEERS if any(ln.ratios.get(p) for ln in chosen)]
        width = 0.8 / max(1, len(peers))
        for k, peer in enumerate(peers):
            ys = [i + k * width for i in range(len(chosen))]
            xs = [ln.ratios.get(peer) or 0 for ln in chosen]
            ax.barh(ys, xs, height=width, label=peer)
        ax.set_yticks([i + width * (len(peers) - 1) / 2 for i in range(len(chosen))])
        ax.set_yticklabels([ln.scenario.name for ln in chosen], fontsize=8)
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(ScalarFormatter())
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.axvline(1.0, color="black", linewidth=1)
        ax.set_title(f"{title}: peer ÷ heron (> 1: heron ahead)", fontsize=10)
        ax.invert_yaxis()
        if peers:
            ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return True
