"""A table read back from the store: ``heron.Api().run(path).table("predictions", step=4)``.

Reads Parquet lazily (nothing is read until asked), converts to pandas, polars or Arrow, and
hands image cells back as :class:`heron.Image` objects backed by the store. ``source()`` gives
the query engine the part files and column types.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from heron.errors import TableError
from heron.store.jsonvalues import loads

if TYPE_CHECKING:
    import pandas
    import polars
    import pyarrow as pa

    from heron.query import Query, TableSource
    from heron.query.table_lookup import ResolvedTable
    from heron.sdk.media import Image
    from heron.store.run_record import RunRecord
    from heron.store.sqlite_reader import SqliteReader
    from heron.store.store import Store
    from heron.store.tables import TableRecord

# Images (heron.sdk.media, heron.store.table_format) are imported where a table has them: a table
# of plain columns is read without them.


def open_run_table(store: Store, run_id: str, key: str, step: int | None = None) -> LoggedTable:
    """What run ``run_id`` logged under ``key`` at ``step`` (its latest step when None), found as
    the server finds it (:mod:`heron.query.table_lookup`): NotFoundError says what is missing."""
    from heron.query.table_lookup import find_run_table

    return _logged(store, find_run_table(store, run_id, key, step), key=key)


def open_artifact_table(store: Store, artifact: str, name: str) -> LoggedTable:
    """The table added as ``name`` to the artifact version ``artifact``, found as the server
    finds it (:mod:`heron.query.table_lookup`)."""
    from heron.query.table_lookup import find_artifact_table

    return _logged(store, find_artifact_table(store, artifact, name))


def _logged(store: Store, found: ResolvedTable, *, key: str | None = None) -> LoggedTable:
    return LoggedTable(
        lambda: store,
        found.record,
        root=found.root,
        label=found.label,
        key=key,
        step=found.step,
        chart=found.chart,
    )


def quick_run_table(
    reader: SqliteReader,
    open_store: Callable[[], Store],
    root: Path,
    run: RunRecord,
    key: str,
    step: int | None = None,
) -> LoggedTable | None:
    """What :func:`open_run_table` opens, found through the SQLite reader (no SQLAlchemy, no
    query engine); None where open_run_table would raise, so the caller falls back to it for
    the error."""
    from heron.store.run_record import run_table_label

    entries = reader.run_tables(run.id, key)
    chosen = entries[-1:] if step is None else [entry for entry in entries if entry[0] == step]
    if not chosen:
        return None
    at, payload = chosen[0]
    record = reader.get_table(str(payload["table_id"]))
    if record is None:
        return None
    chart = payload.get("chart")
    return LoggedTable(
        open_store,
        record,
        root=root,
        label=run_table_label(run, key, at),
        key=key,
        step=at,
        chart=chart if isinstance(chart, dict) else None,
    )


class LoggedTable:
    """A committed table: ``len()``, ``columns``, ``types``, ``to_pandas()``, ``image(i)``..."""

    def __init__(
        self,
        open_store: Callable[[], Store],
        record: TableRecord,
        *,
        root: Path,
        label: str,
        key: str | None = None,
        step: int | None = None,
        chart: dict[str, Any] | None = None,
    ) -> None:
        self._open_store = open_store
        self._root = root
        self._record = record
        self._arrow: pa.Table | None = None
        self._polars: polars.DataFrame | None = None
        self.label = label
        self.key = key
        self.step = step
        self.chart = chart
        """How the table is drawn when it was logged as a chart (see heron.store.charts), else None."""

    @property
    def id(self) -> str:
        """The table id (the ``tables`` row)."""
        return self._record.id

    @property
    def columns(self) -> list[str]:
        """Column names, in order."""
        return [column["name"] for column in self._record.columns]

    @property
    def types(self) -> dict[str, str]:
        """Column name to heron type (``string``, ``float``, ``list``, ``image``...)."""
        return {column["name"]: column["type"] for column in self._record.columns}

    @property
    def column_types(self) -> list[tuple[str, str]]:
        """``(name, heron type)`` pairs, in column order (what the query engine takes)."""
        return [(column["name"], column["type"]) for column in self._record.columns]

    @property
    def parts(self) -> list[Path]:
        """Absolute paths of the Parquet part files, in order; the table is their concatenation."""
        from heron.store.tables import part_paths

        return part_paths(self._root, self._record)

    def __len__(self) -> int:
        return self._record.n_rows

    def __repr__(self) -> str:
        return f"<heron.LoggedTable {self.label} {len(self)} rows x {len(self.columns)} columns>"

    # -- conversions ----------------------------------------------------------------------------

    def to_arrow(self) -> pa.Table:
        """The whole table as a pyarrow Table (image cells as structs, json as text)."""
        if self._arrow is None:
            from heron.store.tables import read_arrow

            self._arrow = read_arrow(self._root, self._record)
        return self._arrow

    def to_polars(self) -> polars.DataFrame:
        """The table as a polars DataFrame (image cells as structs, json as text)."""
        try:
            import polars
        except ImportError:
            raise TableError("polars is required for to_polars(); pip install polars") from None
        if self._polars is None:
            if self._arrow is not None:
                frame = polars.from_arrow(self._arrow, rechunk=False)
                assert isinstance(frame, polars.DataFrame)
            else:
                from heron.store.tables import read_pieces, table_schema

                # Straight from the parts, text columns as their dictionaries (polars gathers
                # their values itself): no Arrow table of the whole text is built on the way.
                pieces = read_pieces(self._root, self._record, dictionaries=True)
                frames = [polars_frame(piece) for piece in pieces]
                if not frames:
                    frames = [polars_frame(table_schema(self._record).empty_table())]
                frame = frames[0] if len(frames) == 1 else polars.concat(frames, rechunk=False)
            self._polars = frame
        # A copy of the frame (its columns shared, not copied): what the caller changes in
        # place stays out of what the next call returns.
        return self._polars.clone()

    def to_pandas(self) -> pandas.DataFrame:
        """The table as a pandas DataFrame; image cells become heron.Image, json cells objects."""
        try:
            import pandas
        except ImportError:
            raise TableError("pandas is required for to_pandas(); pip install pandas") from None
        arrow = self.to_arrow()
        special = [name for name, kind in self.column_types if kind in ("image", "json", "any")]
        plain = [name for name in self.columns if name not in special]
        # One conversion of every plain column (a column at a time costs a pandas Series each:
        # seconds for a 10,000-column table); images and JSON become Python objects.
        frame: pandas.DataFrame = arrow.select(plain).to_pandas(ignore_metadata=True)
        if not special:
            return frame
        objects = pandas.DataFrame(
            {name: pandas.Series(self.get_column(name), dtype=object) for name in special},
            index=frame.index,
        )
        joined: pandas.DataFrame = pandas.concat([frame, objects], axis=1)[self.columns]
        return joined

    def get_column(self, name: str) -> list[Any]:
        """A column's values as Python objects (heron.Image for images, parsed JSON for json)."""
        if name not in self.types:
            raise TableError(f"unknown column {name!r}; the table has {self.columns}")
        kind = self.types[name]
        values: list[Any] = self.to_arrow().column(name).to_pylist()
        if kind == "image":
            from heron.sdk.media import Image
            from heron.store.table_format import image_refs

            where = f"column {name!r} of table {self.label}"
            store = self._open_store()
            return [
                None if ref is None else Image.from_ref(store, ref)
                for ref in image_refs(values, where)
            ]
        if kind in ("json", "any"):
            return [None if text is None else loads(text) for text in values]
        return values

    def iterrows(self) -> Iterator[tuple[int, list[Any]]]:
        """``(index, [value, ...])`` for each row, like heron.Table.iterrows."""
        columns = [self.get_column(name) for name in self.columns]
        for index, row in enumerate(zip(*columns, strict=True)):
            yield index, list(row)

    def image(self, index: int, column: str | None = None) -> Image | None:
        """The image at row ``index`` of ``column`` (default: the first image column)."""
        from heron.sdk.media import Image
        from heron.store.table_format import ImageRef

        names = [name for name, kind in self.column_types if kind == "image"]
        if column is None:
            if not names:
                raise TableError(f"table {self.label} has no image column")
            column = names[0]
        elif column not in names:
            raise TableError(f"column {column!r} is not an image column; image columns: {names}")
        if not -len(self) <= index < len(self):
            raise TableError(f"row {index} is out of range: the table has {len(self)} rows")
        cell = self.to_arrow().column(column)[index].as_py()
        if cell is None:
            return None
        where = f"row {index}, column {column!r} of table {self.label}"
        return Image.from_ref(self._open_store(), ImageRef.from_row(cell, where=where))

    # -- queries --------------------------------------------------------------------------------

    def source(self) -> TableSource:
        """This table as a ``heron.query`` TableSource (its parts, column types and label)."""
        from heron.query import TableSource

        return TableSource(parts=self.parts, columns=self.column_types, label=self.label)

    def query(self) -> Query:
        """A ``heron.query.Query`` over this table."""
        from heron.query import Query

        return Query(self.source())


