"""Logging through a heron server on loopback, next to local mode (issue 13's figures).

1. A 100,000-row predictions table with a 64x64 noisy RGB image per row, logged by one run:
   local mode (into a store directory) vs remote mode (HERON_URL: into the spool, pushed to the
   server). The clock runs from ``heron.init`` until ``run.finish()`` returns, which in remote
   mode is when the server has acknowledged everything. Target: remote >= half local's speed.
2. 32 concurrent clients (processes, each with its own spool, as separate machines have), each
   logging metrics and a small table to one server: rows per second over the whole, p50/p95 of
   a client's init-to-acknowledged time and of its finish() wait, and a count of what reached
   the server: it must be every row (zero lost).

    python -m bench.remote_bench [--rows N] [--clients N] [--steps N] [--database-url URL]
    python -m bench.remote_bench --quick    # 10,000 rows, 8 clients

Each run happens in a fresh process (imports included in no figure; they are done first).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

_SERVE = """
import sys, uvicorn
from heron.server import create_app
app = create_app(sys.argv[1], database_url=sys.argv[3] or None, auth=True)
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""

_IMAGE_RUN = """
import json, sys, time
import numpy as np
import heron
rows = int(sys.argv[1])
rng = np.random.default_rng(0)
images = rng.integers(0, 256, (rows, 64, 64, 3), dtype=np.uint8)
start = time.perf_counter()
run = heron.init(project="bench", name="images")
table = heron.Table(columns=["id", "image", "truth", "guess", "score"])
for index in range(rows):
    table.add_data(index, heron.Image(images[index]), f"c{index % 10}", f"c{index % 7}", index / rows)
run.log({"predictions": table})
logged = time.perf_counter() - start
run.finish()
print(json.dumps({"seconds": time.perf_counter() - start, "logged": logged}))
"""

_CLIENT = """
import json, sys, time
import heron
steps, client = int(sys.argv[1]), sys.argv[2]
start = time.perf_counter()
run = heron.init(project="bench-clients", name=client, id=client)
for step in range(steps):
    run.log({"loss": 1.0 / (step + 1), "acc": step / steps, "lr": 0.1})
table = heron.Table(columns=["id", "truth", "guess"])
for index in range(100):
    table.add_data(index, f"c{index % 10}", f"c{index % 7}")
run.log({"small": table})
finishing = time.perf_counter()
run.finish()
end = time.perf_counter()
print(json.dumps({"seconds": end - start, "finish": end - finishing}))
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """A team server process (accounts on) with one user whose key the clients send."""

    def __init__(self, store_dir: Path, database_url: str | None) -> None:
        from heron.store import users
        from heron.store.store import Store

        store = Store.open(store_dir, database_url=database_url)
        self.key = users.create_user(store.engine, "bench").key
        store.close()
        self.store_dir, self.database_url = store_dir, database_url
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        environment = {k: v for k, v in os.environ.items() if not k.startswith("HERON_")}
        self.process = subprocess.Popen(
            [sys.executable, "-c", _SERVE, str(store_dir), str(self.port), database_url or ""],
            env=environment,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/api/info", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.1)  # polling for the port to open

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def _child(code: str, args: list[str], environment: dict[str, str]) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=environment
    )
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-2000:])
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def _base_environment() -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HERON_")}
    environment["HERON_SYNC_WAIT"] = "3600"  # the figure is the time until the server has it
    return environment


def image_table(work: Path, rows: int, database_url: str | None) -> None:
    """Scenario 1: the image table, local then remote."""
    local_env = _base_environment() | {"HERON_DIR": str(work / "local")}
    local = _child(_IMAGE_RUN, [str(rows)], local_env)
    server = Server(work / "server-images", database_url)
    try:
        remote_env = _base_environment() | {
            "HERON_DIR": str(work / "spool-images"),
            "HERON_URL": server.url,
            "HERON_API_KEY": server.key,
        }
        remote = _child(_IMAGE_RUN, [str(rows)], remote_env)
    finally:
        server.stop()
    ratio = local["seconds"] / remote["seconds"]
    print(f"image table, {rows:,} rows of 64x64 RGB (init to finish returned):")
    print(f"  local mode   {local['seconds']:7.2f} s")
    print(
        f"  remote mode  {remote['seconds']:7.2f} s  (spooled in {remote['logged']:.2f} s; "
        f"speed {ratio:.2f}x local, target >= 0.5x: {'met' if ratio >= 0.5 else 'MISSED'})"
    )


def concurrent_clients(work: Path, clients: int, steps: int, database_url: str | None) -> None:
    """Scenario 2: many clients at once against one server; then count what arrived."""
    server = Server(work / "server-clients", database_url)
    try:
        processes = []
        start = time.perf_counter()
        for number in range(clients):
            environment = _base_environment() | {
                "HERON_DIR": str(work / f"spool-{number}"),
                "HERON_URL": server.url,
                "HERON_API_KEY": server.key,
            }
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-c", _CLIENT, str(steps), f"client-{number}"],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                    env=environment,
                )
            )
        results = []
        for process in processes:
            out, err = process.communicate()
            if process.returncode != 0:
                raise RuntimeError(err[-2000:])
            results.append(json.loads(out.strip().splitlines()[-1]))
            sys.stderr.write(err)
        wall = time.perf_counter() - start
    finally:
        server.stop()
    lost = _lost_rows(work / "server-clients", database_url, clients, steps)
    totals = sorted(r["seconds"] for r in results)
    waits = sorted(r["finish"] for r in results)
    rows = clients * steps * 3
    print(f"{clients} concurrent clients, each {steps:,} steps x 3 metrics + a 100-row table:")
    print(f"  {rows:,} metric rows and {clients} tables in {wall:.2f} s: {rows / wall:,.0f} rows/s")
    print(
        f"  client init->acknowledged  p50 {_pct(totals, 50):.2f} s  p95 {_pct(totals, 95):.2f} s"
    )
    print(f"  finish() wait               p50 {_pct(waits, 50):.2f} s  p95 {_pct(waits, 95):.2f} s")
    print(f"  lost on the server: {lost} (target 0)")


def _pct(values: list[float], percent: int) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


def _lost_rows(store_dir: Path, database_url: str | None, clients: int, steps: int) -> int:
    """Metric rows and tables the clients logged that the server does not hold."""
    import heron

    api = heron.Api(store_dir, database_url=database_url)
    lost = 0
    for number in range(clients):
        run = api.run(f"bench-clients/client-{number}")
        for key in ("loss", "acc", "lr"):
            lost += steps - len(run.history(keys=[key]))
        if len(run.table("small")) != 100:
            lost += 1
    return lost


def main() -> None:
    """Run both scenarios and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--steps", type=int, default=1_000)
    parser.add_argument("--database-url", default=None, help="the server's PostgreSQL")
    parser.add_argument("--quick", action="store_true", help="10,000 rows, 8 clients")
    parser.add_argument("--only", choices=["images", "clients"], default=None)
    args = parser.parse_args()
    if args.quick:
        args.rows, args.clients, args.steps = 10_000, 8, 300
    with tempfile.TemporaryDirectory(prefix="heron-remote-bench-") as directory:
        work = Path(directory)
        if args.only in (None, "images"):
            image_table(work, args.rows, args.database_url)
        if args.only in (None, "clients"):
            concurrent_clients(work, args.clients, args.steps, args.database_url)


if __name__ == "__main__":
    main()
