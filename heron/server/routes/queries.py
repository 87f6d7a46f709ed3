"""Queries: a JSON query document (docs/query.md) over one or several tables, one page back.

The tables are runs' tables (a key at a step) or tables inside artifact versions; several are
merged (join or concatenation) or shown side by side as the document's ``merge`` says. Besides
pages, the table explorer asks for the columns of the merged tables (for completion) and downloads
the whole view as CSV or Parquet (POST with the request in the body; GET with it in the URL
still works for short ones).

A query stopped at one of the engine's limits (docs/query.md, "Limits") is a 400 naming the limit,
except a full server, which is a 503 with Retry-After: the same query may succeed a moment later.
"""

from __future__ import annotations

import json
import os
import time
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field, ValidationError

from heron.errors import UsageError
from heron.query.references import TableReference, resolve_tables
from heron.query.results import ColumnDescription, column_description
from heron.server.access import READ_PROJECT, CurrentUser, check_table_references
from heron.server.deps import StoreDep
from heron.server.jsonsafe import json_response
from heron.server.media_urls import with_media_urls
from heron.server.models import ErrorResponse, QueryResult
from heron.server.table_export import MEDIA_TYPES, ExportFormat, export_file, file_chunks
from heron.store.store import Store

if TYPE_CHECKING:
    from heron.query.source import TableSource

router = APIRouter(prefix="/api/projects/{project}", tags=["queries"], dependencies=[READ_PROJECT])


class ExplorerRequest(BaseModel):
    """A query document (docs/query.md) over one table, or several merged or side by side."""

    tables: list[TableReference] = Field(min_length=1, max_length=64)
    query: dict[str, Any] = Field(default_factory=dict)


class ColumnsResult(BaseModel):
    """Columns of the tables as merged, the expression functions, and each table's label."""

    columns: list[ColumnDescription]
    functions: list[str]
    labels: list[str]


# A query error's body names the part of the document at fault (field) and where (position).
_QUERY_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {
        "model": ErrorResponse,
        "description": "a mistake in the query document, or a query over a limit",
    },
    404: {"model": ErrorResponse, "description": "a table is missing"},
    503: {"model": ErrorResponse, "description": "too many queries are running; retry"},
}


def resolve_sources(store: Store, project: str, refs: list[TableReference]) -> list[TableSource]:
    """The query engine's sources for the requested tables; 404s name what is missing."""
    from heron.query.engine import default_engine

    # Queries spilling beyond their memory limit write inside the store they read, never into
    # the directory the server happened to start in.
    default_engine().spill_into(store.cache_dir / "query-spill")
    return [table.source() for table in resolve_tables(store, refs, project=project)]


def _indexed(merge: dict[str, Any]) -> dict[str, Any]:
    """A side-by-side merge without an index, as its first run (for one-result operations)."""
    if merge.get("mode") == "side_by_side" and merge.get("index") is None:
        return {**merge, "index": 0}
    return merge


@router.post("/query", response_model=QueryResult, responses=_QUERY_ERRORS)
def run_query(
    project: str, request: ExplorerRequest, store: StoreDep, user: CurrentUser
) -> Response:
    """Filter, sort, group, derive and merge tables; a mistake in the document is a 400 that
    names the part of the document (``field``) and the character (``position``) at fault."""
    from heron.query.document import execute

    check_table_references(store, user, project, request.tables)
    sources = resolve_sources(store, project, request.tables)
    result = execute(request.query, sources)
    return json_response(with_media_urls(result.to_json()))


@router.post("/query/columns", response_model=ColumnsResult, responses=_QUERY_ERRORS)
def query_columns(
    project: str, request: ExplorerRequest, store: StoreDep, user: CurrentUser
) -> ColumnsResult:
    """The columns of the tables as the document's ``merge`` combines them, with their types,
    and the functions expressions may call: what a filter editor completes."""
    from heron.query.document import query_from_document
    from heron.query.nodes import FUNCTIONS

    check_table_references(store, user, project, request.tables)
    sources = resolve_sources(store, project, request.tables)
    merge = request.query.get("merge")
    if isinstance(merge, dict):
        merge = _indexed(merge)
    query = query_from_document({"merge": merge} if merge else {}, sources)
    return ColumnsResult(
        columns=[column_description(name, t) for name, t in query.columns],
        functions=sorted(FUNCTIONS),
        labels=[s.label for s in sources],
    )


_EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}, "application/vnd.apache.parquet": {}}},
    **_QUERY_ERRORS,
}


class ExportRequest(ExplorerRequest):
    """A view to download: the tables, the query document and the file format."""

    format: ExportFormat = "csv"


@router.post("/query/export", response_class=Response, responses=_EXPORT_RESPONSES)
def export_query(
    project: str, request: ExportRequest, store: StoreDep, user: CurrentUser
) -> Response:
    """Every row of a view (filtered, sorted, with derived columns; groups and their counts for a
    grouped view) as a CSV or Parquet download. Images are exported as their sha256. The query
    travels in the body, so a view with a long filter exports like any other."""
    check_table_references(store, user, project, request.tables)
    return _export(store, project, request, request.format)


@router.get("/query/export", response_class=Response, responses=_EXPORT_RESPONSES)
def export_query_link(
    project: str,
    store: StoreDep,
    user: CurrentUser,
    request: Annotated[str, Query(description="an ExplorerRequest as JSON text")],
    format: Annotated[ExportFormat, Query()] = "csv",
) -> Response:
    """The same download as a link, the request in the URL (URLs limit its length: prefer POST)."""
    try:
        parsed = ExplorerRequest.model_validate(json.loads(request))
    except (ValueError, ValidationError) as exc:
        raise UsageError(f"request must be an ExplorerRequest as JSON: {exc}") from None
    check_table_references(store, user, project, parsed.tables)
    return _export(store, project, parsed, format)


def _export(store: Store, project: str, parsed: ExplorerRequest, format: ExportFormat) -> Response:
    from heron.query.document import query_from_document
    from heron.query.engine import default_engine

    # The time limit covers reading and checking the document as well as running it.
    deadline = time.monotonic() + default_engine().timeout
    sources = resolve_sources(store, project, parsed.tables)
    document = {k: v for k, v in parsed.query.items() if k != "page"}
    if isinstance(document.get("merge"), dict):
        document["merge"] = _indexed(document["merge"])
    query = query_from_document(document, sources)
    handle = export_file(store.cache_dir, query, format, deadline)
    name = _file_stem(sources) + "." + format
    headers = {
        "Content-Disposition": f'attachment; filename="{name}"',
        "Content-Length": str(os.fstat(handle.fileno()).st_size),
    }
    return StreamingResponse(file_chunks(handle), media_type=MEDIA_TYPES[format], headers=headers)


def _file_stem(sources: list[Any]) -> str:
    label = sources[0].label.rsplit("/", 1)[-1] if sources else "table"
    stem = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in label.replace("@", "-"))
    return (stem or "table") + ("-merged" if len(sources) > 1 else "")
