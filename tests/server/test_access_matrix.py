"""Every API route, asked by every kind of user about a public and a private project.

The routes are read from the OpenAPI schema, so a new route cannot escape the matrix: a route
missing from ``RULES`` fails the test, naming it. Each answer is classified as what the user
sees: ``hidden`` (404 "no project named ..."), ``unauthenticated`` (401), ``forbidden`` (403
naming the role needed) or ``allowed`` (anything past the access check: the route's own answer,
a validation error for the deliberately empty bodies that keep writes from changing anything,
or a 404 for an id made up to the same end).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, Literal

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from heron.server import create_app
from tests.fixtures.local import local_client
from tests.fixtures.team import PROJECTS, build_team_store

Outcome = Literal["hidden", "unauthenticated", "forbidden", "allowed"]
Rule = Literal["open", "read", "write", "user", "capability"]
WHO = ("anonymous", "outsider", "viewer", "writer", "owner", "admin")

# How each route checks access:
#   open:       anyone, signed in or not (the server's info, signing in and out)
#   read:       the project's readers (anyone for a public project, members for a private one)
#   write:      the project's writers and owners (and admins)
#   user:       any signed-in user (uploads by content hash, not tied to a project)
#   capability: anyone holding the content hash (media: the hash is only learnt by reading)
RULES: dict[str, Rule] = {
    "GET /api/info": "open",
    "GET /api/auth/me": "open",
    "POST /api/auth/login": "open",
    "POST /api/auth/logout": "open",
    "GET /api/projects": "open",
    "GET /api/projects/{project}": "read",
    "GET /api/projects/{project}/runs": "read",
    "GET /api/projects/{project}/runs/{run_id}": "read",
    "GET /api/projects/{project}/metrics": "read",
    "GET /api/projects/{project}/series": "read",
    "GET /api/projects/{project}/metric-definitions": "read",
    "GET /api/projects/{project}/runs/{run_id}/history": "read",
    "GET /api/projects/{project}/runs/{run_id}/tables": "read",
    "GET /api/projects/{project}/runs/{run_id}/table": "read",
    "GET /api/projects/{project}/runs/{run_id}/table/rows": "read",
    "GET /api/projects/{project}/tables": "read",
    "GET /api/projects/{project}/charts": "read",
    "GET /api/projects/{project}/runs/{run_id}/chart": "read",
    "POST /api/projects/{project}/query": "read",
    "POST /api/projects/{project}/query/columns": "read",
    "POST /api/projects/{project}/query/export": "read",
    "GET /api/projects/{project}/query/export": "read",
    "GET /api/media/{sha256}": "capability",
    "GET /api/media/{sha256}/thumbnail": "capability",
    "GET /api/projects/{project}/artifacts": "read",
    "GET /api/projects/{project}/artifacts/{name}": "read",
    "GET /api/projects/{project}/artifacts/{name}/compare": "read",
    "GET /api/projects/{project}/artifacts/{name}/{version}": "read",
    "GET /api/projects/{project}/artifacts/{name}/{version}/files": "read",
    "GET /api/projects/{project}/artifacts/{name}/{version}/preview/{path}": "read",
    "GET /api/projects/{project}/artifacts/{name}/{version}/files/{path}": "read",
    "GET /api/projects/{project}/artifacts/{name}/{version}/archive": "read",
    "POST /api/projects/{project}/artifacts/{name}/{version}/aliases": "write",
    "DELETE /api/projects/{project}/artifacts/{name}/{version}/aliases/{alias}": "write",
    "GET /api/projects/{project}/artifacts/{name}/compare/{a}/{b}": "read",
    "GET /api/projects/{project}/lineage": "read",
    "POST /api/projects/{project}/evaluation": "read",
    "GET /api/projects/{project}/reports": "read",
    "POST /api/projects/{project}/reports": "write",
    "GET /api/projects/{project}/reports/{report_id}": "read",
    "PUT /api/projects/{project}/reports/{report_id}": "write",
    "DELETE /api/projects/{project}/reports/{report_id}": "write",
    "POST /api/projects/{project}/reports/{report_id}/duplicate": "write",
    "GET /api/projects/{project}/reports/{report_id}/export": "read",
    "GET /api/projects/{project}/reports/{report_id}/comments": "read",
    "POST /api/projects/{project}/reports/{report_id}/comments": "write",
    "PUT /api/projects/{project}/reports/{report_id}/comments/{comment_id}": "write",
    "DELETE /api/projects/{project}/reports/{report_id}/comments/{comment_id}": "write",
    "POST /api/sync/blobs/missing": "user",
    "PUT /api/sync/blobs/{sha256}": "user",
    "POST /api/sync/blobs/batch": "user",
    "PUT /api/sync/uploads/{sha256}": "user",
    "POST /api/sync/uploads/{sha256}/blob": "user",
    "POST /api/sync/tables": "user",
    "POST /api/sync/projects/{project}/runs": "write",
    "POST /api/sync/projects/{project}/runs/{run_id}/metrics": "write",
    "POST /api/sync/projects/{project}/runs/{run_id}/objects": "write",
    "POST /api/sync/projects/{project}/artifacts": "write",
    "POST /api/sync/projects/{project}/lineage": "write",
    "POST /api/sync/blobs/read": "user",
    "GET /api/sync/blobs/{sha256}": "user",
    "GET /api/sync/tables/{table_id}": "user",
    "GET /api/sync/tables/{table_id}/parts/{index}": "user",
    "GET /api/sync/projects/{project}/artifacts/resolve": "read",
    "GET /api/sync/projects": "open",
    "GET /api/sync/projects/{project}/runs": "read",
    "GET /api/sync/projects/{project}/runs/{run_id}": "read",
    "POST /api/sync/projects/{project}/runs/{run_id}/metrics/read": "read",
    "GET /api/sync/projects/{project}/runs/{run_id}/objects": "read",
    "GET /api/sync/projects/{project}/artifacts/versions": "read",
    "GET /api/sync/projects/{project}/lineage/edges": "read",
    "POST /api/sync/direct/{sha256}": "user",
    "GET /api/sync/direct/{sha256}": "user",
    "DELETE /api/sync/direct/{sha256}": "user",
    "POST /api/sync/direct/{sha256}/complete": "user",
}


def expected(rule: Rule, who: str, project: str) -> Outcome:
    """What ``who`` should get from a route of ``rule`` on ``project``."""
    if rule in ("open", "capability"):
        return "allowed"
    if rule == "user":
        return "unauthenticated" if who == "anonymous" else "allowed"
    member = who in ("viewer", "writer", "owner", "admin")
    if project == "secret" and not member:
        return "hidden"
    if rule == "read" or who in ("writer", "owner", "admin"):
        return "allowed"
    return "unauthenticated" if who == "anonymous" else "forbidden"


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, dict[str, Any]]]:
    """A team server over projects "open" (public) and "secret" (private), and a key per user."""
    directory = tmp_path_factory.mktemp("team") / "heron-data"
    data = build_team_store(directory)
    app = create_app(directory, auth=True)
    with TestClient(app, base_url="http://127.0.0.1:8080"):
        yield app, data


def _fill(path: str, project: str, ids: dict[str, str]) -> str:
    values = {
        "project": project,
        "run_id": ids["run_id"],
        "report_id": ids["report_id"],
        "sha256": ids["sha256"],
        "name": "model",
        "version": "v0",
        "a": "v0",
        "b": "best",
        "alias": "no-such-alias",
        "path": "w.bin",
        "comment_id": "no-such-comment",
        "table_id": "no-such-table",
        "index": "0",
    }
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


def _query(route: str, ids: dict[str, str]) -> dict[str, Any]:
    if route.endswith("/series"):
        return {"key": "loss", "run": ids["run_id"]}
    if route.endswith("/chart") or route.endswith("/table") or route.endswith("/table/rows"):
        return {"key": "predictions"}
    if route.endswith("/lineage"):
        return {"run": ids["run_id"]}
    if route.endswith("/artifacts/resolve"):
        return {"ref": "model:v0"}
    if route.endswith("/artifacts/{name}/compare"):
        return {"versions": ["v0"]}
    if route == "GET /api/projects/{project}/query/export":
        tables = [{"run_id": ids["run_id"], "key": "predictions"}]
        return {"request": json.dumps({"tables": tables})}
    return {}


def _body(route: str, ids: dict[str, str]) -> Any:
    tables = [{"run_id": ids["run_id"], "key": "predictions"}]
    if route.endswith("/query") or route.endswith("/query/columns"):
        return {"tables": tables}
    if route == "POST /api/projects/{project}/query/export":
        return {"tables": tables}
    if route.endswith("/evaluation"):
        return {"tables": tables, "truth": "truth", "guess": "guess"}
    if route == "POST /api/auth/login":
        return {"key": ids["login_key"]}
    # Writes get an empty body: past the access check it fails validation and changes nothing.
    return {}


def classify(response: Any) -> Outcome:
    """What the user saw, in the matrix's terms."""
    assert response.status_code < 500, response.text
    if response.status_code == 404 and "no project named" in response.text:
        return "hidden"
    if response.status_code == 401 and response.json()["error"]["type"] == "AuthenticationError":
        return "unauthenticated"
    if response.status_code == 403 and "PermissionDeniedError" in response.text:
        return "forbidden"
    return "allowed"


