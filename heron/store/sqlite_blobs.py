"""A local store's blobs with their index rows read and written through sqlite3.

:class:`heron.store.blobs.LocalBlobStore` writes packs and objects, then inserts the ``blobs``
rows that make them visible; here those rows (and the lookups that deduplicate writes) go
through the run's :class:`~heron.store.sqlite_writer.SqliteWriter`, so an image table logged in
a fresh process does not load SQLAlchemy. Only setting a damaged blob aside (quarantine, a read
path) uses the full store's engine, opened then.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from heron.store.blob_rows import BlobLocation, Entry
from heron.store.blobs import LocalBlobStore
from heron.store.sqlite_writer import SqliteWriter

if TYPE_CHECKING:
    from sqlalchemy import Engine


class SqliteBlobStore(LocalBlobStore):
    """A :class:`LocalBlobStore` whose index is kept through ``writer``."""

    def __init__(self, root: Path, writer: SqliteWriter, engine: Callable[[], Engine]) -> None:
        self._writer = writer
        self._engine_of_full_store = engine
        super().__init__(root, None)  # type: ignore[arg-type]  # the engine comes when needed

    @property
    def _engine(self) -> Engine:
        return self._engine_of_full_store()

    @_engine.setter
    def _engine(self, _: Engine | None) -> None:
        pass  # the base class stores the engine it was given: this one asks for it

    def _index(self, entries: list[Entry]) -> None:
        self._writer.insert_blobs(entries)
        self._remember_stored(digest for digest, _, _, _ in entries)

    def _located(self, digests: set[str]) -> dict[str, BlobLocation]:
        return self._writer.locate_blobs(digests)
