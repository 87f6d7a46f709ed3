"""What the peer suite measures: each scenario, its sizes, its figures and who can run it.

A scenario runs once per tool per round, each time in a fresh process (a worker script under
``workers/``). Sizes come in three sets: ``full`` (the issue's figures), ``quick`` (``QUICK=1``:
the same sizes where a round stays short, fewer where it would not) and ``tiny`` (the harness's own
test). Every scenario also gets the figures the watch takes from outside: peak RSS of the whole
process tree and outer wall time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

TOOLS = ("heron", "wandb", "mlflow", "aim")
PEERS = TOOLS[1:]
Size = Literal["full", "quick", "tiny"]

NO_TABLE_AIM = "Aim 3.29 has no table type: it tracks sequences of metrics, images, texts"
QUERY_ONLY_HERON = (
    "no query engine over logged tables (W&B keeps offline tables as JSON, capped at 200,000 "
    "rows; MLflow keeps them as JSON artifacts; Aim has no table type)"
)


@dataclass(frozen=True)
class Metric:
    """One figure a scenario reports. Lower is better unless ``higher_is_better``."""

    key: str
    label: str
    unit: str
    higher_is_better: bool = False


@dataclass(frozen=True)
class Scenario:
    """A workload every tool runs as its users would write it."""

    name: str
    title: str
    metrics: tuple[Metric, ...]
    sizes: dict[Size, dict[str, Any]]
    unsupported: dict[str, str] = field(default_factory=dict)
    prepare: bool = False  # an unmeasured process first leaves a store for the measured one
    tools: tuple[str, ...] = TOOLS
    # The same workload at a smaller size: a tool whose time there, scaled by rows, would pass the
    # time limit is not run at this size (and the report says so) instead of being stopped.
    follows: str | None = None
    # Whether the report shows the process tree's peak RSS and wall time (not for a figure
    # measured from children that each do a part of the work).
    outside: bool = True
    # A memory ceiling (MB, the process tree's RSS): the measurement is stopped past it.
    ceiling_mb: float | None = None

    def params(self, size: Size) -> dict[str, Any]:
        """The worker's parameters at ``size``."""
        return dict(self.sizes[size])

    def runs(self, tool: str) -> bool:
        """Whether ``tool`` runs this scenario (else it is reported with the reason)."""
        return tool in self.tools and tool not in self.unsupported


SECONDS = Metric("inner_s", "time, run start to finish", "s")
PEAK = Metric("peak_rss_mb", "peak RSS, process tree", "MB")
WALL = Metric("wall_s", "outer wall time, process start to exit", "s")


def _table(name: str, rows: int, images: bool, quick_rows: int | None = None,
           follows: str | None = None) -> Scenario:  # fmt: skip
    quick = rows if quick_rows is None else quick_rows
    kind = "image table" if images else "table, no images"
    return Scenario(
        name=name,
        title=f"log {rows:,}-row {kind} (add_data)",
        metrics=(SECONDS,),
        sizes={
            "full": {"rows": rows, "images": images},
            "quick": {"rows": quick, "images": images},
            "tiny": {"rows": 20, "images": images},
        },
        unsupported={"aim": NO_TABLE_AIM},
        follows=follows,
    )


