"""Logged tables on disk: Parquet parts under ``tables/<id>/`` and their ``tables`` rows.

The layout is docs/table-format.md. A part is written to a temporary name and renamed, then the
``tables`` row that lists it is inserted: a reader that finds a row finds every part it names,
and a writer that dies leaves at most an unlisted file. Committed tables never change; an
incremental table commits a new row per increment whose ``parts`` list the earlier increments'
parts followed by its own.

Parts are read only through :func:`open_part` and :func:`part_paths`, which follow no symlink
below ``tables/`` (heron.store.safefiles): a link planted at a part or a table's directory is
refused with an IntegrityError naming the table, never read. ``tables/`` itself may be a link.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Mapping
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, NamedTuple

import pyarrow as pa

from heron.errors import IntegrityError, NotFoundError, StoreError
from heron.store import table_placement
from heron.store.arrow_pack import dictionary_decoded, int32_array, plain_array
from heron.store.safefiles import (
    CREATE_NEW,
    NotARegularFile,
    open_directory_inside,
    open_inside,
)
from heron.store.table_format import (
    IMAGE_FIELDS,
    ImageRef,
    field_metadata,
    schema_metadata,
)

if TYPE_CHECKING:
    from pyarrow._parquet import ParquetReader
    from sqlalchemy import Engine

ROW_GROUP_SIZE = 128 * 1024  # rows; lets DuckDB scan a big part on several threads


_SCALARS: dict[str, pa.DataType] = {
    "string": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
    "datetime": pa.timestamp("us", tz="UTC"),
    "null": pa.null(),
    "json": pa.string(),
    "any": pa.string(),
}
# The Arrow type of an image cell: heron.store.table_format.IMAGE_FIELDS, in stored order.
_STORAGE: dict[str, pa.DataType] = {"string": pa.string(), "int32": pa.int32()}
IMAGE_STRUCT = pa.struct([(f.name, _STORAGE[f.storage]) for f in IMAGE_FIELDS])


def arrow_type(kind: str, element: str | None = None) -> pa.DataType:
    """The Arrow type a heron column type is stored as."""
    if kind == "list":
        return pa.list_(
            _SCALARS.get(element or "float", pa.float64()) if element != "null" else pa.float64()
        )
    if kind == "image":
        return IMAGE_STRUCT
    try:
        return _SCALARS[kind]
    except KeyError:
        raise StoreError(f"unknown heron column type {kind!r}") from None


def arrow_schema(columns: list[dict[str, Any]]) -> pa.Schema:
    """The Arrow schema of a table from its ``columns`` JSON, with heron's type tags."""
    fields = [
        pa.field(
            c["name"], arrow_type(c["type"], c.get("element")), metadata=field_metadata(c["type"])
        )
        for c in columns
    ]
    return pa.schema(fields, metadata=schema_metadata())


def image_array(refs: list[ImageRef | None]) -> pa.Array:
    """An image column's cells as an Arrow struct array (None for a null cell)."""
    rows = [ref.to_row() for ref in refs if ref is not None]
    if len(rows) < len(refs):
        cells = iter(rows)
        return pa.array([None if ref is None else next(cells) for ref in refs], IMAGE_STRUCT)
    # A column per field: several times faster than converting a dict per row. Packed from
    # buffers, not with pa.array, which would import pandas in a process that has no use for it.
    arrays = []
    for field in IMAGE_STRUCT:
        values = [row[field.name] for row in rows]
        is_int = field.type == pa.int32()
        packed = int32_array(values) if is_int else plain_array("string", values)
        arrays.append(packed if packed is not None else pa.array(values, field.type))
    return pa.StructArray.from_arrays(arrays, fields=list(IMAGE_STRUCT))


class TableRecord(NamedTuple):
    """A committed table: its id, row count, columns (name, type[, element]) and part paths."""

    # A NamedTuple, not a frozen dataclass: Python generates and compiles a dataclass's methods
    # when its module is imported, which costs more than the lookups of a table read.

    id: str
    n_rows: int
    columns: list[dict[str, Any]]
    parts: list[str]
    created_at: float


def new_table_id() -> str:
    """A fresh table id."""
    return os.urandom(16).hex()


