"""A small round-robin reverse proxy in front of several `heron server` replicas.

For trying a multi-replica set-up on one machine, and as the shape of what a production proxy
(nginx, HAProxy, Caddy, a cloud load balancer) does for heron:

- spread requests over the replicas (round robin: any replica can answer any request, since
  they share one database and one object store);
- keep the client's ``Host`` header, so a replica sees the name users type (the same-origin
  check of writes compares it with the browser's ``Origin``) and add ``X-Forwarded-For``;
- pass ``X-Request-ID`` through, so the replica's access log line matches the proxy's;
- skip a replica that does not accept connections and try the next one.

Run: ``python proxy.py --port 8000 http://127.0.0.1:8001/ http://127.0.0.1:8002/``
"""

from __future__ import annotations

import argparse
import itertools
import socket
from collections.abc import AsyncIterator

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

# Headers that describe one connection, not the request: never forwarded (RFC 9110 7.6.1).
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
}


def make_app(upstreams: list[str]) -> Starlette:
    """The proxy: each request goes to the next replica that accepts a connection."""
    client = httpx.AsyncClient(timeout=httpx.Timeout(300.0, connect=5.0))
    turn = itertools.cycle(range(len(upstreams)))

    async def forward(request: Request) -> Response:
        headers = [
            (name, value)
            for name, value in request.headers.items()
            if name.lower() not in HOP_BY_HOP and name.lower() != "content-length"
        ]
        if request.client is not None:
            headers.append(("x-forwarded-for", request.client.host))
        headers.append(("x-forwarded-proto", request.url.scheme))
        body = await request.body()
        first = next(turn)
        for attempt in range(len(upstreams)):
            base = upstreams[(first + attempt) % len(upstreams)].rstrip("/")
            upstream = client.build_request(
                request.method,
                base + request.url.path,
                params=request.url.query,
                headers=headers,
                content=body,
            )
            try:
                answer = await client.send(upstream, stream=True)
            except httpx.ConnectError:
                continue  # that replica is down: the next one serves the request
            kept = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP}

            async def content(stream: httpx.Response = answer) -> AsyncIterator[bytes]:
                async for chunk in stream.aiter_raw():
                    yield chunk

            return StreamingResponse(
                content(),
                status_code=answer.status_code,
                headers=kept,
                background=BackgroundTask(answer.aclose),
            )
        return PlainTextResponse("no replica answers", status_code=502)

    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    return Starlette(routes=[Route("/{path:path}", forward, methods=methods)])


def main() -> None:
    """Parse the command line, listen, print the URL, serve until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("upstreams", nargs="+", help="replica URLs, e.g. http://127.0.0.1:8001/")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="0: any free port")
    options = parser.parse_args()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((options.host, options.port))
    sock.listen(1024)
    print(f"proxy: listening on http://{options.host}:{sock.getsockname()[1]}/", flush=True)
    config = uvicorn.Config(make_app(options.upstreams), log_level="warning")
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
