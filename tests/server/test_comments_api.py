"""Report comments over HTTP: threads, edits, deletes, limits, and who may do what.

Local mode (``heron ui``): the one user is the local owner and signs every comment. On a team
server: readers of the project read comments, members (writers) and owners comment, only the
author edits, and the author or an owner deletes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from heron.server import create_app
from heron.server.access import local_owner
from heron.store import reports as report_store
from heron.store import users as user_store
from heron.store.database import write
from heron.store.runs import project_id
from heron.store.store import Store
from tests.fixtures.local import local_client

HOSTILE = '<img src=x onerror="alert(1)"> <script>alert(2)</script> https://example.org/a?b=1&c=2'


def _store_with_report(store_dir: Path, database_url: str | None, project: str = "p") -> str:
    """A store with a report (a text block and panel "t1") in ``project``; the report's id."""
    store = Store.open(store_dir, database_url=database_url)
    try:
        with write(store.engine) as connection:
            project_id(connection, project, create=True)
        return report_store.create_report(
            store.engine,
            project,
            title="Findings",
            description="",
            blocks=[
                {"id": "m1", "type": "markdown", "text": "hello"},
                {"id": "t1", "type": "panel", "panel": "table", "runset": {}, "config": {}},
            ],
        ).id
    finally:
        store.close()


@pytest.fixture
def local(store_dir: Path, database_url: str | None) -> Iterator[tuple[TestClient, str]]:
    """A client on a local (``heron ui``) app and the URL of its report's comments."""
    rid = _store_with_report(store_dir, database_url)
    with local_client(create_app(store_dir, database_url)) as client:
        yield client, f"/api/projects/p/reports/{rid}/comments"


def test_local_user_posts_replies_edits_and_deletes(local: tuple[TestClient, str]) -> None:
    client, url = local
    empty = client.get(url).json()
    assert empty == {"comments": [], "can_comment": True, "user": local_owner().name}

    top = client.post(url, json={"body": "The split looks balanced"})
    assert top.status_code == 201, top.text
    top_id = top.json()["id"]
    on_panel = client.post(url, json={"body": "Birds are rare here", "panel_id": "t1"}).json()
    reply = client.post(url, json={"body": "Agreed", "parent_id": on_panel["id"]}).json()
    assert reply["panel_id"] == "t1" and reply["parent_id"] == on_panel["id"]
    assert reply["author"] == local_owner().name
    assert reply["can_edit"] and reply["can_delete"]

    edited = client.put(f"{url}/{top_id}", json={"body": "The split is balanced"})
    assert edited.status_code == 200, edited.text
    assert edited.json()["edited_at"] is not None

    # The panel comment has a reply: deleting it leaves "deleted" in place for the thread.
    assert client.delete(f"{url}/{on_panel['id']}").status_code == 204
    listed = {c["id"]: c for c in client.get(url).json()["comments"]}
    assert listed[on_panel["id"]]["deleted"] and listed[on_panel["id"]]["body"] == ""
    assert not listed[on_panel["id"]]["can_edit"]
    assert listed[reply["id"]]["body"] == "Agreed"
    assert listed[top_id]["body"] == "The split is balanced"
    # Without replies a comment goes entirely.
    assert client.delete(f"{url}/{top_id}").status_code == 204
    assert top_id not in {c["id"] for c in client.get(url).json()["comments"]}


def test_a_comment_over_the_limit_is_refused_naming_the_limit(
    local: tuple[TestClient, str],
) -> None:
    client, url = local
    too_long = client.post(url, json={"body": "x" * 10_001})
    assert too_long.status_code == 422
    assert "body" in too_long.json()["error"]["message"]
    assert "10000 characters" in too_long.json()["error"]["message"]
    created = client.post(url, json={"body": "ok"}).json()
    edit = client.put(f"{url}/{created['id']}", json={"body": "y" * 10_001})
    assert edit.status_code == 422 and "10000" in edit.json()["error"]["message"]
    blank = client.post(url, json={"body": "   "})
    assert blank.status_code == 400 and "needs some text" in blank.json()["error"]["message"]


def test_hostile_text_is_stored_and_returned_as_given(local: tuple[TestClient, str]) -> None:
    client, url = local
    client.post(url, json={"body": HOSTILE})
    assert client.get(url).json()["comments"][0]["body"] == HOSTILE


def test_missing_things_are_404s_that_name_them(local: tuple[TestClient, str]) -> None:
    client, url = local
    missing_panel = client.post(url, json={"body": "x", "panel_id": "m1"})
    assert missing_panel.status_code == 404 and "no panel 'm1'" in missing_panel.text
    missing_parent = client.post(url, json={"body": "x", "parent_id": "nope"})
    assert missing_parent.status_code == 404 and "no comment 'nope'" in missing_parent.text
    assert client.get("/api/projects/p/reports/nope/comments").status_code == 404
    assert client.get(url.replace("/p/", "/q/")).status_code == 404
    assert client.put(f"{url}/nope", json={"body": "x"}).status_code == 404


def test_deleting_the_report_deletes_its_comments(local: tuple[TestClient, str]) -> None:
    client, url = local
    top = client.post(url, json={"body": "top"}).json()
    client.post(url, json={"body": "re", "parent_id": top["id"]})
    report_url = url.removesuffix("/comments")
    assert client.delete(report_url).status_code == 204
    assert client.get(url).status_code == 404


# --- a team server ---------------------------------------------------------------------------