def part_name(table_id: str, index: int) -> str:
    """The store-relative path of part ``index`` of the table whose directory is ``table_id``."""
    return f"tables/{table_id}/part-{index:05d}.parquet"


def dictionary_columns(schema: pa.Schema) -> list[str]:
    """The columns worth a Parquet dictionary: text, whose labels repeat. Numbers rarely do
    (scores, ids), and trying a dictionary on them before giving up costs about four times the
    rest of writing the part and leaves it larger."""
    return [field.name for field in schema if pa.types.is_string(field.type)]


def column_encodings(schema: pa.Schema) -> dict[str, str]:
    """The Parquet encoding of each top-level number column (the rest keep Parquet's defaults).

    Floats: BYTE_STREAM_SPLIT. Their bytes are regrouped by position (every value's first byte,
    then every second byte...), so the codec finds the sign and exponent bytes that repeat: a
    part of scores is about 8% smaller, and writing and reading it each take about a quarter
    less CPU than plain floats.

    Integers and times: DELTA_BINARY_PACKED, the differences between neighbours bit-packed. Ids
    and steps count up, so 100,000 row ids take 0.9 KB instead of 103 KB (plain, zstd) and read
    in a quarter of the time; even random integers come out a little smaller and read faster.
    """
    encodings = {}
    for field in schema:
        if pa.types.is_floating(field.type):
            encodings[field.name] = "BYTE_STREAM_SPLIT"
        elif pa.types.is_integer(field.type) or pa.types.is_timestamp(field.type):
            encodings[field.name] = "DELTA_BINARY_PACKED"
    return encodings


def column_codecs(schema: pa.Schema) -> dict[str, str]:
    """Each stored column's Parquet codec, by its path in the file: LZ4 for float columns, zstd
    for the rest. Float bytes (byte-stream-split) are nearly random, so zstd gains little on
    them (LZ4's part of scores is 9% larger) and costs most of the reading: with LZ4 a
    100,000-row table of ten scores reads in two thirds of the CPU and writes a little faster.
    Every leaf is named (a struct's fields, a list's elements), since a leaf left out of the
    mapping would be written uncompressed."""
    codecs: dict[str, str] = {}
    for field in schema:
        top = "lz4" if pa.types.is_floating(field.type) else "zstd"
        for path in _leaf_paths(field.name, field.type):
            codecs[path] = top
    return codecs


def _leaf_paths(path: str, kind: pa.DataType) -> list[str]:
    if pa.types.is_struct(kind):
        return [leaf for child in kind for leaf in _leaf_paths(f"{path}.{child.name}", child.type)]
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return _leaf_paths(f"{path}.list.element", kind.value_type)
    return [path]


def write_part(root: Path, relative: str, table: pa.Table) -> None:
    """Write one Parquet part (floats LZ4, the rest zstd) atomically: temporary name, then rename.

    The table's directory is made and opened below ``tables/`` without following a symlink, and
    the part is written and renamed inside it: a link planted there is refused (IntegrityError
    naming the table), so nothing is written outside the store.
    """
    table_dir, _, name = relative.removeprefix("tables/").rpartition("/")
    if not relative.startswith("tables/") or not table_dir or not name:
        raise StoreError(f"not the path of a table part: {relative!r}")
    (root / "tables").mkdir(exist_ok=True)
    try:
        directory = open_directory_inside(root / "tables", table_dir, create=True)
    except (NotARegularFile, NotADirectoryError):
        raise IntegrityError(
            f"cannot write table {table_dir}: its directory in the store is a symlink or not a "
            "directory, and heron writes through no link inside the store; remove it"
        ) from None
    temporary = f".{name}.tmp-{os.urandom(16).hex()}"
    try:
        fd = os.open(temporary, CREATE_NEW, 0o644, dir_fd=directory)
        with open(fd, "wb", closefd=True) as handle:
            _write_parquet(table, handle)
        os.replace(temporary, name, src_dir_fd=directory, dst_dir_fd=directory)
    finally:
        with suppress(FileNotFoundError):
            os.unlink(temporary, dir_fd=directory)
        os.close(directory)
    # A store whose tables live in an object store uploads the part before any row lists it.
    table_placement.after_write(root, relative)


