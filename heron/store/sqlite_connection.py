"""How every connection to a store's SQLite file is set up, by either write path.

A run in a local store writes through plain sqlite3 (heron.store.sqlite_writer); everything else
goes through SQLAlchemy (heron.store.database). Both set these first, from this one module, so
the two paths wait for the write lock alike and see the same journal and key rules.
"""

from __future__ import annotations

BUSY_TIMEOUT_S = 120.0
"""How long a connection waits for SQLite's write lock."""

CONNECTION_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}",
    "PRAGMA foreign_keys=ON",
)
"""What every connection sets before its first statement."""
