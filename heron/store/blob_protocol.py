"""What every blob store offers its callers: a local directory (heron.store.blobs) or an
S3-compatible object store (heron.store.s3_blobs).

Both index blobs in the metadata database's ``blobs`` table (a pack and offset, or ``""`` for a
blob kept on its own), make a blob visible only when that row commits, and check every read
against the sha256 the blob is named by.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from heron.errors import HeronError
    from heron.store.blob_reader import BlobReader
    from heron.store.blobs import BlobLocation


class BlobStore(Protocol):
    """A content-addressed blob store: bytes in, sha256 hex digest out, verified on read."""

    root: Path
    """The store's local blob directory (quarantine records; packs and objects when local)."""

    def put(self, data: bytes) -> str:
        """Store bytes (once) and return their sha256 hex digest."""
        ...

    def put_many(self, items: Sequence[bytes]) -> list[str]:
        """Store several blobs in one index transaction; returns their digests in order."""
        ...

    def put_file(self, path: Path, *, expected_sha256: str | None = None) -> str:
        """Store a file's content; IntegrityError if it does not hash to ``expected_sha256``."""
        ...

    def get(self, digest: str) -> bytes:
        """The bytes stored under ``digest``, verified."""
        ...

    def open_verified(self, digest: str) -> BlobReader:
        """The blob open for reading (whole or by range), its bytes checked first."""
        ...

    def has(self, digest: str) -> bool:
        """Whether a blob with this digest is stored."""
        ...

    def missing(self, digests: Iterable[str]) -> set[str]:
        """Which of these digests are not stored."""
        ...

    def located(self, digests: Iterable[str]) -> dict[str, BlobLocation]:
        """Where each of these blobs lives, for those in the index."""
        ...

    def locate_many(self, digests: Iterable[str]) -> dict[str, BlobLocation]:
        """Where each blob lives; IntegrityError if any is not stored."""
        ...

    def read_packed(
        self, digests: Iterable[str], locations: dict[str, BlobLocation]
    ) -> Iterator[tuple[str, bytes]]:
        """Verified bytes of packed blobs, reading each pack once in offset order."""
        ...

    def open_object(self, digest: str) -> tuple[int, os.stat_result]:
        """A read-only descriptor and stat of a local file holding a blob kept on its own."""
        ...

    def file_path(self, digest: str) -> Path | None:
        """A local file holding a blob kept on its own (None if it is packed)."""
        ...

    def object_path(self, digest: str) -> Path:
        """The local file :meth:`open_object` opens (for hard links made after it)."""
        ...

    def copy_to(self, digest: str, destination: Path) -> None:
        """Write the verified blob to ``destination`` atomically."""
        ...

    def delete_own(self, digests: Sequence[str]) -> None:
        """Delete the bytes of blobs kept on their own, whose index rows are already gone."""
        ...

    def size(self, digest: str) -> int:
        """The size in bytes of a stored blob."""
        ...

    def quarantine(
        self, digest: str, size: int, location: str, offset: int, problem: str
    ) -> HeronError:
        """Set a bad blob aside (its index row dropped); the error to raise for it."""
        ...

    def quarantined_digests(self) -> set[str]:
        """Digests that were ever quarantined in this store."""
        ...

    def forget(self, digests: Iterable[str]) -> None:
        """Drop digests from this writer's memory of what is stored."""
        ...

    def close(self) -> None:
        """Finish pending writes and release open files."""
        ...
