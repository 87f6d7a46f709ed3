"""A heron store: one directory (or a database URL plus a directory) holding everything logged.

Layout of a local store::

    heron-data/
      heron-store.json     marker: what this directory is, and its format version
      heron.db             metadata (SQLite, WAL) unless a database URL is given
      blobs/               content-addressed blobs: packs/*.pack and objects/ab/<sha256>
      tables/<id>/         Parquet parts of logged tables
      cache/               derived data (thumbnails); safe to delete

A store opened with ``blobs_url="s3://bucket/prefix"`` keeps its blobs and table parts in that
object store instead (heron.store.s3_blobs, heron.store.table_placement); its directory is then
a local cache: ``tables/`` and ``cache/s3-blobs/`` hold recently read files, up to ``cache_mb``
each. The URL is recorded in the metadata database, so every replica opened on the same database
uses the same object store, and a store keeping blobs locally cannot be opened as an S3 one.
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

    from heron.store.blob_protocol import BlobStore
    from heron.store.object_store import ObjectStoreSettings

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

    def __init__(self, root: Path, engine: Engine, blobs: BlobStore) -> None:
        self.root = root
        self.engine = engine
        self.blobs = blobs
        self.tables_dir = root / "tables"
        self.cache_dir = root / "cache"
        # Where blobs and tables live when not in this directory (None: a local store).
        self.remote: ObjectStoreSettings | None = None

    @classmethod
    def open(
        cls,
        directory: str | os.PathLike[str] | None = None,
        *,
        database_url: str | None = None,
        create: bool = True,
        announce: bool = False,
        blobs_url: str | None = None,
        s3_endpoint: str | None = None,
        cache_mb: int | None = None,
    ) -> Store:
        """Open (and, if ``create``, initialise) the store at ``directory``.

        A directory holding other files, or a store from a newer heron, is refused and left
        untouched. ``database_url`` (or ``$HERON_DATABASE_URL``) puts the metadata in PostgreSQL.
        ``blobs_url`` (or ``$HERON_BLOBS_URL``), ``s3://bucket/prefix``, puts blobs and table
        parts in an S3-compatible object store at ``s3_endpoint`` (or ``$HERON_S3_ENDPOINT``);
        the directory then caches up to ``cache_mb`` (or ``$HERON_CACHE_MB``, default 2048) MiB
        of tables and as much of blobs. A store whose database names an object store uses it
        even when no URL is given here.
        """
        # Imported here: a reader that only looks at a SQLite store (heron.store.sqlite_reader)
        # needs this module without SQLAlchemy, whose import alone costs more than its read.
        from heron.store import migrations, object_store
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
        blobs: BlobStore
        remote = object_store.settings(engine, blobs_url, s3_endpoint, cache_mb)
        if remote is None:
            blobs = LocalBlobStore(root / "blobs", engine)
        else:
            blobs = object_store.open_s3(root, engine, remote)
            if marker_blobs_url(root) != str(remote.location):
                # Readers that skip the database (the SQLite fast paths) learn it from here.
                _write_marker(marker, blobs_url=str(remote.location))
        store = cls(root, engine, blobs)
        store.remote = remote
        store.tables_dir.mkdir(exist_ok=True)
        return store

    def close(self) -> None:
        """Release the open pack file and database connections."""
        self.blobs.close()
        if self.remote is not None:
            from heron.store import table_placement

            table_placement.unregister(self.root)
            self.remote = None
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


def _write_marker(marker: Path, *, blobs_url: str | None = None) -> None:
    content: dict[str, object] = {"format": "heron-store", "version": STORE_FORMAT}
    if blobs_url:
        content["blobs_url"] = blobs_url
    temporary = marker.with_name(f".{marker.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    temporary.write_text(json.dumps(content) + "\n")
    os.replace(temporary, marker)


def marker_blobs_url(root: Path) -> str | None:
    """The object store (``s3://bucket/prefix``) the store at ``root`` keeps its blobs and
    tables in, as its marker says, or None (a local store, or no readable marker).

    Written when an S3-backed store is opened, so code that reads a store without opening its
    database can tell that the directory is only a cache of it.
    """
    try:
        content = json.loads((root / MARKER_NAME).read_text())
    except (OSError, ValueError):
        return None
    url = content.get("blobs_url") if isinstance(content, dict) else None
    return url if isinstance(url, str) else None
