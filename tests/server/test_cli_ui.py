"""`heron ui`: prints its URL, serves the store, warns when not bound to loopback."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

import heron


@contextmanager
def serving(store_dir: Path, *args: str) -> Iterator[tuple[str, str]]:
    """Start `heron ui` on a free port; yields (url, stderr seen so far)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "heron.cli", "ui", "--dir", str(store_dir), "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("heron ui: serving"), line
        yield line.rsplit(" at ", 1)[1].strip(), ""
    finally:
        process.terminate()
        process.wait(timeout=20)
        if process.stdout:
            process.stdout.close()
        if process.stderr:
            process.stderr.close()


def test_heron_ui_prints_its_url_and_serves_the_api(store_dir: Path) -> None:
    heron.init(project="served", dir=store_dir).finish()
    with serving(store_dir) as (url, _):
        assert url.startswith("http://127.0.0.1:")
        projects = httpx.get(f"{url}api/projects", timeout=10).json()
        assert [p["name"] for p in projects] == ["served"]


def test_binding_beyond_loopback_warns_there_is_no_authentication(store_dir: Path) -> None:
    heron.init(project="served", dir=store_dir).finish()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "heron.cli",
            "ui",
            "--dir",
            str(store_dir),
            "--port",
            "0",
            "--host",
            "0.0.0.0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None and process.stdout is not None
        warning = process.stderr.readline()
        assert "no authentication" in warning and "0.0.0.0" in warning
        assert process.stdout.readline().startswith("heron ui: serving")
    finally:
        process.terminate()
        process.wait(timeout=20)
        for stream in (process.stdout, process.stderr):
            if stream:
                stream.close()


def test_heron_ui_on_a_missing_store_says_so(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "heron.cli", "ui", "--dir", str(tmp_path / "none"), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "there is no heron store" in result.stderr
