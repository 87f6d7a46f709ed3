"""Typed query results: a page of rows, the groups of a grouped query, column descriptions.

These types are the one definition of what a query returns: ``Query.page()`` and
``heron.query.execute()`` return them, the HTTP API uses them as its response models, and the
UI's TypeScript types are generated from the OpenAPI schema they produce (docs/query.md has the
prose).

Everything inside a result is plain JSON data, so rows, groups and summaries are typed
dictionaries (``TypedDict``): they cost nothing to build, serialise as they are, and read as
dictionaries (``page.rows[0]["id"]``). The two outer shapes, :class:`Page` and
:class:`QueryResult`, are pydantic models with attributes (``page.rows``, ``page.total``).

Cells are JSON values: numbers, text, booleans and null as themselves; datetimes as ISO text;
NaN and infinities as the strings ``"NaN"``, ``"Infinity"`` and ``"-Infinity"`` (JSON has no
such numbers; see heron.query.jsonify); an image as an :class:`ImageCell`; a list or a merged
(per-run) column as a list.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired

from pydantic import BaseModel, ConfigDict, Field

# pydantic reads TypedDicts' field types from typing_extensions' class before Python 3.12.
from typing_extensions import TypeAliasType, TypedDict

from heron.query.types import ValueType
from heron.store.table_format import ColumnType

Scalar = bool | int | float | str | None
"""One JSON value of a cell: NaN and infinities arrive as text, datetimes as ISO text."""

Number = int | float
"""A finite number (an int column's statistics stay whole numbers)."""


class ImageCell(TypedDict):
    """An image cell as a result carries it: the stored struct of an image
    (``heron.store.table_format.ImageRef.to_row()``) plus, over HTTP, where to fetch it.

    ``overlays`` is the stored JSON text of boxes, masks and class labels (null if none). The
    HTTP API adds ``url`` (the stored bytes) and ``thumbnail_url``; a page never carries bytes.
    """

    sha256: str
    format: str
    width: int | None
    height: int | None
    caption: str | None
    overlays: str | None
    url: NotRequired[str]
    thumbnail_url: NotRequired[str]


# Named aliases: the schema defines each once (``Value``, ``Cell``) and refers to it.
Value = TypeAliasType("Value", Scalar | ImageCell | list[Scalar])
"""The value of one (single-run) cell: a scalar, an image, or a list of scalars."""

Cell = TypeAliasType("Cell", Value | list[Value])
"""A cell of a result row: one value, or one value per run for a merged column."""

Row = dict[str, Cell]
"""A result row: column name to cell."""


class ColumnDescription(TypedDict):
    """A result column: its name and heron type; ``element`` is the item type of a list column,
    ``runs`` the number of runs of a merged column (one value per run); null otherwise.

    Query results always carry ``element`` and ``runs``; a client describing a column of its
    own may leave them out.
    """

    name: str
    type: ColumnType
    element: NotRequired[ColumnType | None]
    runs: NotRequired[int | None]


def column_description(name: str, value_type: ValueType) -> ColumnDescription:
    """The description of a column named ``name`` holding ``value_type``."""
    return ColumnDescription(
        name=name, type=value_type.kind, element=value_type.elem, runs=value_type.runs
    )


# -- group summaries --------------------------------------------------------------------------


class HistogramSummary(TypedDict):
    """A number column in one group: counts per bin (edges in ``GroupColumn.edges``) and stats
    over its finite values; ``nulls`` and ``non_finite`` (NaN, infinities) are not binned."""

    kind: Literal["histogram"]
    counts: list[int]
    min: Number | None
    mean: Number | None
    max: Number | None
    nulls: int
    non_finite: int


class ValueCount(TypedDict):
    """One value of a categorical column and how many rows of the group hold it."""

    value: Scalar
    count: int


class ValuesSummary(TypedDict):
    """A categorical column in one group: its most frequent values, most frequent first;
    ``other`` counts the rows holding any other value, ``distinct`` the values there are."""

    kind: Literal["values"]
    values: list[ValueCount]
    other: int
    distinct: int


class ImagesSummary(TypedDict):
    """An image column in one group: the first images in table order, and how many there are."""

    kind: Literal["images"]
    images: list[ImageCell]
    total: int


class RangeSummary(TypedDict):
    """A datetime column in one group: earliest and latest (ISO text) and the non-null count."""

    kind: Literal["range"]
    min: Scalar
    max: Scalar
    count: int


class ListSummary(TypedDict):
    """A list column in one group: how many rows hold a list, and their mean length."""

    kind: Literal["list"]
    count: int
    mean_length: Number | None


class NoSummary(TypedDict):
    """A column heron does not summarise (e.g. an all-null column)."""

    kind: Literal["none"]


ScalarSummary = Annotated[
    HistogramSummary | ValuesSummary | ImagesSummary | RangeSummary | ListSummary | NoSummary,
    Field(discriminator="kind"),
]
"""The summary of one column (or of one run of a merged column) in one group."""


class RunsSummary(TypedDict):
    """A merged column in one group: one summary per run, in run order."""

    kind: Literal["runs"]
    runs: list[ScalarSummary]


Summary = Annotated[
    HistogramSummary
    | ValuesSummary
    | ImagesSummary
    | RangeSummary
    | ListSummary
    | NoSummary
    | RunsSummary,
    Field(discriminator="kind"),
]
"""The summary of one column in one group."""

SummaryKind = Literal["histogram", "values", "images", "range", "list", "none"]


class GroupColumn(TypedDict):
    """How a column is summarised in every group: the summary kind, the column's type and,
    for histograms, the bin edges all groups (and all runs) share."""

    kind: SummaryKind
    type: ColumnType
    element: ColumnType | None
    runs: int | None
    edges: NotRequired[list[Number]]


class GroupRow(TypedDict):
    """One group: its key values (in ``by`` order), its row count and per-column summaries."""

    key: list[Cell]
    count: int
    summaries: dict[str, Summary]


class Groups(TypedDict):
    """A page of groups: ``total`` groups in all, ``total_rows`` rows passing the filter.

    ``columns`` describes the group table (the key columns and ``count``), ``summaries`` how
    every other column is summarised.
    """

    by: list[str]
    columns: list[ColumnDescription]
    summaries: dict[str, GroupColumn]
    rows: list[GroupRow]
    total: int
    total_rows: int
    offset: int
    limit: int


# -- pages --------------------------------------------------------------------------------------


class Page(BaseModel):
    """One page of a query's result: rows ``offset`` to ``offset + size`` of ``total``.

    For a grouped query the page is of groups: they are in ``groups`` (sent once), ``rows`` is
    empty, ``total`` counts groups and ``columns`` describes the group table (keys, count).
    """

    # Every field is always sent, so the response schema marks them all required (clients need
    # not guard ``columns`` or ``rows`` against absence).
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    columns: list[ColumnDescription] = Field(default_factory=list)
    rows: list[Row] = Field(default_factory=list)
    total: int = 0
    offset: int = 0
    size: int = 0
    groups: Groups | None = None

    def to_json(self) -> dict[str, Any]:
        """The page as JSON-ready data: its fields as they are (they hold JSON data already, so
        nothing is converted or copied; a page of 10,000 rows costs no walk over its cells)."""
        return {name: getattr(self, name) for name in type(self).model_fields}


class QueryResult(Page):
    """The result of a query document: a page, the tables' labels and the document as run.

    A side-by-side document without an index gives one result per table in ``runs`` instead
    (and only ``labels`` beside it).
    """

    labels: list[str] = Field(default_factory=list)
    query: dict[str, Any] | None = Field(
        default=None, description="the query document as run (docs/query.md), AST form"
    )
    runs: list[QueryResult] | None = None

    def to_json(self) -> dict[str, Any]:
        """The result as JSON-ready data (see :meth:`Page.to_json`)."""
        out = super().to_json()
        if self.runs is not None:
            out["runs"] = [run.to_json() for run in self.runs]
        return out
