"""One logged table as a query source: its Parquet parts, column types and run label.

Also reads the parts' footers (row counts, Arrow schemas) once per file version, which the
relation builder needs for positional column references and row ordinals.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from heron.errors import QueryError
from heron.query.types import ValueType
from heron.store.table_format import COLUMN_TYPES, ColumnType


@dataclass(frozen=True)
class TableSource:
    """A table to query: Parquet ``parts`` read in order, ``columns`` as (name, heron type).

    ``label`` names the run or artifact version the table belongs to; concat writes it into the
    source column and merge uses the order of sources as the run index.
    """

    parts: Sequence[Path]
    columns: Sequence[tuple[str, str]]
    label: str = ""

    def __post_init__(self) -> None:
        # Store tuples so a source is hashable and cannot change under a cached query.
        object.__setattr__(self, "parts", tuple(Path(p) for p in self.parts))
        object.__setattr__(self, "columns", tuple((str(n), str(t)) for n, t in self.columns))
        seen: set[str] = set()
        for name, typ in self.columns:
            if typ not in COLUMN_TYPES:
                raise QueryError(f'column "{name}" has unknown type "{typ}"')
            if name in seen:
                raise QueryError(f'column "{name}" appears twice in table "{self.label}"')
            if "\x00" in name:
                raise QueryError("column names cannot contain NUL characters")
            seen.add(name)
        if not self.parts:
            raise QueryError(f'table "{self.label}" has no part files')


@dataclass(frozen=True)
class PartInfo:
    """What the query engine needs from one part file's footer."""

    path: str
    num_rows: int
    positions: dict[str, int]  # column name -> 1-based position in the file
    arrow_types: dict[str, Any]  # column name -> pyarrow DataType
    stamp: tuple[int, int]  # (size, mtime_ns): a changed file is a different table
    decoded_bytes: int  # uncompressed size, to budget in-memory copies


_footer_cache: dict[tuple[str, int, int], PartInfo] = {}
_footer_lock = threading.Lock()


def part_info(path: Path) -> PartInfo:
    """Read (once per file version) the row count and schema of a Parquet part."""
    import pyarrow.parquet as pq

    p = os.fspath(path)
    try:
        st = os.stat(p)
    except OSError as exc:
        raise QueryError(f"table part {Path(p).name} cannot be read: {exc.strerror}") from None
    key = (p, st.st_size, st.st_mtime_ns)
    with _footer_lock:
        hit = _footer_cache.get(key)
    if hit is not None:
        return hit
    try:
        meta = pq.read_metadata(p)
        schema = meta.schema.to_arrow_schema()
    except Exception as exc:  # pyarrow raises several types for a broken footer
        raise QueryError(f"table part {Path(p).name} is not readable Parquet: {exc}") from None
    info = PartInfo(
        path=p,
        num_rows=meta.num_rows,
        positions={f.name: i + 1 for i, f in enumerate(schema)},
        arrow_types={f.name: f.type for f in schema},
        stamp=(st.st_size, st.st_mtime_ns),
        decoded_bytes=sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups)),
    )
    with _footer_lock:
        if len(_footer_cache) > 4096:
            _footer_cache.clear()
        _footer_cache[key] = info
    return info


def _list_elem(arrow_type: Any) -> ColumnType:
    import pyarrow as pa

    value_type = getattr(arrow_type, "value_type", None)
    if value_type is None:
        return "float"
    if pa.types.is_integer(value_type):
        return "int"
    if pa.types.is_boolean(value_type):
        return "bool"
    if pa.types.is_string(value_type) or pa.types.is_large_string(value_type):
        return "string"
    return "float"


def column_types(source: TableSource, parts: list[PartInfo]) -> list[tuple[str, ValueType]]:
    """The source's columns with full value types (list element types come from the files)."""
    out: list[tuple[str, ValueType]] = []
    for name, typ in source.columns:
        kind: ColumnType = typ  # type: ignore[assignment]  # validated in TableSource
        elem: ColumnType | None = None
        if kind == "list":
            arrow_type = next((p.arrow_types[name] for p in parts if name in p.arrow_types), None)
            elem = _list_elem(arrow_type)
        out.append((name, ValueType(kind, elem)))
    return out


def fingerprint(source: TableSource, parts: list[PartInfo]) -> tuple[Any, ...]:
    """A hashable identity of the table's content, for caches (files never change in place)."""
    return (
        tuple((p.path, *p.stamp) for p in parts),
        tuple(source.columns),
        source.label,
    )
