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
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field, ValidationError

from heron.errors import QueryError, QueryLimitError, UsageError
from heron.query.references import TableReference, resolve_tables
from heron.server.deps import StoreDep
from heron.server.media_urls import with_media_urls
from heron.server.models import ErrorResponse, QueryResult
from heron.server.table_export import MEDIA_TYPES, ExportFormat, export_file, file_chunks
from heron.store.store import Store

if TYPE_CHECKING:
    from heron.query.source import TableSource

router = APIRouter(prefix="/api/projects/{project}", tags=["queries"])


class ExplorerRequest(BaseModel):
    """A query document (docs/query.md) over one table, or several merged or side by side."""

    tables: list[TableReference] = Field(min_length=1, max_length=64)
    query: dict[str, Any] = Field(default_factory=dict)


class ExplorerColumn(BaseModel):
    """A column of merged tables: its heron type and, for a joined column, its number of runs."""

    name: str
    type: str
    runs: int | None = None


class ColumnsResult(BaseModel):
    """Columns of the tables as merged, the expression functions, and each table's label."""

    columns: list[ExplorerColumn]
    functions: list[str]
    labels: list[str]


class QueryErrorBody(BaseModel):
    """A query mistake: which part of the document (``filter``, ``columns[0].expr``...) and where."""

    type: str
    message: str
    field: str | None = None
    position: int | None = None


class QueryErrorResponse(BaseModel):
    """The API's error shape, with the place of a query mistake."""

    error: QueryErrorBody


_QUERY_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {
        "model": QueryErrorResponse,
        "description": "a mistake in the query document, or a query over a limit",
    },
    404: {"model": ErrorResponse, "description": "a table is missing"},
    503: {"model": QueryErrorResponse, "description": "too many queries are running; retry"},
}


def resolve_sources(store: Store, project: str, refs: list[TableReference]) -> list[TableSource]:
    """The query engine's sources for the requested tables; 404s name what is missing."""
    from heron.query.engine import default_engine

    # Queries spilling beyond their memory limit write inside the store they read, never into
    # the directory the server happened to start in.
    default_engine().spill_into(store.cache_dir / "query-spill")
    return [table.source() for table in resolve_tables(store, refs, project=project)]


def _blame(document: Any, sources: list[Any]) -> str | None:
    """Which expression of the document is wrong: compile one part at a time until one fails."""
    from heron.query.document import query_from_document

    if not isinstance(document, dict):
        return None
    base: dict[str, Any] = {}
    merge = document.get("merge")
    if isinstance(merge, dict):
        base["merge"] = _indexed(merge)
    elif merge is not None:
        return "merge"
    derived = document.get("columns")
    columns: list[Any] = derived if isinstance(derived, list) else []
    steps = [
        (f"columns[{i}].expr", {**base, "columns": columns[: i + 1]}) for i in range(len(columns))
    ]
    steps.append(("filter", {**base, "columns": columns, "filter": document.get("filter")}))
    for field, partial in steps:
        try:
            # Compile only: a join is not run again to find the part at fault.
            query_from_document(partial, sources).plan(materialise=False)
        except QueryError:
            return field
        except Exception:  # anything else is not this part's fault
            continue
    return None


def _indexed(merge: dict[str, Any]) -> dict[str, Any]:
    """A side-by-side merge without an index, as its first run (for one-result operations)."""
    if merge.get("mode") == "side_by_side" and merge.get("index") is None:
        return {**merge, "index": 0}
    return merge


def _query_error(error: QueryError, document: Any, sources: list[Any]) -> JSONResponse:
    body: dict[str, Any] = {"type": type(error).__name__, "message": error.message}
    limit = error.limit if isinstance(error, QueryLimitError) else None
    # A query stopped for time, memory, a join's size or a busy server has no part at fault.
    blame = sources and limit in (None, "size")
    body["field"] = _blame(document, sources) if blame else None
    body["position"] = error.position
    if limit == "busy":
        return JSONResponse(status_code=503, content={"error": body}, headers={"Retry-After": "1"})
    return JSONResponse(status_code=400, content={"error": body})


@router.post("/query", response_model=QueryResult, responses=_QUERY_ERRORS)
def run_query(project: str, request: ExplorerRequest, store: StoreDep) -> Any:
    """Filter, sort, group, derive and merge tables; a mistake in the document is a 400 that
    names the part of the document (``field``) and the character (``position``) at fault."""
    from heron.query.document import execute

    sources = resolve_sources(store, project, request.tables)
    try:
        result = execute(request.query, sources)
    except QueryError as error:
        return _query_error(error, request.query, sources)
    return QueryResult.model_validate(with_media_urls(result))


@router.post("/query/columns", response_model=ColumnsResult, responses=_QUERY_ERRORS)
def query_columns(project: str, request: ExplorerRequest, store: StoreDep) -> Any:
    """The columns of the tables as the document's ``merge`` combines them, with their types,
    and the functions expressions may call: what a filter editor completes."""
    from heron.query.document import query_from_document
    from heron.query.nodes import FUNCTIONS

    sources = resolve_sources(store, project, request.tables)
    merge = request.query.get("merge")
    if isinstance(merge, dict):
        merge = _indexed(merge)
    try:
        query = query_from_document({"merge": merge} if merge else {}, sources)
        columns = query.columns
    except QueryError as error:
        return _query_error(error, request.query, [])
    return ColumnsResult(
        columns=[ExplorerColumn(name=name, type=t.kind, runs=t.runs) for name, t in columns],
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
def export_query(project: str, request: ExportRequest, store: StoreDep) -> Response:
    """Every row of a view (filtered, sorted, with derived columns; groups and their counts for a
    grouped view) as a CSV or Parquet download. Images are exported as their sha256. The query
    travels in the body, so a view with a long filter exports like any other."""
    return _export(store, project, request, request.format)


@router.get("/query/export", response_class=Response, responses=_EXPORT_RESPONSES)
def export_query_link(
    project: str,
    store: StoreDep,
    request: Annotated[str, Query(description="an ExplorerRequest as JSON text")],
    format: Annotated[ExportFormat, Query()] = "csv",
) -> Response:
    """The same download as a link, the request in the URL (URLs limit its length: prefer POST)."""
    try:
        parsed = ExplorerRequest.model_validate(json.loads(request))
    except (ValueError, ValidationError) as exc:
        raise UsageError(f"request must be an ExplorerRequest as JSON: {exc}") from None
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
    try:
        query = query_from_document(document, sources)
        handle = export_file(store.cache_dir, query, format, deadline)
    except QueryError as error:
        return _query_error(error, document, sources)
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
