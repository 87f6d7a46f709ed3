"""A small HTTP client for a heron server's API, on the standard library.

The SDK in remote mode must stay light and must not depend on the server's packages, so this
speaks HTTP/1.1 with ``http.client`` over one kept-alive connection per client. A server that
cannot be reached, or answers that it cannot take the request now (409 for a write that
collided with another, 429, 502, 503, 504), raises :class:`ServerUnavailable` (the caller keeps
its data and tries again later); any other error answer raises :class:`ServerRefused` with the
server's own message.
"""

from __future__ import annotations

import http.client
import json
import threading
from typing import Any
from urllib.parse import urlsplit

from heron.errors import HeronError, UsageError

TIMEOUT_SECONDS = 60.0
# 409: a write collided with one made at the same moment (the server says to try again).
_RETRYABLE_STATUS = frozenset({409, 429, 502, 503, 504})
# What a request on a kept-alive connection the server has since closed fails with.
_STALE_CONNECTION = (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected)


class ServerUnavailable(HeronError):
    """The server did not answer, or answered that it cannot serve now: try again later."""


class ServerRefused(HeronError):
    """The server answered a request with an error (bad key, no access, invalid data)."""

    def __init__(self, status: int, message: str, body: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class ApiClient:
    """Requests to one heron server, authenticated with an API key (``Authorization: Bearer``).

    ``write_token`` is a local server's write token (``heron ui``), for servers without accounts.
    Thread-safe: requests are serialised on the one connection.
    """

    def __init__(
        self, url: str, api_key: str | None = None, *, write_token: str | None = None
    ) -> None:
        parts = urlsplit(url.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(f"server URL {url!r} must look like http://host:port")
        self.url = url.rstrip("/")
        self._scheme = parts.scheme
        self._host = parts.hostname
        self._port = parts.port
        self._prefix = parts.path.rstrip("/")
        self._headers = {"User-Agent": "heron-sync"}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"
        if write_token:
            self._headers["X-Heron-Token"] = write_token
        self._connection: http.client.HTTPConnection | None = None
        self._lock = threading.Lock()

    def _connect(self) -> http.client.HTTPConnection:
        if self._connection is None:
            kind = (
                http.client.HTTPSConnection
                if self._scheme == "https"
                else http.client.HTTPConnection
            )
            self._connection = kind(self._host, self._port, timeout=TIMEOUT_SECONDS)
        return self._connection

    def _send(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[http.client.HTTPResponse, bytes]:
        connection = self._connect()
        connection.request(method, self._prefix + path, body=body, headers=headers)
        response = connection.getresponse()
        return response, response.read()

    def _drop_connection(self) -> None:
        if self._connection is not None:
            self._connection.close()
        self._connection = None

    def close(self) -> None:
        """Close the kept-alive connection."""
        with self._lock:
            self._drop_connection()

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        data: bytes | None = None,
        accept: tuple[int, ...] = (),
    ) -> tuple[int, bytes]:
        """Send a request; (status, body) of a 2xx answer or one of ``accept``."""
        headers = dict(self._headers)
        body: bytes | None = data
        if json_body is not None:
            body = json.dumps(json_body, allow_nan=True).encode()
            headers["Content-Type"] = "application/json"
        elif data is not None:
            headers["Content-Type"] = "application/octet-stream"
        with self._lock:
            reused = self._connection is not None
            try:
                response, payload = self._send(method, path, body, headers)
            except _STALE_CONNECTION:
                if not reused:
                    self._drop_connection()
                    raise ServerUnavailable(f"{self.url} closed the connection") from None
                # The server closed the kept-alive connection while it was idle (a restart,
                # its keep-alive timeout): every sync request is idempotent, so send it once
                # more on a new connection before calling the server unreachable.
                self._drop_connection()
                try:
                    response, payload = self._send(method, path, body, headers)
                except (OSError, http.client.HTTPException) as error:
                    self._drop_connection()
                    raise ServerUnavailable(f"{self.url} did not answer ({error})") from None
            except (OSError, http.client.HTTPException) as error:
                self._drop_connection()
                raise ServerUnavailable(f"{self.url} did not answer ({error})") from None
        status = response.status
        if 200 <= status < 300 or status in accept:
            return status, payload
        message = _error_message(payload) or f"HTTP {status}"
        if status in _RETRYABLE_STATUS:
            raise ServerUnavailable(f"{self.url} cannot serve now: {message}")
        raise ServerRefused(status, f"{self.url} refused {method} {path}: {message}", payload)

    def json(self, method: str, path: str, body: Any = None) -> Any:
        """Send a JSON request and return the parsed answer."""
        _, payload = self.request(method, path, json_body=body)
        return json.loads(payload) if payload else None


def _error_message(payload: bytes) -> str:
    try:
        document = json.loads(payload)
    except ValueError:
        return payload[:300].decode("utf-8", errors="replace")
    if isinstance(document, dict) and isinstance(document.get("error"), dict):
        return str(document["error"].get("message", ""))
    return str(document)[:300]
