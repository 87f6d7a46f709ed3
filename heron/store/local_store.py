"""Opening a store for a run, and the run's writes, without SQLAlchemy where it is not needed.

A run in a local SQLite store only inserts and updates a few rows; :class:`LocalStore` does
that with :class:`heron.store.sqlite_writer.SqliteWriter` and opens the full
:class:`~heron.store.store.Store` (SQLAlchemy engine, blob store) the first time anything else
is asked of it: an artifact, an image, a read through ``run.api``. The functions below are the
run's writes; each goes to the SQLite writer when the store has one, else to
:mod:`heron.store.runs` / :mod:`heron.store.tables` on the engine, so both paths write the same
rows.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from heron.errors import NotAStoreError
from heron.store.blob_protocol import BlobStore
from heron.store.run_record import RunRecord
from heron.store.sqlite_writer import SqliteWriter
from heron.store.store import (
    MARKER_NAME,
    Store,
    _announced,
    _is_own_entry,
    _write_marker,
    check_marker,
    marker_blobs_url,
    resolve_store_dir,
)

# Settings that put the store's metadata or bytes elsewhere: such a store is opened in full.
_REMOTE_SETTINGS = ("HERON_DATABASE_URL", "HERON_BLOBS_URL")


class LocalStore(Store):
    """A local SQLite store open for a run's writes; everything else opens the full store.

    Attributes the full store has and this one does not (``engine``, ``blobs``...) are the full
    store's, opened on first use.
    """

    def __init__(self, root: Path, writer: SqliteWriter) -> None:  # the rest comes lazily
        self.root = root
        self.tables_dir = root / "tables"
        self.cache_dir = root / "cache"
        self.sqlite = writer
        self._full: Store | None = None
        self._full_lock = threading.Lock()
        self._blobs: BlobStore | None = None

    @property
    def blobs(self) -> BlobStore:
        """The store's blobs, their index kept through sqlite3 (see heron.store.sqlite_blobs)."""
        with self._full_lock:
            if self._blobs is None:
                from heron.store.sqlite_blobs import SqliteBlobStore

                self._blobs = SqliteBlobStore(
                    self.root / "blobs", self.sqlite, lambda: self.full().engine
                )
            return self._blobs

    @blobs.setter
    def blobs(self, blobs: BlobStore) -> None:
        self._blobs = blobs

    def full(self) -> Store:
        """The full store on the same directory, opened on first call."""
        with self._full_lock:
            if self._full is None:
                self._full = Store.open(self.root, create=False)
            return self._full

    def opened(self) -> Store | None:
        """The full store if something has opened it, else None."""
        return self._full

    def __getattr__(self, name: str) -> Any:
        # Only reached for attributes this object lacks: the full store's.
        if name.startswith("_") or name == "sqlite":
            raise AttributeError(name)
        return getattr(self.full(), name)

    def close(self) -> None:
        """Close the SQLite writer and, if they were opened, the blob store and full store."""
        if self._blobs is not None:
            self._blobs.close()
        self.sqlite.close()
        if self._full is not None:
            self._full.close()


def open_for_run(directory: str | os.PathLike[str] | None, *, announce: bool = False) -> Store:
    """The store a run writes to, created if new: a :class:`LocalStore` for a local SQLite
    store this heron's statements fit, else :meth:`Store.open` (same checks, same errors)."""
    if any(os.environ.get(name) for name in _REMOTE_SETTINGS):
        return Store.open(directory, announce=announce)
    root = resolve_store_dir(directory)
    marker = root / MARKER_NAME
    is_new = not marker.exists()
    if is_new:
        if root.exists() and not root.is_dir():
            raise NotAStoreError(f"{root} is a file, not a heron store directory")
        if root.exists() and any(not _is_own_entry(p.name) for p in root.iterdir()):
            # Store.open words the refusal.
            return Store.open(directory, announce=announce)
    else:
        check_marker(marker)
        if marker_blobs_url(root) is not None:  # the directory only caches an object store
            return Store.open(directory, announce=announce)
    root.mkdir(parents=True, exist_ok=True)
    writer = SqliteWriter.open(root)
    if writer is None:  # another schema version: the full store upgrades it, or refuses
        return Store.open(directory, announce=announce)
    if is_new:
        _write_marker(marker)
    writer.mark_crashed_runs()
    if announce and root not in _announced:
        _announced.add(root)
        print(
            f"heron: logging to {root}  (look at it with: heron ui --dir {root})",
            file=sys.stderr,
        )
    store = LocalStore(root, writer)
    store.tables_dir.mkdir(exist_ok=True)
    return store


def release_blobs(store: Store) -> None:
    """Close the pack file the run appended blobs to, if its blob store was opened."""
    if isinstance(store, LocalStore):
        if store._blobs is not None:
            store._blobs.close()
        opened = store.opened()
        if opened is not None:
            opened.blobs.close()
    else:
        store.blobs.close()


# -- the run's writes -----------------------------------------------------------------------


def get_run(store: Store, run_id: str) -> RunRecord:
    """One run by id; NotFoundError if there is none."""
    if isinstance(store, LocalStore):
        return store.sqlite.get_run(run_id)
    from heron.store import runs

    return runs.get_run(store.engine, run_id)


def count_runs(store: Store, project: str) -> int:
    """How many runs a project has (0 if it does not exist)."""
    if isinstance(store, LocalStore):
        return store.sqlite.count_runs(project)
    from heron.store import runs

    return runs.count_runs(store.engine, project)


def create_run(store: Store, project: str, values: dict[str, Any]) -> None:
    """Insert a new run row (``values`` holds every column but ``project_id``)."""
    if isinstance(store, LocalStore):
        store.sqlite.create_run(project, values)
        return
    from heron.store import runs

    runs.create_run(store.engine, project, values)


def update_run(store: Store, run_id: str, **values: Any) -> None:
    """Update columns of one run; JSON columns must already be serialised."""
    if isinstance(store, LocalStore):
        store.sqlite.update_run(run_id, **values)
        return
    from heron.store import runs

    runs.update_run(store.engine, run_id, **values)


def write_history(
    store: Store,
    run_id: str,
    rows: Sequence[tuple[int, str, float]],
    objects: Sequence[tuple[int, str, str, Any]],
    *,
    last_step: int | None,
    summary_json: str | None,
) -> None:
    """Metric rows, per-step objects and the summary in one transaction
    (:func:`heron.store.runs.write_history`)."""
    if isinstance(store, LocalStore):
        store.sqlite.write_history(
            run_id, rows, objects, last_step=last_step, summary_json=summary_json
        )
        return
    from heron.store import runs

    runs.write_history(
        store.engine, run_id, rows, objects, last_step=last_step, summary_json=summary_json
    )


def put_run_object(store: Store, run_id: str, key: str, step: int, kind: str, payload: Any) -> None:
    """Store one run object, replacing what the run had under the same key and step."""
    if isinstance(store, LocalStore):
        store.sqlite.put_run_object(run_id, key, step, kind, payload)
        return
    from heron.store import runs

    runs.put_run_object(store.engine, run_id, key, step, kind, payload)


def commit_table(
    store: Store, table_id: str, n_rows: int, columns: list[dict[str, Any]], parts: list[str]
) -> None:
    """Insert the ``tables`` row that makes a table (whose parts are written) visible."""
    if isinstance(store, LocalStore):
        store.sqlite.commit_table(table_id, n_rows, json.dumps(columns), json.dumps(parts))
        return
    from heron.store import tables

    tables.commit_table(store.engine, table_id, n_rows, columns, parts)
