"""Finding (and freeing) blobs that nothing refers to any more.

A blob is referenced when an artifact file points at it, when a table's image cell (or one of
its masks) does, or when a run object's payload names it. Everything else is garbage: blobs of
a ``log_artifact`` killed before its commit, of a version whose table was re-logged, and so on.

Blobs kept as files of their own are deleted (index row first, in a transaction that holds
PostgreSQL's gc lock so no artifact commit can reference them meanwhile; then the file). Blobs in
packs are only reported: reclaiming them means rewriting packs that live writers may still be
appending to, which this module does not do. Only blobs older than ``min_age`` seconds are
candidates, so a writer that has stored blobs but not yet committed the table or run object
referring to them is not robbed.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Connection, func, select

from heron.errors import HeronError
from heron.store import blob_rows, schema
from heron.store.artifacts import GC_LOCK_KEY, stored_blob_digests
from heron.store.database import write
from heron.store.jsonvalues import loads
from heron.store.table_format import image_refs

if TYPE_CHECKING:
    from heron.store.store import Store

_DIGEST = re.compile(r"\b[0-9a-f]{64}\b")
DEFAULT_MIN_AGE = 3600.0


@dataclass
class GcReport:
    """What gc found: unreferenced blobs by where they live, and what it deleted."""

    total_blobs: int = 0
    referenced: int = 0
    loose: list[tuple[str, int]] = field(default_factory=list)  # (digest, size) kept as files
    packed: list[tuple[str, int]] = field(default_factory=list)  # (digest, size) inside packs
    deleted: int = 0
    deleted_bytes: int = 0
    skipped_young: int = 0

    @property
    def freeable_bytes(self) -> int:
        """Bytes that deleting the unreferenced loose blobs frees."""
        return sum(size for _, size in self.loose)

    @property
    def packed_bytes(self) -> int:
        """Unreferenced bytes inside packs (reclaimable only by repacking, not done here)."""
        return sum(size for _, size in self.packed)


def referenced_digests(
    store: Store,
    connection: Connection,
    on_unreadable: Callable[[str, Exception], None] | None = None,
) -> set[str]:
    """Every blob digest some artifact file, table cell or run object refers to.

    A table whose files cannot be read raises (gc must not free what it might refer to),
    unless ``on_unreadable`` is given: it is then told the table id and error, and the table
    is skipped (what ``heron verify`` does, reporting the table separately).
    """
    found = stored_blob_digests(connection)
    for (payload,) in connection.execute(select(schema.run_objects.c.payload)):
        found.update(_DIGEST.findall(payload))
    rows = connection.execute(
        select(schema.tables.c.id, schema.tables.c.columns, schema.tables.c.parts)
    )
    for table_id, columns_json, parts_json in rows:
        found.update(_DIGEST.findall(parts_json))
        image_columns = [c["name"] for c in loads(columns_json) if c.get("type") == "image"]
        if image_columns:
            try:
                found.update(_table_image_digests(store, table_id, image_columns))
            except (OSError, ValueError, HeronError) as error:
                if on_unreadable is None:
                    raise
                on_unreadable(str(table_id), error)
    return found


def _table_image_digests(store: Store, table_id: str, columns: list[str]) -> set[str]:
    from heron.store.tables import get_table, read_arrow

    record = get_table(store.engine, table_id)
    arrow = read_arrow(store.root, record, columns=columns)
    found: set[str] = set()
    for name in columns:
        for ref in image_refs(
            arrow.column(name).to_pylist(), f"column {name!r} of table {table_id}"
        ):
            if ref is not None:
                found.update(ref.digests())  # the image's and its masks'
    return found


def collect(
    store: Store, *, delete_loose: bool = False, min_age: float = DEFAULT_MIN_AGE
) -> GcReport:
    """Report unreferenced blobs; with ``delete_loose`` delete those kept as files of their own."""
    report = GcReport()
    cutoff = time.time() - min_age
    with store.engine.connect() as connection:
        referenced = referenced_digests(store, connection)
        rows = blob_rows.every_row(connection)
    report.total_blobs = len(rows)
    for row in rows:
        if row.digest in referenced:
            report.referenced += 1
        elif row.created_at > cutoff:
            report.skipped_young += 1
        elif row.pack:
            report.packed.append((row.digest, row.size))
        else:
            report.loose.append((row.digest, row.size))
    if delete_loose and report.loose:
        _delete_loose(store, report)
    return report


def _delete_loose(store: Store, report: GcReport) -> None:
    candidates = {digest: size for digest, size in report.loose}
    with write(store.engine) as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(select(func.pg_advisory_xact_lock(GC_LOCK_KEY)))
        # Re-check under the lock: an artifact may have been committed since the scan.
        still_free = set(candidates) - stored_blob_digests(connection)
        doomed = sorted(still_free)
        blob_rows.delete(connection, doomed)
    store.blobs.delete_own(doomed)  # files in the store, or objects in an object store
    for digest in doomed:
        report.deleted += 1
        report.deleted_bytes += candidates[digest]
    store.blobs.forget(doomed)
