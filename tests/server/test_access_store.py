"""Users, API keys, sessions, roles and visibility as stored, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from heron.errors import AuthenticationError, NotFoundError, UsageError
from heron.store import migrations, schema
from heron.store import users as user_store
from heron.store.database import write
from heron.store.runs import project_id
from heron.store.store import Store


@pytest.fixture
def store(store_dir: Path, database_url: str | None) -> Store:
    opened = Store.open(store_dir, database_url=database_url)
    with write(opened.engine) as connection:
        project_id(connection, "vision", create=True)
    return opened


def test_a_key_is_shown_once_and_stored_only_as_a_hash(store: Store) -> None:
    new = user_store.create_user(store.engine, "alice", admin=True)
    assert new.key.startswith(f"heron_{new.key_id}_")
    assert new.user.name == "alice" and new.user.is_admin
    with store.engine.connect() as connection:
        stored = connection.execute(select(schema.api_keys)).one()._mapping
    assert new.key.split("_", 2)[2] not in stored.values()
    assert user_store.authenticate(store.engine, new.key).name == "alice"


def test_wrong_malformed_and_revoked_keys_are_refused_with_what_is_wrong(store: Store) -> None:
    new = user_store.create_user(store.engine, "bob")
    wrong = new.key[:-4] + ("AAAA" if not new.key.endswith("AAAA") else "BBBB")
    with pytest.raises(AuthenticationError, match="is not valid"):
        user_store.authenticate(store.engine, wrong)
    with pytest.raises(AuthenticationError, match="malformed"):
        user_store.authenticate(store.engine, "hunter2")
    token, _user = user_store.start_session(store.engine, new.key)
    assert user_store.session_user(store.engine, token).name == "bob"
    revoked = user_store.revoke_key(store.engine, new.key_id)
    assert revoked.revoked_at is not None
    with pytest.raises(AuthenticationError, match="revoked"):
        user_store.authenticate(store.engine, new.key)
    with pytest.raises(AuthenticationError, match="session has ended"):
        user_store.session_user(store.engine, token)
    # A second key of the same user still works.
    other = user_store.create_key(store.engine, "bob")
    assert user_store.authenticate(store.engine, other.key).name == "bob"


def test_a_signed_out_session_stops_working(store: Store) -> None:
    new = user_store.create_user(store.engine, "carol")
    token, _user = user_store.start_session(store.engine, new.key)
    user_store.end_session(store.engine, token)
    with pytest.raises(AuthenticationError):
        user_store.session_user(store.engine, token)


def test_user_names_are_unique_and_checked(store: Store) -> None:
    user_store.create_user(store.engine, "dave")
    with pytest.raises(UsageError, match="a user named 'dave' already exists"):
        user_store.create_user(store.engine, "dave")
    with pytest.raises(UsageError, match="invalid user name"):
        user_store.create_user(store.engine, "no spaces")
    with pytest.raises(NotFoundError, match="no user named 'erin'"):
        user_store.create_key(store.engine, "erin")


def test_concurrent_creations_of_one_name_make_one_user(store: Store) -> None:
    outcomes: list[str] = []
    lock = threading.Lock()

    def create() -> None:
        try:
            user_store.create_user(store.engine, "racer")
            result = "created"
        except UsageError:
            result = "refused"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=create) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created"] + ["refused"] * 5
    assert [u.name for u in user_store.list_users(store.engine)] == ["racer"]


def test_roles_and_visibility_decide_what_a_user_may_read(store: Store) -> None:
    alice = user_store.create_user(store.engine, "alice").user
    bob = user_store.create_user(store.engine, "bob").user
    with write(store.engine) as connection:
        project_id(connection, "open", create=True)
    user_store.set_visibility(store.engine, "open", "public")
    user_store.grant(store.engine, "vision", "alice", "viewer")
    user_store.grant(store.engine, "vision", "alice", user_store.parse_role("member"))

    assert user_store.project_roles(store.engine, alice.id, is_admin=False) == {
        "open": "viewer",
        "vision": "writer",
    }
    assert user_store.project_roles(store.engine, bob.id, is_admin=False) == {"open": "viewer"}
    assert user_store.project_roles(store.engine, None, is_admin=False) == {"open": "viewer"}
    assert user_store.project_roles(store.engine, None, is_admin=True) == {
        "open": "owner",
        "vision": "owner",
    }
    access = user_store.project_access(store.engine, "vision", alice.id)
    assert (access.exists, access.visibility, access.member_role) == (True, "private", "writer")
    assert user_store.project_members(store.engine, "vision") == [("alice", "writer")]
    user_store.revoke_role(store.engine, "vision", "alice")
    assert user_store.project_access(store.engine, "vision", alice.id).member_role is None
    with pytest.raises(NotFoundError, match="no project named 'nowhere'"):
        user_store.grant(store.engine, "nowhere", "alice", "viewer")
    with pytest.raises(UsageError, match="unknown role 'boss'"):
        user_store.parse_role("boss")


def test_the_first_to_create_a_project_owns_it(store: Store) -> None:
    alice = user_store.create_user(store.engine, "alice").user
    bob = user_store.create_user(store.engine, "bob").user
    assert user_store.claim_project(store.engine, "fresh", alice.id)
    assert not user_store.claim_project(store.engine, "fresh", bob.id)
    assert not user_store.claim_project(store.engine, "vision", bob.id)
    assert user_store.project_members(store.engine, "fresh") == [("alice", "owner")]
    assert user_store.project_members(store.engine, "vision") == []


def test_a_store_of_the_previous_schema_gains_the_access_tables(
    store_dir: Path, database_url: str | None
) -> None:
    old = Store.open(store_dir, database_url=database_url)
    with write(old.engine) as connection:
        project_id(connection, "legacy", create=True)
        for table in (
            "project_visibility",
            "project_members",
            "auth_sessions",
            "api_keys",
            "users",
        ):
            connection.execute(text(f"DROP TABLE {table}"))
        connection.execute(
            schema.store_meta.update()
            .where(schema.store_meta.c.key == "schema_version")
            .values(value="2")
        )
    old.close()

    store = Store.open(store_dir, database_url=database_url)
    try:
        with store.engine.connect() as connection:
            assert inspect(connection).has_table("users")
            version = connection.execute(
                select(schema.store_meta.c.value).where(schema.store_meta.c.key == "schema_version")
            ).scalar_one()
        assert int(version) == migrations.SCHEMA_VERSION
        # An old project starts private, with no members: only admins see it.
        user_store.create_user(store.engine, "root", admin=True)
        assert user_store.project_roles(store.engine, None, is_admin=False) == {}
        assert user_store.project_roles(store.engine, 1, is_admin=True) == {"legacy": "owner"}
    finally:
        store.close()


def test_expired_sessions_end_and_are_cleared_by_the_next_sign_in(store: Store) -> None:
    new = user_store.create_user(store.engine, "frank")
    token, _user = user_store.start_session(store.engine, new.key)
    with write(store.engine) as connection:
        connection.execute(schema.auth_sessions.update().values(expires_at=0.0))
    with pytest.raises(AuthenticationError, match="session has ended"):
        user_store.session_user(store.engine, token)
    fresh, _user = user_store.start_session(store.engine, new.key)
    with store.engine.connect() as connection:
        left = connection.execute(select(schema.auth_sessions.c.expires_at)).scalars().all()
    assert len(left) == 1 and left[0] > 0
    assert user_store.session_user(store.engine, fresh).name == "frank"


def test_concurrent_grants_leave_one_role(store: Store) -> None:
    user_store.create_user(store.engine, "gina")
    roles: tuple[user_store.Role, ...] = ("viewer", "writer", "owner") * 3
    failures: list[BaseException] = []

    def grant(role: user_store.Role) -> None:
        try:
            user_store.grant(store.engine, "vision", "gina", role)
        except BaseException as error:  # reported by the assertion below
            failures.append(error)

    threads = [threading.Thread(target=grant, args=(role,)) for role in roles]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    members = user_store.project_members(store.engine, "vision")
    assert len(members) == 1 and members[0][0] == "gina" and members[0][1] in roles
