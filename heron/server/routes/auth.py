"""Signing in and out of a team server, and who the current user is.

The web UI signs in by sending an API key once to ``POST /api/auth/login``; the server answers
with a session cookie (HttpOnly, so page scripts never hold the key or the session;
SameSite=Strict, so other sites' pages cannot send it; Secure over https). Scripts skip this and
send their key with every request (``Authorization: Bearer <key>``).
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from heron.errors import UsageError
from heron.server.access import (
    SESSION_COOKIE,
    CurrentUser,
    Principal,
    ReadableProjects,
    auth_enabled,
)
from heron.server.deps import StoreDep
from heron.store import runs as run_store
from heron.store import users as user_store
from heron.store.users import Role

router = APIRouter(prefix="/api/auth", tags=["auth"])


class SignedInUser(BaseModel):
    """Who a request acts for."""

    name: str
    kind: Literal["local", "user", "anonymous"] = Field(
        description="local: a server without accounts (heron ui); user: signed in; anonymous"
    )
    is_admin: bool


class ProjectRole(BaseModel):
    """A project the user may read and the role they hold in it."""

    project: str
    role: Role


class AuthStatus(BaseModel):
    """Whether the server has accounts, who is signed in and what they may do where."""

    auth: bool = Field(description="true on a team server (accounts and roles), false locally")
    user: SignedInUser | None = Field(description="null when nobody is signed in")
    projects: list[ProjectRole]


class LoginRequest(BaseModel):
    """An API key to sign in with (``heron users create`` prints one)."""

    key: str = Field(min_length=1, max_length=256)


def _status(
    request: Request, user: Principal, readable: dict[str, Role] | None, store: StoreDep
) -> AuthStatus:
    if readable is None:  # local: the owner of every project
        readable = {row["name"]: "owner" for row in run_store.list_projects(store.engine)}
    return AuthStatus(
        auth=auth_enabled(request),
        user=None
        if not user.signed_in
        else SignedInUser(name=user.name, kind=user.kind, is_admin=user.is_admin),
        projects=[ProjectRole(project=name, role=role) for name, role in sorted(readable.items())],
    )


@router.get("/me", response_model=AuthStatus)
def me(
    request: Request, user: CurrentUser, readable: ReadableProjects, store: StoreDep
) -> AuthStatus:
    """Who is signed in (null if nobody), and their role in each project they may read."""
    return _status(request, user, readable, store)


@router.post("/login", response_model=AuthStatus)
def login(request: Request, body: LoginRequest, response: Response, store: StoreDep) -> AuthStatus:
    """Sign in with an API key: sets the session cookie; 401 for a wrong or revoked key."""
    if not auth_enabled(request):
        raise UsageError("this server has no accounts (heron ui): there is nothing to sign in to")
    token, record = user_store.start_session(store.engine, body.key)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=user_store.SESSION_SECONDS,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    user = Principal(kind="user", name=record.name, user_id=record.id, is_admin=record.is_admin)
    readable = user_store.project_roles(store.engine, record.id, is_admin=record.is_admin)
    return _status(request, user, readable, store)


@router.post("/logout", status_code=204, response_class=Response)
def logout(request: Request, store: StoreDep) -> Response:
    """Sign out: the session ends on the server and its cookie is cleared."""
    token = request.cookies.get(SESSION_COOKIE)
    if token and auth_enabled(request):
        user_store.end_session(store.engine, token)
    response = Response(status_code=204)
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response
