"""Probes for load balancers and process supervisors: is this process alive, may it take traffic.

``GET /api/health`` answers as long as the process serves requests; ``GET /api/ready`` also asks
the metadata database (it answers, and its schema is the one this heron expects) and the blob
store (it answers). Both are open to anyone, so they say which check failed and nothing else:
no store path, no database address, no error text (those go to the server's log).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from heron.server.access_log import log_event
from heron.store.store import Store

router = APIRouter(tags=["server"])

CheckState = Literal["ok", "failed"]


class Health(BaseModel):
    """The process is alive."""

    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    """Whether the server can serve: each dependency's check, and the overall answer."""

    status: Literal["ready", "unavailable"]
    checks: dict[str, CheckState]


def _check_database(store: Store) -> None:
    from heron.store.migrations import SCHEMA_VERSION, current_version

    with store.engine.connect() as connection:
        version = current_version(connection)
    if version != SCHEMA_VERSION:
        raise RuntimeError(f"schema version {version}, this heron expects {SCHEMA_VERSION}")


def _check_blobs(store: Store) -> None:
    # An object store offers its own probe (a request to the bucket); the local directory
    # store answers when its directory is there.
    probe: Callable[[], object] | None = getattr(store.blobs, "check", None)
    if probe is not None:
        probe()
        return
    root = getattr(store.blobs, "root", None)
    if root is not None and not root.is_dir():
        raise RuntimeError(f"blob directory {root} is missing")


_CHECKS: dict[str, Callable[[Store], None]] = {
    "database": _check_database,
    "blobs": _check_blobs,
}


@router.get("/api/health", response_model=Health, include_in_schema=False)
def health() -> Health:
    """200 while the process serves requests (a liveness probe: it touches nothing else)."""
    return Health()


@router.get("/api/ready", response_model=Readiness, include_in_schema=False)
def ready(request: Request) -> JSONResponse:
    """200 when the database answers with the current schema and the blob store answers,
    else 503 naming the failed check (a readiness probe: take the replica out of rotation)."""
    store: Store = request.app.state.store
    checks: dict[str, CheckState] = {}
    for name, check in _CHECKS.items():
        try:
            check(store)
        except Exception as error:  # any failure means "not ready"; its text is for the log only
            log_event("readiness_check_failed", check=name, error=str(error))
            checks[name] = "failed"
        else:
            checks[name] = "ok"
    ok = all(state == "ok" for state in checks.values())
    body = Readiness(status="ready" if ok else "unavailable", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)
