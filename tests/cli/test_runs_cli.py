"""``heron runs list`` and ``heron runs show`` as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import heron


def _heron(*args: str, store: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "heron.cli", *args, "--dir", str(store)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_help_lists_commands() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "heron.cli", "--help"], capture_output=True, text=True, check=True
    )
    assert "runs" in done.stdout
    sub = subprocess.run(
        [sys.executable, "-m", "heron.cli", "runs", "list", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "--project" in sub.stdout


def test_list_and_show(store_dir: Path) -> None:
    with heron.init(
        project="nature", name="fc-1024", job_type="train", config={"fc_size": 1024}
    ) as run:
        run.log({"loss": 0.5})
    with heron.init(project="other", name="elsewhere"):
        pass
    listed = _heron("runs", "list", "--project", "nature", store=store_dir)
    assert listed.returncode == 0
    assert (
        "fc-1024" in listed.stdout
        and "finished" in listed.stdout
        and "elsewhere" not in listed.stdout
    )
    as_json = json.loads(_heron("runs", "list", "--json", store=store_dir).stdout)
    assert {r["name"] for r in as_json} == {"fc-1024", "elsewhere"}
    shown = _heron("runs", "show", "nature/fc-1024", store=store_dir)
    assert shown.returncode == 0
    assert (
        run.id in shown.stdout and "fc_size = 1024" in shown.stdout and "loss = 0.5" in shown.stdout
    )


def test_unknown_run_is_a_one_line_error(store_dir: Path) -> None:
    with heron.init(project="nature"):
        pass
    done = _heron("runs", "show", "nature/nope", store=store_dir)
    assert done.returncode == 1
    assert done.stderr.strip() == "error: no run 'nope' in project 'nature'"
