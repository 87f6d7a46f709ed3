"""Where a table's Parquet parts live: the store's ``tables/`` directory, and for a store whose
blobs are in an object store, also below its prefix there (``tables/<id>/part-*.parquet``).

A part is always written locally first (heron.store.tables.write_part); for an S3-backed store
the finished file is then uploaded, before the ``tables`` row that lists it commits, so a
replica that finds the row finds the object. On such a store ``tables/`` is a bounded cache
(heron.store.byte_cache): a part missing there is downloaded whole, once, and readers (DuckDB,
pyarrow) read a local file, so no DuckDB extension is ever fetched at run time. Parts least
recently opened are removed when the cache is over its size.

This module is the one owner of that decision. It keys S3-backed stores by their directory,
since the table functions receive a store's root; a store that is not registered is local,
and reading it costs one check of an empty dict.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from heron.errors import IntegrityError, NotFoundError

if TYPE_CHECKING:
    # Only an S3-backed store needs these: a local table read imports neither.
    from heron.store.byte_cache import ByteCache
    from heron.store.s3_client import RetryPolicy, S3Location

_TABLES = "tables/"


class RemoteTables:
    """The table parts of one store kept in an object store, read through ``cache``."""

    def __init__(
        self, client: Any, location: S3Location, cache: ByteCache, policy: RetryPolicy
    ) -> None:
        self.location = location
        self.cache = cache
        self._client = client
        self._policy = policy
        self._users = 0
        self._fetch_lock = threading.Lock()

    def upload(self, relative: str, path: Path) -> None:
        """Upload the finished part ``relative`` (a ``tables/...`` path) from ``path``."""
        from boto3.s3.transfer import TransferConfig

        from heron.store.s3_client import with_retries

        config = TransferConfig(multipart_threshold=16 << 20, multipart_chunksize=16 << 20)
        key = self.location.key(relative)
        with_retries(
            f"storing table part {relative.removeprefix(_TABLES)}",
            lambda: self._client.upload_file(
                os.fspath(path), self.location.bucket, key, Config=config
            ),
            self._policy,
        )
        self.cache.touch(relative.removeprefix(_TABLES))

    def fetch(self, relative: str) -> None:
        """Download part ``relative`` into the cache (once, even with several threads asking).

        NotFoundError when the object store has no such part, StoreError when it cannot be
        reached after retries.
        """
        from heron.store.s3_client import with_retries

        name = relative.removeprefix(_TABLES)
        with self._fetch_lock:
            if self.cache.path(name).exists():
                self.cache.touch(name)
                return
            temporary = self.cache.temporary(name)
            key = self.location.key(relative)
            try:
                with_retries(
                    f"reading table part {name}",
                    lambda: self._client.download_file(
                        self.location.bucket, key, os.fspath(temporary)
                    ),
                    self._policy,
                )
                self.cache.add(name, temporary)
            finally:
                temporary.unlink(missing_ok=True)


# Store root -> its remote tables. Empty for local stores: the read path checks it first.
_remote: dict[Path, RemoteTables] = {}
_registry_lock = threading.Lock()


def register(root: Path, remote: RemoteTables) -> RemoteTables:
    """Make ``root``'s tables live in the object store (the one registered first is kept)."""
    with _registry_lock:
        current = _remote.setdefault(root, remote)
        current._users += 1
        return current


def unregister(root: Path) -> None:
    """Undo one :func:`register` (when a store closes)."""
    with _registry_lock:
        current = _remote.get(root)
        if current is None:
            return
        current._users -= 1
        if current._users <= 0:
            del _remote[root]


def remote_for(root: Path) -> RemoteTables | None:
    """The remote tables of the store at ``root``, or None for a local store."""
    return _remote.get(root) if _remote else None


def after_write(root: Path, relative: str) -> None:
    """Called once part ``relative`` is in place locally: upload it if the store is remote."""
    remote = remote_for(root)
    if remote is not None:
        remote.upload(relative, root / relative)


def before_read(root: Path, relative: str, table_id: str) -> None:
    """Make part ``relative`` present locally if the store is remote (download it when it is
    not cached); IntegrityError naming the table when the object store lacks it."""
    remote = remote_for(root)
    if remote is None:
        return
    name = relative.removeprefix(_TABLES)
    if remote.cache.touch(name):
        return
    try:
        remote.fetch(relative)
    except NotFoundError:
        raise IntegrityError(
            f"table {table_id}: its part {name} is missing from the object store"
        ) from None


def forget_cached(root: Path, relative: str) -> None:
    """Drop a remote store's cache entry for part ``relative`` (its file vanished)."""
    remote = remote_for(root)
    if remote is not None:
        remote.cache.forget(relative.removeprefix(_TABLES))
