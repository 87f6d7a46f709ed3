"""Signing in to a team server, what each user is told, and what a local server keeps doing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from heron.server import create_app
from heron.server.access import SESSION_COOKIE
from heron.store import artifacts as artifact_store
from heron.store import users as user_store
from heron.store.store import Store
from tests.fixtures.local import local_client
from tests.fixtures.team import build_team_store

SERVER = "http://127.0.0.1:8080"
ORIGIN = {"Origin": SERVER}


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    directory = tmp_path_factory.mktemp("team-auth") / "heron-data"
    return directory, build_team_store(directory)


@pytest.fixture
def server(team: tuple[Path, dict[str, Any]]) -> Iterator[tuple[TestClient, dict[str, Any]]]:
    """A client of a team server (no credentials of its own)."""
    app = create_app(team[0], auth=True)
    with TestClient(app, base_url=SERVER) as client:
        yield client, team[1]


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_wrong_malformed_and_revoked_keys_get_a_401_saying_so(
    server: tuple[TestClient, dict[str, Any]], team: tuple[Path, dict[str, Any]]
) -> None:
    client, data = server
    key = data["keys"]["viewer"]
    wrong = key[:-3] + ("xyz" if not key.endswith("xyz") else "abc")
    answer = client.get("/api/projects", headers=bearer(wrong))
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert "is not valid" in answer.json()["error"]["message"]
    answer = client.get("/api/projects", headers={"Authorization": "Basic dXNlcjpwdw=="})
    assert answer.status_code == 401
    assert "Bearer <API key>" in answer.json()["error"]["message"]

    store = Store.open(team[0])
    try:
        extra = user_store.create_key(store.engine, "viewer")
        assert client.get("/api/projects/secret", headers=bearer(extra.key)).status_code == 200
        user_store.revoke_key(store.engine, extra.key_id)
    finally:
        store.close()
    answer = client.get("/api/projects/secret", headers=bearer(extra.key))
    assert answer.status_code == 401
    assert "has been revoked" in answer.json()["error"]["message"]


def test_each_user_lists_only_the_projects_they_may_read(
    server: tuple[TestClient, dict[str, Any]],
) -> None:
    client, data = server
    keys = data["keys"]

    def names(headers: dict[str, str]) -> list[str]:
        return [p["name"] for p in client.get("/api/projects", headers=headers).json()]

    assert names({}) == ["open"]
    assert names(bearer(keys["outsider"])) == ["open"]
    assert names(bearer(keys["viewer"])) == ["open", "secret"]
    assert names(bearer(keys["admin"])) == ["open", "secret"]
    # A private project is not there for an outsider: the same 404 as a missing one.
    hidden = client.get("/api/projects/secret/runs", headers=bearer(keys["outsider"]))
    missing = client.get("/api/projects/nowhere/runs", headers=bearer(keys["outsider"]))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["error"]["message"] == "no project named 'secret'"


def test_a_viewer_writing_is_told_the_project_and_the_role_needed(
    server: tuple[TestClient, dict[str, Any]],
) -> None:
    client, data = server
    answer = client.post(
        "/api/projects/secret/reports",
        json={"title": "mine"},
        headers=bearer(data["keys"]["viewer"]),
    )
    assert answer.status_code == 403
    assert answer.json()["error"] == {
        "type": "PermissionDeniedError",
        "message": "changing project 'secret' needs the writer role; viewer is a viewer there",
    }
    anonymous = client.post("/api/projects/open/reports", json={"title": "mine"}, headers=ORIGIN)
    assert anonymous.status_code == 401
    assert "sign in" in anonymous.json()["error"]["message"]
    # A writer's script needs neither the page token nor an Origin: its key is the proof.
    made = client.post(
        "/api/projects/secret/reports",
        json={"title": "from a script"},
        headers=bearer(data["keys"]["writer"]),
    )
    assert made.status_code == 201, made.text
    assert made.json()["title"] == "from a script"


def test_the_browser_signs_in_with_a_key_and_out_again(
    server: tuple[TestClient, dict[str, Any]],
) -> None:
    client, data = server
    assert client.get("/api/auth/me").json() == {
        "auth": True,
        "user": None,
        "projects": [{"project": "open", "role": "viewer"}],
    }
    refused = client.post("/api/auth/login", json={"key": "heron_nope"}, headers=ORIGIN)
    assert refused.status_code == 401
    assert SESSION_COOKIE not in client.cookies

    signed_in = client.post("/api/auth/login", json={"key": data["keys"]["writer"]}, headers=ORIGIN)
    assert signed_in.status_code == 200
    cookie = signed_in.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
    assert data["keys"]["writer"] not in cookie  # the key never travels back
    me = client.get("/api/auth/me").json()
    assert me["user"] == {"name": "writer", "kind": "user", "is_admin": False}
    assert me["projects"] == [
        {"project": "open", "role": "writer"},
        {"project": "secret", "role": "writer"},
    ]
    assert client.get("/api/projects/secret/runs").status_code == 200
    token = client.cookies[SESSION_COOKIE]

    assert client.post("/api/auth/logout", headers=ORIGIN).status_code == 204
    assert SESSION_COOKIE not in client.cookies
    assert client.get("/api/auth/me").json()["user"] is None
    # The session is over on the server too: replaying the old cookie is refused.
    client.cookies.set(SESSION_COOKIE, token)
    replay = client.get("/api/projects")
    assert replay.status_code == 401
    assert "sign in again" in replay.json()["error"]["message"]


def test_a_session_cookie_is_secure_over_https(team: tuple[Path, dict[str, Any]]) -> None:
    app = create_app(team[0], auth=True)
    with TestClient(app, base_url="https://127.0.0.1:8443") as client:
        answer = client.post(
            "/api/auth/login",
            json={"key": team[1]["keys"]["viewer"]},
            headers={"Origin": "https://127.0.0.1:8443"},
        )
        assert answer.status_code == 200
        assert "Secure" in answer.headers["set-cookie"]


def test_a_query_cannot_reach_into_a_private_project_through_an_artifact_reference(
    server: tuple[TestClient, dict[str, Any]],
) -> None:
    client, data = server
    document = {"tables": [{"artifact": "secret/model:v0", "name": "anything"}]}
    for who in ("outsider", None):
        headers = {**ORIGIN, **(bearer(data["keys"][who]) if who else {})}
        answer = client.post("/api/projects/open/query", json=document, headers=headers)
        assert answer.status_code == 404
        assert answer.json()["error"]["message"] == "no project named 'secret'"
    # A member of both gets past the check to the lookup itself.
    member = client.post(
        "/api/projects/open/query",
        json=document,
        headers={**ORIGIN, **bearer(data["keys"]["viewer"])},
    )
    assert member.status_code == 404
    assert "has no table 'anything'" in member.json()["error"]["message"]


def test_a_local_server_has_no_accounts_and_keeps_its_write_rules(
    team: tuple[Path, dict[str, Any]],
) -> None:
    app: FastAPI = create_app(team[0])
    with local_client(app) as client:
        me = client.get("/api/auth/me").json()
        assert me["auth"] is False
        assert me["user"]["kind"] == "local" and me["user"]["is_admin"] is True
        assert {p["project"]: p["role"] for p in me["projects"]} == {
            "open": "owner",
            "secret": "owner",
        }
        assert [p["name"] for p in client.get("/api/projects").json()] == ["open", "secret"]
        login = client.post("/api/auth/login", json={"key": team[1]["keys"]["admin"]})
        assert login.status_code == 400
        assert "no accounts" in login.json()["error"]["message"]
    with TestClient(app, base_url=SERVER) as bare:
        # A key is no proof on a local server: a write still needs the token or its own origin.
        answer = bare.post(
            "/api/projects/open/reports",
            json={"title": "x"},
            headers=bearer(team[1]["keys"]["admin"]),
        )
        assert answer.status_code == 403
        assert answer.json()["error"]["type"] == "OriginError"


def test_lineage_leaves_out_what_the_user_may_not_read(
    server: tuple[TestClient, dict[str, Any]],
) -> None:
    client, data = server
    consumer = data["ids"]["secret"]["consumer_id"]

    def projects_in_graph(headers: dict[str, str]) -> set[str | None]:
        answer = client.get(
            "/api/projects/open/lineage", params={"artifact": "model:v0"}, headers=headers
        )
        assert answer.status_code == 200, answer.text
        graph = answer.json()
        ids = {node["id"] for node in graph["nodes"]}
        assert all(e["source"] in ids and e["target"] in ids for e in graph["edges"])
        return {node["project"] for node in graph["nodes"]}

    assert projects_in_graph(bearer(data["keys"]["viewer"])) == {"open", "secret"}
    assert projects_in_graph(bearer(data["keys"]["outsider"])) == {"open"}
    assert projects_in_graph({}) == {"open"}
    assert (
        consumer
        not in client.get("/api/projects/open/lineage", params={"artifact": "model:v0"}).text
    )


def test_a_report_export_leaves_private_lineage_out_for_outsiders(
    server: tuple[TestClient, dict[str, Any]], team: tuple[Path, dict[str, Any]]
) -> None:
    client, data = server
    block = {
        "type": "panel",
        "id": "lineage-1",
        "panel": "lineage",
        "config": {"artifact": "model:v0"},
        "runset": {"runs": []},
    }
    made = client.post(
        "/api/projects/open/reports",
        json={"title": "where the model went", "blocks": [block]},
        headers=bearer(data["keys"]["writer"]),
    )
    assert made.status_code == 201, made.text
    url = f"/api/projects/open/reports/{made.json()['id']}/export"
    inside = client.get(url, headers=bearer(data["keys"]["viewer"]))
    outside = client.get(url)
    assert inside.status_code == outside.status_code == 200
    assert "secret consumer" in inside.text
    assert "secret consumer" not in outside.text


def test_the_store_location_is_shown_to_admins_only(
    server: tuple[TestClient, dict[str, Any]], team: tuple[Path, dict[str, Any]]
) -> None:
    client, data = server
    assert client.get("/api/info").json()["store"] == ""
    assert client.get("/api/info", headers=bearer(data["keys"]["owner"])).json()["store"] == ""
    admin = client.get("/api/info", headers=bearer(data["keys"]["admin"])).json()
    assert admin["store"] == str(team[0])


def test_a_push_cannot_add_lineage_to_a_version_the_user_may_not_read(
    server: tuple[TestClient, dict[str, Any]], team: tuple[Path, dict[str, Any]]
) -> None:
    client, data = server
    store = Store.open(team[0])
    try:
        key = user_store.create_user(store.engine, "lineage-pusher").key
        secret_version = artifact_store.resolve(store.engine, "secret/model:v0").id
        open_version = artifact_store.resolve(store.engine, "open/model:v0").id
    finally:
        store.close()
    now = time.time()
    run = {"id": "pushrun1", "name": "mine", "state": "finished"}
    run |= {"created_at": now, "updated_at": now, "heartbeat_at": now}
    created = client.post("/api/sync/projects/pusher/runs", json=run, headers=bearer(key))
    assert created.status_code == 200, created.text

    def edge(version_id: str) -> Any:
        body = {"run_id": "pushrun1", "version_id": version_id, "direction": "input"}
        return client.post("/api/sync/projects/pusher/lineage", json=body, headers=bearer(key))

    refused = edge(secret_version)
    assert refused.status_code == 404
    assert refused.json()["error"]["message"] == "no project named 'secret'"
    owner = bearer(data["keys"]["owner"])
    graph = client.get(
        "/api/projects/secret/lineage", params={"artifact": "model:v0"}, headers=owner
    )
    assert "pushrun1" not in graph.text
    # A public project's version is readable by all, so a run may record that it used it.
    assert edge(open_version).status_code == 200


def test_a_report_export_reads_no_private_artifact_however_its_panel_names_it(
    server: tuple[TestClient, dict[str, Any]],
) -> None:
    client, data = server
    writer, outsider = bearer(data["keys"]["writer"]), bearer(data["keys"]["outsider"])
    made = client.post("/api/projects/open/reports", json={"title": "tables"}, headers=writer)
    assert made.status_code == 201, made.text
    report = f"/api/projects/open/reports/{made.json()['id']}"

    def export_with(artifacts: Any) -> Any:
        config = {"artifacts": artifacts, "name": "weights"}
        block = {"type": "panel", "id": "t1", "panel": "table", "config": config}
        saved = client.put(report, json={"blocks": [block]}, headers=writer)
        assert saved.status_code == 200, saved.text
        return client.get(f"{report}/export", headers=outsider)

    listed = export_with(["secret/model:v0"])
    assert listed.status_code == 404
    assert listed.json()["error"]["message"] == "no project named 'secret'"
    # Named as a mapping's keys, the reference is refused as a setting, never looked up.
    mapped = export_with({"secret/model:v0": 1})
    assert mapped.status_code == 200
    assert "secret/model:v0" not in mapped.text
    assert "&#x27;artifacts&#x27; must be a list" in mapped.text


def test_resolving_an_artifact_for_a_pull_reveals_nothing_of_a_private_project(
    server: tuple[TestClient, dict[str, Any]],
) -> None:
    client, data = server
    url = "/api/sync/projects/open/artifacts/resolve"
    outsider = bearer(data["keys"]["outsider"])
    for ref in ("secret/model:v0", "secret/nothing:v0"):
        answer = client.get(url, params={"ref": ref}, headers=outsider)
        assert answer.status_code == 404
        assert answer.json()["error"]["message"] == "no project named 'secret'"
    own = client.get(url, params={"ref": "model:best"}, headers=outsider)
    assert own.status_code == 200, own.text
    assert own.json()["project"] == "open"
