"""Users of a team server: accounts, API keys, browser sessions, project roles and visibility.

An API key reads ``heron_<id>_<secret>``: the id is stored in the clear so a key is found (and
revoked) by it; of the secret, 32 random bytes, only its sha256 is kept. A key that random needs
no slow hash: guessing one is hopeless whatever the hash costs, and a fast one keeps every
request's check cheap. Keys are shown once, when made.

Roles rank ``viewer`` < ``writer`` < ``owner``; a project is ``private`` (members only) unless
made ``public`` (anyone may read). Admins act as owners everywhere. Every write is one
transaction guarded by unique constraints, so concurrent servers cannot create a user twice or
lose a grant.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any, Literal, get_args

from sqlalchemy import Connection, Engine, and_, select
from sqlalchemy.exc import IntegrityError as DatabaseIntegrityError

from heron.errors import AuthenticationError, NotFoundError, UsageError
from heron.store import schema
from heron.store.database import insert_ignoring_duplicates, write
from heron.store.manifest import check_project_name
from heron.store.runs import project_id

Role = Literal["viewer", "writer", "owner"]
Visibility = Literal["private", "public"]
ROLES: tuple[Role, ...] = get_args(Role)
VISIBILITIES: tuple[Visibility, ...] = get_args(Visibility)
_RANK = {role: rank for rank, role in enumerate(ROLES, start=1)}

KEY_PREFIX = "heron_"
SESSION_SECONDS = 30 * 24 * 3600
"""How long a browser session lasts after signing in (revoking its key ends it at once)."""

_USER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_KEY = re.compile(r"heron_([0-9a-f]{16})_([A-Za-z0-9_-]{20,100})")
_ROLE_ALIASES: dict[str, Role] = {"member": "writer"}


@dataclass(frozen=True)
class UserRecord:
    """One account."""

    id: int
    name: str
    is_admin: bool
    created_at: float


@dataclass(frozen=True)
class NewKey:
    """A key just made: ``key`` is the only copy of the secret, to be shown once."""

    key: str
    key_id: str
    user: UserRecord


@dataclass(frozen=True)
class KeyRecord:
    """What is stored about a key: never its secret."""

    id: str
    user: str
    created_at: float
    revoked_at: float | None


@dataclass(frozen=True)
class ProjectAccessRecord:
    """A project's visibility and the role a user holds in it (None: not a member)."""

    exists: bool
    visibility: Visibility
    member_role: Role | None


def role_at_least(role: Role | None, needed: Role) -> bool:
    """Whether ``role`` includes what ``needed`` allows."""
    return role is not None and _RANK[role] >= _RANK[needed]


def parse_role(text: str) -> Role:
    """A role from its name (``member`` is another name for ``writer``); UsageError otherwise."""
    role = _ROLE_ALIASES.get(text, text)
    for known in ROLES:
        if role == known:
            return known
    raise UsageError(f"unknown role {text!r}: use one of viewer, writer (member), owner")


def parse_visibility(text: str) -> Visibility:
    """``private`` or ``public``; UsageError otherwise."""
    for known in VISIBILITIES:
        if text == known:
            return known
    raise UsageError(f"unknown visibility {text!r}: use private or public")


