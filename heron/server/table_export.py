"""The table explorer's downloads: a view's rows as a CSV or Parquet file, with bounded memory.

The query's rows stream from DuckDB in batches, each encoded and appended to a file as it comes,
so a view of ten million rows costs the server a batch or two of memory plus what DuckDB itself
may use (its limits, docs/query.md "Limits"), never the whole result and its encoding at once.
The file lives in ``<store>/cache/exports``, unlinked from the moment it is created: the open
descriptor is all that keeps it, so a request that fails, a client that goes away or a server
that is killed leaves nothing behind. Writing happens within the query's time limit and while
the query holds one of the engine's slots; sending the file to a slow client holds neither.

CSV gives images as their sha256 and lists and structs as JSON text; Parquet keeps every type.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal

from heron.store.safefiles import NotARegularFile, open_directory_inside
from heron.store.table_format import IMAGE_HASH_FIELD, column_runs, is_image_column

if TYPE_CHECKING:
    import pyarrow as pa

    from heron.query.builder import Query

ExportFormat = Literal["csv", "parquet"]

MEDIA_TYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
}
EXPORT_DIR = "exports"
CHUNK = 1 << 20  # bytes per read when sending the file
# A Parquet row group: pyarrow's default for a whole table, capped in bytes for wide tables.
ROW_GROUP_ROWS = 1 << 20
ROW_GROUP_BYTES = 64 << 20


def export_file(cache_dir: Path, query: Query, format: ExportFormat, deadline: float) -> IO[bytes]:
    """Run ``query`` and write every row to a new anonymous file in ``format`` under
    ``cache_dir`` (a store's); the file comes back open, positioned at its start (the caller
    sends and closes it).

    QueryError (a limit included) when the query fails; the file is gone then too.
    """
    handle = _anonymous_file(cache_dir)
    try:
        write = _write_parquet if format == "parquet" else _write_csv
        query.to_batches(lambda schema, batches: write(handle, schema, batches), deadline=deadline)
        handle.flush()
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    return handle


def file_chunks(handle: IO[bytes]) -> Iterator[bytes]:
    """The file's bytes in chunks, closing it at the end (or when the client goes away)."""
    try:
        while chunk := handle.read(CHUNK):
            yield chunk
    finally:
        handle.close()


def _anonymous_file(cache_dir: Path) -> IO[bytes]:
    """A new empty file under the store's cache, already unlinked; the system's temporary
    directory where the cache's ``exports`` directory is not a plain directory (a planted link
    must not make the server write elsewhere)."""
    try:
        cache_dir.mkdir(exist_ok=True)
        directory = open_directory_inside(cache_dir, EXPORT_DIR, create=True)
    except (NotARegularFile, NotADirectoryError):
        return tempfile.TemporaryFile()
    try:
        name = f".export-{os.urandom(8).hex()}.tmp"
        flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(name, flags, 0o600, dir_fd=directory)
        os.unlink(name, dir_fd=directory)
    finally:
        os.close(directory)
    return open(fd, "w+b")


def _write_parquet(sink: IO[bytes], schema: pa.Schema, batches: Iterator[pa.RecordBatch]) -> None:
    """Parquet (zstd) with nested types kept, in row groups of ROW_GROUP_ROWS rows (as a whole
    table written at once gets: small groups compress worse) unless ROW_GROUP_BYTES come first."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    pending: list[pa.RecordBatch] = []
    rows = size = 0
    with pq.ParquetWriter(sink, schema, compression="zstd") as writer:
        for batch in batches:
            pending.append(batch)
            rows, size = rows + batch.num_rows, size + batch.nbytes
            if rows < ROW_GROUP_ROWS and size < ROW_GROUP_BYTES:
                continue
            table = pa.Table.from_batches(pending, schema)
            group = min(rows, ROW_GROUP_ROWS)
            writer.write_table(table.slice(0, group), row_group_size=group)
            rest = table.slice(group)
            pending, rows = rest.to_batches(), rest.num_rows
            size = rest.nbytes
        if rows:
            writer.write_table(pa.Table.from_batches(pending, schema), row_group_size=rows)


def _write_csv(sink: IO[bytes], schema: pa.Schema, batches: Iterator[pa.RecordBatch]) -> None:
    """CSV: a header row, then one line per row."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    flat = pa.schema([pa.field(f.name, _flat_type(f)) for f in schema])
    with pcsv.CSVWriter(sink, flat) as writer:
        for batch in batches:
            if batch.num_rows:
                pairs = zip(batch.columns, schema, strict=True)
                columns = [_flat_column(column, f) for column, f in pairs]
                writer.write_batch(pa.RecordBatch.from_arrays(columns, schema=flat))


def _flat_type(field: pa.Field) -> pa.DataType:
    """The CSV column type of a result column: an image's sha256, JSON text for other nesting.

    Image columns are known by their heron type tag (heron.store.table_format), not their shape.
    """
    import pyarrow as pa

    if is_image_column(field) and column_runs(field) is None:
        return pa.string()
    return pa.string() if pa.types.is_nested(field.type) else field.type


def _flat_column(column: pa.Array, field: pa.Field) -> pa.Array:
    """A column CSV can hold: images as sha256, lists and structs as JSON text."""
    import pyarrow as pa

    from heron.query.jsonify import json_value

    if is_image_column(field):
        import pyarrow.compute as pc

        if column_runs(field) is None:
            return pc.struct_field(column, IMAGE_HASH_FIELD)
        # One image per run: the list of their digests (null where a run has none).
        digests = [
            None if cells is None else [None if c is None else c[IMAGE_HASH_FIELD] for c in cells]
            for cells in column.to_pylist()
        ]
        return pa.array([None if d is None else json.dumps(d) for d in digests], pa.string())
    if pa.types.is_nested(column.type):
        texts = [
            None if v is None else json.dumps(json_value(v), allow_nan=False)
            for v in column.to_pylist()
        ]
        return pa.array(texts, pa.string())
    return column
