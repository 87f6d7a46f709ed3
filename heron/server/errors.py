"""One JSON error shape for every failure: ``{"error": {"type": ..., "message": ...}}``.

heron's own errors keep their class name as ``type``; not-found maps to 404, a wrong request to
400, anything else to 500. Framework errors (unknown route, invalid parameter) use the same shape,
so the UI has one thing to read.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from heron.errors import HeronError, NotFoundError, QueryError, UsageError

logger = logging.getLogger("heron.server")


def error_response(
    status: int, error_type: str, message: str, position: int | None = None
) -> JSONResponse:
    """A JSON response in heron's one error shape (``position``: where a query went wrong)."""
    body: dict[str, object] = {"type": error_type, "message": message}
    if position is not None:
        body["position"] = position
    return JSONResponse(status_code=status, content={"error": body})


def status_for(error: HeronError) -> int:
    """The HTTP status a heron error maps to."""
    if isinstance(error, NotFoundError):
        return 404
    if isinstance(error, UsageError | QueryError):
        return 400
    return 500


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every exception into the one JSON error shape."""

    async def heron_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, HeronError)
        status = status_for(error)
        if status == 500:
            logger.error("%s %s failed: %s", request.method, request.url.path, error.message)
        position = error.position if isinstance(error, QueryError) else None
        return error_response(status, type(error).__name__, error.message, position)

    async def validation_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        problems = []
        for item in error.errors():
            where = ".".join(
                str(part) for part in item.get("loc", ()) if part not in ("query", "path")
            )
            problems.append(
                f"{where}: {item.get('msg', 'invalid')}" if where else str(item.get("msg"))
            )
        return error_response(400, "ValidationError", "; ".join(problems) or "invalid request")

    async def http_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, StarletteHTTPException)
        if error.status_code == 404:
            message = f"no API route {request.method} {request.url.path}"
            return error_response(404, "NotFoundError", message)
        return error_response(error.status_code, "HTTPError", str(error.detail))

    async def unexpected_error(request: Request, error: Exception) -> JSONResponse:
        logger.exception("%s %s failed", request.method, request.url.path)
        return error_response(500, "InternalError", f"{type(error).__name__}: {error}")

    app.add_exception_handler(HeronError, heron_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected_error)
