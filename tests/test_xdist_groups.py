"""Under `make test`'s ``-n 4 --dist loadgroup`` the browser tests share one worker, and the
tests of any other module stay together (tests/conftest.py's scheduler)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_browser_tests_run_on_one_worker_and_modules_stay_whole(tmp_path: Path) -> None:
    for folder, name in (("e2e", "test_pages"), ("e2e", "test_more_pages"), ("store", "test_a")):
        (tmp_path / "tests" / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / "tests" / folder / f"{name}.py").write_text(
            "import pytest\n\n\n@pytest.mark.parametrize('i', range(6))\n"
            "def test_it(i: int) -> None:\n    pass\n"
        )
    (tmp_path / "tests" / "test_top.py").write_text(
        "import pytest\n\n\n@pytest.mark.parametrize('i', range(6))\n"
        "def test_top(i: int) -> None:\n    pass\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-v",
         "-p", "tests.conftest", "-p", "no:cacheprovider", "-o", "addopts=", "tests"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    workers: dict[str, set[str]] = defaultdict(set)
    for worker, nodeid in re.findall(r"\[(gw\d)\] \[\s*\d+%\] PASSED (\S+)", done.stdout):
        group = "e2e" if nodeid.startswith("tests/e2e/") else nodeid.split("::")[0]
        workers[group].add(worker)
    assert set(workers) == {"e2e", "tests/store/test_a.py", "tests/test_top.py"}, done.stdout
    assert all(len(used) == 1 for used in workers.values()), dict(workers)
