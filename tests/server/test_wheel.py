"""The wheel ships the built web UI, so `pip install heron` is the only install step."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_built_wheel_contains_the_ui(tmp_path: Path) -> None:
    index = ROOT / "heron" / "server" / "_static" / "index.html"
    assert index.is_file(), "the UI is not built: run `make ui-build` (scripts/build_ui.sh) first"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(tmp_path),
            str(ROOT),
        ],
        check=False,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, f"building the wheel failed:\n{done.stderr[-2000:]}"
    (wheel,) = tmp_path.glob("heron-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "heron/server/_static/index.html" in names
    assert any(
        name.startswith("heron/server/_static/assets/") and name.endswith(".js") for name in names
    )
