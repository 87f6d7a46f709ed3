"""One JSON error shape for every failure: ``{"error": {"type": ..., "message": ...}}``.

heron's own errors keep their class name as ``type``; not-found maps to 404, a wrong request to
400, anything else to 500. A query error also carries the part of the query document at fault
(``field``) and the character offset in it (``position``), as the query layer set them; a query
refused because the server is full is a 503 with ``Retry-After``. Framework errors (unknown
route) use the same shape, and a parameter or body that does not validate (a missing field, a
number out of range) is a 422 naming it, so the UI has one thing to read.

No answer carries SQL or a store path: a write that collides with a concurrent one is a 409, a
database that cannot answer is a 503, and anything unexpected a 500 naming only the error's kind
(the details go to the server's log).
"""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError as DatabaseIntegrityError
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from heron.errors import (
    AuthenticationError,
    HeronError,
    NotFoundError,
    PermissionDeniedError,
    QueryError,
    QueryLimitError,
    UsageError,
)
from heron.server.models import ErrorBody

logger = logging.getLogger("heron.server")


def error_response(
    status: int,
    error_type: str,
    message: str,
    *,
    field: str | None = None,
    position: int | None = None,
    query: bool = False,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A JSON response in heron's one error shape. A query error (``query``) always says where
    it went wrong, ``field`` and ``position``, null when no part is to blame; other errors
    leave both out."""
    body = ErrorBody(type=error_type, message=message, field=field, position=position)
    content = {"error": body.model_dump(exclude_none=not query)}
    return JSONResponse(status_code=status, content=content, headers=headers)


def status_for(error: HeronError) -> int:
    """The HTTP status a heron error maps to."""
    if isinstance(error, NotFoundError):
        return 404
    if isinstance(error, AuthenticationError):
        return 401
    if isinstance(error, PermissionDeniedError):
        return 403
    if isinstance(error, QueryLimitError) and error.limit == "busy":
        return 503  # the same request may succeed a moment later
    if isinstance(error, UsageError | QueryError):
        return 400
    return 500


def _without_store_paths(request: Request, message: str) -> str:
    """``message`` with the store's location left out (the log keeps the full message)."""
    store = getattr(request.app.state, "store", None)
    root = getattr(store, "root", None)
    if root is None:
        return message
    for form in sorted({str(root), str(Path(root).resolve())}, key=len, reverse=True):
        message = message.replace(form, "<store>")
    return message


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every exception into the one JSON error shape."""

    async def heron_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, HeronError)
        status = status_for(error)
        message = error.message
        if status == 500:
            logger.error("%s %s failed: %s", request.method, request.url.path, message)
            message = _without_store_paths(request, message)
        if not isinstance(error, QueryError):
            # A 401 says how to authenticate, as HTTP asks of it.
            challenge = {"WWW-Authenticate": "Bearer"} if status == 401 else None
            return error_response(status, type(error).__name__, message, headers=challenge)
        # The same query may succeed a moment later, once a running one has finished.
        retry = {"Retry-After": "1"} if status == 503 else None
        return error_response(
            status, type(error).__name__, message,
            field=error.field, position=error.position, query=True, headers=retry,
        )  # fmt: skip

    async def validation_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        problems = []
        for item in error.errors():
            # A tagged union puts its member's model name (CamelCase) in the path; fields are
            # snake_case, so a capitalised part is the tag and is left out of what we show.
            where = ".".join(
                str(part)
                for part in item.get("loc", ())
                if part not in ("query", "path")
                and not (isinstance(part, str) and part[:1].isupper())
            )
            problems.append(
                f"{where}: {item.get('msg', 'invalid')}" if where else str(item.get("msg"))
            )
        return error_response(422, "ValidationError", "; ".join(problems) or "invalid request")

    async def http_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, StarletteHTTPException)
        if error.status_code == 404:
            message = f"no API route {request.method} {request.url.path}"
            return error_response(404, "NotFoundError", message)
        error_type = "RequestTooLarge" if error.status_code == 413 else "HTTPError"
        return error_response(error.status_code, error_type, str(error.detail))

    async def conflict(request: Request, error: Exception) -> JSONResponse:
        # The database's own message quotes SQL and values: log it, answer in plain words.
        logger.warning("%s %s conflicted: %s", request.method, request.url.path, error)
        message = (
            f"{request.method} {request.url.path} collided with a change made at the same time "
            "and was not applied; try again"
        )
        return error_response(409, "ConflictError", message)

    async def database_unavailable(request: Request, error: Exception) -> JSONResponse:
        logger.error("%s %s: database error: %s", request.method, request.url.path, error)
        message = (
            "the metadata database could not serve the request (busy, unreachable or damaged); "
            "the server's log has the details"
        )
        return error_response(503, "DatabaseError", message)

    async def unexpected_error(request: Request, error: Exception) -> JSONResponse:
        logger.exception("%s %s failed", request.method, request.url.path)
        message = (
            f"{request.method} {request.url.path} failed with {type(error).__name__}; "
            "the server's log has the details"
        )
        return error_response(500, "InternalError", message)

    app.add_exception_handler(HeronError, heron_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(DatabaseIntegrityError, conflict)
    app.add_exception_handler(OperationalError, database_unavailable)
    app.add_exception_handler(Exception, unexpected_error)
