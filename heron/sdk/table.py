"""``heron.Table``: a typed table built row by row or from a dataframe, logged with ``run.log``.

Every cell is checked when it is added (see :mod:`heron.sdk.table_types`), so a bad row fails
at the call that added it and leaves the table as it was. Images leave memory as they come: an
image column encodes and stores them in batches while rows are added and keeps only their cells
(:mod:`heron.sdk.table_images`); rows of plain values are packed by column as they come
(:mod:`heron.sdk.table_rows`). ``run.log({"key": table})`` builds the other Arrow columns at
once (cheap, and it freezes a snapshot the caller may keep mutating), then commits the Parquet
part on the run's thread pool once the images are stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Literal, overload

from heron.errors import TableError, UsageError
from heron.sdk import preload
from heron.sdk.interfaces import ObjectResult, RunContext
from heron.sdk.media import Image
from heron.sdk.table_frames import columns_from_frame
from heron.sdk.table_images import ImageColumn
from heron.sdk.table_rows import PACK_ROWS, FastRows
from heron.sdk.table_types import ColumnSpec, check_value, parse_dtype, to_arrow_array
from heron.sdk.values import text_problem

if TYPE_CHECKING:
    import numpy.typing as npt
    import pyarrow as pa

TableMode = Literal["immutable", "incremental"]
TABLE_MODES: tuple[TableMode, ...] = ("immutable", "incremental")


class Table:
    """A table of typed columns: ``heron.Table(columns=[...])`` then ``add_data(*row)``.

    Or from rows (``data=[[...], ...]``) or a pandas/polars DataFrame or pyarrow Table
    (``dataframe=``). Column types (string, int, float, bool, datetime, list, json, image) are
    inferred from the first non-null value and enforced after; ``dtypes={"col": "any"}`` opts a
    column out, ``dtypes={"col": "float"}`` fixes one. ``mode="incremental"``: each
    ``run.log`` of the table stores only the rows added since the last one.
    """

    def __init__(
        self,
        columns: Sequence[str] | None = None,
        data: Any = None,
        dataframe: Any = None,
        dtypes: Mapping[str, Any] | Sequence[Any] | None = None,
        mode: TableMode | None = None,
    ) -> None:
        if mode is not None and mode not in TABLE_MODES:
            raise UsageError(f"mode must be one of {TABLE_MODES}, got {mode!r}")
        self.mode: TableMode = mode or "immutable"
        self._specs: list[ColumnSpec] = []
        # A column's Python values; an image column's are an ImageColumn (stored as they come).
        self._columns: list[list[Any] | ImageColumn] = []
        # Rows add_data took on its fast path, after the columns' values: appending the row to
        # _pending (the FastRows' own list) is all a row costs, and every PACK_ROWS rows they are
        # packed by column; _values moves them to the columns before anything reads columns.
        self._fast_rows = FastRows([])
        self._pending = self._fast_rows.pending
        # Columns taken from a dataframe stay Arrow arrays (typed in one pass); add_data appends
        # Python values after them.
        self._heads: list[pa.Array | pa.ChunkedArray | None] = []
        self._logged_rows = 0
        self._log_chain: Future[ObjectResult] | None = None
        self._parts: list[str] = []
        self._directory_id: str | None = None
        self._names: set[str] = set()
        # add_data's fast path: each column's Python type, recomputed (O(columns)) at the first
        # row after a type changed, never once per change: a 10,000-column table changes 10,000.
        self._fast_types: list[type | None] | None = []
        self._int_columns: list[int] = []
        self._int_column: int | None = None
        self._has_images = False
        if data is not None and dataframe is not None:
            raise UsageError("pass data= or dataframe=, not both")
        if data is not None and _is_dataframe(data):
            data, dataframe = None, data
        if dataframe is not None:
            if columns is not None:
                raise UsageError(
                    "columns= comes from the dataframe; select columns on the dataframe instead"
                )
            for name, head, values in columns_from_frame(dataframe):
                self._add_empty_column(name)
                if head is not None:
                    self._heads[-1] = head[1]
                    self._specs[-1].type, self._specs[-1].element = head[0]
                    self._types_changed()
                else:
                    self._fill_column(len(self._specs) - 1, values)
        else:
            # What logging the table will need, imported while it fills (a dataframe's columns
            # need pyarrow at once, so they import it here, on this thread).
            preload.start()
            rows = _rows_of(data)
            if columns is None:
                columns = [f"col{i}" for i in range(len(rows[0]))] if rows else []
            for name in columns:
                self._add_empty_column(name)
        if dtypes is not None:
            self._apply_dtypes(dtypes)
        self._types_changed()
        if dataframe is None:
            for row in rows:
                self.add_data(*row)

    # -- shape ----------------------------------------------------------------------------------

    @property
    def columns(self) -> list[str]:
        """Column names, in order."""
        return [spec.name for spec in self._specs]

    @property
    def types(self) -> dict[str, str]:
        """Column name to type (``string``, ``float``, ``list<float>``, ``image``...)."""
        return {spec.name: spec.describe() for spec in self._specs}

    def __len__(self) -> int:
        if not self._specs:
            return 0
        head = self._heads[0]
        return (len(head) if head is not None else 0) + len(self._columns[0]) + len(self._fast_rows)

    def __repr__(self) -> str:
        return f"<heron.Table {len(self)} rows x {len(self._specs)} columns {self.columns}>"

    @property
    def _values(self) -> list[list[Any] | ImageColumn]:
        """Each column's values (an image column's as an ImageColumn), fast-path rows included."""
        fast_rows = self._fast_rows
        if len(fast_rows):
            for index, column in enumerate(self._columns):
                column.extend(fast_rows.values(index))
            fast_rows.clear()
        return self._columns

    def _index(self, name: str) -> int:
        for index, spec in enumerate(self._specs):
            if spec.name == name:
                return index
        raise TableError(f"unknown column {name!r}; the table has {self.columns}")

    def _add_empty_column(self, name: Any) -> None:
        if not isinstance(name, str) or not name:
            raise TableError(f"column names must be non-empty strings, got {name!r}")
        problem = text_problem(name)
        if problem is not None:
            raise TableError(f"column name {name!r} {problem}")
        if name in self._names:
            raise TableError(f"column {name!r} appears twice")
        self._names.add(name)
        self._specs.append(ColumnSpec(name))
        self._values.append([])
        self._heads.append(None)
        self._types_changed()

    def _remove_column(self, index: int) -> None:
        self._names.discard(self._specs[index].name)
        del self._specs[index], self._values[index], self._heads[index]
        self._types_changed()

    def _apply_dtypes(self, dtypes: Mapping[str, Any] | Sequence[Any]) -> None:
        if isinstance(dtypes, Mapping):
            unknown = [name for name in dtypes if name not in self._names]
            if unknown:
                raise TableError(
                    f"dtypes names unknown column(s) {unknown}; the table has {self.columns}"
                )
            items = list(dtypes.items())
        else:
            if len(dtypes) != len(self._specs):
                raise TableError(f"{len(dtypes)} dtypes for {len(self._specs)} columns")
            items = list(zip(self.columns, dtypes, strict=True))
        positions = {spec.name: index for index, spec in enumerate(self._specs)}
        for name, dtype in items:
            index = positions[name]
            declared = parse_dtype(name, dtype)
            if self._heads[index] is not None and declared.type != self._specs[index].type:
                # A dataframe column re-typed by the user: check its values one by one.
                values = self._heads[index].to_pylist()  # type: ignore[union-attr]
                self._heads[index] = None
                self._values[index] = []
                self._specs[index] = declared
                self._fill_column(index, values)
            else:
                self._specs[index] = replace(
                    declared, element=declared.element or self._specs[index].element
                )
                values = self._values[index]
                if isinstance(values, ImageColumn):
                    if declared.type == "image":
                        continue  # checked when added, and already being stored
                    values = values.images()
                self._fill_column(index, values, replace_values=True)

    # -- adding data ----------------------------------------------------------------------------

    def add_data(self, *row: Any) -> None:
        """Append one row; its values must fit the columns' types (else TableError, table unchanged)."""
        # The common case in one C-level comparison: every value has exactly its column's
        # Python type (a str in a string column, an Image in an image column...).
        fast_types = self._fast_types
        if fast_types is None:
            fast_types = self._refresh_fast_types()
        if list(map(type, row)) == fast_types:
            int_column = self._int_column
            if int_column is not None:
                fits = _INT64_MIN <= row[int_column] <= _INT64_MAX
            else:
                fits = all(_INT64_MIN <= row[i] <= _INT64_MAX for i in self._int_columns)
            if fits:
                if self._has_images:  # images are sent to be stored as they come
                    for column, value in zip(self._values, row, strict=True):
                        column.append(value)
                else:
                    pending = self._pending
                    pending.append(row)
                    if len(pending) >= PACK_ROWS:
                        self._fast_rows.pack()
                return
        specs = self._specs
        if len(row) != len(specs):
            raise TableError(
                f"row {len(self)} has {len(row)} value(s) but the table has {len(specs)} column(s) "
                f"{self.columns}"
            )
        row_index = len(self)
        stored = list(row)
        changes: list[tuple[int, Any, Any]] = []
        for index, (spec, value) in enumerate(zip(specs, row, strict=True)):
            value, kind, element = check_value(spec, value, row_index)
            stored[index] = value
            if kind != spec.type or element != spec.element:
                changes.append((index, kind, element))
        for index, kind, element in changes:
            self._specs[index].type, self._specs[index].element = kind, element
            if kind == "image":
                self._stream_images(index)
        if changes:
            self._types_changed()
        for column, value in zip(self._values, stored, strict=True):
            column.append(value)

    def _types_changed(self) -> None:
        if len(self._fast_rows):  # rows checked against the former types become column values
            self._values  # noqa: B018  (the property moves them)
        self._fast_types = None

    def _stream_images(self, index: int) -> ImageColumn:
        """Column ``index`` (an image column) as an ImageColumn, its values sent to be stored."""
        values = self._values[index]
        if isinstance(values, ImageColumn):
            return values
        column = ImageColumn(self._specs[index].name, values)
        self._values[index] = column
        return column

    def _refresh_fast_types(self) -> list[type | None]:
        self._values  # noqa: B018  (rows packed for the former types move to the columns)
        fast_types = [_FAST_TYPES.get(spec.type) for spec in self._specs]
        self._fast_types = fast_types
        self._fast_rows = FastRows([spec.type for spec in self._specs])
        self._pending = self._fast_rows.pending
        self._int_columns = [index for index, spec in enumerate(self._specs) if spec.type == "int"]
        # One int column (an id) is the common case: checked without a generator.
        self._int_column = self._int_columns[0] if len(self._int_columns) == 1 else None
        self._has_images = any(spec.type == "image" for spec in self._specs)
        columns = self._columns
        if (
            columns
            and 0 < len(columns[0]) <= PACK_ROWS
            and all(fast_types)
            and not self._has_images
            and all(head is None for head in self._heads)
        ):
            # The rows checked one by one so far (usually the one that typed the columns) join
            # the fast rows when each value has its column's exact type: every column is then
            # packed in one piece instead of joined from two.
            rows = list(zip(*columns, strict=True))
            if all(list(map(type, row)) == fast_types for row in rows):
                self._pending.extend(rows)
                self._columns = [[] for _ in columns]
        return fast_types

    def add_column(self, name: str, values: Iterable[Any], dtype: Any = None) -> None:
        """Add a column; it must have one value per row (else TableError, table unchanged)."""
        self._check_can_reshape()
        values = list(values)
        if self._specs and len(values) != len(self):
            raise TableError(
                f"column {name!r} has {len(values)} value(s) but the table has {len(self)} row(s)"
            )
        self._add_empty_column(name)
        index = len(self._specs) - 1
        try:
            if dtype is not None:
                self._specs[index] = parse_dtype(name, dtype)
            self._fill_column(index, values)
        except TableError:
            self._remove_column(index)
            raise

    def _fill_column(self, index: int, values: list[Any], *, replace_values: bool = False) -> None:
        spec = replace(self._specs[index])
        offset = len(self._heads[index] or ())
        stored = []
        for row, value in enumerate(values):
            value, spec.type, spec.element = check_value(spec, value, offset + row)
            stored.append(value)
        self._specs[index] = spec
        self._types_changed()
        if replace_values:
            self._values[index] = stored
        else:
            self._values[index].extend(stored)
        if spec.type == "image":
            self._stream_images(index)

    def add_computed_columns(self, fn: Callable[[int, dict[str, Any]], Mapping[str, Any]]) -> None:
        """Add columns computed per row: ``fn(index, row_dict) -> {new_column: value, ...}``."""
        self._check_can_reshape()
        results = [
            dict(fn(index, dict(zip(self.columns, row, strict=True))))
            for index, row in self.iterrows()
        ]
        names = list(results[0]) if results else []
        for index, result in enumerate(results):
            if list(result) != names:
                raise TableError(
                    f"add_computed_columns: row {index} returned {list(result)}, row 0 returned {names}"
                )
        added: list[str] = []
        try:
            for name in names:
                self.add_column(name, [result[name] for result in results])
                added.append(name)
        except TableError:
            for name in reversed(added):
                self._remove_column(self._index(name))
            raise

    def _check_can_reshape(self) -> None:
        if self.mode == "incremental" and self._log_chain is not None:
            raise TableError(
                "an incremental table cannot change its columns after it has been logged"
            )

    # -- reading --------------------------------------------------------------------------------

    @overload
    def get_column(self, name: str, convert_to: None = None) -> list[Any]: ...

    @overload
    def get_column(self, name: str, convert_to: Literal["numpy"]) -> npt.NDArray[Any]: ...

    def get_column(
        self, name: str, convert_to: Literal["numpy"] | None = None
    ) -> list[Any] | npt.NDArray[Any]:
        """A column's values as a list (or a numpy array with ``convert_to="numpy"``)."""
        index = self._index(name)
        head = self._heads[index]
        column = self._values[index]
        tail = column.images() if isinstance(column, ImageColumn) else column
        values = (head.to_pylist() if head is not None else []) + tail
        if convert_to == "numpy":
            import numpy as np

            return np.array(values)
        return values

    @property
    def data(self) -> list[list[Any]]:
        """The rows, as lists of values in column order (a copy: edit with add_data)."""
        columns = [self.get_column(name) for name in self.columns]
        return [list(row) for row in zip(*columns, strict=True)]

    def get_index(self) -> list[int]:
        """The row indexes ``0 .. len(table) - 1``, e.g. to add as a column of another table."""
        return list(range(len(self)))

    def iterrows(self) -> Iterator[tuple[int, list[Any]]]:
        """``(index, [value, ...])`` for each row, in order."""
        columns = [self.get_column(name) for name in self.columns]
        for index, row in enumerate(zip(*columns, strict=True)):
            yield index, list(row)

    def _frozen_arrow(self, start: int = 0) -> pa.Table:
        """The non-image columns from row ``start`` on as Arrow (image columns are left out)."""
        import pyarrow as pa

        from heron.store.tables import arrow_schema

        specs = [spec for spec in self._specs if spec.type != "image"]
        arrays: list[pa.Array | pa.ChunkedArray] | None = self._packed_pending(start)
        if arrays is None:
            arrays = [
                self._arrow_column(index, start)
                for index, spec in enumerate(self._specs)
                if spec.type != "image"
            ]
        return pa.Table.from_arrays(arrays, schema=arrow_schema([spec.to_json() for spec in specs]))

    def _packed_pending(self, start: int) -> list[pa.ChunkedArray] | None:
        """The columns from row ``start`` on, most rows packed straight from the fast-path ones
        (add_data found each of their values to be of its column's exact type, never None);
        None when the table has columns this does not cover (images, a dataframe's) or text
        Arrow refuses (the checked path names its row)."""
        import pyarrow as pa

        fast_rows, fast_types = self._fast_rows, self._fast_types
        if not len(fast_rows) or fast_types is None or not all(fast_types) or self._has_images:
            return None
        if any(head is not None for head in self._heads):
            return None
        flushed = len(self._columns[0])  # rows checked one by one, before the fast-path ones
        arrays = []
        for index, spec in enumerate(self._specs):
            packed = fast_rows.arrow(index, max(0, start - flushed))
            if packed is None:
                return None
            if start < flushed:  # the first rows (checked one by one) are in the column
                column = self._columns[index]
                assert not isinstance(column, ImageColumn)  # no image columns here
                head = to_arrow_array(spec, column[start:], first_row=start)
                packed = pa.chunked_array(
                    [head.cast(packed.type) if head.type != packed.type else head, *packed.chunks],
                    packed.type,
                )
            arrays.append(packed)
        return arrays

    def _arrow_column(self, index: int, start: int) -> pa.Array | pa.ChunkedArray:
        import pyarrow as pa

        from heron.store.tables import arrow_type

        spec = self._specs[index]
        target = arrow_type(spec.type, spec.element)
        head = self._heads[index]
        head_len = len(head) if head is not None else 0
        values = self._values[index]
        assert not isinstance(values, ImageColumn)  # image columns are built by the store
        skip = max(0, start - head_len)
        tail = to_arrow_array(
            spec, values[skip:] if skip else values, first_row=max(start, head_len)
        )
        if head is None or start >= head_len:
            return tail.cast(target) if tail.type != target else tail
        head = head.slice(start) if start else head
        if head.type != target:
            head = head.cast(target)
        if not len(tail):  # a dataframe's column alone: no copy
            return head
        # Joined as chunks, not copied into one array (an Arrow head may be chunked already).
        head_chunks = head.chunks if isinstance(head, pa.ChunkedArray) else [head]
        return pa.chunked_array([*head_chunks, tail.cast(target) if tail.type != target else tail])

    # -- logging --------------------------------------------------------------------------------

    def log_to(self, run: RunContext, key: str, step: int) -> Future[ObjectResult]:
        """Store the table as ``key`` at ``step`` of ``run`` (what ``run.log`` calls; see
        :class:`heron.sdk.interfaces.Loggable`). The rows are frozen now; the Parquet part is
        committed in the run's thread pool once the images are stored (copied over when they
        went to another store), which the Future waits on."""
        from heron.store import local_store
        from heron.store import tables as table_store

        incremental = self.mode == "incremental"
        start = self._logged_rows if incremental else 0
        total = len(self)
        # Synchronous part: freeze the rows to store as Arrow (errors surface here, at the call).
        frozen = self._frozen_arrow(start)
        image_columns = {
            spec.name: self._stream_images(index).snapshot(start)
            for index, spec in enumerate(self._specs)
            if spec.type == "image"
        }
        columns_json = [spec.to_json() for spec in self._specs]
        names = self.columns
        table_id = table_store.new_table_id()
        if incremental:
            self._directory_id = self._directory_id or table_id
            part = table_store.part_name(self._directory_id, len(self._parts))
        else:
            part = table_store.part_name(table_id, 0)
        parts = [*self._parts, part] if incremental else [part]
        previous = self._log_chain if incremental else None
        executor = run.executor

        def commit() -> ObjectResult:
            import pyarrow as pa

            # The images are stored by a pool of their own, which waits on nothing: no deadlock.
            images = {name: shot.arrow(run.store) for name, shot in image_columns.items()}
            # Frozen columns go in as they are: chunked where packed rows are (no copy).
            arrays = [images[name] if name in images else frozen.column(name) for name in names]
            schema = table_store.arrow_schema(columns_json)
            arrow = pa.Table.from_arrays(arrays, schema=schema)
            table_store.write_part(run.store.root, part, arrow)
            try:
                if previous is not None:
                    try:
                        previous.result()
                    except Exception as error:
                        raise TableError(
                            f"an earlier increment of this table failed: {error}"
                        ) from error
                local_store.commit_table(run.store, table_id, total, columns_json, parts)
            except BaseException:
                (run.store.root / part).unlink(missing_ok=True)  # never listed: remove it
                raise
            payload: dict[str, Any] = {"table_id": table_id, "n_rows": total}
            if incremental:
                payload.update(incremental=True, new_rows=total - start, part=len(parts) - 1)
            return "table", payload

        future = executor.submit(commit)
        if incremental:
            self._parts = parts
            self._logged_rows = total
            self._log_chain = future
            for (
                spec
            ) in self._specs:  # column types are fixed once stored (null ones may still be typed)
                spec.declared = spec.type != "null"
        return future


