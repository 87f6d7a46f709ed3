"""The active run of this process, and what happens to it when the process ends.

``heron.log`` and ``heron.finish`` act on the active run. A run still open when the interpreter
exits is finished then: failed if an uncaught exception ended the program, finished otherwise. A
process killed outright runs none of this; the next open of the store marks its run crashed.
"""

from __future__ import annotations

import atexit
import sys
import threading
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from heron.sdk.run import Run

_lock = threading.Lock()
_runs: list[Run] = []
_uncaught_exception = False
_hooks_installed = False


def current() -> Run | None:
    """The most recently started run that is still open, or None."""
    with _lock:
        return _runs[-1] if _runs else None


def remember(run: Run) -> None:
    """Make ``run`` the active run and publish it as ``heron.run``."""
    _install_hooks()
    with _lock:
        _runs.append(run)
    _publish()


def forget(run: Run) -> None:
    """Drop a finished run; the previous open run (if any) becomes active again."""
    with _lock:
        if run in _runs:
            _runs.remove(run)
    _publish()


def _publish() -> None:
    module = sys.modules.get("heron")
    if module is not None:
        module.run = current()  # type: ignore[attr-defined]


def _install_hooks() -> None:
    global _hooks_installed
    if _hooks_installed:
        return
    _hooks_installed = True
    previous = sys.excepthook

    def excepthook(
        kind: type[BaseException], value: BaseException, tb: TracebackType | None
    ) -> None:
        global _uncaught_exception
        _uncaught_exception = True
        previous(kind, value, tb)

    sys.excepthook = excepthook
    atexit.register(_finish_open_runs)


def _finish_open_runs() -> None:
    with _lock:
        open_runs = list(reversed(_runs))
    for run in open_runs:
        try:
            run.finish(exit_code=1 if _uncaught_exception else 0)
        except Exception as error:  # the interpreter is exiting: report, do not raise
            print(f"heron: could not finish run {run.path}: {error}", file=sys.stderr)
