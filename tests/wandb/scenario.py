"""Running a scenario script (a public W&B notebook's calls, in our words) as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import heron

SCENARIOS = Path(__file__).parent / "scenarios"


def run_scenario(name: str, workdir: Path, extra: dict[str, str] | None = None) -> heron.Api:
    """Run ``scenarios/<name>.py`` in ``workdir``, in its own process with no HERON_*/WANDB_*
    settings besides ``extra``; keeps its stdout in ``workdir/stdout.txt`` and returns an Api
    on the store it wrote (``workdir/heron-data``)."""
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("HERON_", "WANDB_"))
    }
    environment.update(WANDB_SILENT="true", KERAS_BACKEND="torch")
    environment.update(extra or {})
    done = subprocess.run(
        [sys.executable, str(SCENARIOS / f"{name}.py")],
        cwd=workdir,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"{name} failed:\n{done.stderr[-4000:]}"
    (workdir / "stdout.txt").write_text(done.stdout)
    return heron.Api(workdir / "heron-data")
