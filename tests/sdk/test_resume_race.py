"""Several processes starting the same run id with resume="allow" at once all get the run."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import heron

# Says it is ready, waits for the start file (so the processes reach heron.init together), then
# joins run "shared".
_JOIN = textwrap.dedent(
    """
    import os, sys, time
    import heron

    open(sys.argv[3], "w").close()
    while not os.path.exists(sys.argv[2]):
        time.sleep(0.001)
    run = heron.init(project="p", id="shared", resume="allow", dir=sys.argv[1])
    run.finish()
    print(run.id)
    """
)


def test_processes_racing_to_create_a_run_id_all_continue_it(tmp_path: Path) -> None:
    store, start = tmp_path / "store", tmp_path / "start"
    heron.init(project="p", dir=store).finish()  # the store exists before the race
    ready = [tmp_path / f"ready-{i}" for i in range(6)]
    command = [sys.executable, "-c", _JOIN, str(store), str(start)]
    processes = [
        subprocess.Popen(
            [*command, str(flag)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for flag in ready
    ]
    deadline = time.monotonic() + 120
    while not all(flag.exists() for flag in ready) and time.monotonic() < deadline:
        time.sleep(0.01)  # until every process has imported heron and waits on the start file
    start.write_text("go")
    results = [process.communicate(timeout=120) for process in processes]
    assert [process.returncode for process in processes] == [0] * 6, [err for _, err in results]
    assert [out.strip() for out, _ in results] == ["shared"] * 6
    assert [run.id for run in heron.Api(dir=store).runs("p")].count("shared") == 1
