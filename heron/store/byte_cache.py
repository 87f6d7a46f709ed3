"""A directory of downloaded files kept under a size bound, least recently used going first.

An S3-backed store reads through such caches (blobs under ``cache/s3-blobs``, table parts under
``tables/``): a file is downloaded once, then read locally until room is needed for newer ones.
Files enter only by an atomic rename of a finished download, so a reader never sees half a file.
Several processes may share one directory; each keeps its own view of the use order, built from
the files' access times when it starts, and a file another process removed is simply fetched
again. The file added last is never evicted, so a single file larger than the bound still works.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from pathlib import Path

MIB = 1 << 20


class ByteCache:
    """Files below ``directory`` (names relative to it) totalling at most ``max_bytes``."""

    def __init__(self, directory: Path, max_bytes: int) -> None:
        self.directory = directory
        self.max_bytes = max(0, max_bytes)
        self._lock = threading.Lock()
        self._sizes: OrderedDict[str, int] = OrderedDict()
        self._total = 0
        directory.mkdir(parents=True, exist_ok=True)
        self._scan()

    def _scan(self) -> None:
        found: list[tuple[float, str, int]] = []
        for folder, _, files in os.walk(self.directory):
            for name in files:
                if name.startswith("."):  # a download in progress (or abandoned)
                    continue
                path = Path(folder) / name
                try:
                    info = path.stat()
                except OSError:
                    continue
                relative = path.relative_to(self.directory).as_posix()
                found.append((info.st_atime, relative, info.st_size))
        for _, relative, size in sorted(found):
            self._sizes[relative] = size
            self._total += size

    @property
    def total_bytes(self) -> int:
        """Bytes this process counts as cached."""
        return self._total

    def path(self, name: str) -> Path:
        """Where ``name`` lives (or would live) in the cache."""
        return self.directory / name

    def touch(self, name: str) -> bool:
        """Mark ``name`` as just used; False when it is not cached (any more)."""
        with self._lock:
            if name in self._sizes:
                self._sizes.move_to_end(name)
                return True
        # Another process (or an earlier run) may have put it there.
        try:
            size = self.path(name).stat().st_size
        except OSError:
            return False
        self._record(name, size)
        return True

    def forget(self, name: str) -> None:
        """Remove ``name`` from the cache (a copy that failed its check)."""
        with self._lock:
            size = self._sizes.pop(name, None)
            if size is not None:
                self._total -= size
        self.path(name).unlink(missing_ok=True)

    def temporary(self, name: str) -> Path:
        """A fresh temporary name beside where ``name`` goes (its directory made)."""
        target = self.path(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        return target.with_name(f".{target.name}.tmp-{os.getpid()}-{threading.get_ident()}")

    def add(self, name: str, finished: Path) -> Path:
        """Rename the finished download ``finished`` into place as ``name``; evict to fit."""
        target = self.path(name)
        size = finished.stat().st_size
        os.replace(finished, target)
        self._record(name, size)
        return target

    def _record(self, name: str, size: int) -> None:
        doomed: list[str] = []
        with self._lock:
            old = self._sizes.pop(name, None)
            if old is not None:
                self._total -= old
            self._sizes[name] = size
            self._total += size
            while self._total > self.max_bytes and len(self._sizes) > 1:
                victim, victim_size = self._sizes.popitem(last=False)
                self._total -= victim_size
                doomed.append(victim)
        for victim in doomed:
            # Open readers keep their bytes: removing a name does not touch an open file.
            self.path(victim).unlink(missing_ok=True)
