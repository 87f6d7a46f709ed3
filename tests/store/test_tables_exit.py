"""A process that reads a table exits cleanly.

pyarrow reading Parquet through a Python file object leaves native threads that can abort the
interpreter at exit ("terminate called without an active exception", status -6): about one
process in three did so here under load. Table parts are opened through no symlink and then
read natively; these processes must all exit with status 0.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import heron

pytestmark = pytest.mark.slow

READERS = 6


def test_processes_reading_tables_and_verifying_the_store_exit_cleanly(store_dir: Path) -> None:
    with heron.init(project="p", dir=store_dir) as run:
        table = heron.Table(columns=["id", "label"])
        for i in range(20_000):
            table.add_data(i, f"label {i % 10}")
        run.log({"t": table})
    reader = textwrap.dedent(
        f"""
        import heron
        rows = heron.Api({str(store_dir)!r}).run({run.path!r}).table("t").to_arrow().num_rows
        assert rows == 20_000, rows
        """
    )
    for _ in range(READERS):
        done = subprocess.run(
            [sys.executable, "-c", reader], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
    verify = subprocess.run(
        [sys.executable, "-m", "heron.cli", "verify", "--dir", str(store_dir)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
