"""Blobs in an S3-compatible object store, indexed in the metadata database like local ones.

Layout below the store's prefix: ``packs/<32 random hex digits>.pack`` and ``objects/ab/<sha256>``.
The small blobs of one write (a batch of logged images) are packed into objects of up to
:data:`PACK_OBJECT_MAX` bytes, each uploaded whole, so two thousand images are a handful of
objects, not two thousand; a blob of 1 MiB or more is an object of its own, uploaded in parts when
large. The index rows are inserted only after the upload succeeded: a writer that dies or loses the
store mid-upload leaves at most an unreferenced object, never a visible blob without its bytes.

Every read is checked against the sha256 the blob is named by. Reads go through a bounded local
cache (heron.store.byte_cache, ``cache/s3-blobs`` in the store directory): a copy found bad there
is dropped and fetched again; bytes bad in the object store itself quarantine the blob (its
index row is dropped and the read raises IntegrityError), as a bad local file does.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from heron.errors import HeronError, IntegrityError, StoreError
from heron.store.blob_index import (
    PACK_THRESHOLD,
    BlobIndex,
    BlobLocation,
    members_by_pack,
    sha256_hex,
)
from heron.store.blob_reader import IN_MEMORY_LIMIT, BlobReader
from heron.store.byte_cache import ByteCache
from heron.store.s3_client import RetryPolicy, S3Location, with_retries
from heron.store.safefiles import copy_verified, hash_fd, temporary_sibling

PACK_OBJECT_MAX = 64 << 20  # bytes of small blobs uploaded as one pack object
MULTIPART_THRESHOLD = 16 << 20  # larger uploads go in parts (and resume part by part)
_CHUNK = 1 << 20
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class S3BlobStore(BlobIndex):
    """Blobs under ``location`` in the object store ``client`` talks to, read through ``cache``.

    ``root`` is the store's local ``blobs/`` directory, which holds quarantine records.
    """

    def __init__(
        self,
        root: Path,
        engine: Engine,
        client: Any,
        location: S3Location,
        cache: ByteCache,
        policy: RetryPolicy | None = None,
    ) -> None:
        super().__init__(root, engine)
        root.mkdir(parents=True, exist_ok=True)
        self.location = location
        self.cache = cache
        self._client = client
        self._policy = policy or RetryPolicy.from_env()
        # digest -> identity of its cached copy when it last hashed correctly.
        self._verified: dict[str, tuple[int, int, int, int, int]] = {}

    # -- writing ---------------------------------------------------------------------------

    def _write_and_index(self, fresh: dict[str, bytes]) -> None:
        entries: list[tuple[str, int, str, int]] = []
        pack = bytearray()
        members: list[tuple[str, int, int]] = []
        for digest, data in fresh.items():
            if len(data) >= PACK_THRESHOLD:
                self._upload_bytes(f"objects/{digest[:2]}/{digest}", data, f"blob {digest}")
                entries.append((digest, len(data), "", 0))
                continue
            if pack and len(pack) + len(data) > PACK_OBJECT_MAX:
                entries.extend(self._upload_pack(pack, members))
                pack, members = bytearray(), []
            members.append((digest, len(pack), len(data)))
            pack.extend(data)
        if pack:
            entries.extend(self._upload_pack(pack, members))
        # Only now, with every byte in the object store, do the blobs become visible.
        self._index(entries)

    def _upload_pack(
        self, pack: bytearray, members: list[tuple[str, int, int]]
    ) -> list[tuple[str, int, str, int]]:
        name = f"{os.urandom(16).hex()}.pack"
        what = f"blob {members[0][0]}" + (
            f" and {len(members) - 1} more in one pack" if len(members) > 1 else ""
        )
        self._upload_bytes(f"packs/{name}", bytes(pack), what)
        return [(digest, size, name, offset) for digest, offset, size in members]

    def _upload_bytes(self, relative: str, data: bytes, what: str) -> None:
        key = self.location.key(relative)
        if len(data) <= MULTIPART_THRESHOLD:
            with_retries(
                f"storing {what}",
                lambda: self._client.put_object(Bucket=self.location.bucket, Key=key, Body=data),
                self._policy,
            )
            return
        from boto3.s3.transfer import TransferConfig

        config = TransferConfig(
            multipart_threshold=MULTIPART_THRESHOLD, multipart_chunksize=MULTIPART_THRESHOLD
        )
        with_retries(
            f"storing {what}",
            lambda: self._client.upload_fileobj(
                io.BytesIO(data), self.location.bucket, key, Config=config
            ),
            self._policy,
        )

    def _put_large_file(self, path: Path, size: int, expected_sha256: str | None) -> str:
        hasher = hashlib.sha256()
        with open(path, "rb") as source:
            while chunk := source.read(_CHUNK):
                hasher.update(chunk)
        digest = hasher.hexdigest()
        self._check_expected(path, digest, expected_sha256)
        if self.has(digest):
            return digest
        self._upload_file(path, digest)
        # The upload is checked against the hash taken before it: a file changed in between
        # is not indexed under a name its bytes no longer have.
        self._check_expected(path, _hash_file(path), digest)
        self._index([(digest, size, "", 0)])
        return digest

    def _upload_file(self, path: Path, digest: str) -> None:
        from boto3.s3.transfer import TransferConfig

        config = TransferConfig(
            multipart_threshold=MULTIPART_THRESHOLD, multipart_chunksize=MULTIPART_THRESHOLD
        )
        key = self.location.key(f"objects/{digest[:2]}/{digest}")
        with_retries(
            f"storing blob {digest}",
            lambda: self._client.upload_file(
                os.fspath(path), self.location.bucket, key, Config=config
            ),
            self._policy,
        )

    @property
    def client(self) -> Any:
        """The boto3 client this store talks to its bucket with (for direct uploads)."""
        return self._client

    def adopt_uploaded(self, staging_key: str, digest: str, size: int) -> None:
        """Make the object a client uploaded straight to ``staging_key`` the blob ``digest``.

        Its bytes are streamed back and hashed first: unless they are ``size`` bytes hashing to
        ``digest``, the staging object is deleted and IntegrityError names both digests. Then
        it is copied to the blob's own key, indexed, and the staging object deleted.
        """
        bucket = self.location.bucket

        def measure() -> tuple[str, int]:
            body = self._client.get_object(Bucket=bucket, Key=staging_key)["Body"]
            hasher, length = hashlib.sha256(), 0
            try:
                while chunk := body.read(_CHUNK):
                    hasher.update(chunk)
                    length += len(chunk)
            finally:
                body.close()
            return hasher.hexdigest(), length

        actual, length = with_retries(f"reading the upload of blob {digest}", measure, self._policy)
        if actual != digest or length != size:
            self._delete_key(staging_key, f"the refused upload of blob {digest}")
            raise IntegrityError(
                f"the upload announced as blob {digest} ({size} bytes) holds {length} bytes "
                f"hashing to {actual}; it was deleted, nothing was stored"
            )
        if not self.has(digest):
            from boto3.s3.transfer import TransferConfig

            config = TransferConfig(multipart_chunksize=MULTIPART_THRESHOLD << 2)
            source = {"Bucket": bucket, "Key": staging_key}
            key = self._key(digest, "")
            with_retries(
                f"storing blob {digest}",
                lambda: self._client.copy(source, bucket, key, Config=config),
                self._policy,
            )
            # Indexed only once the blob's own object exists, as every other write.
            self._index([(digest, size, "", 0)])
        self._delete_key(staging_key, f"the upload of blob {digest}")

    def _delete_key(self, key: str, what: str) -> None:
        with_retries(
            f"deleting {what}",
            lambda: self._client.delete_object(Bucket=self.location.bucket, Key=key),
            self._policy,
        )

    def close(self) -> None:
        """Nothing is held open: every write is uploaded before it returns."""

    def check(self) -> None:
        """One cheap request to the bucket (for readiness probes); StoreError if unreachable."""
        with_retries(
            f"reaching {self.location}",
            lambda: self._client.head_bucket(Bucket=self.location.bucket),
            RetryPolicy(attempts=1),
        )

    # -- reading ---------------------------------------------------------------------------

    def _key(self, digest: str, location: str) -> str:
        if location:
            return self.location.key(f"packs/{location}")
        return self.location.key(f"objects/{digest[:2]}/{digest}")

    @staticmethod
    def _cache_name(digest: str) -> str:
        return f"{digest[:2]}/{digest}"

    def _get_range(self, key: str, start: int, length: int, what: str) -> bytes:
        """``length`` bytes of object ``key`` from ``start`` (the whole object when ``start``
        is 0 and ``length`` negative)."""

        def fetch() -> bytes:
            arguments: dict[str, Any] = {"Bucket": self.location.bucket, "Key": key}
            if length >= 0:
                arguments["Range"] = f"bytes={start}-{start + length - 1}"
            body = self._client.get_object(**arguments)["Body"]
            try:
                return bytes(body.read())
            finally:
                body.close()

        return with_retries(f"reading {what}", fetch, self._policy)

    def get(self, digest: str) -> bytes:
        """The bytes stored under ``digest``, verified; IntegrityError (quarantined) if bad."""
        size, location, offset = self._locate(digest)
        return self._read_checked(digest, size, location, offset)

    def _read_checked(self, digest: str, size: int, location: str, offset: int) -> bytes:
        name = self._cache_name(digest)
        if self.cache.touch(name):
            try:
                cached = self.cache.path(name).read_bytes()
            except OSError:
                cached = b""
            if len(cached) == size and sha256_hex(cached) == digest:
                return cached
            self.cache.forget(name)  # a bad or vanished copy: the object store has the truth
        data = self._get_range(
            self._key(digest, location), offset if location else 0, size, f"blob {digest}"
        )
        if len(data) != size or sha256_hex(data) != digest:
            raise self.quarantine(digest, size, location, offset, _mismatch(data, size))
        self._keep(name, data)
        return data

    def _keep(self, name: str, data: bytes) -> None:
        temporary = self.cache.temporary(name)
        try:
            temporary.write_bytes(data)
            self.cache.add(name, temporary)
        finally:
            temporary.unlink(missing_ok=True)

    def _open_cached(self, digest: str, size: int, location: str, offset: int) -> int:
        """A descriptor of a verified local copy of a blob of its own (downloaded once).

        A copy this store has hashed before and that is unchanged since (same device, inode,
        size and times) is not hashed again, so range requests on a large blob stay cheap.
        """
        name = self._cache_name(digest)
        if self.cache.touch(name):
            fd = self._open_checked(name, digest, size)
            if fd >= 0:
                return fd
            self.cache.forget(name)
        temporary = self.cache.temporary(name)
        key = self._key(digest, location)
        try:
            with_retries(
                f"reading blob {digest}",
                lambda: self._client.download_file(self.location.bucket, key, os.fspath(temporary)),
                self._policy,
            )
            actual = _hash_file(temporary)
            length = temporary.stat().st_size
            if actual != digest or length != size:
                problem = f"hash mismatch ({length} bytes hashing to {actual[:12]}…)"
                raise self.quarantine(digest, size, location, offset, problem)
            os.chmod(temporary, 0o444)
            self.cache.add(name, temporary)
        finally:
            temporary.unlink(missing_ok=True)
        fd = self._open_checked(name, digest, size)
        if fd < 0:  # removed or changed between the rename and the open: rare, try once more
            return self._open_cached(digest, size, location, offset)
        return fd

    def _open_checked(self, name: str, digest: str, size: int) -> int:
        """The cached copy ``name`` open and verified, or -1 when it is gone or wrong."""
        try:
            fd = os.open(self.cache.path(name), os.O_RDONLY | _CLOEXEC | _NOFOLLOW)
        except OSError:
            return -1
        info = os.fstat(fd)
        identity = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
        if identity[2] == size and self._verified.get(digest) == identity:
            return fd
        actual, length = hash_fd(fd, size)
        if actual == digest and length == size:
            if len(self._verified) >= 10_000:
                self._verified.clear()
            self._verified[digest] = identity
            return fd
        os.close(fd)
        self._verified.pop(digest, None)
        return -1

    def open_verified(self, digest: str) -> BlobReader:
        """The blob open for reading, its bytes checked against ``digest`` first.

        A blob up to :data:`IN_MEMORY_LIMIT` is served from memory; a larger one from its
        verified copy in the local cache, hashed again when streamed whole. The caller closes
        the reader.
        """
        size, location, offset = self._locate(digest)
        if location or size <= IN_MEMORY_LIMIT:
            return BlobReader(digest, size, data=self._read_checked(digest, size, location, offset))
        fd = self._open_cached(digest, size, location, offset)
        return BlobReader(digest, size, fd=fd, on_mismatch=self._stream_mismatch)

    def _stream_mismatch(self, digest: str, problem: str) -> HeronError:
        # The cached copy changed under the reader: drop it; the object store copy may be fine.
        self._verified.pop(digest, None)
        self.cache.forget(self._cache_name(digest))
        return IntegrityError(f"blob {digest}: its cached copy {problem}; read it again")

    def read_packed(
        self, digests: Iterable[str], locations: dict[str, BlobLocation]
    ) -> Iterator[tuple[str, bytes]]:
        """Verified bytes of packed blobs: one ranged read per pack, spanning its members."""
        for pack, members in members_by_pack(digests, locations):
            start = members[0][0]
            end = max(offset + size for offset, size, _ in members)
            span = self._get_range(
                self.location.key(f"packs/{pack}"), start, end - start, f"pack {pack}"
            )
            for offset, size, digest in members:
                data = span[offset - start : offset - start + size]
                if len(data) != size or sha256_hex(data) != digest:
                    raise self.quarantine(digest, size, pack, offset, _mismatch(data, size))
                yield digest, data

    def open_object(self, digest: str) -> tuple[int, os.stat_result]:
        """A read-only descriptor and stat of the verified cached copy of a blob of its own."""
        size, location, offset = self._locate(digest)
        if location:
            raise IntegrityError(f"blob {digest} is packed, not kept as an object of its own")
        fd = self._open_cached(digest, size, location, offset)
        return fd, os.fstat(fd)

    def file_path(self, digest: str) -> Path | None:
        """The verified cached copy of a blob kept as an object of its own (downloaded when
        absent), or None if it is packed."""
        size, location, offset = self._locate(digest)
        if location:
            return None
        os.close(self._open_cached(digest, size, location, offset))
        return self.object_path(digest)

    def object_path(self, digest: str) -> Path:
        """The cached copy :meth:`open_object` opened (for hard links made after it)."""
        return self.cache.path(self._cache_name(digest))

    def copy_to(self, digest: str, destination: Path) -> None:
        """Write the verified blob to ``destination`` atomically (a new inode, never a link)."""
        size, location, offset = self._locate(digest)
        destination.parent.mkdir(parents=True, exist_ok=True)
        if location or size <= IN_MEMORY_LIMIT:
            temporary = temporary_sibling(destination)
            try:
                temporary.write_bytes(self._read_checked(digest, size, location, offset))
                os.replace(temporary, destination)
            finally:
                temporary.unlink(missing_ok=True)
            return
        fd, _ = self.open_object(digest)
        try:
            copy_verified(fd, destination, digest, size)
        finally:
            os.close(fd)

    def quarantine(
        self, digest: str, size: int, location: str, offset: int, problem: str
    ) -> HeronError:
        """Drop a bad blob's index row and cached copy, record why; the error to raise."""
        self._verified.pop(digest, None)
        self.cache.forget(self._cache_name(digest))
        return super().quarantine(digest, size, location, offset, problem)

    def delete_own(self, digests: Sequence[str]) -> None:
        """Delete the objects of blobs kept on their own, whose index rows are already gone
        (a thousand per request), and their cached copies."""
        for start in range(0, len(digests), 1000):
            chunk = digests[start : start + 1000]
            objects = [{"Key": self._key(digest, "")} for digest in chunk]

            def delete(objects: list[dict[str, str]] = objects) -> None:
                answer = self._client.delete_objects(
                    Bucket=self.location.bucket, Delete={"Objects": objects, "Quiet": True}
                )
                failed = answer.get("Errors") or []
                if failed:
                    first = failed[0]
                    raise StoreError(
                        f"the object store kept {len(failed)} of the blobs gc deleted from the "
                        f"index, the first {first.get('Key')} ({first.get('Code')}); they are "
                        "unreferenced objects now"
                    )

            with_retries(f"deleting {len(chunk)} unreferenced blob(s)", delete, self._policy)
            for digest in chunk:
                self._verified.pop(digest, None)
                self.cache.forget(self._cache_name(digest))

    def objects(self) -> list[str]:
        """The keys below this store's prefix in the object store (for tests and tools)."""
        keys: list[str] = []
        paginator = self._client.get_paginator("list_objects_v2")
        prefix = self.location.key("")
        for page in paginator.paginate(Bucket=self.location.bucket, Prefix=prefix):
            keys.extend(str(item["Key"]) for item in page.get("Contents", []))
        return keys


def _hash_file(path: Path) -> str:
    hasher = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            hasher.update(chunk)
    return hasher.hexdigest()


def _mismatch(data: bytes, size: int) -> str:
    if len(data) != size:
        return f"{len(data)} bytes where {size} were stored"
    return f"hash mismatch (the bytes hash to {sha256_hex(data)[:12]}…)"
