"""A heron store: one directory (or a database URL plus a directory) holding everything logged.

Layout of a local store::

    heron-data/
      heron-store.json     marker: what this directory is, and its format version
      heron.db             metadata (SQLite, WAL) unless a database URL is given
      blobs/               content-addressed blobs: packs/*.pack and objects/ab/<sha256>
      tables/<id>/         Parquet parts of logged tables
      cache/               derived data (thumbnails); safe to delete
"""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from heron.errors import NotAStoreError, SchemaTooNewError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from heron.store.blobs import LocalBlobStore

MARKER_NAME = "heron-store.json"
STORE_FORMAT = 1
DEFAULT_DIR_NAME = "heron-data"

_announced: set[Path] = set()

# What another process creating the same store at the same moment may already have written
# (SQLite adds heron.db-journal, -wal and -shm beside heron.db while it sets the database up).
_OWN_ENTRIES = {"blobs", "tables", "cache"}


def resolve_store_dir(directory: str | os.PathLike[str] | None = None) -> Path:
    """The store directory: ``directory`` if given, else ``$HERON_DIR``, else ``./heron-data``."""
    if directory is not None:
        return Path(directory).expanduser().resolve()
    from_env = os.environ.get("HERON_DIR")
    if from_env:
        return Path(from_env).expanduser().resolve()
    return (Path.cwd() / DEFAULT_DIR_NAME).resolve()


class Store:
    """An open store: the metadata engine, the blob store and the tables directory."""

    def __init__(self, root: Path, engine: Engine, blobs: LocalBlobStore) -> None:
        self.root = root
        self.engine = engine
        self.blobs = blobs
        self.tables_dir = root / "tables"
        self.cache_dir = root / "cache"

    @classmethod
    def open(
        cls,
        directory: str | os.PathLike[str] | None = None,
        *,
        database_url: str | None = None,
        create: bool = True,
        announce: bool = False,
    ) -> Store:
        """Open (and, if ``create``, initialise) the store at ``directory``.

        A directory holding other files, or a store from a newer heron, is refused and left
        untouched. ``database_url`` (or ``$HERON_DATABASE_URL``) puts the metadata in PostgreSQL.
        """
        # Imported here: a reader that only looks at a SQLite store (heron.store.sqlite_reader)
        # needs this module without SQLAlchemy, whose import alone costs more than its read.
        from heron.store import migrations
        from heron.store.blobs import LocalBlobStore
        from heron.store.database import make_engine
        from heron.store.runs import mark_crashed_runs

        root = resolve_store_dir(directory)
        marker = root / MARKER_NAME
        database_url = database_url or os.environ.get("HERON_DATABASE_URL") or None
        is_new = not marker.exists()
        if is_new:
            if root.exists() and not root.is_dir():
                raise NotAStoreError(f"{root} is a file, not a heron store directory")
            if root.exists() and any(not _is_own_entry(p.name) for p in root.iterdir()):
                raise NotAStoreError(
                    f"{root} is not empty and has no {MARKER_NAME}: it is not a heron store; "
                    "choose another directory (dir= or HERON_DIR)"
                )
            if not create:
                raise NotAStoreError(f"there is no heron store at {root}")
        else:
            check_marker(marker)
        root.mkdir(parents=True, exist_ok=True)
        engine = make_engine(database_url or str(root / "heron.db"))
        migrations.upgrade(engine)
        if is_new:
            _write_marker(marker)
        mark_crashed_runs(engine)
        if announce and root not in _announced:
            _announced.add(root)
            print(
                f"heron: logging to {root}  (look at it with: heron ui --dir {root})",
                file=sys.stderr,
            )
        blobs = LocalBlobStore(root / "blobs", engine)
        store = cls(root, engine, blobs)
        store.tables_dir.mkdir(exist_ok=True)
        return store

    def close(self) -> None:
        """Release the open pack file and database connections."""
        self.blobs.close()
        self.engine.dispose()


def _is_own_entry(name: str) -> bool:
    return (
        name in _OWN_ENTRIES
        or name.startswith("heron.db")
        or name.startswith(f".{MARKER_NAME}.tmp-")
    )


def check_marker(marker: Path) -> None:
    """Refuse a marker that does not describe a heron store this heron can read."""
    try:
        content = json.loads(marker.read_text())
    except (OSError, ValueError) as error:
        raise NotAStoreError(f"{marker} is unreadable or not JSON: {error}") from error
    if not isinstance(content, dict) or content.get("format") != "heron-store":
        raise NotAStoreError(f"{marker} does not describe a heron store")
    version = content.get("version")
    if not isinstance(version, int) or version > STORE_FORMAT:
        raise SchemaTooNewError(
            f"the store at {marker.parent} has format {version!r}; this heron reads up to "
            f"{STORE_FORMAT}: upgrade heron to open it (nothing was changed)"
        )


def _write_marker(marker: Path) -> None:
    temporary = marker.with_name(f".{marker.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    temporary.write_text(json.dumps({"format": "heron-store", "version": STORE_FORMAT}) + "\n")
    os.replace(temporary, marker)