@pytest.fixture
def team(store_dir: Path, database_url: str | None) -> Iterator[dict[str, Any]]:
    """A team server with private project "p" and public project "open", each with a report.

    In both, olivia is an owner, walt and wes are writers, vera a viewer; otto is no member.
    """
    rid = _store_with_report(store_dir, database_url, "p")
    open_rid = _store_with_report(store_dir, database_url, "open")
    store = Store.open(store_dir, database_url=database_url)
    keys: dict[str, str] = {}
    try:
        for name in ("olivia", "walt", "wes", "vera", "otto"):
            keys[name] = user_store.create_user(store.engine, name).key
        for project in ("p", "open"):
            user_store.grant(store.engine, project, "olivia", "owner")
            user_store.grant(store.engine, project, "walt", "writer")
            user_store.grant(store.engine, project, "wes", "writer")
            user_store.grant(store.engine, project, "vera", "viewer")
        user_store.set_visibility(store.engine, "open", "public")
    finally:
        store.close()
    with local_client(create_app(store_dir, database_url, auth=True)) as client:
        yield {
            "client": client,
            "url": f"/api/projects/p/reports/{rid}/comments",
            "open_url": f"/api/projects/open/reports/{open_rid}/comments",
            "keys": keys,
        }


def _as(team: dict[str, Any], user: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {team['keys'][user]}"} if user else {}


def test_members_comment_and_viewers_read(team: dict[str, Any]) -> None:
    client, url = team["client"], team["url"]
    posted = client.post(url, json={"body": "from walt"}, headers=_as(team, "walt"))
    assert posted.status_code == 201, posted.text
    assert posted.json()["author"] == "walt"
    assert client.post(url, json={"body": "o"}, headers=_as(team, "olivia")).status_code == 201

    as_viewer = client.get(url, headers=_as(team, "vera"))
    assert as_viewer.status_code == 200
    assert as_viewer.json()["can_comment"] is False
    assert [c["author"] for c in as_viewer.json()["comments"]] == ["walt", "olivia"]
    refused = client.post(url, json={"body": "v"}, headers=_as(team, "vera"))
    assert refused.status_code == 403
    assert "'p'" in refused.json()["error"]["message"]
    assert "writer" in refused.json()["error"]["message"]

    # A private project is not revealed to outsiders or anonymous callers.
    assert client.get(url, headers=_as(team, "otto")).status_code == 404
    assert client.get(url).status_code == 404
    assert client.post(url, json={"body": "x"}, headers=_as(team, "otto")).status_code == 404


def test_a_public_projects_comments_are_read_by_anyone_and_written_by_members(
    team: dict[str, Any],
) -> None:
    client, url = team["client"], team["open_url"]
    assert client.post(url, json={"body": "hi"}, headers=_as(team, "wes")).status_code == 201
    anonymous = client.get(url)
    assert anonymous.status_code == 200 and anonymous.json()["can_comment"] is False
    assert [c["body"] for c in anonymous.json()["comments"]] == ["hi"]
    assert client.post(url, json={"body": "spam"}).status_code == 401
    outsider = client.post(url, json={"body": "spam"}, headers=_as(team, "otto"))
    assert outsider.status_code == 403


def test_only_the_author_edits_and_the_author_or_an_owner_deletes(team: dict[str, Any]) -> None:
    client, url = team["client"], team["url"]
    walts = client.post(url, json={"body": "mine"}, headers=_as(team, "walt")).json()
    target = f"{url}/{walts['id']}"
    for other in ("wes", "olivia"):
        refused = client.put(target, json={"body": "changed"}, headers=_as(team, other))
        assert refused.status_code == 403, other
        assert "only its author (walt)" in refused.json()["error"]["message"]
    assert client.put(target, json={"body": "v"}, headers=_as(team, "vera")).status_code == 403
    assert client.delete(target, headers=_as(team, "wes")).status_code == 403

    seen = {
        user: client.get(url, headers=_as(team, user)).json()["comments"][0]
        for user in ("walt", "wes", "olivia", "vera")
    }
    assert [(seen[u]["can_edit"], seen[u]["can_delete"]) for u in seen] == [
        (True, True),
        (False, False),
        (False, True),
        (False, False),
    ]
    edited = client.put(target, json={"body": "mine, edited"}, headers=_as(team, "walt"))
    assert edited.status_code == 200 and edited.json()["edited_at"] is not None
    # An owner removes someone else's comment.
    assert client.delete(target, headers=_as(team, "olivia")).status_code == 204
    assert client.get(url, headers=_as(team, "walt")).json()["comments"] == []


def test_the_html_export_holds_the_comments_as_text(local: tuple[TestClient, str]) -> None:
    client, url = local
    top = client.post(url, json={"body": "On the report: see https://example.org/x."}).json()
    client.post(url, json={"body": "a reply", "parent_id": top["id"]})
    on_panel = client.post(url, json={"body": HOSTILE, "panel_id": "t1"}).json()
    client.put(f"{url}/{on_panel['id']}", json={"body": HOSTILE + " (edited)"})
    page = client.get(url.replace("/comments", "/export")).text
    # Hostile text is shown, escaped; only its http(s) links become links.
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page
    assert "<script>alert(2)" not in page and "<img src=x" not in page
    assert '<a href="https://example.org/x" rel="nofollow noopener noreferrer">' in page
    assert '<a href="https://example.org/a?b=1&amp;c=2"' in page
    panel = page[page.index('<section class="panel"><h3>table</h3>') :]
    assert panel.index("1 comment<") < panel.index("(edited)") < panel.index("report-comments")
    assert "· edited" in panel
    assert '<section class="report-comments"><h3>Comments</h3>' in page
    assert "2 comments" in page[page.index("report-comments") :]
