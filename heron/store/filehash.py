"""Hashing local files fast: a thread pool, and a cache of digests keyed by each file's stat.

Re-logging an unchanged 10,000-file dataset must cost a fraction of the first log, so digests
of files already hashed are remembered in ``<store>/cache/file-hashes.sqlite`` with the file's
size, mtime, ctime, inode and device. A cached digest is trusted only when the file's stat is
unchanged *and* the file was last modified clearly before it was hashed: a write in the same
timestamp tick as the hash ("racy" in git's words) could otherwise go unnoticed. The cache is
machine-local (paths are), lives in the store's disposable ``cache/`` directory, and any error
reading or writing it only costs a re-hash.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

# Modifications closer than this to the hash time may share a timestamp tick with it.
_RACY_NS = 200_000_000
_CHUNK = 500
HASH_THREADS = max(2, min(8, os.cpu_count() or 2))
A = TypeVar("A")
R = TypeVar("R")


class Fingerprint(NamedTuple):
    """What must stay equal for a cached digest to still describe a file."""

    size: int
    mtime_ns: int
    ctime_ns: int
    inode: int
    device: int

    @classmethod
    def of(cls, stat: os.stat_result) -> Fingerprint:
        """The fingerprint of a stat result."""
        return cls(stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, stat.st_dev)


class FileChangedError(Exception):
    """A file's stat changed while it was being read (internal; callers name the file)."""


def hash_file(path: str) -> tuple[str, Fingerprint]:
    """The sha256 of a file and its fingerprint; FileChangedError if it changed meanwhile."""
    with open(path, "rb") as handle:
        before = os.fstat(handle.fileno())
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    after = os.stat(path)
    fingerprint = Fingerprint.of(after)
    if Fingerprint.of(before) != fingerprint:
        raise FileChangedError(path)
    return digest, fingerprint


class HashCache:
    """Digests of local files by absolute path, valid while their fingerprint is unchanged."""

    def __init__(self, path: Path | None) -> None:
        self._path = path
        self._local = threading.local()

    def _connect(self) -> sqlite3.Connection | None:
        if self._path is None:
            return None
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            try:
                self._path.parent.mkdir(parents=True, exist_ok=True)
                connection = sqlite3.connect(self._path, timeout=10, isolation_level=None)
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("PRAGMA synchronous=OFF")
                connection.execute(
                    "CREATE TABLE IF NOT EXISTS file_hashes (path TEXT PRIMARY KEY, size INTEGER, "
                    "mtime_ns INTEGER, ctime_ns INTEGER, inode INTEGER, device INTEGER, "
                    "hashed_at_ns INTEGER, sha256 TEXT)"
                )
            except sqlite3.Error:
                self._path = None
                return None
            self._local.connection = connection
        return connection

    def lookup(self, fingerprints: Mapping[str, Fingerprint]) -> dict[str, str]:
        """Cached digests of those paths whose fingerprint (path -> fingerprint) is still valid."""
        connection = self._connect()
        if connection is None or not fingerprints:
            return {}
        found: dict[str, str] = {}
        try:
            get = fingerprints.get
            for path, digest, size, mtime, ctime, inode, device in self._rows(
                connection, fingerprints
            ):
                if get(path) == (size, mtime, ctime, inode, device):
                    found[path] = digest
        except (sqlite3.Error, ValueError):
            return found
        return found

    @staticmethod
    def _rows(connection: sqlite3.Connection, paths: Mapping[str, object]) -> Iterator[Any]:
        """The non-racy cache rows of ``paths`` (path, digest, fingerprint), maybe with rows of
        other paths (callers look each path up).

        The paths of one directory tree are adjacent in the primary key, so one range scan
        between the least and greatest path reads them far faster than a probe per path. If
        that range holds many other files (paths spread over unrelated directories), it
        falls back to looking the paths up one by one.
        """
        # Only files last modified clearly before they were hashed: see _RACY_NS.
        query = (
            "SELECT path, sha256, size, mtime_ns, ctime_ns, inode, device FROM file_hashes "
            f"WHERE max(mtime_ns, ctime_ns) <= hashed_at_ns - {_RACY_NS} AND "
        )
        limit = 2 * len(paths) + 1_000
        lowest, highest = min(paths), max(paths)
        (in_range,) = connection.execute(
            "SELECT count(*) FROM (SELECT 1 FROM file_hashes WHERE path BETWEEN ? AND ? LIMIT ?)",
            (lowest, highest, limit + 1),
        ).fetchone()
        if in_range <= limit:
            return connection.execute(query + "path BETWEEN ? AND ?", (lowest, highest))
        return connection.execute(
            query + "path IN (SELECT value FROM json_each(?))", (json.dumps(list(paths)),)
        )

    def remember(
        self, items: Iterable[tuple[str, Fingerprint, str]], hashed_at_ns: int | None = None
    ) -> None:
        """Record digests of files hashed at ``hashed_at_ns`` (now, if not given)."""
        connection = self._connect()
        if connection is None:
            return
        when = hashed_at_ns if hashed_at_ns is not None else time.time_ns()
        rows = [
            (path, f.size, f.mtime_ns, f.ctime_ns, f.inode, f.device, when, digest)
            for path, f, digest in items
        ]
        if not rows:
            return
        try:
            connection.execute("BEGIN")
            connection.executemany(
                "INSERT OR REPLACE INTO file_hashes VALUES (?,?,?,?,?,?,?,?)", rows
            )
            connection.execute("COMMIT")
        except sqlite3.Error:
            with contextlib.suppress(sqlite3.Error):
                connection.execute("ROLLBACK")

    def close(self) -> None:
        """Close this thread's connection."""
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None


