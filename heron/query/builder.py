"""The immutable query builder: filter, sort, derive, select, group, page.

Every method returns a new :class:`Query`; nothing runs until a result is asked for
(``page``, ``count``, ``groups``, ``to_arrow``, ``to_pandas``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypeVar

from heron.errors import QueryError
from heron.query.agreement import Agreement, check_agreement
from heron.query.engine import BatchConsumer, Engine, default_engine
from heron.query.jsonify import arrow_rows
from heron.query.nodes import Expr
from heron.query.parser import parse
from heron.query.plan import Derived, Origin, Plan, SortKey, build_plan
from heron.query.relation import ORD, MergeHow
from heron.query.results import Groups, Page, Row, column_description
from heron.query.source import TableSource
from heron.query.types import INT, ValueType
from heron.store.table_format import field_metadata

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from heron.query.evaluation import ConfusionMatrix

T = TypeVar("T")

MAX_PAGE = 10_000
# Cells per batch of a streamed result: enough rows for fast encoding, few enough that a wide
# table's batch stays a few tens of megabytes.
BATCH_CELLS = 2_000_000
MAX_BATCH_ROWS = 65_536


@dataclass(frozen=True)
class GroupSpec:
    """How to group: key columns, and how much to summarise per group."""

    by: tuple[str, ...]
    top_n: int = 5
    bins: int = 10
    images_per_group: int = 4
    offset: int = 0
    limit: int = 100

    def to_json(self) -> dict[str, Any]:
        """The group part of a query document."""
        return {
            "by": list(self.by), "top_n": self.top_n, "bins": self.bins,
            "images_per_group": self.images_per_group, "offset": self.offset,
            "limit": self.limit,
        }  # fmt: skip


def _as_expr(text_or_expr: str | Expr) -> Expr:
    if isinstance(text_or_expr, Expr):
        return text_or_expr
    return parse(text_or_expr)


def _check_int(name: str, value: Any, lo: int, hi: int, *, part: str) -> int:
    """``value`` if it is a whole number from ``lo`` to ``hi``; else a QueryError blaming the
    document field ``part.name`` (e.g. ``group.bins``)."""
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise QueryError(
            f"{name} must be a whole number from {lo} to {hi}, not {value!r}",
            field=f"{part}.{name}",
        )
    return value


class Query:
    """A read-only query over a table, a concatenation or a join of several runs' tables.

    Immutable: every builder method returns a new query.
    """

    __slots__ = ("derived", "engine", "filters", "grouping", "origin", "selected", "sorts")

    origin: Origin
    filters: tuple[Expr, ...]
    derived: tuple[Derived, ...]
    sorts: tuple[SortKey, ...]
    selected: tuple[str, ...] | None
    grouping: GroupSpec | None
    engine: Engine

    def __init__(self, source: TableSource | Origin, *, engine: Engine | None = None) -> None:
        origin = source if isinstance(source, Origin) else Origin("table", (source,))
        for name, value in (
            ("origin", origin), ("filters", ()), ("derived", ()), ("sorts", ()),
            ("selected", None), ("grouping", None), ("engine", engine or default_engine()),
        ):  # fmt: skip
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Query is immutable; its methods return new queries")

    def _with(self, **changes: Any) -> Query:
        new = Query(self.origin, engine=self.engine)
        for name in self.__slots__:
            object.__setattr__(new, name, changes.get(name, getattr(self, name)))
        return new

    def __repr__(self) -> str:
        return (
            f"Query({self.origin.mode}, {len(self.origin.sources)} table(s), "
            f"{len(self.filters)} filter(s), {len(self.sorts)} sort(s))"
        )

    # -- building -----------------------------------------------------------------------------

    def filter(self, expr: str | Expr) -> Query:
        """Keep rows where ``expr`` is true; several filters combine with and."""
        return self._with(filters=(*self.filters, _as_expr(expr)))

    def sort(self, column: str, descending: bool = False) -> Query:
        """Sort by ``column`` (chain for more keys: the first call is the primary key)."""
        return self._with(sorts=(*self.sorts, SortKey(column, bool(descending))))

    def add_column(self, name: str, expr: str | Expr) -> Query:
        """Add a derived column computed by ``expr``; it can be filtered, sorted and grouped."""
        return self._with(derived=(*self.derived, Derived(name, _as_expr(expr))))

    def select(self, columns: Iterable[str]) -> Query:
        """Return only ``columns`` (stored or derived), in this order."""
        return self._with(selected=tuple(columns))

    def group_by(
        self,
        *columns: str,
        top_n: int = 5,
        bins: int = 10,
        images_per_group: int = 4,
        offset: int = 0,
        limit: int = 100,
    ) -> Query:
        """Group by ``columns`` (several give nested groups, e.g. truth x guess).

        Each group gets a count and, per other column, a summary: a histogram (``bins`` bins
        with edges shared by all groups) for numbers, the ``top_n`` values for categories, the
        first ``images_per_group`` images. ``offset``/``limit`` page through the groups.
        """
        if not columns:
            raise QueryError("group_by needs at least one column")
        spec = GroupSpec(
            tuple(columns),
            _check_int("top_n", top_n, 0, 1000, part="group"),
            _check_int("bins", bins, 1, 1000, part="group"),
            _check_int("images_per_group", images_per_group, 0, 1000, part="group"),
            _check_int("offset", offset, 0, 2**62, part="group"),
            _check_int("limit", limit, 1, MAX_PAGE, part="group"),
        )
        return self._with(grouping=spec)

    def side_by_side(self, index: int) -> Query:
        """The same operations on run ``index`` alone (a side-by-side panel of one run)."""
        sources = self.origin.sources
        if not isinstance(index, int) or not -len(sources) <= index < len(sources):
            raise QueryError(f"run index {index!r} is out of range for {len(sources)} runs")
        return self._with(origin=Origin("table", (sources[index],)))

    # -- running ------------------------------------------------------------------------------

    def plan(self, deadline: float | None = None, *, materialise: bool = True) -> Plan:
        """Compile the query against its tables (QueryError on any mistake).

        ``materialise=False`` runs nothing: a join stays SQL, enough to type-check the query
        and know its columns.
        """
        try:
            relation = self.origin.relation(self.engine, deadline, materialise=materialise)
        except QueryError as error:
            # A join key missing or of the wrong type: the document's merge part is at fault.
            raise error.within("merge") from None
        self.engine.check_deadline(deadline)

        def agreement(name: str) -> Agreement | None:
            return check_agreement(self.engine, relation, name, deadline)

        plan = build_plan(
            relation, self.filters, self.derived, self.sorts, self.selected, agreement
        )
        self.engine.check_deadline(deadline)
        return plan

    def _deadline(self) -> float:
        return time.monotonic() + self.engine.timeout

    @property
    def columns(self) -> list[tuple[str, ValueType]]:
        """(name, type) of each result column."""
        return [(o.name, o.type) for o in self.plan(materialise=False).outputs]

    def count(self) -> int:
        """Number of rows passing the filters (cached per table content and filter)."""
        return self._count(self.plan(), self._deadline())

    def _count(self, plan: Plan, deadline: float, key: tuple[Any, ...] | None = None) -> int:
        """The filtered row count, cached under ``key`` (default: the plan's count key as it
        is now; a caller that adds parameters first passes the key from before)."""
        key = plan.count_key() if key is None else key
        hit = self.engine.counts.get(key)
        if hit is not None:
            return int(hit)
        sql = f"SELECT count(*) FROM {plan.from_sql} WHERE {plan.where}"
        n = int(self.engine.scalar(sql, list(plan.params.values), deadline=deadline) or 0)
        self.engine.counts.put(key, n)
        return n

    def _select_sql(self, plan: Plan, limit: int | None = None, offset: int = 0) -> str:
        outputs = ", ".join(f'{o.sql} AS "o{i}"' for i, o in enumerate(plan.outputs)) or "1"
        sql = (
            f"SELECT {outputs} FROM {plan.from_sql} WHERE {plan.where} "
            f"ORDER BY {', '.join(plan.order_by)}"
        )
        if limit is not None:
            sql += f" LIMIT {plan.params.add(limit, 'BIGINT')} OFFSET {plan.params.add(offset, 'BIGINT')}"
        return sql

    def page(self, offset: int = 0, size: int = 50, *, deadline: float | None = None) -> Page:
        """Rows ``offset`` to ``offset + size`` with the total count and column types.

        For a grouped query, the page is of groups (see :meth:`groups`). ``deadline`` (a
        ``time.monotonic()`` value) replaces the engine's time limit counted from now, so a
        caller that spent time reading the query can count that time too.
        """
        offset = _check_int("offset", offset, 0, 2**62, part="page")
        size = _check_int("size", size, 0, MAX_PAGE, part="page")
        deadline = self._deadline() if deadline is None else deadline
        plan = self.plan(deadline)
        if self.grouping is not None:
            from heron.query.groups import compute_groups

            spec = replace(self.grouping, offset=offset, limit=max(size, 1))
            groups = compute_groups(self.engine, plan, spec, deadline)
            # The groups travel once, in ``groups``; the page itself holds no rows.
            return Page.model_construct(
                columns=groups["columns"], rows=[], total=groups["total"],
                offset=offset, size=size, groups=groups,
            )  # fmt: skip
        rows: list[Row] = []
        concurrent = self.engine.limits.concurrency > 1
        key = plan.count_key()
        if size and concurrent and self.engine.counts.get(key) is None:
            # A new filter: the count and the page each scan the filtered rows, and neither
            # needs the other's answer (a page past the end comes back empty), so they run at
            # once, each on its own cursor (when the engine runs more than one at a time).
            select = self._select_sql(plan, size, offset)
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="heron-page") as pool:
                paged = pool.submit(self.engine.run, select, plan.params.values, deadline=deadline)
                total = self._count(plan, deadline, key)
                table = paged.result()
            rows = arrow_rows(table, [o.name for o in plan.outputs])
        else:
            total = self._count(plan, deadline)
            if size and offset < total:
                table = self.engine.run(
                    self._select_sql(plan, size, offset), plan.params.values, deadline=deadline
                )
                rows = arrow_rows(table, [o.name for o in plan.outputs])
        columns = [column_description(o.name, o.type) for o in plan.outputs]
        # Built from heron's own JSON-ready values: validating every cell again would cost more
        # than the query on a large page.
        return Page.model_construct(
            columns=columns, rows=rows, total=total, offset=offset, size=size, groups=None
        )

    def groups(self) -> Groups:
        """The group-by result: a page of groups with their summaries (docs/query.md)."""
        if self.grouping is None:
            raise QueryError("call group_by(...) before asking for groups")
        from heron.query.groups import compute_groups

        deadline = self._deadline()
        return compute_groups(self.engine, self.plan(deadline), self.grouping, deadline)

    def confusion_matrix(
        self, truth: str, guess: str, *, classes: Sequence[str] | None = None
    ) -> ConfusionMatrix:
        """Counts of (truth, guess) label pairs over the query's rows, with accuracy and each
        class's precision, recall and F1 (heron.query.evaluation). ``classes``, like
        scikit-learn's ``labels``, orders the matrix and leaves other labels out."""
        from heron.query.evaluation import confusion

        return confusion(self, truth, guess, classes=classes)

    def to_arrow(self, *, deadline: float | None = None) -> pa.Table:
        """All result rows as an Arrow table with the user's column names (``deadline`` as in
        :meth:`page`)."""
        deadline = self._deadline() if deadline is None else deadline
        plan = self.plan(deadline)
        if self.grouping is not None:
            from heron.query.groups import group_table

            return group_table(self.engine, plan, self.grouping, deadline)
        table = self.engine.run(self._select_sql(plan), plan.params.values, deadline=deadline)
        return table.rename_columns([o.name for o in plan.outputs])

    def to_batches(self, consume: BatchConsumer[T], *, deadline: float | None = None) -> T:
        """All result rows, streamed: ``consume(schema, batches)`` gets the schema (the user's
        column names) and an iterator of Arrow record batches, and what it returns is returned.

        Unlike :meth:`to_arrow`, the result is never held whole (what an export of millions of
        rows needs); ``consume`` runs within the query's time limit (``deadline`` as in
        :meth:`page`) and while it holds one of the engine's slots.
        """
        import pyarrow as pa

        deadline = self._deadline() if deadline is None else deadline
        plan = self.plan(deadline)
        in_order = self._scans_in_order(plan)
        names = [o.name for o in plan.outputs]
        types = [o.type for o in plan.outputs]
        if self.grouping is not None:
            from heron.query.groups import group_table_sql

            sql, names = group_table_sql(plan, self.grouping)
            types = [*(plan.key_ref(name).type for name in self.grouping.by), INT]
        elif in_order:
            outputs = [f'{o.sql} AS "o{i}"' for i, o in enumerate(plan.outputs)]
            sql = f"SELECT {', '.join([*outputs, f'{_ORD_SQL} AS ord'])} FROM {plan.from_sql} WHERE {plan.where}"
        else:
            sql = self._select_sql(plan)
        batch_rows = max(1024, min(MAX_BATCH_ROWS, BATCH_CELLS // max(1, len(names))))

        def renamed(schema: pa.Schema, batches: Iterator[pa.RecordBatch]) -> T:
            # Result columns are named o0, o1... in SQL: user names never enter SQL text. Each
            # carries its heron type as the table format tags it (an image is known by its tag).
            named = pa.schema(
                [
                    f.with_name(n).with_metadata(field_metadata(t.kind, t.runs))
                    for f, n, t in zip(schema, names, types, strict=False)
                ]
            )
            if in_order:
                batches = _checked_order(batches)
            return consume(
                named,
                (
                    pa.RecordBatch.from_arrays(b.columns[: len(names)], schema=named)
                    for b in batches
                ),
            )

        return self.engine.stream(
            sql, plan.params.values, renamed, batch_rows=batch_rows, deadline=deadline
        )

    def _scans_in_order(self, plan: Plan) -> bool:
        """Whether the rows come out in table order without ORDER BY, so streaming them needs
        no sort (a sort holds every row in DuckDB's memory before the first comes out).

        DuckDB keeps the row order of scans, projections, filters and UNION ALL (with
        ``preserve_insertion_order``, which the engine sets), not of joins: so a table or a
        concatenation, no sort asked, and no subquery (a long ``in`` list) in the filter or the
        columns. The order is still checked as the rows stream.
        """
        if self.sorts or self.grouping is not None or self.origin.mode == "merge":
            return False
        texts = [plan.where, *(o.sql for o in plan.outputs)]
        return not any("SELECT" in text.upper() for text in texts)

    def to_pandas(self) -> pd.DataFrame:
        """All result rows as a pandas DataFrame (needs pandas)."""
        try:
            import pandas  # noqa: F401
        except ImportError:
            raise QueryError("pandas is required for to_pandas(); pip install pandas") from None
        frame: pd.DataFrame = self.to_arrow().to_pandas()
        return frame

    # -- documents ------------------------------------------------------------------------------

    def to_document(self) -> dict[str, Any]:
        """This query as a JSON query document (see docs/query.md); sources are not included."""
        from heron.query.document import query_to_document

        return query_to_document(self)

    @staticmethod
    def from_document(doc: dict[str, Any], sources: Sequence[TableSource]) -> Query:
        """Rebuild a query from a JSON document over ``sources`` (QueryError if malformed)."""
        from heron.query.document import query_from_document

        return query_from_document(doc, sources)


_ORD_SQL = f"t.{ORD}"


def _checked_order(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """The batches of an unsorted scan, checked to be in table order (their last column is
    the row's position): rows out of order would be a wrong export, so they are an error."""
    import pyarrow.compute as pc

    last = -1
    for batch in batches:
        if batch.num_rows:
            ords = batch.column(batch.num_columns - 1)
            steps = pc.subtract(ords.slice(1), ords.slice(0, batch.num_rows - 1))
            first = ords[0].as_py()
            if first <= last or (batch.num_rows > 1 and pc.min(steps).as_py() <= 0):
                raise QueryError("the query's rows came out of table order; please report this")
            last = ords[batch.num_rows - 1].as_py()
        yield batch


def merge(
    sources: Sequence[TableSource],
    on: str | None = None,
    how: MergeHow = "inner",
    *,
    engine: Engine | None = None,
) -> Query:
    """Join the runs' tables on ``on`` (``"id"``, ``"image"`` = the image hash, or a column).

    Every non-key column becomes a per-run list (index i = source i); the key is coalesced.
    ``on=None`` joins on ``id`` if there is one, else on the image.
    """
    if how not in ("inner", "outer"):
        raise QueryError(f'merge how must be "inner" or "outer", not {how!r}')
    return Query(Origin("merge", tuple(sources), on=on, how=how), engine=engine)


def concat(
    sources: Sequence[TableSource], *, source_column: str = "source", engine: Engine | None = None
) -> Query:
    """Append the runs' tables, adding ``source_column`` with each row's run label."""
    return Query(Origin("concat", tuple(sources), source_column=source_column), engine=engine)