# The settings pyarrow.parquet.ParquetWriter passes the writer it wraps when left at its
# defaults: the part files are the same either way (tests/store/test_tables.py checks it).
_WRITER_SETTINGS: dict[str, Any] = {
    "version": "2.6",
    "write_statistics": True,
    "writer_engine_version": "V2",
    "data_page_version": "1.0",
    "use_compliant_nested_type": True,
    "store_schema": True,
}


def _write_parquet(table: pa.Table, sink: BinaryIO) -> None:
    """``table`` as one Parquet file into ``sink``, with heron's codecs, dictionaries and row
    groups, through the writer pyarrow.parquet.write_table wraps, given the same settings (a
    test checks the bytes are the same). Importing pyarrow.parquet costs ~25 ms of CPU (it loads
    pyarrow.fs, and with it ssl), about what writing a 100,000-row part takes; a script logging
    one table pays it, so it is skipped as on the read path (see :func:`_read_part`)."""
    options: dict[str, Any] = {
        "compression": column_codecs(table.schema),
        "use_dictionary": dictionary_columns(table.schema),
        "column_encoding": column_encodings(table.schema),
    }
    try:
        from pyarrow._parquet import ParquetWriter
    except ImportError:
        import pyarrow.parquet as pq

        pq.write_table(table, sink, row_group_size=ROW_GROUP_SIZE, **options)
        return
    writer = ParquetWriter(sink, table.schema, **_WRITER_SETTINGS, **options)
    try:
        writer.write_table(table, row_group_size=ROW_GROUP_SIZE)
    finally:
        writer.close()


def commit_table(
    engine: Engine, table_id: str, n_rows: int, columns: list[dict[str, Any]], parts: list[str]
) -> None:
    """Insert the ``tables`` row that makes a table (whose parts are written) visible."""
    # SQLAlchemy is imported where the database is used, so reading parts needs none of it.
    from heron.store import schema
    from heron.store.database import write

    with write(engine) as connection:
        connection.execute(
            schema.tables.insert().values(
                id=table_id,
                n_rows=n_rows,
                columns=json.dumps(columns),
                parts=json.dumps(parts),
                created_at=time.time(),
            )
        )


def get_table(engine: Engine, table_id: str) -> TableRecord:
    """A committed table's record."""
    from sqlalchemy import select

    from heron.store import schema

    t = schema.tables
    with engine.connect() as connection:
        row = connection.execute(select(t).where(t.c.id == table_id)).first()
    if row is None:
        raise NotFoundError(f"no table {table_id!r} in the store")
    return table_record(row._mapping)


def table_record(m: Mapping[Any, Any]) -> TableRecord:
    """The record of a ``tables`` row given as a mapping of its columns."""
    return TableRecord(
        id=m["id"],
        n_rows=int(m["n_rows"]),
        columns=json.loads(m["columns"]),
        parts=json.loads(m["parts"]),
        created_at=float(m["created_at"]),
    )


def read_arrow(root: Path, record: TableRecord, columns: list[str] | None = None) -> pa.Table:
    """The table as one Arrow table: its parts concatenated, each cast to the table's schema.

    Parts of an incremental table written before a column got its first value hold that column
    as type ``null``; the cast gives it the table's type.
    """
    # Expanding a text column's dictionary with Arrow's take is about twice as fast as Parquet's
    # own expansion (3 ms less per 100,000 rows of two label columns), but it needs
    # pyarrow.compute, which takes far longer than that to import: it is used where loaded.
    expand = "pyarrow.compute" in sys.modules
    pieces = [
        expand_dictionaries(piece) if expand else piece
        for piece in read_pieces(root, record, columns, dictionaries=expand)
    ]
    if not pieces:
        return table_schema(record, columns).empty_table()
    return pa.concat_tables(pieces) if len(pieces) > 1 else pieces[0]


def table_schema(record: TableRecord, columns: list[str] | None = None) -> pa.Schema:
    """The Arrow schema of a table (of ``columns`` only, in that order, when given):
    NotFoundError naming a column the table does not have."""
    target = arrow_schema(record.columns)
    if columns is None:
        return target
    unknown = [name for name in columns if target.get_field_index(name) < 0]
    if unknown:
        raise NotFoundError(f"no column(s) {unknown} in table {record.id}; columns: {target.names}")
    return pa.schema([target.field(name) for name in columns], metadata=target.metadata)


