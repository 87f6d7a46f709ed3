"""The content-addressed blob store: bytes in, sha256 hex digest out, verified on read.

Small blobs (a 64x64 image is a few KB) are appended to pack files, one open pack per writing
process, so a million images is a handful of files rather than a million. Large blobs get a file
each, written to a temporary name and renamed into place. Where each blob lives is recorded in
the ``blobs`` table of the metadata database, and a blob becomes visible only once that row is
committed: a writer that dies mid-write leaves unreferenced bytes at the end of a pack, never a
half-visible blob.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from sqlalchemy import Engine, select

from heron.errors import IntegrityError, NotFoundError
from heron.store import schema
from heron.store.database import insert_ignoring_duplicates, write

PACK_THRESHOLD = 1 << 20  # blobs under 1 MiB go into packs
PACK_MAX_SIZE = 1 << 30  # start a new pack after 1 GiB
_READ_CHUNK = 1 << 20


def sha256_hex(data: bytes) -> str:
    """The lowercase hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> tuple[str, int]:
    """The sha256 hex digest and size of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(_READ_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


@dataclass(frozen=True)
class BlobLocation:
    """Where a blob lives: a pack file and offset, or (``pack == ""``) a file of its own."""

    size: int
    pack: str
    offset: int


class BlobStore(Protocol):
    """What heron needs from a blob store; local directory now, S3-compatible for a server."""

    def put(self, data: bytes) -> str:
        """Store bytes (once) and return their sha256 hex digest."""
        ...

    def put_many(self, items: Sequence[bytes]) -> list[str]:
        """Store several blobs in one index transaction; returns their digests in order."""
        ...

    def put_file(self, path: Path, *, expected_sha256: str | None = None) -> str:
        """Store a file's content; fails if it does not hash to ``expected_sha256``."""
        ...

    def get(self, digest: str) -> bytes:
        """The bytes stored under ``digest``, verified; IntegrityError if corrupted."""
        ...

    def has(self, digest: str) -> bool:
        """Whether a blob with this digest is stored."""
        ...

    def missing(self, digests: Iterable[str]) -> set[str]:
        """Which of these digests are not stored."""
        ...

    def size(self, digest: str) -> int:
        """The size in bytes of a stored blob."""
        ...

    def copy_to(self, digest: str, destination: Path) -> None:
        """Write the verified blob to ``destination`` atomically (temp file + rename)."""
        ...


