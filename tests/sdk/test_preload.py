"""What logging a table needs is imported in the background from the first Table on; a process
that forks, or that cannot import pyarrow, is not harmed by it. Each case runs in a fresh
interpreter, since the imports happen once per process."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path


def run_script(source: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(source)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_first_table_imports_what_logging_needs_in_the_background() -> None:
    done = run_script(
        """
        import sys
        import heron
        from heron.sdk import preload
        before = [name in sys.modules for name in preload.MODULES]
        table = heron.Table(columns=["id", "score"])
        preload.wait()
        print(before, [name in sys.modules for name in preload.MODULES])
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("] [") == ["[False, False, False, False", "True, True, True, True]\n"]


def test_a_fork_right_after_the_first_table_waits_for_the_imports(tmp_path: Path) -> None:
    # Forked in the middle of an import, a child could inherit a lock held by a thread it does
    # not have; the fork waits, so the child starts with every module imported and logs.
    done = run_script(
        f"""
        import os, sys
        import heron
        from heron.sdk import preload
        table = heron.Table(columns=["id", "score"])
        for i in range(3):
            table.add_data(i, i / 2)
        pid = os.fork()
        if pid == 0:
            imported = all(name in sys.modules for name in preload.MODULES)
            with heron.init(project="p", dir={str(tmp_path)!r}) as run:
                run.log({{"t": table}})
            os._exit(0 if imported else 3)
        _, status = os.waitpid(pid, 0)
        print(os.waitstatus_to_exitcode(status))
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0"], done.stderr
    [part] = (tmp_path / "tables").rglob("*.parquet")
    assert part.stat().st_size > 0


def test_a_process_that_cannot_import_pyarrow_still_builds_tables(tmp_path: Path) -> None:
    done = run_script(
        f"""
        import sys
        sys.modules["pyarrow"] = None  # makes every import of pyarrow fail
        import heron
        from heron.sdk import preload
        table = heron.Table(columns=["id", "score"])
        for i in range(2000):
            table.add_data(i, i / 2)
        preload.wait()
        print(len(table), table.get_column("score")[-1])
        run = heron.init(project="p", dir={str(tmp_path)!r})
        try:
            run.log({{"t": table}})
        except ImportError as error:
            print("log:", error.name)
        run.finish()
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["2000 999.5", "log: pyarrow"]
    assert "Traceback" not in done.stderr  # the background thread failed quietly


def test_a_table_from_a_dataframe_imports_pyarrow_itself() -> None:
    # Its columns need pyarrow at once: a thread importing it beside them would only compete.
    done = run_script(
        """
        import pyarrow as pa
        import heron
        from heron.sdk import preload
        table = heron.Table(dataframe=pa.table({"id": [1, 2]}))
        # Whether a thread was ever started (one already finished would not be listed alive).
        print(len(table), preload._thread is not None)
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["2", "False"]
