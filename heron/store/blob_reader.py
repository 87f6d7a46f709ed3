"""A verified blob open for reading, as the server sends it: whole, by byte range, or streamed.

:meth:`heron.store.blobs.LocalBlobStore.open_verified` hands one out only after the blob's bytes
hashed to its name. Bytes held in memory are the very bytes that were hashed. A large file is read
through the descriptor that was hashed; streaming it whole hashes it again on the way, and a file
changed since (a write between the check and the send) ends the stream with IntegrityError
instead of finishing it, so a client never receives a complete response of wrong bytes.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from types import TracebackType

from heron.errors import HeronError, IntegrityError

# Blobs up to this size are read into memory whole when they are checked and sent from there.
IN_MEMORY_LIMIT = 64 << 20
CHUNK = 1 << 20

MismatchHandler = Callable[[str, str], HeronError]


class BlobReader:
    """A blob whose bytes were checked: in memory (``data``) or behind a descriptor (``fd``)."""

    def __init__(
        self,
        digest: str,
        size: int,
        *,
        data: bytes | None = None,
        fd: int | None = None,
        on_mismatch: MismatchHandler | None = None,
    ) -> None:
        self.digest = digest
        self.size = size
        self._data = data
        self._fd = fd
        self._on_mismatch = on_mismatch

    def head(self, count: int) -> bytes:
        """The first ``count`` bytes (to tell the content type)."""
        return self.read(0, min(count, self.size))

    def read(self, start: int, stop: int) -> bytes:
        """Bytes ``start`` up to (not including) ``stop``."""
        if self._data is not None:
            return self._data[start:stop]
        if self._fd is None:
            raise ValueError("the blob reader is closed")
        return os.pread(self._fd, stop - start, start)

    def chunks(self, start: int = 0, stop: int | None = None) -> Iterator[bytes]:
        """Bytes ``start`` up to ``stop`` (default: the end) in chunks, then closes the reader.

        A whole-blob stream from a file is hashed again as it goes; if the bytes no longer match
        the stream ends with IntegrityError (after quarantining the blob) instead of completing.
        """
        stop = self.size if stop is None else stop
        try:
            if self._data is not None:
                for position in range(start, stop, CHUNK):
                    yield self._data[position : min(position + CHUNK, stop)]
                return
            whole = start == 0 and stop == self.size
            hasher = hashlib.sha256() if whole else None
            position = start
            while position < stop:
                chunk = self.read(position, min(position + CHUNK, stop))
                if not chunk:
                    break
                if hasher is not None:
                    hasher.update(chunk)
                position += len(chunk)
                if hasher is not None and position == stop:
                    self._check(hasher, position)
                yield chunk
            if hasher is not None and position != stop:
                self._check(hasher, position)
        finally:
            self.close()

    def _check(self, hasher: hashlib._Hash, length: int) -> None:
        actual = hasher.hexdigest()
        if actual == self.digest and length == self.size:
            return
        problem = f"changed while it was sent ({length} bytes hashing to {actual[:12]}…)"
        if self._on_mismatch is not None:
            raise self._on_mismatch(self.digest, problem)
        raise IntegrityError(f"blob {self.digest} {problem}")

    def close(self) -> None:
        """Release the descriptor (idempotent)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> BlobReader:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
