"""How fast the web UI opens a big workspace and draws long metric lines, in a real browser.

Targets: a workspace with 1,000 runs opens in under 1 s; a chart of 5 runs x 100,000 steps
renders in under 1 s (the server downsamples each line, keeping every bucket's extremes).
Measured with Debian's Chromium (Playwright) against a real `heron ui` on this machine.

    python -m bench.ui_bench [--runs 1000] [--steps 100000] [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import math
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

import heron
from heron.store import runs as run_store
from heron.store.jsonvalues import dumps
from heron.store.store import Store
from tests.e2e.chromium import CHROMIUM_ARGS


def make_many_runs(directory: Path, count: int) -> None:
    """``count`` finished runs in project "sweep", each with config, summary and a short history."""
    store = Store.open(directory)
    rng = random.Random(7)
    now = time.time()
    for index in range(count):
        run_id = uuid.uuid4().hex[:8]
        lr = 10 ** rng.uniform(-5, -1)
        config = {"lr": lr, "batch_size": rng.choice([32, 64, 128]), "optimizer": rng.choice(["adam", "sgd"]),
                  "model": {"width": rng.choice([256, 512, 1024]), "depth": rng.randint(2, 8)}}  # fmt: skip
        created = now - (count - index) * 60
        run_store.create_run(
            store.engine,
            "sweep",
            {
                "id": run_id, "name": f"sweep-{index:04d}", "group_name": f"g{index % 10}",
                "job_type": "train", "tags": dumps(["sweep"]), "notes": "", "config": dumps(config),
                "summary": "{}", "state": "finished", "created_at": created, "updated_at": created + 50,
                "finished_at": created + 50, "heartbeat_at": created + 50, "host": "bench", "pid": 0,
                "python_version": "3.11", "program": "bench", "last_step": -1,
            },
        )  # fmt: skip
        rows = [(step, key, math.exp(-lr * step * 100) + rng.random() * 0.01)
                for step in range(20) for key in ("loss", "val/acc")]  # fmt: skip
        summary = {"loss": rows[-2][2], "val/acc": rows[-1][2]}
        run_store.write_history(
            store.engine, run_id, rows, [], last_step=19, summary_json=dumps(summary)
        )
    store.close()


def make_long_runs(directory: Path, count: int, steps: int) -> None:
    """``count`` runs in project "long", each logging "loss" for ``steps`` steps."""
    for index in range(count):
        with heron.init(project="long", name=f"long-{index}", dir=directory) as run:
            for step in range(steps):
                noise = math.sin(step * 0.37 + index) * 0.05
                run.log({"loss": 2.0 / (1 + step / 1000) + noise + index * 0.1}, step=step)


def serve(directory: Path) -> tuple[subprocess.Popen[str], str]:
    """Start `heron ui` on a free port."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HERON_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "heron.cli", "ui", "--dir", str(directory), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=environment,
    )  # fmt: skip
    assert process.stdout is not None
    match = re.search(r"(http://\S+)/", process.stdout.readline())
    assert match, "heron ui did not print its URL"
    return process, match.group(1)


def measure(url: str, chromium: str, runs: int) -> dict[str, float]:
    """Open the views in Chromium and time what a person waits for."""
    from playwright.sync_api import sync_playwright

    figures: dict[str, float] = {}
    httpx.get(f"{url}/api/info", timeout=30)  # the server has started once before anyone looks
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        # One browser profile: the first visit downloads the app, the second has it cached,
        # as for a person coming back to the tab.
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        for attempt in ("cold", "warm"):
            page = context.new_page()
            start = time.perf_counter()
            page.goto(f"{url}/projects/sweep")
            page.wait_for_selector(".vrow")
            page.wait_for_function(
                f"document.querySelector('.workspace-header').textContent.includes('{runs} runs')"
            )
            figures[f"workspace_{attempt}"] = time.perf_counter() - start
            page.close()
        page = context.new_page()
        page.goto(f"{url}/projects/sweep?view=table")
        page.wait_for_selector(".vrow")
        start = time.perf_counter()
        rendered = page.evaluate(
            """async () => {
                const scroller = document.querySelector('.runs-scroll');
                const frames = [];
                let last = performance.now();
                for (let i = 0; i < 60; i++) {
                    scroller.scrollTop += scroller.scrollHeight / 60;
                    await new Promise(r => requestAnimationFrame(r));
                    const now = performance.now(); frames.push(now - last); last = now;
                }
                return Math.max(...frames.slice(1));
            }"""
        )
        figures["scroll_worst_frame"] = float(rendered) / 1000
        figures["scroll_total"] = time.perf_counter() - start
        page.close()
        for attempt in ("cold", "warm"):
            page = context.new_page()
            start = time.perf_counter()
            page.goto(f"{url}/projects/long")
            page.wait_for_selector(
                '[data-metric="loss"] .chart-plot[data-ready="1"][data-series-count="5"]'
            )
            figures[f"chart_{attempt}"] = time.perf_counter() - start
            page.close()
        browser.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000, help="runs in the big workspace")
    parser.add_argument("--steps", type=int, default=100_000, help="steps per long run")
    parser.add_argument(
        "--chromium", default=os.environ.get("HERON_TEST_CHROMIUM", "/usr/bin/chromium")
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        directory = Path(temporary) / "store"
        started = time.perf_counter()
        make_many_runs(directory, args.runs)
        make_long_runs(directory, 5, args.steps)
        print(
            f"logged {args.runs:,} runs and 5 x {args.steps:,} steps in {time.perf_counter() - started:.1f} s"
        )
        process, url = serve(directory)
        try:
            runs_json = httpx.get(f"{url}/api/projects/sweep/runs", timeout=60)
            ids = [
                run["id"]
                for run in httpx.get(f"{url}/api/projects/long/runs", timeout=60).json()["runs"]
            ]
            api_times = []
            for _ in range(2):
                start = time.perf_counter()
                httpx.get(f"{url}/api/projects/long/series",
                          params={"key": "loss", "run": ids, "max_points": 1500}, timeout=60)  # fmt: skip
                api_times.append(time.perf_counter() - start)
            figures = measure(url, args.chromium, args.runs)
        finally:
            process.terminate()
            process.wait(timeout=20)
    print(
        f"machine load average (1 min) during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print(f"runs list API ({args.runs:,} runs): {len(runs_json.content) / 1e6:.2f} MB")
    print(f"series API, 5 x {args.steps:,} points -> 5 x 1,500: "
          f"{api_times[0] * 1000:.0f} ms first, {api_times[1] * 1000:.0f} ms cached")  # fmt: skip
    print(f"workspace with {args.runs:,} runs opens:   {figures['workspace_cold']:.2f} s cold, "
          f"{figures['workspace_warm']:.2f} s warm   (target < 1 s)")  # fmt: skip
    print(f"scrolling the {args.runs:,}-run table: worst frame {figures['scroll_worst_frame'] * 1000:.0f} ms "
          f"over 60 frames ({figures['scroll_total']:.2f} s)")  # fmt: skip
    print(f"chart of 5 runs x {args.steps:,} steps:    {figures['chart_cold']:.2f} s cold, "
          f"{figures['chart_warm']:.2f} s warm   (target < 1 s, page load included)")  # fmt: skip


if __name__ == "__main__":
    main()