def _routes(app: FastAPI) -> list[str]:
    return [
        f"{method.upper()} {path}"
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    ]


def _call(client: TestClient, route: str, project: str, data: dict[str, Any], who: str) -> Any:
    method, path = route.split(" ", 1)
    ids = data["ids"][project]
    headers = {"Origin": "http://127.0.0.1:8080"}
    if who != "anonymous":
        headers["Authorization"] = f"Bearer {data['keys'][who]}"
    if route == "DELETE /api/projects/{project}/reports/{report_id}":
        ids = {**ids, "report_id": "no-such-report"}  # allowed must not delete the report
    body = (
        _body(route, {**ids, "login_key": data["keys"]["outsider"]})
        if method in ("POST", "PUT")
        else None
    )
    client.cookies.clear()  # a sign-in must not carry over to the next call
    return client.request(
        method,
        _fill(path, project, ids),
        params=_query(route, ids),
        json=body,
        headers=headers,
    )


def test_every_route_is_in_the_matrix(team: tuple[FastAPI, dict[str, Any]]) -> None:
    app, _ = team
    missing = [route for route in _routes(app) if route not in RULES]
    assert missing == [], f"classify these routes in RULES (and check their access): {missing}"


@pytest.mark.parametrize("who", WHO)
def test_every_route_answers_each_user_as_their_role_allows(
    team: tuple[FastAPI, dict[str, Any]], who: str
) -> None:
    app, data = team
    wrong = []
    with TestClient(app, base_url="http://127.0.0.1:8080") as client:
        for route in _routes(app):
            rule = RULES.get(route)
            if rule is None:
                continue  # reported by test_every_route_is_in_the_matrix
            for project in PROJECTS if "{project}" in route else ("open",):
                response = _call(client, route, project, data, who)
                want = expected(rule, who, project)
                got = classify(response)
                if got != want:
                    wrong.append(
                        f"{route} on {project}: {got} ({response.status_code}), want {want}"
                    )
    assert wrong == [], "\n".join(wrong)


def test_a_local_server_lets_its_owner_do_everything(
    team: tuple[FastAPI, dict[str, Any]],
) -> None:
    app, data = team
    local = create_app(app.state.store.root)
    with local_client(local) as client:
        for route in _routes(local):
            for project in PROJECTS if "{project}" in route else ("open",):
                method, path = route.split(" ", 1)
                ids = data["ids"][project]
                if route == "DELETE /api/projects/{project}/reports/{report_id}":
                    ids = {**ids, "report_id": "no-such-report"}
                response = client.request(
                    method,
                    _fill(path, project, ids),
                    params=_query(route, ids),
                    json=_body(route, {**ids, "login_key": data["keys"]["outsider"]})
                    if method in ("POST", "PUT")
                    else None,
                )
                assert classify(response) == "allowed", (route, project, response.text)
