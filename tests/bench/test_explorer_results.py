"""The explorer benchmark's results files: every figure kept, judged against issue 7's targets."""

from __future__ import annotations

import json
from pathlib import Path

from bench.explorer_bench import Figures, write_results


def test_results_keep_every_figure_with_its_verdict(tmp_path: Path) -> None:
    figures = Figures()
    figures.browser = "Chromium 1.2.3"
    figures.add("open_rows_s", "first open of the table: first rows visible", 1.4)
    figures.add("open_thumbs_s", "first open of the table: with thumbnails", 1.9)
    figures.add("filter_wrong_s", "filter truth != guess: count and rows", 0.4)
    figures.add("group_guess_s", "group by guess (filtered): histograms drawn", 1.2)
    scroll = {"longest_frame_ms": 150.0, "p95_frame_ms": 33.0, "longest_task_ms": 140.0}

    markdown = write_results(tmp_path, 1_000_000, figures, scroll).read_text()

    assert "1,000,000-row table" in markdown and "Chromium 1.2.3" in markdown
    assert "| first open of the table: first rows visible | 1.40 s | < 1.5 s: met |" in markdown
    assert "| first open of the table: with thumbnails | 1.90 s |  |" in markdown  # no target
    assert "| filter truth != guess: count and rows | 0.40 s | < 1 s: met |" in markdown
    assert "| group by guess (filtered): histograms drawn | 1.20 s | < 1 s: MISSED |" in markdown
    assert "150 ms (95% under 33 ms) | < 100 ms: MISSED" in markdown
    saved = json.loads((tmp_path / "explorer.json").read_text())
    assert saved["rows"] == 1_000_000
    assert saved["seconds"]["group_guess_s"] == 1.2
    assert saved["scroll"]["longest_frame_ms"] == 150.0
