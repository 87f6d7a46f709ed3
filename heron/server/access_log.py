"""Structured access logs: one JSON line per request on stderr, for a team server's log collector.

Each line holds ``time`` (UTC, ISO 8601), ``method``, ``path``, ``query`` (with the values of
secret-looking parameters replaced by ``***``), ``status``, ``duration_ms``, ``user`` (the
signed-in user's name, when the access layer found one; else null) and ``request_id``. The id
is the caller's ``X-Request-ID`` when it sends a plausible one (a proxy's), else a new one; it is
sent back in the response's ``X-Request-ID`` header so a user's report can be matched to a line.

Lines are written with one ``write`` call each, below the pipe's atomic size, so the lines of
several worker processes sharing one stderr never interleave.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "x-request-id"
USER_STATE_KEY = "user_name"
"""Where the access layer leaves the signed-in user's name: ``request.state.user_name``."""

_SECRET_PARAMETER = re.compile(r"key|token|secret|password|signature|credential|auth", re.I)
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_MAX_FIELD = 2048  # a path or query longer than this is cut
_ATOMIC_BYTES = 4096  # PIPE_BUF on Linux: a write this size or smaller is never interleaved
_CUT = 200  # a text field's length when a line would be longer than that


def redact_query(query: str) -> str:
    """``query`` with the value of every secret-looking parameter replaced by ``***``."""
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, "***" if _SECRET_PARAMETER.search(k) else v) for k, v in pairs], safe="*")


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            text = bytes(value).decode("latin-1")
            if _REQUEST_ID.fullmatch(text):
                return text
            break
    return uuid.uuid4().hex


def log_event(event: str, **fields: object) -> None:
    """One JSON line about the server itself (not a request), in the access log's format."""
    record: dict[str, object] = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "event": event,
        **fields,
    }
    _write_line(2, record)


def _write_line(fd: int, record: Mapping[str, object]) -> None:
    line = json.dumps(record, ensure_ascii=True, default=str) + "\n"
    if len(line) > _ATOMIC_BYTES:  # ASCII only, so characters are bytes
        # Cut long text fields (a huge path, an error message) so the line stays atomic.
        record = {
            name: value[:_CUT] + "...(cut)"
            if isinstance(value, str) and len(value) > _CUT
            else value
            for name, value in record.items()
        }
        line = json.dumps(record, ensure_ascii=True, default=str) + "\n"
    with contextlib.suppress(OSError):  # a closed stderr must not fail the request
        os.write(fd, line.encode())


class AccessLog:
    """ASGI middleware writing one JSON line per HTTP request to stderr (file descriptor 2)."""

    def __init__(self, app: ASGIApp, *, fd: int = 2) -> None:
        self.app = app
        self.fd = fd

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        # The access layer records the user in the request's state; make sure that state is
        # this very dict, so the name is here once the app has answered.
        scope.setdefault("state", {})
        request_id = _request_id(scope)
        status = 500  # what the client gets if the app fails before answering
        header = (REQUEST_ID_HEADER.encode(), request_id.encode())

        async def send_logged(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message = {**message, "headers": [*message.get("headers", ()), header]}
            await send(message)

        try:
            await self.app(scope, receive, send_logged)
        finally:
            self._write(scope, status, started, request_id)

    def _write(self, scope: Scope, status: int, started: float, request_id: str) -> None:
        state: dict[str, Any] = scope.get("state") or {}
        user = state.get(USER_STATE_KEY)
        query = redact_query(scope.get("query_string", b"").decode("latin-1"))
        record = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "method": scope.get("method", ""),
            "path": scope.get("path", "")[:_MAX_FIELD],
            "query": query[:_MAX_FIELD],
            "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            "user": user if isinstance(user, str) else None,
            "request_id": request_id,
        }
        _write_line(self.fd, record)
