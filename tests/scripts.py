"""Running a fixture script in its own process, as a user's training script would run."""

from __future__ import annotations

import os
import subprocess
import sys


def run_script(path: str, *arguments: str) -> str:
    """Run ``python path arguments...`` with no HERON_* settings; returns its standard output."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HERON_")}
    result = subprocess.run(
        [sys.executable, path, *arguments],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{os.path.basename(path)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def names_to_ids(output: str) -> dict[str, str]:
    """Parse ``run_id<TAB>name`` lines into ``name -> run id``."""
    return {name: run_id for run_id, name in (line.split("\t") for line in output.splitlines())}
