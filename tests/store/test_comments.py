"""Report comments in the store: threads, edits, deletes that keep a thread whole, limits,
and a store made before comments existed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text

from heron.errors import HeronError, NotFoundError, UsageError
from heron.store import comments, migrations, reports, schema
from heron.store.database import write
from heron.store.runs import project_id
from heron.store.store import Store


@pytest.fixture
def store(store_dir: Path, database_url: str | None) -> Iterator[Store]:
    """A store with project "p"."""
    opened = Store.open(store_dir, database_url=database_url)
    with write(opened.engine) as connection:
        project_id(connection, "p", create=True)
    yield opened
    opened.close()


def _report(store: Store) -> str:
    """A new report of "p" with a text block and two panels; its id."""
    record = reports.create_report(
        store.engine,
        "p",
        title="Findings",
        description="",
        blocks=[
            {"id": "intro", "type": "markdown", "text": "hi"},
            {"id": "panel1", "type": "panel", "panel": "table", "runset": {}, "config": {}},
            {"id": "panel2", "type": "panel", "panel": "chart", "runset": {}, "config": {}},
        ],
    )
    return record.id


def test_a_thread_on_a_report_and_a_panel_reads_back_in_order(store: Store) -> None:
    rid = _report(store)
    first = comments.add_comment(store.engine, "p", rid, author="ana", body="Nice split")
    on_panel = comments.add_comment(
        store.engine, "p", rid, author="bo", body="Why so few birds?", panel_id="panel1"
    )
    reply = comments.add_comment(
        store.engine, "p", rid, author="ana", body="Sampling", parent_id=on_panel.id
    )
    listed = comments.list_comments(store.engine, "p", rid)
    assert [c.id for c in listed] == [first.id, on_panel.id, reply.id]
    assert (first.panel_id, first.parent_id) == (None, None)
    # A reply stays on its parent's panel.
    assert (reply.panel_id, reply.parent_id) == ("panel1", on_panel.id)
    assert [c.author for c in listed] == ["ana", "bo", "ana"]
    assert not any(c.deleted or c.edited_at for c in listed)


def test_an_edit_marks_the_comment_edited(store: Store) -> None:
    rid = _report(store)
    c = comments.add_comment(store.engine, "p", rid, author="ana", body="tpyo")
    unchanged = comments.edit_comment(store.engine, "p", rid, c.id, body="tpyo")
    assert unchanged.edited_at is None
    edited = comments.edit_comment(store.engine, "p", rid, c.id, body="typo")
    assert edited.body == "typo"
    assert edited.edited_at is not None and edited.edited_at >= c.created_at


def test_deleting_a_comment_with_replies_leaves_it_deleted_in_place(store: Store) -> None:
    rid = _report(store)
    top = comments.add_comment(store.engine, "p", rid, author="ana", body="top")
    reply = comments.add_comment(store.engine, "p", rid, author="bo", body="re", parent_id=top.id)
    assert comments.delete_comment(store.engine, "p", rid, top.id) is False
    kept = comments.get_comment(store.engine, "p", rid, top.id)
    assert kept.deleted and kept.body == ""
    with pytest.raises(UsageError, match="was deleted"):
        comments.edit_comment(store.engine, "p", rid, top.id, body="back")
    with pytest.raises(UsageError, match="no more replies"):
        comments.add_comment(store.engine, "p", rid, author="bo", body="x", parent_id=top.id)
    # Its last reply gone, the deleted comment has nothing to hold together: both go.
    assert comments.delete_comment(store.engine, "p", rid, reply.id) is True
    assert comments.list_comments(store.engine, "p", rid) == []


def test_deleting_a_reply_keeps_a_live_parent(store: Store) -> None:
    rid = _report(store)
    top = comments.add_comment(store.engine, "p", rid, author="ana", body="top")
    reply = comments.add_comment(store.engine, "p", rid, author="bo", body="re", parent_id=top.id)
    assert comments.delete_comment(store.engine, "p", rid, reply.id) is True
    assert [c.id for c in comments.list_comments(store.engine, "p", rid)] == [top.id]


def test_bad_comments_are_refused_with_what_is_wrong(store: Store) -> None:
    rid = _report(store)
    with pytest.raises(UsageError, match="at most 10,000 characters"):
        comments.add_comment(store.engine, "p", rid, author="ana", body="x" * 10_001)
    with pytest.raises(UsageError, match="needs some text"):
        comments.add_comment(store.engine, "p", rid, author="ana", body="  \n")
    with pytest.raises(NotFoundError, match="no panel 'intro'"):
        comments.add_comment(store.engine, "p", rid, author="ana", body="x", panel_id="intro")
    with pytest.raises(NotFoundError, match="no comment 'nope'"):
        comments.add_comment(store.engine, "p", rid, author="ana", body="x", parent_id="nope")
    with pytest.raises(NotFoundError, match="no report"):
        comments.list_comments(store.engine, "p", "missing")
    top = comments.add_comment(store.engine, "p", rid, author="ana", body="x", panel_id="panel1")
    with pytest.raises(UsageError, match="stays on its parent's panel"):
        comments.add_comment(
            store.engine, "p", rid, author="bo", body="y", parent_id=top.id, panel_id="panel2"
        )
    longest = comments.add_comment(store.engine, "p", rid, author="a", body="x" * 10_000)
    assert len(longest.body) == 10_000


def test_a_comment_is_found_only_under_its_own_report(store: Store) -> None:
    rid, other = _report(store), _report(store)
    c = comments.add_comment(store.engine, "p", rid, author="ana", body="here")
    with pytest.raises(NotFoundError):
        comments.get_comment(store.engine, "p", other, c.id)
    with pytest.raises(NotFoundError):
        comments.delete_comment(store.engine, "p", other, c.id)


def test_deleting_a_report_deletes_its_comments(store: Store) -> None:
    rid = _report(store)
    top = comments.add_comment(store.engine, "p", rid, author="ana", body="top")
    comments.add_comment(store.engine, "p", rid, author="bo", body="re", parent_id=top.id)
    reports.delete_report(store.engine, "p", rid)
    with store.engine.connect() as connection:
        assert connection.execute(select(schema.comments.c.id)).fetchall() == []


def test_a_store_from_before_comments_is_upgraded(
    store_dir: Path, database_url: str | None
) -> None:
    old = Store.open(store_dir, database_url=database_url)
    with write(old.engine) as connection:
        project_id(connection, "p", create=True)
    rid = _report(old)
    before = migrations.MIGRATIONS.index(migrations._add_comments) + 1
    with write(old.engine) as connection:
        connection.execute(text("DROP TABLE comments"))
        connection.execute(
            schema.store_meta.update()
            .where(schema.store_meta.c.key == "schema_version")
            .values(value=str(before))
        )
    old.close()

    store = Store.open(store_dir, database_url=database_url)
    try:
        c = comments.add_comment(store.engine, "p", rid, author="ana", body="after upgrade")
        assert comments.list_comments(store.engine, "p", rid) == [c]
        with store.engine.connect() as connection:
            assert migrations.current_version(connection) == migrations.SCHEMA_VERSION
    finally:
        store.close()


def test_replies_racing_the_deletion_of_their_parent_leave_a_whole_thread(store: Store) -> None:
    rid = _report(store)
    top = comments.add_comment(store.engine, "p", rid, author="ana", body="top")
    start = threading.Barrier(9)
    outcomes: list[str] = []
    lock = threading.Lock()

    def reply(number: int) -> None:
        start.wait()
        try:
            comments.add_comment(
                store.engine, "p", rid, author="bo", body=f"re {number}", parent_id=top.id
            )
            result = "replied"
        except HeronError as error:  # refused cleanly: the parent was deleted first
            result = type(error).__name__
        except Exception as error:  # a database error leaking out is what this test catches
            result = f"unexpected {error!r}"
        with lock:
            outcomes.append(result)

    def delete() -> None:
        start.wait()
        comments.delete_comment(store.engine, "p", rid, top.id)

    threads = [threading.Thread(target=reply, args=(i,)) for i in range(8)]
    threads.append(threading.Thread(target=delete))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(outcomes) == 8
    assert set(outcomes) <= {"replied", "UsageError", "NotFoundError"}, outcomes
    listed = comments.list_comments(store.engine, "p", rid)
    replies = [c for c in listed if c.parent_id == top.id]
    assert len(replies) == outcomes.count("replied")
    if replies:  # the parent stays, as "deleted", for the replies made before the delete
        assert [c.id for c in listed if c.deleted] == [top.id]
    else:
        assert listed == []