def _check_user_name(name: str) -> str:
    if not _USER_NAME.fullmatch(name):
        raise UsageError(
            f"invalid user name {name!r}: use 1 to 64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _user(row: Any) -> UserRecord:
    m = row._mapping
    return UserRecord(
        id=int(m["id"]), name=m["name"], is_admin=bool(m["is_admin"]), created_at=m["created_at"]
    )


def _user_id(connection: Connection, name: str) -> int:
    row = connection.execute(select(schema.users.c.id).where(schema.users.c.name == name)).first()
    if row is None:
        raise NotFoundError(f"no user named {name!r}")
    return int(row[0])


def _new_key(connection: Connection, user: UserRecord) -> NewKey:
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    connection.execute(
        schema.api_keys.insert().values(
            id=key_id, user_id=user.id, secret_sha256=_hash(secret), created_at=time.time()
        )
    )
    return NewKey(key=f"{KEY_PREFIX}{key_id}_{secret}", key_id=key_id, user=user)


def create_user(engine: Engine, name: str, *, admin: bool = False) -> NewKey:
    """A new user and their first API key; UsageError if the name is taken."""
    _check_user_name(name)
    try:
        with write(engine) as connection:
            result = connection.execute(
                schema.users.insert().values(name=name, is_admin=admin, created_at=time.time())
            )
            (new_id,) = result.inserted_primary_key or (None,)
            row = connection.execute(select(schema.users).where(schema.users.c.id == new_id)).one()
            return _new_key(connection, _user(row))
    except DatabaseIntegrityError as error:
        # Two servers creating the same name at once: the unique constraint decides.
        raise UsageError(f"a user named {name!r} already exists") from error


def create_key(engine: Engine, user_name: str) -> NewKey:
    """Another API key for an existing user."""
    with write(engine) as connection:
        row = connection.execute(
            select(schema.users).where(schema.users.c.name == user_name)
        ).first()
        if row is None:
            raise NotFoundError(f"no user named {user_name!r}")
        return _new_key(connection, _user(row))


def get_user(engine: Engine, name: str) -> UserRecord:
    """One user by name."""
    with engine.connect() as connection:
        row = connection.execute(select(schema.users).where(schema.users.c.name == name)).first()
    if row is None:
        raise NotFoundError(f"no user named {name!r}")
    return _user(row)


def list_users(engine: Engine) -> list[UserRecord]:
    """Every user, by name."""
    with engine.connect() as connection:
        rows = connection.execute(select(schema.users).order_by(schema.users.c.name)).all()
    return [_user(row) for row in rows]


def list_keys(engine: Engine, user_name: str | None = None) -> list[KeyRecord]:
    """API keys (of one user, when named), oldest first; revoked ones included."""
    k, u = schema.api_keys, schema.users
    query = (
        select(k.c.id, u.c.name, k.c.created_at, k.c.revoked_at)
        .join(u, u.c.id == k.c.user_id)
        .order_by(k.c.created_at, k.c.id)
    )
    if user_name is not None:
        query = query.where(u.c.name == user_name)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [KeyRecord(id=r[0], user=r[1], created_at=r[2], revoked_at=r[3]) for r in rows]


def key_id_of(text: str) -> str:
    """The id part of a full key, or the id itself; UsageError if it is neither."""
    match = _KEY.fullmatch(text)
    if match is not None:
        return match.group(1)
    if re.fullmatch(r"[0-9a-f]{16}", text):
        return text
    raise UsageError(f"{text[:24]!r} is neither an API key nor a key id (16 hex digits)")


def revoke_key(engine: Engine, key: str) -> KeyRecord:
    """Revoke a key (given whole or by its id): it and its sessions stop working at once."""
    key_id = key_id_of(key)
    k = schema.api_keys
    with write(engine) as connection:
        connection.execute(
            k.update()
            .where(k.c.id == key_id, k.c.revoked_at.is_(None))
            .values(revoked_at=time.time())
        )
        connection.execute(
            schema.auth_sessions.delete().where(schema.auth_sessions.c.key_id == key_id)
        )
    for record in list_keys(engine):
        if record.id == key_id:
            return record
    raise NotFoundError(f"no API key with id {key_id!r}")


def _key_row(connection: Connection, key: str) -> Any:
    """The stored row of a valid, unrevoked key with its user; AuthenticationError otherwise."""
    match = _KEY.fullmatch(key.strip())
    if match is None:
        raise AuthenticationError(
            "the API key is malformed: a heron key reads heron_<16 hex digits>_<secret>"
        )
    key_id, secret = match.groups()
    k, u = schema.api_keys, schema.users
    row = connection.execute(
        select(k.c.id.label("key_id"), k.c.secret_sha256, k.c.revoked_at, u)
        .join(u, u.c.id == k.c.user_id)
        .where(k.c.id == key_id)
    ).first()
    if row is None or not hmac.compare_digest(row.secret_sha256, _hash(secret)):
        raise AuthenticationError(f"the API key {KEY_PREFIX}{key_id}_... is not valid here")
    if row.revoked_at is not None:
        raise AuthenticationError(f"the API key {KEY_PREFIX}{key_id}_... has been revoked")
    return row


def authenticate(engine: Engine, key: str) -> UserRecord:
    """The user a key belongs to; AuthenticationError for a wrong or revoked key."""
    with engine.connect() as connection:
        row = _key_row(connection, key)
    return _user(row)


def start_session(engine: Engine, key: str) -> tuple[str, UserRecord]:
    """A new browser session for the holder of ``key``: its token (to set as a cookie) and user."""
    token = secrets.token_urlsafe(32)
    now = time.time()
    with write(engine) as connection:
        row = _key_row(connection, key)
        # Sessions nobody signed out of would pile up: each sign-in clears the expired ones.
        connection.execute(
            schema.auth_sessions.delete().where(schema.auth_sessions.c.expires_at <= now)
        )
        connection.execute(
            schema.auth_sessions.insert().values(
                token_sha256=_hash(token),
                key_id=row.key_id,
                created_at=now,
                expires_at=now + SESSION_SECONDS,
            )
        )
    return token, _user(row)


def session_user(engine: Engine, token: str) -> UserRecord:
    """The user of a live session; AuthenticationError if it ended, expired or its key was revoked."""
    s, k, u = schema.auth_sessions, schema.api_keys, schema.users
    with engine.connect() as connection:
        row = connection.execute(
            select(u)
            .select_from(s.join(k, k.c.id == s.c.key_id).join(u, u.c.id == k.c.user_id))
            .where(
                s.c.token_sha256 == _hash(token),
                s.c.expires_at > time.time(),
                k.c.revoked_at.is_(None),
            )
        ).first()
    if row is None:
        raise AuthenticationError("the session has ended: sign in again with an API key")
    return _user(row)


def end_session(engine: Engine, token: str) -> None:
    """Forget a session (signing out); nothing happens if it is already gone."""
    with write(engine) as connection:
        connection.execute(
            schema.auth_sessions.delete().where(schema.auth_sessions.c.token_sha256 == _hash(token))
        )


def _upsert(
    connection: Connection, table: Any, keys: dict[str, Any], values: dict[str, Any]
) -> None:
    """Insert a row or, if its key exists, update it: one statement, so no race between servers."""
    where = and_(*(table.c[name] == value for name, value in keys.items()))
    # Insert-if-absent first (never fails on a duplicate), then set the values: both in the
    # caller's transaction, so a concurrent grant ends with one row holding one of the values.
    insert_ignoring_duplicates(connection, table, [{**keys, **values}])
    connection.execute(table.update().where(where).values(**values))


def grant(engine: Engine, project: str, user_name: str, role: Role) -> None:
    """Give ``user_name`` ``role`` in ``project`` (replacing any role they had)."""
    with write(engine) as connection:
        user_id = _user_id(connection, user_name)
        pid = project_id(connection, project, create=False)
        _upsert(
            connection,
            schema.project_members,
            {"project_id": pid, "user_id": user_id},
            {"role": role},
        )


def revoke_role(engine: Engine, project: str, user_name: str) -> None:
    """Remove ``user_name`` from ``project``'s members."""
    m = schema.project_members
    with write(engine) as connection:
        user_id = _user_id(connection, user_name)
        pid = project_id(connection, project, create=False)
        connection.execute(m.delete().where(m.c.project_id == pid, m.c.user_id == user_id))


def set_visibility(engine: Engine, project: str, visibility: Visibility) -> None:
    """Make ``project`` public (anyone may read it) or private (members only)."""
    with write(engine) as connection:
        pid = project_id(connection, project, create=False)
        _upsert(
            connection, schema.project_visibility, {"project_id": pid}, {"visibility": visibility}
        )


def project_access(engine: Engine, project: str, user_id: int | None) -> ProjectAccessRecord:
    """A project's visibility and ``user_id``'s role in it (one query)."""
    p, v, m = schema.projects, schema.project_visibility, schema.project_members
    # An anonymous user is nobody's member: the join then matches no row.
    member = and_(m.c.project_id == p.c.id, m.c.user_id == (user_id if user_id is not None else -1))
    query = (
        select(p.c.id, v.c.visibility, m.c.role)
        .outerjoin(v, v.c.project_id == p.c.id)
        .outerjoin(m, member)
        .where(p.c.name == project)
    )
    with engine.connect() as connection:
        row = connection.execute(query).first()
    if row is None:
        return ProjectAccessRecord(exists=False, visibility="private", member_role=None)
    visibility = parse_visibility(row[1]) if row[1] is not None else "private"
    role = parse_role(row[2]) if row[2] is not None else None
    return ProjectAccessRecord(exists=True, visibility=visibility, member_role=role)


def project_roles(engine: Engine, user_id: int | None, *, is_admin: bool) -> dict[str, Role]:
    """The projects user ``user_id`` (None: anonymous) may read, with the role held in each.

    Public projects give readers the viewer role; admins are owners of every project.
    """
    p, v, m = schema.projects, schema.project_visibility, schema.project_members
    with engine.connect() as connection:
        if is_admin:
            names = connection.execute(select(p.c.name)).scalars().all()
            return {name: "owner" for name in names}
        roles: dict[str, Role] = {}
        public = connection.execute(
            select(p.c.name).join(v, v.c.project_id == p.c.id).where(v.c.visibility == "public")
        )
        for name in public.scalars():
            roles[name] = "viewer"
        if user_id is not None:
            member = connection.execute(
                select(p.c.name, m.c.role)
                .join(m, m.c.project_id == p.c.id)
                .where(m.c.user_id == user_id)
            )
            for name, role in member.all():
                held = parse_role(role)
                if role_at_least(held, roles.get(name, "viewer")):
                    roles[name] = held
    return roles


def project_members(engine: Engine, project: str) -> list[tuple[str, Role]]:
    """A project's members and their roles, by name."""
    p, m, u = schema.projects, schema.project_members, schema.users
    with engine.connect() as connection:
        rows = connection.execute(
            select(u.c.name, m.c.role)
            .join(m, m.c.user_id == u.c.id)
            .join(p, p.c.id == m.c.project_id)
            .where(p.c.name == project)
            .order_by(u.c.name)
        ).all()
    return [(name, parse_role(role)) for name, role in rows]


def claim_project(engine: Engine, project: str, user_id: int) -> bool:
    """Create ``project`` with ``user_id`` as its owner; False if it already existed.

    Whoever's insert of the project row wins is the owner, so two users creating the same
    project at once cannot both become its owner.
    """
    check_project_name(project)
    with write(engine) as connection:
        result = connection.execute(
            select(schema.projects.c.id).where(schema.projects.c.name == project)
        ).first()
        if result is not None:
            return False
        try:
            with connection.begin_nested():
                inserted = connection.execute(
                    schema.projects.insert().values(
                        name=project, description="", created_at=time.time()
                    )
                )
        except DatabaseIntegrityError:
            return False
        (pid,) = inserted.inserted_primary_key or (None,)
        connection.execute(
            schema.project_members.insert().values(project_id=pid, user_id=user_id, role="owner")
        )
    return True