_FAST_TYPES: dict[str, type] = {
    "string": str,
    "int": int,
    "float": float,
    "bool": bool,
    "image": Image,
}
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def as_table(value: Any) -> Table | None:
    """``value`` as a Table when ``run.log`` stores it as one: a pandas/polars DataFrame, or a
    non-empty list of images (a one-column ``image`` table); else None."""
    if isinstance(value, list | tuple):
        if value and all(isinstance(item, Image) for item in value):
            return Table(columns=["image"], data=[[item] for item in value])
        return None
    module = type(value).__module__.split(".")[0]
    if module in ("pandas", "polars") and hasattr(value, "columns"):
        return Table(dataframe=value)
    return None


def _is_dataframe(value: Any) -> bool:
    module = type(value).__module__.split(".")[0]
    return module in ("pandas", "polars", "pyarrow")


def _rows_of(data: Any) -> list[Sequence[Any]]:
    if data is None:
        return []
    if hasattr(data, "tolist") and getattr(data, "ndim", None) == 2:
        return list(data.tolist())
    rows = list(data)
    for index, row in enumerate(rows):
        if isinstance(row, str | bytes) or not isinstance(row, Sequence):
            raise TableError(
                f"data row {index} must be a list or tuple of values, got {type(row).__name__}"
            )
    return rows
