"""The libraries logging a table needs, imported on a thread of their own from the first Table on.

numpy, pyarrow and its Parquet writer take about a tenth of a second of CPU to import, and a
script that builds a table pays it at ``run.log``, the moment it waits on the table. Started when
the first :class:`heron.Table` is made, the imports proceed while the script fills the table:
whenever its loop waits on a file, the network or a GPU, or runs numpy, torch or any other code
that releases the GIL, they cost it nothing. ``import heron`` itself still imports none of them.

Forking while a thread is inside an import could leave the child with a lock nobody will release
(the import machinery's, or the dynamic loader's), so a fork waits for the imports to finish.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading

# In the order logging a table needs them (pyarrow imports numpy; the writer imports pyarrow).
MODULES = ("numpy", "pyarrow", "pyarrow._parquet", "heron.store.tables")
# How long a fork waits for the imports: far more than they take, but bounded, should the fork
# come from code the imports themselves wait on.
FORK_WAIT_SECONDS = 10.0

_lock = threading.Lock()
_thread: threading.Thread | None = None


def start() -> None:
    """Begin importing :data:`MODULES` in the background, once per process; returns at once."""
    global _thread
    if _thread is not None or all(name in sys.modules for name in MODULES):
        return
    with _lock:
        if _thread is not None:
            return
        # Not a daemon: the interpreter waits for it at exit instead of stopping it mid-import.
        _thread = threading.Thread(target=_import_all, name="heron-preload")
        if hasattr(os, "register_at_fork"):  # POSIX only; elsewhere there is no fork
            os.register_at_fork(before=wait)
        _thread.start()


def wait(timeout: float = FORK_WAIT_SECONDS) -> None:
    """Wait for the background imports to finish (at most ``timeout`` seconds)."""
    thread = _thread
    if thread is not None and thread is not threading.current_thread() and thread.is_alive():
        thread.join(timeout)


def _import_all() -> None:
    for name in MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # the import where the module is used raises it, with its message
            return
