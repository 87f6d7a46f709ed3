"""Which object store (if any) a store keeps its blobs and tables in, and opening it.

The choice is recorded in the metadata database (``heron_meta``: ``blobs_url`` and the
``s3_endpoint`` it was first opened with), so every replica opened on the same database uses the
same bucket and prefix without being told, and a store that already keeps blobs or tables in
its directory is never reopened as an S3 one (its index would point at objects that do not
exist). The endpoint given when opening wins over the recorded one: replicas may reach the same
store by different names.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from heron.errors import ConfigError
from heron.store.s3_client import RetryPolicy, S3Location, parse_s3_url

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from heron.store.s3_blobs import S3BlobStore

DEFAULT_CACHE_MB = 2048
_URL_KEY = "blobs_url"
_ENDPOINT_KEY = "s3_endpoint"


@dataclass(frozen=True)
class ObjectStoreSettings:
    """An S3-backed store's bucket/prefix, endpoint and local cache size."""

    location: S3Location
    endpoint: str | None
    cache_mb: int


def _cache_mb(given: int | None) -> int:
    if given is not None:
        value = given
    else:
        raw = os.environ.get("HERON_CACHE_MB")
        if not raw:
            return DEFAULT_CACHE_MB
        try:
            value = int(raw)
        except ValueError:
            raise ConfigError(f"HERON_CACHE_MB={raw!r} is not a whole number of MiB") from None
    if value < 0:
        raise ConfigError(f"the cache size must be at least 0 MiB, not {value}")
    return value


def settings(
    engine: Engine, blobs_url: str | None, s3_endpoint: str | None, cache_mb: int | None
) -> ObjectStoreSettings | None:
    """The object store this store uses (recording a new choice), or None for a local store.

    ConfigError when ``blobs_url`` differs from the URL the database records, or names an
    object store for a store that already keeps blobs or tables locally.
    """
    from sqlalchemy import select

    from heron.store import schema
    from heron.store.database import insert_ignoring_duplicates, write

    url = blobs_url or os.environ.get("HERON_BLOBS_URL") or None
    endpoint = s3_endpoint or os.environ.get("HERON_S3_ENDPOINT") or None
    meta = schema.store_meta
    with engine.connect() as connection:
        recorded = dict(
            connection.execute(
                select(meta.c.key, meta.c.value).where(meta.c.key.in_([_URL_KEY, _ENDPOINT_KEY]))
            ).all()
        )
    known = recorded.get(_URL_KEY)
    if url is None and known is None:
        return None
    if url is not None:
        location = parse_s3_url(url)
        if known is not None and parse_s3_url(known) != location:
            raise ConfigError(
                f"this store keeps its blobs in {known}, not {location}: open it with "
                f"blobs_url={known!r} (or without one)"
            )
        if known is None:
            with write(engine) as connection:
                if _has_local_content(connection):
                    raise ConfigError(
                        "this store already keeps blobs or tables in its directory; it cannot "
                        f"move them to {location}: start a new store for the object store"
                    )
                rows = [{"key": _URL_KEY, "value": str(location)}]
                if endpoint:
                    rows.append({"key": _ENDPOINT_KEY, "value": endpoint})
                insert_ignoring_duplicates(connection, meta, rows)
            # Two replicas opening a new store at once: the first recorded URL is the store's.
            return settings(engine, None, endpoint, cache_mb)
    else:
        location = parse_s3_url(str(known))
    return ObjectStoreSettings(
        location, endpoint or recorded.get(_ENDPOINT_KEY), _cache_mb(cache_mb)
    )


def _has_local_content(connection: Connection) -> bool:
    from sqlalchemy import select

    from heron.store import schema

    for table in (schema.blobs, schema.tables):
        if connection.execute(select(table).limit(1)).first() is not None:
            return True
    return False


def open_s3(root: Path, engine: Engine, chosen: ObjectStoreSettings) -> S3BlobStore:
    """The blob store of an S3-backed store at ``root``; its tables are registered as remote."""
    from heron.store import table_placement
    from heron.store.byte_cache import MIB, ByteCache
    from heron.store.s3_blobs import S3BlobStore
    from heron.store.s3_client import make_client

    client = make_client(chosen.endpoint)
    policy = RetryPolicy.from_env()
    cache_bytes = chosen.cache_mb * MIB
    blob_cache = ByteCache(root / "cache" / "s3-blobs", cache_bytes)
    table_cache = ByteCache(root / "tables", cache_bytes)
    table_placement.register(
        root, table_placement.RemoteTables(client, chosen.location, table_cache, policy)
    )
    return S3BlobStore(root / "blobs", engine, client, chosen.location, blob_cache, policy)
