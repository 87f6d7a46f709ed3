"""The content-addressed blob store: bytes in, sha256 hex digest out, verified on read.

Small blobs (a 64x64 image is a few KB) are appended to pack files, one open pack per writing
process, so a million images is a handful of files rather than a million. Large blobs get a file
each, written to a temporary name and renamed into place. Where each blob lives is recorded in
the ``blobs`` table of the metadata database, and a blob becomes visible only once that row is
committed: a writer that dies mid-write leaves unreferenced bytes at the end of a pack, never a
half-visible blob. Files of their own are made read-only before they are renamed into place.

Every read checks the bytes against their sha256 and opens files without following symlinks
(heron.store.safefiles); every write goes through directories opened the same way, so a link
planted at ``objects/ab`` or ``packs`` cannot make heron write outside the store (``blobs/``
itself may be a link). A blob that fails is quarantined (heron.store.quarantine) and the read
raises IntegrityError; error messages name the blob, never a path in the store. Serving reads go
through :meth:`LocalBlobStore.open_verified`, which remembers the identity of each file it has
hashed (device, inode, size, mtime and ctime: any write changes one of them), so a file already
verified and unchanged since is not hashed again for every range request.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from heron.errors import HeronError, IntegrityError
from heron.store.blob_index import (
    PACK_THRESHOLD,
    BlobIndex,
    BlobLocation,
    members_by_pack,
    sha256_hex,
)
from heron.store.blob_reader import IN_MEMORY_LIMIT, BlobReader
from heron.store.safefiles import (
    CREATE_NEW,
    NotARegularFile,
    copy_verified,
    hash_fd,
    open_directory_inside,
    open_inside,
    temporary_sibling,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = ["PACK_THRESHOLD", "BlobLocation", "LocalBlobStore", "sha256_hex"]

PACK_MAX_SIZE = 1 << 30  # start a new pack after 1 GiB
_READ_CHUNK = 1 << 20
_READ_ONLY = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
_MAX_REMEMBERED = 100_000  # verified file identities kept by a serving process

logger = logging.getLogger("heron.store")


class LocalBlobStore(BlobIndex):
    """Blobs under ``root`` (``packs/`` and ``objects/``), indexed in the metadata database."""

    def __init__(self, root: Path, engine: Engine) -> None:
        super().__init__(root, engine)
        self._packs_dir = root / "packs"
        self._objects_dir = root / "objects"
        self._packs_dir.mkdir(parents=True, exist_ok=True)
        self._objects_dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._pack_name: str | None = None
        self._pack_handle: BinaryIO | None = None
        self._pack_pid = 0
        # digest -> identity of its file when it last hashed correctly (see open_verified).
        self._verified: dict[str, tuple[int, int, int, int, int]] = {}

    # -- writing ---------------------------------------------------------------------------

    def _put_large_file(self, path: Path, size: int, expected_sha256: str | None) -> str:
        # Copied to a temporary file while hashing, then renamed into place.
        objects = self._directory("objects")
        temporary = f".tmp-{os.urandom(16).hex()}"
        hasher = hashlib.sha256()
        written = 0
        try:
            fd = os.open(temporary, CREATE_NEW, 0o600, dir_fd=objects)
            with open(path, "rb") as source, open(fd, "wb", closefd=True) as target:
                while chunk := source.read(_READ_CHUNK):
                    hasher.update(chunk)
                    target.write(chunk)
                    written += len(chunk)
                os.fchmod(target.fileno(), _READ_ONLY)
            digest = hasher.hexdigest()
            self._check_expected(path, digest, expected_sha256)
            if self.has(digest):
                return digest
            self._move_into_place(objects, temporary, digest)
        finally:
            with suppress(FileNotFoundError):
                os.unlink(temporary, dir_fd=objects)
            os.close(objects)
        self._index([(digest, written, "", 0)])
        return digest

    def _directory(self, relative: str, digest: str = "") -> int:
        """A descriptor of the directory ``relative`` below ``blobs/``, made if missing.

        Reached through no symlink (the top-level ``blobs/`` may be one): IntegrityError when
        a link or a file sits where the directory should be, so nothing is written through it.
        """
        try:
            return open_directory_inside(self.root, relative, create=True)
        except (NotARegularFile, NotADirectoryError):
            what = f"blob {digest}" if digest else "a blob"
            raise IntegrityError(
                f"cannot store {what}: its directory in the store ({relative}) is a symlink or "
                "not a directory, and heron writes through no link inside the store; remove it "
                "(`heron verify` lists such links)"
            ) from None

    def _move_into_place(self, source_dir: int, temporary: str, digest: str) -> None:
        """Rename the finished file ``temporary`` (in ``source_dir``) to ``objects/ab/<digest>``."""
        directory = self._directory(f"objects/{digest[:2]}", digest)
        try:
            os.replace(temporary, digest, src_dir_fd=source_dir, dst_dir_fd=directory)
        finally:
            os.close(directory)

    def _write_object(self, digest: str, data: bytes) -> None:
        """Write a blob as a file of its own: a temporary name beside it, read-only, renamed."""
        directory = self._directory(f"objects/{digest[:2]}", digest)
        temporary = f".tmp-{os.urandom(16).hex()}"
        try:
            fd = os.open(temporary, CREATE_NEW, 0o600, dir_fd=directory)
            with open(fd, "wb", closefd=True) as handle:
                handle.write(data)
                os.fchmod(handle.fileno(), _READ_ONLY)
            os.replace(temporary, digest, src_dir_fd=directory, dst_dir_fd=directory)
        finally:
            with suppress(FileNotFoundError):
                os.unlink(temporary, dir_fd=directory)
            os.close(directory)

    def _write_and_index(self, fresh: dict[str, bytes]) -> None:
        entries: list[tuple[str, int, str, int]] = []
        small = {d: b for d, b in fresh.items() if len(b) < PACK_THRESHOLD}
        for digest, data in fresh.items():
            if digest not in small:
                self._write_object(digest, data)
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
            name = f"{os.urandom(16).hex()}.pack"
            packs = self._directory("packs")
            try:
                fd = os.open(name, CREATE_NEW | os.O_APPEND, 0o644, dir_fd=packs)
            finally:
                os.close(packs)
            self._pack_handle = open(fd, "ab")  # noqa: SIM115
            self._pack_name = name
            self._pack_pid = os.getpid()
        return self._pack_handle, self._pack_name

    def close(self) -> None:
        """Close the open pack file, if any."""
        with self._lock:
            if self._pack_handle is not None:
                self._pack_handle.close()
                self._pack_handle = None

    # -- reading ---------------------------------------------------------------------------

    def _object_path(self, digest: str) -> Path:
        return self._objects_dir / digest[:2] / digest

    @staticmethod
    def _object_relative(digest: str) -> str:
        """Below ``blobs/``: reads open it from there, so ``objects/`` may not be a link either."""
        return f"objects/{digest[:2]}/{digest}"

    def get(self, digest: str) -> bytes:
        """The bytes stored under ``digest``, verified; IntegrityError (quarantined) if bad."""
        return self._read_checked(digest, *self._locate(digest))

    def _read_checked(self, digest: str, size: int, location: str, offset: int) -> bytes:
        try:
            if location:
                data = self._read_pack_range(location, offset, size)
            else:
                fd = open_inside(self.root, self._object_relative(digest))
                with open(fd, "rb", closefd=True) as handle:
                    data = handle.read()
        except FileNotFoundError:
            raise self.quarantine(digest, size, location, offset, "missing") from None
        except NotARegularFile:
            raise self.quarantine(digest, size, location, offset, _NOT_REGULAR) from None
        if len(data) != size or sha256_hex(data) != digest:
            raise self.quarantine(digest, size, location, offset, _mismatch(data, size))
        return data

    def _read_pack_range(self, pack: str, offset: int, size: int) -> bytes:
        fd = open_inside(self.root, f"packs/{pack}")
        try:
            return os.pread(fd, size, offset)
        finally:
            os.close(fd)

    def open_verified(self, digest: str) -> BlobReader:
        """The blob open for reading, its bytes checked against ``digest`` first.

        Packed and small blobs are read into memory and hashed (the bytes served are the bytes
        hashed). A larger file of its own is hashed unless this store has hashed the very same
        unchanged file before; it is then read from an open descriptor, and a whole-blob stream
        hashes again as it goes (:meth:`BlobReader.chunks`). IntegrityError (after quarantining
        the blob) when it does not match. The caller closes the reader.
        """
        size, location, offset = self._locate(digest)
        if location:
            return BlobReader(digest, size, data=self._read_checked(digest, size, location, offset))
        fd = self._open_own(digest, size, location, offset)
        try:
            identity = _identity(os.fstat(fd))
            if identity[2] != size:
                raise self.quarantine(
                    digest, size, location, offset, f"{identity[2]} bytes, not {size}"
                )
            if self._verified.get(digest) == identity:
                reader = BlobReader(digest, size, fd=fd, on_mismatch=self._stream_mismatch)
                fd = -1
                return reader
            if size <= IN_MEMORY_LIMIT:
                data = os.pread(fd, size + 1, 0)
                if len(data) != size or sha256_hex(data) != digest:
                    raise self.quarantine(digest, size, location, offset, _mismatch(data, size))
                self._remember(digest, identity, os.fstat(fd))
                return BlobReader(digest, size, data=data)
            actual, length = hash_fd(fd, size)
            if actual != digest or length != size:
                problem = f"hash mismatch ({length} bytes hashing to {actual[:12]}…)"
                raise self.quarantine(digest, size, location, offset, problem)
            self._remember(digest, identity, os.fstat(fd))
            reader = BlobReader(digest, size, fd=fd, on_mismatch=self._stream_mismatch)
            fd = -1
            return reader
        finally:
            if fd >= 0:
                os.close(fd)

    def _remember(self, digest: str, before: tuple[int, ...], after: os.stat_result) -> None:
        identity = _identity(after)
        if identity != before:  # written to while it was hashed: check it again next time
            return
        if len(self._verified) >= _MAX_REMEMBERED:
            self._verified.clear()
        self._verified[digest] = identity

    def _stream_mismatch(self, digest: str, problem: str) -> HeronError:
        size, location, offset = self._locate(digest)
        return self.quarantine(digest, size, location, offset, problem)

    def quarantine(
        self, digest: str, size: int, location: str, offset: int, problem: str
    ) -> HeronError:
        """Set a bad blob's file aside, drop its index row, record why; the error to raise."""
        self._verified.pop(digest, None)
        return super().quarantine(digest, size, location, offset, problem)

    def read_packed(
        self, digests: Iterable[str], locations: dict[str, BlobLocation]
    ) -> Iterator[tuple[str, bytes]]:
        """Verified bytes of packed blobs, reading each pack once in offset order."""
        for pack, members in members_by_pack(digests, locations):
            try:
                fd = open_inside(self.root, f"packs/{pack}")
            except FileNotFoundError:
                offset, size, digest = members[0]
                raise self.quarantine(digest, size, pack, offset, "missing pack") from None
            except NotARegularFile:
                offset, size, digest = members[0]
                raise self.quarantine(digest, size, pack, offset, _NOT_REGULAR) from None
            with open(fd, "rb", closefd=True) as handle:
                for offset, size, digest in members:
                    handle.seek(offset)
                    data = handle.read(size)
                    if len(data) != size or sha256_hex(data) != digest:
                        raise self.quarantine(digest, size, pack, offset, _mismatch(data, size))
                    yield digest, data

    def open_object(self, digest: str) -> tuple[int, os.stat_result]:
        """A read-only descriptor and stat of a blob kept as a file of its own (not verified).

        The file is opened without following symlinks; a missing or irregular file quarantines
        the blob (IntegrityError). The caller closes the descriptor.
        """
        size, location, offset = self._locate(digest)
        if location:
            raise IntegrityError(f"blob {digest} is packed, not kept as a file of its own")
        fd = self._open_own(digest, size, location, offset)
        return fd, os.fstat(fd)

    def _open_own(self, digest: str, size: int, location: str, offset: int) -> int:
        """A read-only descriptor of a blob kept as a file of its own, opened without following
        symlinks; a missing or irregular file quarantines the blob (IntegrityError)."""
        try:
            return open_inside(self.root, self._object_relative(digest))
        except FileNotFoundError:
            raise self.quarantine(digest, size, location, offset, "missing") from None
        except NotARegularFile:
            raise self.quarantine(digest, size, location, offset, _NOT_REGULAR) from None

    def file_path(self, digest: str) -> Path | None:
        """Where a blob kept as a file of its own lives, or None if it is packed.

        For telling where a blob is; read through :meth:`get`, :meth:`open_verified` or
        :meth:`open_object`, which check what they open.
        """
        _, location, _ = self._locate(digest)
        return None if location else self._object_path(digest)

    def delete_own(self, digests: Sequence[str]) -> None:
        """Delete the files of blobs kept on their own, whose index rows are already gone."""
        for digest in digests:
            self._object_path(digest).unlink(missing_ok=True)

    def object_path(self, digest: str) -> Path:
        """Where a blob kept as a file of its own lives (for hard links made after open_object)."""
        return self._object_path(digest)

    def forget(self, digests: Iterable[str]) -> None:
        """Drop digests from this writer's memory of what is stored (after blobs are deleted)."""
        digests = list(digests)
        super().forget(digests)
        for digest in digests:
            self._verified.pop(digest, None)

    def copy_to(self, digest: str, destination: Path) -> None:
        """Write the verified blob to ``destination`` atomically (a new inode, never a link)."""
        size, location, offset = self._locate(digest)
        destination.parent.mkdir(parents=True, exist_ok=True)
        if location:
            temporary = temporary_sibling(destination)
            try:
                temporary.write_bytes(self.get(digest))
                os.replace(temporary, destination)
            finally:
                temporary.unlink(missing_ok=True)
            return
        fd, _ = self.open_object(digest)
        try:
            copy_verified(fd, destination, digest, size)
        except IntegrityError:
            raise self.quarantine(digest, size, location, offset, "hash mismatch") from None
        finally:
            os.close(fd)


_NOT_REGULAR = "not a regular file (a symlink or a special file)"


def _mismatch(data: bytes, size: int) -> str:
    if len(data) != size:
        return f"{len(data)} bytes where {size} were stored"
    return f"hash mismatch (the bytes hash to {sha256_hex(data)[:12]}…)"


def _identity(info: os.stat_result) -> tuple[int, int, int, int, int]:
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
