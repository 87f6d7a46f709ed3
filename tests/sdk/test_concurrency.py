"""Several processes logging into one local store at once lose nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import heron

WRITER = """
import sys, heron
index, steps = int(sys.argv[1]), int(sys.argv[2])
with heron.init(project="concurrent", name=f"writer-{index}") as run:
    for step in range(steps):
        run.log({"step_value": step, "writer": index, "loss": 1.0 / (step + 1)})
print(run.path)
"""


def test_eight_processes_two_thousand_steps_each(store_dir: Path) -> None:
    processes, steps = 8, 2000
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(i), str(steps)], stdout=subprocess.PIPE, text=True
        )
        for i in range(processes)
    ]
    paths = []
    for worker in workers:
        out, _ = worker.communicate(timeout=240)
        assert worker.returncode == 0
        paths.append(out.strip())

    api = heron.Api()
    runs = api.runs("concurrent")
    assert len(runs) == processes
    for path in paths:
        run = api.run(path)
        assert run.state == "finished"
        rows = list(run.scan_history())
        assert len(rows) == steps
        assert [row["_step"] for row in rows] == list(range(steps))
        assert [row["step_value"] for row in rows] == [float(s) for s in range(steps)]
        writer = int(run.name.split("-")[1])
        assert {row["writer"] for row in rows} == {float(writer)}
