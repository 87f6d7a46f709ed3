"""What a store has already sent to one server: a cursor per kind of record, kept in the store.

The file is ``sync/<server>.json`` in the store directory. Rows of the metadata database are
only ever added (a replaced run object is deleted and added again), and SQLite gives each added
row a larger rowid than any row before it, so "sent up to rowid N" is an exact cursor. Runs are
compared by their ``updated_at`` instead, since their record changes in place; artifact versions
remember the id the server gave them. Losing the file costs nothing but time: every request is
idempotent, so the next push asks again and the server answers that it has everything.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

CURSOR_KINDS = ("blobs", "tables", "objects", "metrics", "artifacts", "lineage")


def server_key(url: str) -> str:
    """A file name for the server at ``url``: its host and port (``127.0.0.1_8000``)."""
    parts = urlsplit(url)
    name = f"{parts.hostname or 'server'}_{parts.port or (443 if parts.scheme == 'https' else 80)}"
    path = parts.path.strip("/")
    if path:
        name += "_" + path
    return re.sub(r"[^A-Za-z0-9_.\-]", "_", name)


def read_document(path: Path) -> dict[str, Any]:
    """The JSON object kept at ``path`` in a store's ``sync/`` folder; empty when the file is
    missing or unreadable (every request is idempotent: a lost file costs only time)."""
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return document if isinstance(document, dict) else {}


def write_document(path: Path, document: dict[str, Any]) -> None:
    """Write ``document`` to ``path`` atomically (a temporary file, then a rename), so a
    process stopped mid-write leaves the previous version."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}-{time.monotonic_ns()}")
    temporary.write_text(json.dumps(document, sort_keys=True))
    os.replace(temporary, path)


@dataclass
class SyncState:
    """The cursors of one store towards one server."""

    path: Path
    cursors: dict[str, int] = field(default_factory=dict)
    runs: dict[str, float] = field(default_factory=dict)  # run id -> updated_at sent
    versions: dict[str, str] = field(default_factory=dict)  # local version id -> server's
    aliases: dict[str, list[str]] = field(default_factory=dict)  # local version id -> aliases sent
    # Names this store's uploads on the server (their partial files), so a later push resumes them.
    upload_id: str = field(default_factory=lambda: os.urandom(16).hex())

    @classmethod
    def load(cls, root: Path, url: str) -> SyncState:
        """The state of ``root`` towards ``url`` (empty if it never pushed there)."""
        path = root / "sync" / f"{server_key(url)}.json"
        document = read_document(path)
        return cls(
            path,
            cursors={k: int(v) for k, v in document.get("cursors", {}).items()},
            runs={k: float(v) for k, v in document.get("runs", {}).items()},
            versions={k: str(v) for k, v in document.get("versions", {}).items()},
            aliases={k: [str(a) for a in v] for k, v in document.get("aliases", {}).items()},
            upload_id=str(document.get("upload_id") or os.urandom(16).hex()),
        )

    def cursor(self, kind: str) -> int:
        """The last rowid of ``kind`` the server acknowledged (0: none)."""
        return self.cursors.get(kind, 0)

    def save(self) -> None:
        """Write the state atomically (temporary file, then rename)."""
        write_document(
            self.path,
            {
                "cursors": self.cursors,
                "runs": self.runs,
                "versions": self.versions,
                "aliases": self.aliases,
                "upload_id": self.upload_id,
            },
        )


@contextmanager
def push_lock(root: Path, url: str, *, wait: bool) -> Iterator[bool]:
    """Hold the lock that lets one process at a time push ``root`` to ``url``; yields whether
    it was taken (without ``wait``, False at once when another process holds it)."""
    path = root / "sync" / f"{server_key(url)}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
