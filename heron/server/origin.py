"""Who may talk to a local server: the Host check, the same-origin proof for writes, the body limit.

A server on ``127.0.0.1`` is still reachable from any web page the user opens: a page on
``attacker.example`` can re-point its own name at 127.0.0.1 (DNS rebinding) and then read every
answer, and any page can send a form or a ``fetch`` that changes state. So, for every request:

- the ``Host`` header must name this server: ``localhost``, ``127.0.0.1``, ``[::1]`` (any port),
  the address it was started on, or a name given in the allow-list; anything else gets a 421 and
  no data, which defeats rebinding because the attacker's page always sends its own name;
- a request that changes state (POST, PUT, PATCH, DELETE) must prove it comes from heron's own
  pages: an ``Origin`` header, when present, must be this server's own origin (or an allowed
  name); without an ``Origin`` the per-server token must come in the ``X-Heron-Token`` header.
  heron's pages carry the token in a ``<meta name="heron-token">`` tag, which a page on another
  origin cannot read (no CORS, and the Host check stops rebinding);
- a body larger than the limit is refused with a 413 before it is read into memory: at once when
  ``Content-Length`` says so, else as soon as the streamed bytes pass the limit.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from heron.server.errors import error_response

TOKEN_HEADER = "X-Heron-Token"
TOKEN_META = "heron-token"
DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024
"""The largest request body a server accepts unless told otherwise (reports and query documents
are a few hundred KB at most; the largest legitimate body is far below this)."""

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
_WILDCARD_BINDS = ("0.0.0.0", "::", "")
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def new_token() -> str:
    """A fresh random token for one server's lifetime."""
    return secrets.token_urlsafe(32)


def _normalise(host: str) -> str:
    """A host name or address without brackets, trailing dot or case: ``[::1]`` -> ``::1``."""
    host = host.strip().lower().rstrip(".")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def split_host(value: str) -> tuple[str, int | None] | None:
    """``(host, port)`` of a Host header value (``name``, ``name:8080``, ``[::1]:8080``).

    None when the value is not a host at all (empty, bad port, stray characters).
    """
    value = value.strip()
    if not value or any(c in value for c in "/\\@?#% "):
        return None
    port: int | None = None
    if value.startswith("["):
        close = value.find("]")
        if close < 0:
            return None
        host, rest = value[1:close], value[close + 1 :]
        if rest:
            if not rest.startswith(":") or not rest[1:].isdigit():
                return None
            port = int(rest[1:])
        if not _is_ip(host):
            return None
    elif value.count(":") == 1:
        host, _, port_text = value.partition(":")
        if not port_text.isdigit():
            return None
        port = int(port_text)
    elif ":" in value:
        return None  # an IPv6 address must be bracketed in a Host header
    else:
        host = value
    if port is not None and not 0 < port < 65536:
        return None
    host = _normalise(host)
    return (host, port) if host else None


