"""The application factory: ``create_app`` opens a store and serves its API and the web UI."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from heron import __version__
from heron.server import health
from heron.server.access import CurrentUser, local_owner
from heron.server.access_log import AccessLog
from heron.server.deps import StoreDep
from heron.server.errors import install_error_handlers
from heron.server.models import ErrorResponse, ServerInfo
from heron.server.origin import DEFAULT_MAX_BODY_BYTES, OriginGuard, OriginPolicy
from heron.server.routes import (
    artifacts,
    auth,
    charts,
    comments,
    direct_uploads,
    evaluation,
    media,
    metrics,
    projects,
    queries,
    reports,
    runs,
    sync,
    sync_reads,
    tables,
)
from heron.server.static import STATIC_DIR, install_static
from heron.store.store import Store

ROUTERS = (
    auth.router,
    projects.router,
    runs.router,
    metrics.router,
    tables.router,
    tables.project_router,
    charts.router,
    queries.router,
    media.router,
    artifacts.router,
    evaluation.router,
    reports.router,
    comments.router,
    sync.router,
    sync_reads.router,
    direct_uploads.router,
)

_ERRORS = {
    400: {"model": ErrorResponse, "description": "bad request"},
    401: {"model": ErrorResponse, "description": "a team server's key or session is wrong"},
    403: {
        "model": ErrorResponse,
        "description": "a write without same-origin proof, or a role that does not allow it",
    },
    404: {"model": ErrorResponse, "description": "not found"},
    413: {"model": ErrorResponse, "description": "request body over the server's limit"},
    422: {"model": ErrorResponse, "description": "a parameter or body field is invalid"},
    500: {"model": ErrorResponse, "description": "server error"},
}


def create_app(
    store_dir: str | os.PathLike[str] | None = None,
    database_url: str | None = None,
    *,
    static_dir: Path | None = None,
    host: str | None = None,
    allowed_hosts: Sequence[str] = (),
    write_token: str | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    auth: bool = False,
    access_log: bool = False,
    create: bool = False,
) -> FastAPI:
    """The FastAPI app serving the store at ``store_dir`` (default: $HERON_DIR, ./heron-data).

    The store must exist (NotAStoreError otherwise) unless ``create``; it is closed when the
    app shuts down.
    The app answers only requests whose Host is ``localhost``, ``127.0.0.1`` or ``[::1]``, the
    address ``host`` it is served on, or a name in ``allowed_hosts`` (``"*"``: any); a write must
    come from its own pages or carry ``write_token`` (random when not given; the app keeps it
    in ``app.state.write_token``) in the ``X-Heron-Token`` header. Bodies over
    ``max_body_bytes`` are refused with a 413. See heron/server/origin.py.
    ``access_log`` writes one JSON line per request to stderr (heron/server/access_log.py).
    ``auth`` makes it a team server: requests name their user with an API key or a session,
    and every route checks that user's role in the project (heron/server/access.py); a
    script's write with an API key needs no token. Without it every request acts as the local
    owner.
    """
    policy = OriginPolicy.build(
        host=host,
        allowed_hosts=allowed_hosts,
        token=write_token,
        max_body_bytes=max_body_bytes,
        bearer_writes=auth,
    )
    store = Store.open(store_dir, database_url=database_url, create=create)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()

    app = FastAPI(
        title="heron",
        version=__version__,
        description="The HTTP API of a heron store: projects, runs, metrics, tables, media.",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    app.state.store = store
    app.state.write_token = policy.token
    app.state.auth = auth
    app.state.local_owner = local_owner()
    app.add_middleware(OriginGuard, policy=policy)
    if access_log:
        # Added last, so it is outermost: it also logs what the origin guard refuses.
        app.add_middleware(AccessLog)
    install_error_handlers(app)

    @app.get("/api/info", response_model=ServerInfo, tags=["server"])
    def info(store: StoreDep, user: CurrentUser) -> ServerInfo:
        """The heron version and the store this server reads (on a team server, where it is
        only to admins: a path on the server is nobody else's business)."""
        return ServerInfo(version=__version__, store=str(store.root) if user.is_admin else "")

    app.include_router(health.router)
    for router in ROUTERS:
        app.include_router(router, responses=_ERRORS)  # type: ignore[arg-type]
    install_static(app, static_dir or STATIC_DIR, write_token=policy.token)
    return app
