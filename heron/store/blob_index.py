"""The ``blobs`` index both blob stores share: which digests are stored, and where.

A blob store (heron.store.blobs for a local directory, heron.store.s3_blobs for an object store)
writes the bytes, then inserts the index rows that make them visible; this base class owns those
rows, the deduplication of writes against them, and the errors for a digest that is absent or
was quarantined. Subclasses supply ``_write_and_index``, which must write the bytes before it
calls :meth:`BlobIndex._index`.
"""

from __future__ import annotations

import hashlib
import os
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from heron.errors import HeronError, IntegrityError, NotFoundError
from heron.store.blob_rows import BlobLocation, Entry

__all__ = ["PACK_THRESHOLD", "BlobIndex", "BlobLocation", "members_by_pack", "sha256_hex"]

if TYPE_CHECKING:
    from sqlalchemy import Engine

# SQLAlchemy (and the modules built on it: schema, database, quarantine) is imported where the
# index is queried, so a store whose run writes go through sqlite3 does not load it for blobs.

# Digests a writer remembers as stored: enough for the images a training loop logs again every
# epoch, while a million-image table does not keep 150 MB of them (the index answers the rest).
_MAX_KNOWN = 1 << 18

PACK_THRESHOLD = 1 << 20
"""Blobs under this size (1 MiB) go into packs; larger ones are objects of their own."""