@dataclass(frozen=True)
class OriginPolicy:
    """The names this server answers to, the token that proves a write, and the body limit.

    ``extra_hosts`` are names given explicitly (a proxy's public name): requests from pages served
    under them may write, as may pages of the server's own origin. ``any_ip`` accepts any IP
    address as Host (a server bound to every interface is reached by whichever address the user
    types; an address is never a rebinding vector, only a name is). ``any_host`` turns the
    Host check off entirely, for those who put their own check in front; a write must still come
    from the origin it is sent to. ``bearer_writes`` (team servers) lets a write without an
    Origin through when it carries an ``Authorization`` header: a browser never adds one on its
    own, so such a request is a script's, and the key in it is checked like any other.
    """

    hosts: frozenset[str]
    extra_hosts: frozenset[str]
    token: str
    max_body_bytes: int
    any_ip: bool = False
    any_host: bool = False
    bearer_writes: bool = False

    @classmethod
    def build(
        cls,
        *,
        host: str | None = None,
        allowed_hosts: Iterable[str] = (),
        token: str | None = None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        bearer_writes: bool = False,
    ) -> OriginPolicy:
        """The policy of a server started on ``host`` (a bind address), plus ``allowed_hosts``."""
        if max_body_bytes < 0:
            raise ValueError("max_body_bytes must be zero or more")
        extra = {_normalise(h) for h in allowed_hosts if h.strip()}
        any_host = "*" in extra
        extra.discard("*")
        hosts = set(LOOPBACK_HOSTS) | extra
        any_ip = False
        if host is not None:
            bind = _normalise(host)
            if bind in _WILDCARD_BINDS:
                # Bound to every interface: the machine's own names and any address it has.
                any_ip = True
                hosts |= {_normalise(socket.gethostname()), _normalise(socket.getfqdn())}
            else:
                hosts.add(bind)
        hosts.discard("")
        return cls(
            hosts=frozenset(hosts),
            extra_hosts=frozenset(extra),
            token=token or new_token(),
            max_body_bytes=max_body_bytes,
            any_ip=any_ip,
            any_host=any_host,
            bearer_writes=bearer_writes,
        )

    def allows_host(self, host: str) -> bool:
        """Whether a request naming ``host`` (normalised, without port) is for this server."""
        if self.any_host or host in self.hosts:
            return True
        return (self.any_ip or host.startswith("127.")) and _is_ip(host)

    def token_matches(self, sent: str) -> bool:
        """Whether ``sent`` is this server's token (compared in constant time)."""
        return hmac.compare_digest(sent.encode(), self.token.encode())

    def origin_problem(self, origin: str, host_header: str, scheme: str) -> str | None:
        """Why a write from ``origin`` is refused, or None if it comes from an allowed page."""
        if origin == "null":
            return "a write from an opaque origin (a sandboxed frame or a local file) is refused"
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return f"a write from origin {origin!r} is refused: it is not a web origin"
        try:
            origin_port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            return f"a write from origin {origin!r} is refused: its port is not a number"
        origin_host = _normalise(parts.hostname)
        # Even with the Host check off ("*"), a page may write only to the origin it came from.
        if origin_host in self.extra_hosts:
            return None
        own = split_host(host_header)
        if own is not None:
            own_port = own[1] or (443 if scheme == "https" else 80)
            if (parts.scheme, origin_host, origin_port) == (scheme, own[0], own_port):
                return None
        return (
            f"a write from origin {origin!r} is refused: only pages served by this server "
            f"({host_header}) may change it"
        )


class OriginGuard:
    """ASGI middleware applying an :class:`OriginPolicy` to every HTTP request."""

    def __init__(self, app: ASGIApp, policy: OriginPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer the request with an error, or pass it on with its body counted."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            status, error_type, message = refusal
            await error_response(status, error_type, message)(scope, receive, send)
            return
        await self.app(scope, self._limited(receive), send)

    def _refusal(self, scope: Scope, headers: Headers) -> tuple[int, str, str] | None:
        policy = self.policy
        host_header = headers.get("host", "")
        parsed = split_host(host_header)
        if parsed is None:
            return 400, "HostError", f"the request's Host header {host_header!r} is not a host name"
        if not policy.allows_host(parsed[0]):
            # The page asking may be the rebinding one, so the answer names no other host.
            return (
                421,
                "HostError",
                f"this heron server does not answer to host {parsed[0]!r}; to serve it under "
                "that name, start it with heron ui --allow-host NAME",
            )
        if scope["method"] not in _SAFE_METHODS:
            origin = headers.get("origin")
            if origin is not None:
                problem = policy.origin_problem(origin, host_header, scope.get("scheme", "http"))
                if problem is not None:
                    return 403, "OriginError", problem
            sent = headers.get(TOKEN_HEADER.lower())
            if sent is not None and not policy.token_matches(sent):
                return 403, "OriginError", f"the {TOKEN_HEADER} header does not match this server's"
            scripted = policy.bearer_writes and "authorization" in headers
            if origin is None and sent is None and not scripted:
                return (
                    403,
                    "OriginError",
                    f"a {scope['method']} request needs this server's token in the {TOKEN_HEADER} "
                    "header (heron ui prints it) or an Origin header of this server's own pages",
                )
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > policy.max_body_bytes:
            return 413, "RequestTooLarge", self._too_large(int(declared))
        return None

    def _too_large(self, size: int | None) -> str:
        limit = self.policy.max_body_bytes
        what = f"{size:,} bytes" if size is not None else f"more than {limit:,} bytes"
        return (
            f"the request body ({what}) is larger than this server's limit of {limit:,} bytes "
            "(heron ui --max-body-mb raises it)"
        )

    def _limited(self, receive: Receive) -> Receive:
        """``receive`` that refuses a streamed body as soon as it passes the limit."""
        limit = self.policy.max_body_bytes
        seen = 0

        async def receive_counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # FastAPI passes an HTTPException raised while reading the body on to the
                    # error handlers, which answer in heron's error shape.
                    raise HTTPException(413, detail=self._too_large(None))
            return message

        return receive_counted
