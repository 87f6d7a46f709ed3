"""A whole artifact version as a zip or tar stream, written while it is sent.

Nothing is staged on disk: the archive writer appends to a buffer that the response drains as
it goes (after every 1 MiB chunk for zip, after every file for tar). References (s3://, file://) are not
copied; their URIs are listed in ``heron-references.txt`` inside the archive.

Every blob is checked before the response starts (:func:`verify_entries`), so a corrupt file
gets an error response instead of a 200. Each is checked again as it is sent; a file changed in
between ends the stream with an error (the client sees a broken download, never a complete
archive holding wrong bytes).
"""

from __future__ import annotations

import io
import tarfile
import time
import zipfile
from collections.abc import Iterator
from typing import Literal

from heron.store.manifest import ManifestEntry
from heron.store.store import Store

ArchiveFormat = Literal["zip", "tar"]
CHUNK = 1 << 20
REFERENCES_NAME = "heron-references.txt"


class _Buffer(io.RawIOBase):
    """A write-only, non-seekable stream whose bytes are taken out with :meth:`drain`."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self._chunks.append(bytes(data))
        self._position += len(data)
        return len(data)

    def tell(self) -> int:
        return self._position

    def drain(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def verify_entries(store: Store, entries: list[ManifestEntry]) -> None:
    """Check every stored blob of ``entries``; IntegrityError (quarantining it) on the first bad one.

    Packed blobs are read pack by pack in offset order; a file of its own that this server has
    hashed before and that has not changed since is not hashed again.
    """
    digests = {e.sha256 for e in entries if e.is_stored_blob and e.sha256}
    locations = store.blobs.locate_many(digests)
    packed = {d for d in digests if locations[d].pack}
    for _ in store.blobs.read_packed(packed, locations):
        pass
    for digest in sorted(digests - packed):
        store.blobs.open_verified(digest).close()


def _blob_chunks(store: Store, sha256: str) -> Iterator[bytes]:
    yield from store.blobs.open_verified(sha256).chunks()


def _zip_name(path: str) -> str:
    """``path`` as a zip member name: zip names are UTF-8, so undecodable bytes become U+FFFD."""
    try:
        raw = path.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = path.encode("utf-8", "replace")
    return raw.decode("utf-8", "replace")


def _references(entries: list[ManifestEntry]) -> bytes:
    lines = [f"{e.path}\t{e.ref_uri}" for e in entries if e.ref_uri is not None]
    return ("\n".join(lines) + "\n").encode() if lines else b""


def stream_archive(
    store: Store, entries: list[ManifestEntry], archive_format: ArchiveFormat
) -> Iterator[bytes]:
    """The bytes of a zip or tar holding every stored file of ``entries`` under its path."""
    stored = [e for e in entries if e.is_stored_blob and e.sha256]
    references = _references(entries)
    buffer = _Buffer()
    if archive_format == "zip":
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
            for entry in stored:
                zinfo = zipfile.ZipInfo(_zip_name(entry.path), date_time=time.localtime()[:6])
                zinfo.compress_type = zipfile.ZIP_DEFLATED
                with zf.open(zinfo, "w", force_zip64=entry.size > 0x7FFFFFFF) as member:
                    for chunk in _blob_chunks(store, entry.sha256 or ""):
                        member.write(chunk)
                        yield buffer.drain()
                yield buffer.drain()
            if references:
                zf.writestr(REFERENCES_NAME, references)
        yield buffer.drain()
        return
    with tarfile.open(fileobj=buffer, mode="w|") as tar:
        for entry in stored:
            info = tarfile.TarInfo(entry.path)
            info.size = entry.size
            info.mtime = int(time.time())
            tar.addfile(info, _ChunkReader(_blob_chunks(store, entry.sha256 or "")))
            yield buffer.drain()
        if references:
            info = tarfile.TarInfo(REFERENCES_NAME)
            info.size = len(references)
            tar.addfile(info, io.BytesIO(references))
    yield buffer.drain()


class _ChunkReader(io.RawIOBase):
    """A readable stream over an iterator of byte chunks (what tarfile.addfile reads from)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = b""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._pending) < size:
            try:
                self._pending += next(self._chunks)
            except StopIteration:
                break
        if size < 0:
            data, self._pending = self._pending, b""
        else:
            data, self._pending = self._pending[:size], self._pending[size:]
        return data
