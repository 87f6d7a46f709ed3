"""Who is asking and what they may do: the access checks every API route depends on.

A server runs in one of two modes, chosen when the app is made (``create_app(auth=...)``):

- local (``heron ui``): there are no accounts. Every request acts as the local owner, who may do
  everything; the origin and token rules of heron/server/origin.py are the only guard.
- team (``heron server``): a request names its user with ``Authorization: Bearer <API key>``
  (SDK, CLI, scripts) or the session cookie set by ``POST /api/auth/login`` (the web UI); with
  neither it is anonymous. A wrong, revoked or expired credential is a 401, never a silent
  fall-back to anonymous.

In a project a user is an ``owner``, a ``writer`` or a ``viewer``: a member with that role, a
viewer of any public project, or an owner everywhere as an admin. A project the user may not
read answers 404, exactly as a missing one does, so its existence is not revealed; a project
they may read but not change answers 403 naming the project and the role needed (401 when
anonymous: signing in may help).

Routes take the checks as parameters::

    @router.put("/{report_id}")
    def update_report(project: str, access: ProjectWriter, ...) -> Report: ...

and list endpoints filter with :data:`ReadableProjects`.
"""

from __future__ import annotations

import getpass
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Request

from heron.errors import AuthenticationError, NotFoundError, PermissionDeniedError
from heron.query.references import ArtifactTableRef, TableReference
from heron.server.artifact_models import LineageGraph
from heron.server.deps import StoreDep
from heron.store import users as user_store
from heron.store.artifacts import parse_ref
from heron.store.store import Store
from heron.store.users import Role, UserRecord, role_at_least

SESSION_COOKIE = "heron_session"
"""The cookie holding a browser session's token (HttpOnly, SameSite=Strict)."""

PrincipalKind = Literal["local", "user", "anonymous"]


@dataclass(frozen=True)
class Principal:
    """Who a request acts for: the local owner, a signed-in user, or nobody in particular.

    ``user_id`` is set for signed-in users only; ``name`` is what the UI shows and what comments
    and reports record as their author (the local owner's login name in local mode).
    """

    kind: PrincipalKind
    name: str
    user_id: int | None = None
    is_admin: bool = False

    @property
    def signed_in(self) -> bool:
        """Whether the request comes from a known user (the local owner counts as one)."""
        return self.kind != "anonymous"


@dataclass(frozen=True)
class ProjectAccess:
    """The outcome of a project check: the project, the role the user holds in it, who they are.

    ``exists`` is False when the project is not there yet (a writer check lets a signed-in user
    through to create it; the route decides whether it may).
    """

    project: str
    role: Role
    user: Principal
    exists: bool = True

    def may(self, needed: Role) -> bool:
        """Whether the role held allows what ``needed`` allows."""
        return role_at_least(self.role, needed)


ANONYMOUS = Principal(kind="anonymous", name="anonymous")


def local_owner() -> Principal:
    """The one user of a local server: the login name of whoever started it ("local" if none)."""
    try:
        name = getpass.getuser() or "local"
    except (KeyError, OSError):  # no login name in a bare container
        name = "local"
    return Principal(kind="local", name=name, is_admin=True)


def auth_enabled(request: Request) -> bool:
    """Whether the app serving ``request`` checks users (a team server) or not (local)."""
    return bool(getattr(request.app.state, "auth", False))


def _principal(user: UserRecord) -> Principal:
    return Principal(kind="user", name=user.name, user_id=user.id, is_admin=user.is_admin)