def read_pieces(
    root: Path, record: TableRecord, columns: list[str] | None = None, *, dictionaries: bool
) -> list[pa.Table]:
    """Each part of a table as an Arrow table with the table's schema (``columns`` only, when
    given), in order.

    With ``dictionaries``, a text column that a part stores with a small dictionary in every row
    group may come back as that dictionary (an Arrow dictionary array of the same values, which
    :func:`expand_dictionaries` turns back into text): reading it so skips expanding the
    dictionary into every row, the costliest step of reading a part's labels.
    """
    target = table_schema(record, columns)
    pieces = []
    for index in range(len(record.parts)):
        with arrow_file(open_part(root, record, index)) as source:
            piece = _read_part(source, target, dictionaries)
        pieces.append(_conform(piece, target))
    return pieces


def expand_dictionaries(piece: pa.Table) -> pa.Table:
    """``piece`` with its dictionary columns (see :func:`read_pieces`) expanded into the text
    they hold, the field (and its metadata) otherwise unchanged."""
    for index, field in enumerate(piece.schema):
        if pa.types.is_dictionary(field.type):
            column = dictionary_decoded(piece.column(index))
            piece = piece.set_column(index, field.with_type(field.type.value_type), column)
    return piece


def _conform(piece: pa.Table, target: pa.Schema) -> pa.Table:
    """A part read back with ``target``'s columns in its order and its types, dictionary text
    columns left as they are."""
    if piece.schema.names != target.names:
        piece = piece.select(target.names)
    for index, field in enumerate(target):
        if piece.schema.field(index).type == pa.null() and field.type != pa.null():
            # A column that held no value yet when the part was written: its nulls, typed. (A
            # cast would do the same but loads pyarrow.compute, which costs more than the read.)
            piece = piece.set_column(index, field, pa.nulls(piece.num_rows, field.type))
    expected = pa.schema(
        [
            field.with_type(kind)
            if pa.types.is_dictionary(kind := piece.schema.field(index).type)
            else field
            for index, field in enumerate(target)
        ],
        metadata=target.metadata,
    )
    if piece.schema != expected:
        return piece.cast(expected)
    if not piece.schema.equals(expected, check_metadata=True):  # the same columns, relabelled
        return pa.Table.from_arrays(piece.columns, schema=expected)
    return piece


# A dictionary read pays when the column holds few distinct values: its row group's column
# chunk then stores the dictionary once and a few bits per row. Parquet writers fall back to
# plain text once a dictionary grows past 1 MB, and plain text takes 4 bytes or more per value:
# a chunk under this many bytes per value is dictionary-encoded throughout.
_DICTIONARY_BYTES_PER_VALUE = 4


def _read_part(source: pa.NativeFile, target: pa.Schema, dictionaries: bool) -> pa.Table:
    """One Parquet part (``target``'s columns only, in file order), read with the reader
    pyarrow.parquet.ParquetFile wraps. Importing pyarrow.parquet loads pyarrow.fs (and with it
    ssl and the cloud file systems), and pq.read_table pyarrow.dataset: either costs more than
    reading a 100,000-row part, for files heron always opens itself. That reader is not public
    API: if a pyarrow release moves it, the public ParquetFile reads the part instead."""
    try:
        from pyarrow._parquet import ParquetReader
    except ImportError:
        return _read_part_public(source, target.names)
    reader = ParquetReader()
    reader.open(source)
    wanted = set(target.names)
    # Leaf columns: an image struct's fields are leaves under the column's name.
    paths = reader.column_paths
    indices = [i for i, path in enumerate(paths) if path[0] in wanted]
    leaves = _dictionary_leaves(reader, target, indices) if dictionaries else []
    if leaves:
        metadata = reader.metadata  # parsed once, for both readers
        reader = ParquetReader()
        reader.open(source, read_dictionary=leaves, metadata=metadata)
    return reader.read_all(column_indices=indices, use_threads=True)


