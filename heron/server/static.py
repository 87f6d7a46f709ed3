"""Serving the built web UI from ``_static/``, with the single-page-app fallback.

Any path that is not an API route and not a built file gets ``index.html``, so a deep link such as
``/projects/nature/runs/abc`` opens the right view. A path that would resolve outside ``_static``
(``..``, encoded slashes, absolute paths) is never served from disk. ``index.html`` carries the
server's write token in a ``<meta name="heron-token">`` tag, which the UI sends with every write.
"""

from __future__ import annotations

import html
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from heron.server.errors import error_response
from heron.server.origin import TOKEN_META

STATIC_DIR = Path(__file__).parent / "_static"

_NOT_BUILT = """<!doctype html><html><head><title>heron</title></head><body style="font-family:sans-serif;
padding:3rem"><h1>heron</h1><p>The web UI is not built. From a source checkout run
<code>scripts/build_ui.sh</code> (or <code>make ui-build</code>) and reload. The HTTP API is at
<a href="/api/docs">/api/docs</a>.</p></body></html>"""


def static_file(root: Path, relative: str) -> Path | None:
    """The built file ``relative`` names under ``root``, or None if it is missing or escapes it."""
    if not relative or "\x00" in relative:
        return None
    base = root.resolve()
    candidate = (base / relative.lstrip("/")).resolve()
    if not candidate.is_relative_to(base) or not candidate.is_file():
        return None
    return candidate


def with_token(page: str, token: str) -> str:
    """``page`` (an HTML document) with ``token`` in a meta tag at the end of its head."""
    tag = f'<meta name="{TOKEN_META}" content="{html.escape(token)}">'
    end = page.find("</head>")
    if end < 0:
        return tag + page
    return page[:end] + tag + page[end:]


def install_static(app: FastAPI, root: Path = STATIC_DIR, *, write_token: str = "") -> None:
    """Serve the UI: built files as they are, every other non-API path as ``index.html``."""

    @app.get("/{path:path}", include_in_schema=False)
    def serve_ui(path: str, request: Request) -> Response:
        if path == "api" or path.startswith("api/"):
            return error_response(404, "NotFoundError", f"no API route GET /{path}")
        found = static_file(root, path)
        if found is not None:
            # Vite puts a content hash in every asset's name, so assets never change.
            cache = (
                "public, max-age=31536000, immutable" if path.startswith("assets/") else "no-cache"
            )
            if found.name != "index.html":
                return FileResponse(found, headers={"Cache-Control": cache})
        index = root / "index.html"
        if not index.is_file():
            return HTMLResponse(_NOT_BUILT, status_code=503)
        # No validator goes with the page, so "no-cache" fetches it anew: the token differs per server.
        page = with_token(index.read_text(encoding="utf-8"), write_token)
        return HTMLResponse(page, headers={"Cache-Control": "no-cache"})