def polars_frame(piece: pa.Table) -> polars.DataFrame:
    """A polars DataFrame of an Arrow table whose text columns may be dictionaries (see
    heron.store.tables.read_pieces): every other column is taken over without a copy, and a
    dictionary column becomes text by gathering its few values by their indices, which costs
    a tenth of converting the same column as Arrow text."""
    import polars
    import pyarrow as pa

    coded = [i for i, field in enumerate(piece.schema) if pa.types.is_dictionary(field.type)]
    frame = polars.from_arrow(
        piece.drop_columns([piece.column_names[i] for i in coded]), rechunk=False
    )
    assert isinstance(frame, polars.DataFrame)
    for index in coded:
        name = piece.column_names[index]
        texts = [_texts(name, chunk) for chunk in piece.column(index).chunks]
        if not texts:
            texts = [polars.Series(name, [], dtype=polars.String)]
        column = texts[0] if len(texts) == 1 else polars.concat(texts, rechunk=False)
        frame.insert_column(index, column)
    return frame


def _texts(name: str, chunk: pa.DictionaryArray) -> polars.Series:
    """A dictionary chunk's text: its values gathered at its indices."""
    import polars
    import pyarrow as pa

    values = _series(name, chunk.dictionary)
    indices = chunk.indices
    if indices.type == pa.int32() and polars.get_index_type() == polars.UInt32:
        # Dictionary indices are never negative, so their buffers read as polars' own index type
        # are gathered at once; signed ones are first checked for negative positions through
        # polars' query engine, which costs several times the gather itself.
        positions = pa.Array.from_buffers(
            pa.uint32(), len(indices), indices.buffers(), indices.null_count, indices.offset
        )
        return values[_series(name, positions)]
    return values.gather(_series(name, indices))


def _series(name: str, array: pa.Array) -> polars.Series:
    # Through a one-column table: polars converts a bare Arrow array by way of pyarrow.compute,
    # whose import costs more than the whole read.
    import polars
    import pyarrow as pa

    frame = polars.from_arrow(pa.Table.from_arrays([array], names=[name]), rechunk=False)
    assert isinstance(frame, polars.DataFrame)
    return frame.to_series()