def sha256_hex(data: bytes) -> str:
    """The lowercase hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def members_by_pack(
    digests: Iterable[str], locations: dict[str, BlobLocation]
) -> list[tuple[str, list[tuple[int, int, str]]]]:
    """Packed blobs grouped by pack, packs by name, each pack's ``(offset, size, digest)`` in
    offset order: so a reader reads each pack once, front to back."""
    by_pack: dict[str, list[tuple[int, int, str]]] = {}
    for digest in set(digests):
        where = locations[digest]
        by_pack.setdefault(where.pack, []).append((where.offset, where.size, digest))
    return [(pack, sorted(members)) for pack, members in sorted(by_pack.items())]


class BlobIndex(ABC):
    """The index rows of the blobs under ``root`` (quarantine records live there too)."""

    def __init__(self, root: Path, engine: Engine) -> None:
        self.root = root
        self._engine = engine
        # Digests known to be stored: saves an index lookup when the same image is logged again.
        self._known: set[str] = set()

    @abstractmethod
    def _write_and_index(self, fresh: dict[str, bytes]) -> None:
        """Write blobs not stored yet, then index them (each subclass stores bytes its way)."""

    @staticmethod
    def _check_expected(path: Path, digest: str, expected: str | None) -> None:
        if expected is not None and digest != expected:
            raise IntegrityError(
                f"{path} changed while it was being stored: it hashed to {expected[:12]}… "
                f"and then to {digest[:12]}…"
            )

    def put_file(self, path: Path, *, expected_sha256: str | None = None) -> str:
        """Store a file's content; IntegrityError if it does not hash to ``expected_sha256``."""
        size = path.stat().st_size
        if size >= PACK_THRESHOLD:
            return self._put_large_file(path, size, expected_sha256)
        data = path.read_bytes()
        digest = sha256_hex(data)
        self._check_expected(path, digest, expected_sha256)
        if digest not in self._known and not self.has(digest):
            self._write_and_index({digest: data})
        return digest

    @abstractmethod
    def _put_large_file(self, path: Path, size: int, expected_sha256: str | None) -> str:
        """Store a file of :data:`PACK_THRESHOLD` bytes or more as an object of its own,
        streamed rather than read whole (each subclass stores it its way); its digest."""

    def put(self, data: bytes) -> str:
        """Store bytes (once) and return their sha256 hex digest."""
        return self.put_many([data])[0]

    def put_many(self, items: Sequence[bytes]) -> list[str]:
        """Store several blobs in one index transaction; returns their digests in order."""
        digests = [sha256_hex(item) for item in items]
        fresh: dict[str, bytes] = {}
        for digest, item in zip(digests, items, strict=True):
            if digest not in self._known:
                fresh[digest] = item
        if not fresh:
            return digests
        already_stored = set(fresh) - self.missing(fresh)
        for digest in already_stored:
            del fresh[digest]
        if fresh:
            self._write_and_index(fresh)
        return digests

    def _index(self, entries: list[Entry]) -> None:
        from heron.store import blob_rows
        from heron.store.database import write

        with write(self._engine) as connection:
            blob_rows.insert(connection, entries)
        self._remember_stored(d for d, _, _, _ in entries)

    def _locate(self, digest: str) -> tuple[int, str, int]:
        where = self._located({digest}).get(digest)
        if where is None:
            raise self._absent(digest)
        return where.size, where.pack, where.offset

    def _absent(self, digest: str) -> NotFoundError | IntegrityError:
        """The error for a digest with no index row: quarantined earlier, or never stored."""
        from heron.store import quarantine

        record = quarantine.find(self.root, digest)
        if record is None:
            return NotFoundError(f"no blob {digest} in the store")
        when = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(record.found_at))
        return IntegrityError(
            f"blob {digest} failed its check in the store on {when} ({record.problem}); it is "
            "quarantined and not served. Log the same content again, or run "
            "`heron verify --repair-from DIR`, to restore it"
        )

    def has(self, digest: str) -> bool:
        """Whether a blob with this digest is stored."""
        return digest in self._known or not self.missing([digest])

    def missing(self, digests: Iterable[str]) -> set[str]:
        """Which of these digests are not stored."""
        wanted = set(digests) - self._known
        if not wanted:
            return set()
        found = set(self._located(wanted))
        self._remember_stored(found)
        return wanted - found

    def _remember_stored(self, digests: Iterable[str]) -> None:
        if len(self._known) >= _MAX_KNOWN:
            self._known.clear()
        self._known.update(digests)

    def _located(self, digests: set[str]) -> dict[str, BlobLocation]:
        from heron.store import blob_rows

        with self._engine.connect() as connection:
            return blob_rows.locate(connection, digests)

    def located(self, digests: Iterable[str]) -> dict[str, BlobLocation]:
        """Where each of these blobs lives, for those in the index (one query per 500)."""
        return self._located(set(digests))

    def locate_many(self, digests: Iterable[str]) -> dict[str, BlobLocation]:
        """Where each blob lives, in one query per 500; IntegrityError if any is not stored."""
        wanted = set(digests)
        found = self._located(wanted)
        missing = wanted - set(found)
        if missing:
            first = sorted(missing)[0]
            absent = self._absent(first)
            if isinstance(absent, IntegrityError):
                raise IntegrityError(f"{absent.message} ({len(missing)} blob(s) unavailable)")
            raise IntegrityError(
                f"blob {first} is referenced but not in the store ({len(missing)} missing)"
            )
        return found

    def quarantined_digests(self) -> set[str]:
        """Digests that were ever quarantined in this store (restored since or not)."""
        from heron.store import quarantine

        try:
            names = os.listdir(quarantine.directory(self.root))
        except OSError:
            return set()
        return {name.removesuffix(".json") for name in names if name.endswith(".json")}

    def size(self, digest: str) -> int:
        """The size in bytes of a stored blob."""
        return self._locate(digest)[0]

    def quarantine(
        self, digest: str, size: int, location: str, offset: int, problem: str
    ) -> HeronError:
        """Set a bad blob aside, drop its index row, record why; the error to raise for it.

        The blob is quarantined only if its index row still says ``location``/``offset`` (a
        blob deleted by gc or already healed elsewhere meanwhile is left alone). Failing to
        quarantine (a read-only store) is logged; the read fails all the same.
        """
        from heron.store import quarantine

        self._known.discard(digest)
        message = (
            f"blob {digest} failed its check in the store: {problem}; it is quarantined and "
            "will not be served. Log the same content again, or run "
            "`heron verify --repair-from DIR`, to restore it"
        )
        if not quarantine.quarantine_blob(
            self._engine, self.root, digest, size, location, offset, problem
        ):
            # Another reader quarantined it first, or gc removed it: say which.
            return self._absent(digest)
        return IntegrityError(message)

    def forget(self, digests: Iterable[str]) -> None:
        """Drop digests from this writer's memory of what is stored (after blobs are deleted)."""
        self._known.difference_update(digests)