_Q = "ms"
SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        name="import",
        title="import the package",
        metrics=(Metric("inner_s", "import time", "s"),),
        sizes={"full": {}, "quick": {}, "tiny": {}},
    ),
    _table("table_1k_img", 1_000, True),
    _table("table_10k_img", 10_000, True, follows="table_1k_img"),
    _table("table_100k_img", 100_000, True, follows="table_10k_img"),
    Scenario(
        name="table_1m_img",
        title="log 1,000,000-row image table (add_data)",
        metrics=(SECONDS,),
        # The full suite only: about two minutes of heron alone. W&B keeps at most 200,000
        # rows of a table; the rows past the seeded images reuse them, each made unique.
        sizes={"full": {"rows": 1_000_000, "images": True}, "tiny": {"rows": 30, "images": True}},
        tools=("heron",),
        ceiling_mb=4096,
    ),
    _table("table_100k_plain", 100_000, False),
    Scenario(
        name="table_100k_frame",
        title="log 100,000-row table from a DataFrame (no images)",
        metrics=(SECONDS,),
        sizes={"full": {"rows": 100_000}, "quick": {"rows": 100_000}, "tiny": {"rows": 20}},
        unsupported={"aim": NO_TABLE_AIM},
    ),
    Scenario(
        name="epochs_5x1k",
        title="5 epochs of the same 1,000 images in a table",
        metrics=(
            SECONDS,
            Metric("growth", "disk after 5 epochs / after 1", "x"),
            Metric("store_mb", "disk after 5 epochs", "MB"),
        ),
        sizes={
            "full": {"images": 1_000, "epochs": 5},
            "quick": {"images": 1_000, "epochs": 5},
            "tiny": {"images": 10, "epochs": 2},
        },
        # Aim logs the epoch's images as an image sequence (its way of keeping images per step).
    ),
    Scenario(
        name="image_disk",
        title="disk per image: 1,000 noisy 64×64 RGB images in a table",
        metrics=(
            Metric("bytes_per_image", "store growth per image", "B"),
            Metric("codec_bytes", "the image's encoded bytes alone", "B"),
            Metric("png_bytes", "PNG floor: Pillow, optimize off", "B"),
            Metric("png_opt_bytes", "PNG floor: Pillow, optimize on", "B"),
        ),
        # Store growth: a table of the same rows with its image column, minus one without it.
        sizes={
            "full": {"image_rows": 1_000},
            "quick": {"image_rows": 1_000},
            "tiny": {"image_rows": 10},
        },
        outside=False,
    ),
    Scenario(
        name="artifact_2k_twice",
        title="2,000-file dataset artifact logged twice unchanged",
        metrics=(
            SECONDS,
            Metric("first_s", "first version", "s"),
            Metric("second_s", "second, unchanged", "s"),
            Metric("growth", "disk after 2 versions / after 1", "x"),
        ),
        sizes={"full": {"files": 2_000}, "quick": {"files": 2_000}, "tiny": {"files": 10}},
    ),
    Scenario(
        name="read_100k",
        title="read 100,000 rows into pandas, filter + group",
        metrics=(
            SECONDS,
            Metric("read_s", "read into pandas", "s"),
            Metric("query_s", "filter + group in pandas", "s"),
        ),
        sizes={"full": {"rows": 100_000}, "quick": {"rows": 100_000}, "tiny": {"rows": 20}},
        unsupported={"aim": NO_TABLE_AIM},
        prepare=True,
    ),
    Scenario(
        name="read_100k_frames",
        title="read 100,000 rows into Arrow and into polars (heron)",
        metrics=(
            Metric("arrow_s", "read into Arrow", "s"),
            Metric("polars_s", "read into polars", "s"),
        ),
        # Each read in a fresh process with heron, pandas and the frame library imported, timed
        # from heron.Api(...) to the frame in hand; the peers have no such reader.
        sizes={
            "full": {"rows": 100_000, "reads": 5},
            "quick": {"rows": 100_000, "reads": 3},
            "tiny": {"rows": 20, "reads": 1},
        },
        tools=("heron",),
        prepare=True,
        outside=False,
    ),
    Scenario(
        name="scalars_100k",
        title="100,000 steps of two scalars",
        metrics=(SECONDS,),
        sizes={"full": {"steps": 100_000}, "quick": {"steps": 100_000}, "tiny": {"steps": 50}},
    ),
    Scenario(
        name="largest_table",
        title="largest table accepted (no images)",
        metrics=(
            Metric("rows_stored", "rows stored of those logged", "rows", higher_is_better=True),
            SECONDS,
        ),
        sizes={
            "full": {"rows": 1_000_000},
            "quick": {"rows": 300_000},
            "tiny": {"rows": 30},
        },
        unsupported={"aim": NO_TABLE_AIM},
    ),
    Scenario(
        name="frame_1m",
        title="log a 1,000,000-row table from Arrow (id, truth, guess, 10 scores)",
        metrics=(SECONDS,),
        sizes={"full": {"rows": 1_000_000}, "quick": {"rows": 1_000_000}, "tiny": {"rows": 40}},
        tools=("heron",),
    ),
    Scenario(
        name="frame_10m",
        title="log a 10,000,000-row table from Arrow (id, truth, guess, 10 scores)",
        metrics=(SECONDS,),
        # The full suite only. The seeded rows are repeated up to 10,000,000 (ids unique), so
        # the data holds no more rows than the other scenarios read.
        sizes={
            "full": {"tiled_rows": 10_000_000, "seeded_rows": 1_000_000},
            "tiny": {"tiled_rows": 90, "seeded_rows": 40},
        },
        tools=("heron",),
    ),
    Scenario(
        name="query_1m",
        title="distinct queries on a warm 1,000,000-row table (p50)",
        metrics=(
            Metric("first_ms", "first query in a fresh process", _Q),
            Metric("filter_count_ms", "filter + count", _Q),
            Metric("filter_sort_page_ms", "filter + sort + page of 50", _Q),
            Metric("filter_group_guess_ms", "filter + group by guess", _Q),
            Metric("group_truth_all_ms", "filter + group by truth, every column summarised", _Q),
        ),
        # table_rows, not rows: the worker writes its own table (bench.query_bench's) and reads
        # none of the suite's seeded rows, so it asks for none.
        sizes={
            "full": {"table_rows": 1_000_000, "queries": 9},
            "quick": {"table_rows": 1_000_000, "queries": 5},
            "tiny": {"table_rows": 40, "queries": 2},
        },
        tools=("heron",),
        prepare=True,
    ),
    Scenario(
        name="query_10m",
        title="distinct queries on a warm 10,000,000-row table (p50)",
        metrics=(
            Metric("first_ms", "first query in a fresh process", _Q),
            Metric("filter_count_ms", "filter + count", _Q),
            Metric("filter_sort_page_ms", "filter + sort + page of 50", _Q),
            Metric("filter_group_guess_ms", "filter + group by guess", _Q),
            Metric("group_truth_all_ms", "filter + group by truth, every column summarised", _Q),
        ),
        # The full suite only: writing the table takes a minute and loading it ten seconds.
        sizes={"full": {"table_rows": 10_000_000, "queries": 5}},
        tools=("heron",),
        prepare=True,
    ),
)

OUTSIDE = (PEAK, WALL)


def reason(scenario: Scenario, tool: str) -> str:
    """Why ``tool`` does not run ``scenario``."""
    if tool in scenario.unsupported:
        return scenario.unsupported[tool]
    return QUERY_ONLY_HERON if scenario.name.startswith("query_") else "heron-only scenario"


def select(only: str | None) -> tuple[Scenario, ...]:
    """The scenarios named in a comma-separated ``--only`` list (all when None)."""
    if not only:
        return SCENARIOS
    wanted = [name.strip() for name in only.split(",") if name.strip()]
    known = {s.name: s for s in SCENARIOS}
    missing = [name for name in wanted if name not in known]
    if missing:
        raise SystemExit(f"unknown scenario(s) {missing}; known: {sorted(known)}")
    return tuple(known[name] for name in wanted)