def map_chunked(function: Callable[[A], R], items: Sequence[A], chunk: int = 256) -> list[R]:
    """``[function(x) for x in items]`` on a thread pool, in chunks: one future per file costs
    more than hashing a 10 KB file. I/O and sha256 release the GIL, so threads do overlap."""
    if len(items) <= chunk:
        return [function(item) for item in items]

    def run(part: Sequence[A]) -> list[R]:
        return [function(item) for item in part]

    parts = [items[i : i + chunk] for i in range(0, len(items), chunk)]
    with ThreadPoolExecutor(max_workers=HASH_THREADS, thread_name_prefix="heron-hash") as pool:
        return [result for part in pool.map(run, parts) for result in part]


def fingerprint_files(paths: Iterable[str]) -> dict[str, Fingerprint]:
    """Path -> fingerprint of each file, now (FileNotFoundError names a missing one).

    In this thread: a stat costs a few microseconds, less than handing it to a pool.
    """
    stat = os.stat
    # The same tuple as Fingerprint(...), without its constructor's Python-level call.
    make = tuple.__new__
    result: dict[str, Fingerprint] = {}
    for path in paths:
        info = stat(path)
        result[path] = make(
            Fingerprint,
            (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev),
        )
    return result


def hash_files(paths: Sequence[str], cache: HashCache) -> dict[str, tuple[str, Fingerprint]]:
    """sha256 and fingerprint of each path, from the cache where valid, else hashed in threads.

    Raises FileChangedError (with the path) if a file changes while it is read.
    """
    stats = fingerprint_files(paths)
    cached = cache.lookup(stats)
    result: dict[str, tuple[str, Fingerprint]] = {}
    todo: list[str] = []
    for path, fingerprint in stats.items():
        digest = cached.get(path)
        if digest is None:
            todo.append(path)
        else:
            result[path] = (digest, fingerprint)
    if todo:
        started = time.time_ns()
        hashed = list(zip(todo, map_chunked(hash_file, todo), strict=True))
        for path, (digest, fingerprint) in hashed:
            result[path] = (digest, fingerprint)
        cache.remember(((p, f, d) for p, (d, f) in hashed), hashed_at_ns=started)
    return result
