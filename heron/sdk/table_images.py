"""Image columns of a ``heron.Table``, streamed to a store as the rows come.

A table of images built row by row must not hold its images: 100,000 64x64 images are over a
gigabyte of pixels, a million would not fit. So an image column gathers a small batch of added
images, then encodes and stores them in a thread pool (zstd, sha256 and file writes release
the GIL: both cores work) and keeps only their cells, as compact Arrow arrays (about 100 bytes a
row). The store is the active run's, where the table is most likely logged; with no run open it
is a spool store in a temporary directory that lives as long as the process. Logging the table
to another store copies the blobs over (see :meth:`ImageSnapshot.arrow`).

Batches keep their order and an image's bytes do not depend on its batch, so cells and content
hashes are what encoding them all at once would give. Nothing becomes visible before the table
is logged: until then its blobs are unreferenced, which ``heron gc`` reports.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from typing import TYPE_CHECKING

from heron.errors import TableError
from heron.sdk import active
from heron.sdk.media import Image, held_bytes, store_images

if TYPE_CHECKING:
    import pyarrow as pa

    from heron.store.store import Store

BATCH_IMAGES = 256  # images encoded and stored per thread-pool task...
BATCH_BYTES = 8 << 20  # ...or fewer, when they hold this many bytes (pixels or encoded)
WORKERS = max(1, min(4, os.cpu_count() or 1))
# Batches of one column queued or being stored at once; adding waits beyond this, so images
# arriving faster than they are stored cannot pile up in memory.
MAX_IN_FLIGHT = WORKERS + 1
COPY_BATCH = 512  # blobs copied per put when a table is logged to another store

_pool: ThreadPoolExecutor | None = None
_spool: Store | None = None
_owner = 0  # the process that made the pool and spool: a forked child makes its own
_lock = threading.Lock()


def _forked() -> None:
    """Forget a parent's pool (its threads do not exist here) and spool (its database
    connections must not be shared); called with the lock held."""
    global _pool, _spool, _owner
    if _owner != os.getpid():
        _pool, _spool, _owner = None, None, os.getpid()


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        _forked()
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="heron-images")
        return _pool


def spool_store() -> Store:
    """The store images of tables built with no run open go to: a temporary directory of this
    process, removed when it exits."""
    global _spool
    with _lock:
        _forked()
        if _spool is None:
            # Imported here: the store loads SQLAlchemy, which `import heron` must not pay for.
            from heron.store.store import Store

            directory = tempfile.mkdtemp(prefix="heron-spool-")
            _spool = Store.open(directory)
            atexit.register(_remove_spool, _spool, os.getpid())
        return _spool


def _remove_spool(store: Store, owner: int) -> None:
    if owner != os.getpid():  # a forked child exiting: the spool is its parent's
        return
    if _pool is not None:
        _pool.shutdown(wait=True)  # nothing may write to it any more
    store.blobs.close()
    store.engine.dispose()
    shutil.rmtree(store.root, ignore_errors=True)


def _target_store() -> Store:
    run = active.current()
    return run.store if run is not None else spool_store()


class _Chunk:
    """Rows ``first .. first + size - 1`` of a column, stored (or being stored) by ``future``.

    The batch's images are kept until they are stored, so a batch the store refused (a full
    disk) is stored again at the next log instead of failing every log of the table.
    """

    __slots__ = ("batch", "first", "future", "size")

    def __init__(self, first: int, batch: list[Image | None], future: Future[pa.Array]) -> None:
        self.first = first
        self.size = len(batch)
        self.batch: list[Image | None] | None = batch
        self.future = future
        future.add_done_callback(self._settled)

    def _settled(self, future: Future[pa.Array]) -> None:
        if not future.cancelled() and future.exception() is None:
            self.batch = None

    def failed(self) -> bool:
        """Whether the store refused the batch (it can be stored again)."""
        future = self.future
        return (
            self.batch is not None
            and future.done()
            and not future.cancelled()
            and future.exception() is not None
        )

    def retry(self, store: Store, column: str) -> None:
        """Store the refused batch again."""
        assert self.batch is not None
        self.future = _executor().submit(_store_batch, store, self.batch, column, self.first)
        self.future.add_done_callback(self._settled)


class ImageColumn:
    """The cells of one image column: images (or None) in, stored references kept.

    ``append`` is the hot path of ``Table.add_data``: it only queues the image; every
    :data:`BATCH_IMAGES` images a batch goes to the thread pool.
    """

    __slots__ = (
        "_chunks",
        "_count",
        "_in_flight",
        "_modes",
        "_pending",
        "_pending_bytes",
        "_store",
        "name",
    )

    def __init__(self, name: str, values: Iterable[Image | None] = ()) -> None:
        self.name = name
        self._store: Store | None = None
        self._pending: list[Image | None] = []
        self._pending_bytes = 0
        self._chunks: list[_Chunk] = []
        self._count = 0  # rows in submitted chunks
        self._in_flight: deque[Future[pa.Array]] = deque()
        # PIL modes given to images (rare): the stored cell has no place for them.
        self._modes: dict[int, str] = {}
        self.extend(values)

    def __len__(self) -> int:
        return self._count + len(self._pending)

    def append(self, value: Image | None) -> None:
        """Add one cell (an Image already checked by the table, or None)."""
        pending = self._pending
        pending.append(value)
        if value is not None:
            self._pending_bytes += held_bytes(value)
        if len(pending) >= BATCH_IMAGES or self._pending_bytes >= BATCH_BYTES:
            self._submit()

    def extend(self, values: Iterable[Image | None]) -> None:
        """Add cells in order."""
        for value in values:
            self.append(value)

    def flush(self) -> None:
        """Send the images still queued to the thread pool."""
        if self._pending:
            self._submit()

    def _submit(self) -> None:
        batch, self._pending = self._pending, []
        self._pending_bytes = 0
        first = self._count
        for offset, image in enumerate(batch):
            if image is not None and image.mode is not None:
                self._modes[first + offset] = image.mode
        if self._store is None:
            self._store = _target_store()
        future = _executor().submit(_store_batch, self._store, batch, self.name, first)
        self._chunks.append(_Chunk(first, batch, future))
        self._count += len(batch)
        in_flight = self._in_flight
        in_flight.append(future)
        while in_flight and in_flight[0].done():
            in_flight.popleft()
        if len(in_flight) >= MAX_IN_FLIGHT:
            wait_for([in_flight.popleft()])  # its error, if any, is raised when logged

    def snapshot(self, start: int = 0) -> ImageSnapshot:
        """The rows from ``start`` to the current end, as they will be logged (call from the
        thread that adds rows; the snapshot may then be read from any thread)."""
        self.flush()
        chunks = [chunk for chunk in self._chunks if chunk.first + chunk.size > start]
        for chunk in chunks:
            if chunk.failed() and self._store is not None:
                chunk.retry(self._store, self.name)
        parts = [(chunk.first, chunk.future) for chunk in chunks]
        return ImageSnapshot(self.name, self._store, parts, start, self._count)

    def images(self) -> list[Image | None]:
        """The cells as Images backed by the store they were written to."""
        from heron.store.table_format import image_refs

        snapshot = self.snapshot()
        cells = snapshot.arrow(None).to_pylist()
        refs = image_refs(cells, f"column {self.name!r}")
        store = self._store
        images: list[Image | None] = []
        for row, ref in enumerate(refs):
            if ref is None or store is None:
                images.append(None)
                continue
            image = Image.from_ref(store, ref)
            image.mode = self._modes.get(row)
            images.append(image)
        return images

    def __iter__(self) -> Iterator[Image | None]:
        return iter(self.images())


class ImageSnapshot:
    """Rows ``start .. end - 1`` of an image column at the moment it was logged."""

    def __init__(
        self,
        name: str,
        store: Store | None,
        chunks: list[tuple[int, Future[pa.Array]]],
        start: int,
        end: int,
    ) -> None:
        self.name = name
        self.store = store
        self.chunks = chunks
        self.start = start
        self.end = end

    def arrow(self, target: Store | None) -> pa.Array:
        """The cells as an Arrow array, once stored; with ``target`` another store than the one
        they were written to, their blobs (and masks') are copied there first."""
        import pyarrow as pa

        from heron.store.tables import IMAGE_STRUCT

        pieces = [future.result() for _, future in self.chunks]
        if not pieces:
            return pa.array([], IMAGE_STRUCT)
        whole = pa.concat_arrays(pieces) if len(pieces) > 1 else pieces[0]
        offset = self.start - self.chunks[0][0]
        cells = whole.slice(offset, self.end - self.start)
        if target is not None and self.store is not None and target.root != self.store.root:
            _copy_blobs(self.store, target, cells, self.name)
        return cells


def _store_batch(store: Store, values: list[Image | None], column: str, first: int) -> pa.Array:
    """Store one batch of an image column; returns its cells as an Arrow struct array."""
    from heron.store.tables import image_array

    present = [value for value in values if value is not None]
    try:
        refs = iter(store_images(store, present, keep_bytes=False))
    except Exception as error:
        raise TableError(
            f"column {column!r}, rows {first}..{first + len(values) - 1}: {error}"
        ) from error
    return image_array([None if value is None else next(refs) for value in values])


def _copy_blobs(source: Store, target: Store, cells: pa.Array, column: str) -> None:
    """Put the blobs ``cells`` refer to (images and masks) into ``target``, read from
    ``source`` a pack at a time; those ``target`` has already are skipped."""
    from heron.store.table_format import image_refs

    digests: set[str] = set()
    for ref in image_refs(cells.to_pylist(), f"column {column!r}"):
        if ref is not None:
            digests.update(ref.digests())
    missing = target.blobs.missing(digests)
    if not missing:
        return
    locations = source.blobs.locate_many(missing)
    packed = {digest for digest, where in locations.items() if where.pack}
    batch: list[bytes] = []
    for _, data in source.blobs.read_packed(packed, locations):
        batch.append(data)
        if len(batch) >= COPY_BATCH:
            target.blobs.put_many(batch)
            batch = []
    if batch:
        target.blobs.put_many(batch)
    for digest in sorted(missing - packed):  # large blobs, a file each
        target.blobs.put(source.blobs.get(digest))