def bearer_key(request: Request) -> str | None:
    """The API key in the request's ``Authorization`` header, if it has one."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, key = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise AuthenticationError(
            "the Authorization header must read 'Bearer <API key>' "
            "(heron users create prints a key)"
        )
    return key.strip()


def _current_user(request: Request, store: StoreDep) -> Principal:
    if not auth_enabled(request):
        owner: Principal = request.app.state.local_owner
        return owner
    key = bearer_key(request)
    token = request.cookies.get(SESSION_COOKIE)
    if key is not None:
        user = _principal(user_store.authenticate(store.engine, key))
    elif token:
        user = _principal(user_store.session_user(store.engine, token))
    else:
        return ANONYMOUS
    request.state.user_name = user.name  # for the access log (heron/server/access_log.py)
    return user


CurrentUser = Annotated[Principal, Depends(_current_user)]
"""The user a request acts for (the local owner when the server has no accounts)."""


def role_in(store: Store, user: Principal, project: str) -> tuple[Role | None, bool]:
    """The role ``user`` holds in ``project`` (None: may not read it), and whether it exists."""
    if user.kind == "local":
        return "owner", True
    record = user_store.project_access(store.engine, project, user.user_id)
    if user.is_admin:
        return "owner", record.exists
    if record.member_role is not None:
        return record.member_role, record.exists
    if record.exists and record.visibility == "public":
        return "viewer", True
    return None, record.exists


def require_role(store: Store, user: Principal, project: str, needed: Role) -> ProjectAccess:
    """``user``'s access to ``project`` if it allows ``needed``; otherwise the error to answer.

    Not readable: NotFoundError, worded as for a missing project. Readable but not enough:
    AuthenticationError for anonymous requests, PermissionDeniedError for users. A signed-in
    user may write to a project that does not exist yet (creating it makes them its owner).
    """
    role, exists = role_in(store, user, project)
    if not exists and role is None and needed != "viewer" and user.signed_in:
        return ProjectAccess(project=project, role="owner", user=user, exists=False)
    if role is None:
        raise NotFoundError(f"no project named {project!r}")
    if role_at_least(role, needed):
        return ProjectAccess(project=project, role=role, user=user, exists=exists)
    action = "changing" if needed == "writer" else "managing"
    if not user.signed_in:
        raise AuthenticationError(
            f"{action} project {project!r} needs the {needed} role: sign in with an API key "
            "(Authorization: Bearer <key>, or the sign-in page)"
        )
    raise PermissionDeniedError(
        f"{action} project {project!r} needs the {needed} role; {user.name} is a {role} there"
    )


def check_artifact_refs(store: Store, user: Principal, project: str, refs: Iterable[str]) -> None:
    """Refuse artifact references (``other/name:v3``) into projects ``user`` may not read.

    A request is checked against the project in its path; a reference may still name a version
    of another project, which must be readable too (404 as for a missing project otherwise).
    """
    for ref in refs:
        ref_project, _name, _selector = parse_ref(ref)
        if ref_project is not None and ref_project != project:
            require_role(store, user, ref_project, "viewer")


def check_table_references(
    store: Store, user: Principal, project: str, references: Iterable[TableReference]
) -> None:
    """:func:`check_artifact_refs` for the artifact tables among a query's tables (a run's
    table is always looked up inside the request's project)."""
    check_artifact_refs(
        store,
        user,
        project,
        (ref.artifact for ref in references if isinstance(ref, ArtifactTableRef)),
    )


def visible_lineage(graph: LineageGraph, readable: Collection[str] | None) -> LineageGraph:
    """``graph`` without the runs and versions of projects not in ``readable`` (None: all are),
    nor the edges to them: lineage crosses projects, access does not."""
    if readable is None:
        return graph
    nodes = [n for n in graph.nodes if n.project is None or n.project in readable]
    kept = {n.id for n in nodes}
    edges = [e for e in graph.edges if e.source in kept and e.target in kept]
    return graph.model_copy(update={"nodes": nodes, "edges": edges})


def _reader(project: str, user: CurrentUser, store: StoreDep) -> ProjectAccess:
    return require_role(store, user, project, "viewer")


def _writer(project: str, user: CurrentUser, store: StoreDep) -> ProjectAccess:
    return require_role(store, user, project, "writer")


def _owner(project: str, user: CurrentUser, store: StoreDep) -> ProjectAccess:
    return require_role(store, user, project, "owner")


ProjectReader = Annotated[ProjectAccess, Depends(_reader)]
"""The route's ``{project}`` may be read by the user (404 otherwise)."""

ProjectWriter = Annotated[ProjectAccess, Depends(_writer)]
"""The user may change the route's ``{project}``: runs, artifacts, aliases, reports (writer+)."""

ProjectOwner = Annotated[ProjectAccess, Depends(_owner)]
"""The user owns the route's ``{project}``: members, visibility, others' comments."""

READ_PROJECT = Depends(_reader)
"""For a router's ``dependencies=[...]``: every route under it reads ``{project}``."""

WRITE_PROJECT = Depends(_writer)
"""For a route's ``dependencies=[...]``: it changes ``{project}`` (writer role or more)."""


def require_user(user: CurrentUser) -> Principal:
    """Dependency: any signed-in user (the local owner is one); 401 for anonymous requests."""
    if not user.signed_in:
        raise AuthenticationError(
            "this needs a signed-in user: send Authorization: Bearer <API key>, or sign in"
        )
    return user


SignedIn = Annotated[Principal, Depends(require_user)]
"""The signed-in user, for routes any user may call (uploads by content hash)."""

SIGNED_IN = Depends(require_user)
"""For a route's ``dependencies=[...]``: refused (401) before its body is even validated."""


def require_admin(user: CurrentUser) -> Principal:
    """Dependency: the user is an admin (the local owner is one); 401/403 otherwise."""
    if user.is_admin:
        return user
    if not user.signed_in:
        raise AuthenticationError("this needs an admin: sign in with an admin's API key")
    raise PermissionDeniedError(f"this needs an admin; {user.name} is not one")


AdminUser = Annotated[Principal, Depends(require_admin)]
"""The signed-in admin (or the local owner), for admin-only routes."""


def _readable_projects(user: CurrentUser, store: StoreDep) -> dict[str, Role] | None:
    if user.kind == "local":
        return None
    return user_store.project_roles(store.engine, user.user_id, is_admin=user.is_admin)


ReadableProjects = Annotated[dict[str, Role] | None, Depends(_readable_projects)]
"""The projects the user may read with their role in each; None means every project (local)."""