class LocalBlobStore:
    """Blobs under ``root`` (``packs/`` and ``objects/``), indexed in the metadata database."""

    def __init__(self, root: Path, engine: Engine) -> None:
        self.root = root
        self._engine = engine
        self._packs_dir = root / "packs"
        self._objects_dir = root / "objects"
        self._packs_dir.mkdir(parents=True, exist_ok=True)
        self._objects_dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._pack_name: str | None = None
        self._pack_handle: BinaryIO | None = None
        self._pack_pid = 0
        # Digests known to be stored: saves an index lookup when the same image is logged again.
        self._known: set[str] = set()

    # -- writing ---------------------------------------------------------------------------

    def put(self, data: bytes) -> str:
        return self.put_many([data])[0]

    def put_many(self, items: Sequence[bytes]) -> list[str]:
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

    def put_file(self, path: Path, *, expected_sha256: str | None = None) -> str:
        size = path.stat().st_size
        if size < PACK_THRESHOLD:
            data = path.read_bytes()
            digest = sha256_hex(data)
            self._check_expected(path, digest, expected_sha256)
            if digest not in self._known and not self.has(digest):
                self._write_and_index({digest: data})
            return digest
        # Large file: copy to a temporary file while hashing, then rename into place.
        temporary = self._objects_dir / f".tmp-{uuid.uuid4().hex}"
        hasher = hashlib.sha256()
        written = 0
        try:
            with open(path, "rb") as source, open(temporary, "wb") as target:
                while chunk := source.read(_READ_CHUNK):
                    hasher.update(chunk)
                    target.write(chunk)
                    written += len(chunk)
            digest = hasher.hexdigest()
            self._check_expected(path, digest, expected_sha256)
            if self.has(digest):
                return digest
            final = self._object_path(digest)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temporary, final)
        finally:
            temporary.unlink(missing_ok=True)
        self._index([(digest, written, "", 0)])
        return digest

    @staticmethod
    def _check_expected(path: Path, digest: str, expected: str | None) -> None:
        if expected is not None and digest != expected:
            raise IntegrityError(
                f"{path} changed while it was being stored: it hashed to {expected[:12]}… "
                f"and then to {digest[:12]}…"
            )

    def _write_and_index(self, fresh: dict[str, bytes]) -> None:
        entries: list[tuple[str, int, str, int]] = []
        small = {d: b for d, b in fresh.items() if len(b) < PACK_THRESHOLD}
        for digest, data in fresh.items():
            if digest not in small:
                final = self._object_path(digest)
                final.parent.mkdir(parents=True, exist_ok=True)
                temporary = final.with_name(f".tmp-{uuid.uuid4().hex}")
                temporary.write_bytes(data)
                os.replace(temporary, final)
                entries.append((digest, len(data), "", 0))
        if small:
            with self._lock:
                handle, name = self._current_pack()
                offset = handle.tell()
                for digest, data in small.items():
                    handle.write(data)
                    entries.append((digest, len(data), name, offset))
                    offset += len(data)
                # The bytes must reach the file before the index row that points at them.
                handle.flush()
        self._index(entries)

    def _current_pack(self) -> tuple[BinaryIO, str]:
        # A forked child must not share its parent's pack handle and offsets.
        if self._pack_handle is not None and self._pack_pid != os.getpid():
            self._pack_handle = None
        if self._pack_handle is not None and self._pack_handle.tell() >= PACK_MAX_SIZE:
            self._pack_handle.close()
            self._pack_handle = None
        if self._pack_handle is None or self._pack_name is None:
            self._pack_name = f"{uuid.uuid4().hex}.pack"
            self._pack_handle = open(self._packs_dir / self._pack_name, "ab")  # noqa: SIM115
            self._pack_pid = os.getpid()
        return self._pack_handle, self._pack_name

    def _index(self, entries: list[tuple[str, int, str, int]]) -> None:
        now = time.time()
        rows = [
            {"sha256": d, "size": size, "location": loc, "offset": off, "created_at": now}
            for d, size, loc, off in entries
        ]
        with write(self._engine) as connection:
            insert_ignoring_duplicates(connection, schema.blobs, rows)
        self._known.update(d for d, _, _, _ in entries)

    def close(self) -> None:
        """Close the open pack file, if any."""
        with self._lock:
            if self._pack_handle is not None:
                self._pack_handle.close()
                self._pack_handle = None

    # -- reading ---------------------------------------------------------------------------

    def _object_path(self, digest: str) -> Path:
        return self._objects_dir / digest[:2] / digest

    def _locate(self, digest: str) -> tuple[int, str, int]:
        with self._engine.connect() as connection:
            row = connection.execute(
                select(schema.blobs.c.size, schema.blobs.c.location, schema.blobs.c.offset).where(
                    schema.blobs.c.sha256 == digest
                )
            ).first()
        if row is None:
            raise NotFoundError(f"no blob {digest} in the store")
        return int(row[0]), str(row[1]), int(row[2])

    def get(self, digest: str) -> bytes:
        size, location, offset = self._locate(digest)
        if location:
            path = self._packs_dir / location
            with open(path, "rb") as handle:
                handle.seek(offset)
                data = handle.read(size)
        else:
            path = self._object_path(digest)
            if not path.exists():
                raise IntegrityError(f"blob {digest} is indexed but its file {path} is missing")
            data = path.read_bytes()
        if len(data) != size or sha256_hex(data) != digest:
            where = f"pack {location} at offset {offset}" if location else f"file {path}"
            raise IntegrityError(f"blob {digest} is corrupted in the store ({where})")
        return data

    def has(self, digest: str) -> bool:
        return digest in self._known or not self.missing([digest])

    def missing(self, digests: Iterable[str]) -> set[str]:
        wanted = set(digests) - self._known
        if not wanted:
            return set()
        found = set(self._located(wanted))
        self._known.update(found)
        return wanted - found

    def _located(self, digests: set[str]) -> dict[str, BlobLocation]:
        b = schema.blobs
        ordered = sorted(digests)
        found: dict[str, BlobLocation] = {}
        with self._engine.connect() as connection:
            for start in range(0, len(ordered), 500):
                rows = connection.execute(
                    select(b.c.sha256, b.c.size, b.c.location, b.c.offset).where(
                        b.c.sha256.in_(ordered[start : start + 500])
                    )
                )
                for digest, size, location, offset in rows:
                    found[str(digest)] = BlobLocation(int(size), str(location), int(offset))
        return found

    def locate_many(self, digests: Iterable[str]) -> dict[str, BlobLocation]:
        """Where each blob lives, in one query per 500; IntegrityError if any is not stored."""
        wanted = set(digests)
        found = self._located(wanted)
        missing = wanted - set(found)
        if missing:
            raise IntegrityError(
                f"blob {sorted(missing)[0]} is referenced but not in the store "
                f"({len(missing)} missing)"
            )
        return found

    def read_packed(
        self, digests: Iterable[str], locations: dict[str, BlobLocation]
    ) -> Iterator[tuple[str, bytes]]:
        """Verified bytes of packed blobs, reading each pack once in offset order."""
        by_pack: dict[str, list[tuple[int, int, str]]] = {}
        for digest in set(digests):
            where = locations[digest]
            by_pack.setdefault(where.pack, []).append((where.offset, where.size, digest))
        for pack, members in sorted(by_pack.items()):
            with open(self._packs_dir / pack, "rb") as handle:
                for offset, size, digest in sorted(members):
                    handle.seek(offset)
                    data = handle.read(size)
                    if len(data) != size or sha256_hex(data) != digest:
                        raise IntegrityError(
                            f"blob {digest} is corrupted in the store "
                            f"(pack {pack} at offset {offset})"
                        )
                    yield digest, data

    def forget(self, digests: Iterable[str]) -> None:
        """Drop digests from this writer's memory of what is stored (after blobs are deleted)."""
        self._known.difference_update(digests)

    def size(self, digest: str) -> int:
        return self._locate(digest)[0]

    def copy_to(self, digest: str, destination: Path) -> None:
        size, location, _ = self._locate(digest)
        destination.parent.mkdir(parents=True, exist_ok=True)
        temporary = destination.with_name(f".{destination.name}.tmp-{uuid.uuid4().hex}")
        try:
            if location:
                temporary.write_bytes(self.get(digest))
            else:
                source = self._object_path(digest)
                shutil.copyfile(source, temporary)
                actual, actual_size = sha256_file(temporary)
                if actual != digest or actual_size != size:
                    raise IntegrityError(f"blob {digest} is corrupted in the store (file {source})")
            os.replace(temporary, destination)
        finally:
            temporary.unlink(missing_ok=True)

    def file_path(self, digest: str) -> Path | None:
        """The path of a blob kept as its own file (for hard-links), or None if it is packed."""
        _, location, _ = self._locate(digest)
        return None if location else self._object_path(digest)