def _dictionary_leaves(reader: ParquetReader, target: pa.Schema, indices: list[int]) -> list[int]:
    """The leaf columns among ``indices`` worth reading as dictionaries: text columns (of
    ``target``, stored as text) that every row group of the part keeps dictionary-encoded with
    few distinct values."""
    stored = reader.schema_arrow
    text = {
        field.name
        for field in target
        if field.type == pa.string()
        and stored.get_field_index(field.name) >= 0
        and stored.field(field.name).type == pa.string()
    }
    metadata = reader.metadata
    groups = [metadata.row_group(group) for group in range(metadata.num_row_groups)]
    paths = reader.column_paths
    return [
        i
        for i in indices
        if len(paths[i]) == 1
        and paths[i][0] in text
        and groups
        and all(
            (chunk := group.column(i)).has_dictionary_page
            and chunk.total_uncompressed_size < _DICTIONARY_BYTES_PER_VALUE * chunk.num_values
            for group in groups
        )
    ]


def _read_part_public(source: pa.NativeFile, columns: list[str] | None) -> pa.Table:
    """:func:`_read_part` through pyarrow's public ParquetFile (slower to import, same table)."""
    import pyarrow.parquet as pq

    return pq.ParquetFile(source).read(columns=columns, use_threads=True)


def open_part(root: Path, record: TableRecord, index: int) -> int:
    """A read-only descriptor of part ``index`` of a table, opened through no symlink.

    Every directory below the store's ``tables/`` is opened with O_NOFOLLOW and only a regular
    file is opened, so a link planted at a part or at the table's directory cannot make heron
    read a file elsewhere. IntegrityError naming the table (never a path in the store) when
    the part is missing, a link or not a regular file. The caller closes the descriptor.
    """
    relative = record.parts[index]
    problem = ""
    if not relative.startswith("tables/"):
        problem = "is not listed under the store's tables/"
    else:
        try:
            if table_placement.remote_for(root) is not None:
                return _open_remote_part(root, relative, record.id)
            return open_inside(root / "tables", relative.removeprefix("tables/"))
        except FileNotFoundError:
            problem = "is missing from the store"
        except NotARegularFile:
            problem = "is a symlink or not a regular file (heron follows no link inside the store)"
        except OSError as error:
            problem = f"cannot be read ({error.strerror or error})"
    raise IntegrityError(
        f"table {record.id}: its part {index + 1} of {len(record.parts)} {problem}; "
        "`heron verify` lists what is wrong in the store"
    )


def _open_remote_part(root: Path, relative: str, table_id: str) -> int:
    """Open a part of an S3-backed store from its local cache, downloading it when absent (or
    removed by another process since this one last looked)."""
    table_placement.before_read(root, relative, table_id)
    try:
        return open_inside(root / "tables", relative.removeprefix("tables/"))
    except FileNotFoundError:
        table_placement.forget_cached(root, relative)
        table_placement.before_read(root, relative, table_id)
        return open_inside(root / "tables", relative.removeprefix("tables/"))


def arrow_file(fd: int) -> pa.NativeFile:
    """A native Arrow reader of the open file ``fd``; the descriptor is closed here.

    pyarrow reading through a Python file object calls back into Python from its own threads,
    and such readers have aborted processes at interpreter exit ("terminate called without an
    active exception"). So the file is memory-mapped natively instead, through ``/dev/fd``: that
    names the file already open, so no path inside the store is followed again. Where ``/dev/fd``
    cannot be mapped (an empty file, an unusual system) its bytes are read into memory.
    """
    try:
        return pa.memory_map(f"/dev/fd/{fd}")
    except OSError:
        with open(fd, "rb", closefd=False) as handle:
            return pa.BufferReader(handle.read())
    finally:
        os.close(fd)


def part_paths(root: Path, record: TableRecord) -> list[Path]:
    """The absolute paths of a table's parts, in order, each checked by :func:`open_part`.

    For readers that take paths (the query engine): every part is opened without following a
    symlink right before its path is handed out; IntegrityError naming the table otherwise.
    """
    for index in range(len(record.parts)):
        os.close(open_part(root, record, index))
    return [root / relative for relative in record.parts]
