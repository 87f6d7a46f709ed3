"""Comments on a report and on its panels, threaded by replies.

A comment belongs to one report, optionally to one of its panels (by the block's id), and
optionally answers another comment of the same report (a reply stays on its parent's panel).
Deleting a comment that has replies keeps it in place as "deleted" (no text) so the thread
still reads; deleting one without replies removes it, and with it any deleted parents it was
the last reply to. Who may edit or delete is the server's decision; the store only keeps text.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from heron.errors import NotFoundError, UsageError
from heron.store import schema
from heron.store.database import write
from heron.store.reports import get_report

MAX_COMMENT = 10_000
"""Characters a comment may hold."""

MAX_AUTHOR = 128


@dataclass(frozen=True)
class CommentRecord:
    """One stored comment; a deleted one has no body and ``deleted`` set."""

    id: str
    report_id: str
    panel_id: str | None
    parent_id: str | None
    author: str
    body: str
    created_at: float
    edited_at: float | None
    deleted: bool


def check_body(body: str) -> str:
    """The comment text, or UsageError when it is blank or longer than MAX_COMMENT."""
    if not body.strip():
        raise UsageError("a comment needs some text")
    if len(body) > MAX_COMMENT:
        raise UsageError(
            f"a comment may have at most {MAX_COMMENT:,} characters (this one has {len(body):,})"
        )
    return body


def _record(row: Any) -> CommentRecord:
    m = row._mapping
    return CommentRecord(
        id=m["id"],
        report_id=m["report_id"],
        panel_id=m["panel_id"],
        parent_id=m["parent_id"],
        author=m["author"],
        body=m["body"],
        created_at=float(m["created_at"]),
        edited_at=None if m["edited_at"] is None else float(m["edited_at"]),
        deleted=m["deleted_at"] is not None,
    )


def _panel_ids(blocks: list[dict[str, Any]]) -> set[str]:
    return {str(b.get("id")) for b in blocks if b.get("type") == "panel"}


def _row(connection: Connection, report_id: str, comment_id: str, *, lock: bool = False) -> Any:
    c = schema.comments
    query = select(c).where(c.c.id == comment_id, c.c.report_id == report_id)
    # On PostgreSQL a reply and a delete of its parent queue on the parent's row; SQLite
    # already serialises writers.
    row = connection.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFoundError(f"report {report_id!r} has no comment {comment_id!r}")
    return row


def list_comments(engine: Engine, project: str, report_id: str) -> list[CommentRecord]:
    """A report's comments (its panels' too), oldest first."""
    get_report(engine, project, report_id)
    c = schema.comments
    with engine.connect() as connection:
        rows = connection.execute(
            select(c).where(c.c.report_id == report_id).order_by(c.c.created_at, c.c.id)
        ).fetchall()
    return [_record(row) for row in rows]


def get_comment(engine: Engine, project: str, report_id: str, comment_id: str) -> CommentRecord:
    """One comment of a report; NotFoundError otherwise."""
    get_report(engine, project, report_id)
    with engine.connect() as connection:
        return _record(_row(connection, report_id, comment_id))


def add_comment(
    engine: Engine,
    project: str,
    report_id: str,
    *,
    author: str,
    body: str,
    panel_id: str | None = None,
    parent_id: str | None = None,
) -> CommentRecord:
    """A new comment on the report, on its panel ``panel_id``, or in reply to ``parent_id``."""
    report = get_report(engine, project, report_id)
    body = check_body(body)
    if not author or len(author) > MAX_AUTHOR:
        raise UsageError(f"a comment's author must have 1 to {MAX_AUTHOR} characters")
    if panel_id is not None and panel_id not in _panel_ids(report.blocks):
        raise NotFoundError(f"report {report_id!r} has no panel {panel_id!r}")
    comment_id = os.urandom(8).hex()
    with write(engine) as connection:
        if parent_id is not None:
            parent = _record(_row(connection, report_id, parent_id, lock=True))
            if parent.deleted:
                raise UsageError(f"comment {parent_id!r} was deleted: it takes no more replies")
            if panel_id is not None and panel_id != parent.panel_id:
                raise UsageError(
                    f"a reply stays on its parent's panel: comment {parent_id!r} is on "
                    f"{'panel ' + repr(parent.panel_id) if parent.panel_id else 'the report'}"
                )
            panel_id = parent.panel_id
        connection.execute(
            schema.comments.insert().values(
                id=comment_id,
                report_id=report_id,
                panel_id=panel_id,
                parent_id=parent_id,
                author=author,
                body=body,
                created_at=time.time(),
                edited_at=None,
                deleted_at=None,
            )
        )
        return _record(_row(connection, report_id, comment_id))


def edit_comment(
    engine: Engine, project: str, report_id: str, comment_id: str, *, body: str
) -> CommentRecord:
    """Replace a comment's text; it is then marked edited. A deleted comment cannot be edited."""
    get_report(engine, project, report_id)
    body = check_body(body)
    with write(engine) as connection:
        current = _record(_row(connection, report_id, comment_id, lock=True))
        if current.deleted:
            raise UsageError(f"comment {comment_id!r} was deleted: it cannot be edited")
        if body != current.body:
            connection.execute(
                schema.comments.update()
                .where(schema.comments.c.id == comment_id)
                .values(body=body, edited_at=time.time())
            )
        return _record(_row(connection, report_id, comment_id))


def _reply_count(connection: Connection, comment_id: str) -> int:
    c = schema.comments
    return int(
        connection.execute(
            select(func.count()).select_from(c).where(c.c.parent_id == comment_id)
        ).scalar_one()
    )


def delete_comment(engine: Engine, project: str, report_id: str, comment_id: str) -> bool:
    """Delete a comment: True when it is gone, False when it stays as "deleted" for its replies."""
    get_report(engine, project, report_id)
    c = schema.comments
    with write(engine) as connection:
        row = _record(_row(connection, report_id, comment_id, lock=True))
        if _reply_count(connection, comment_id):
            connection.execute(
                c.update().where(c.c.id == comment_id).values(body="", deleted_at=time.time())
            )
            return False
        connection.execute(c.delete().where(c.c.id == comment_id))
        # A deleted parent only stayed for its replies: the last one gone, it goes too.
        parent_id = row.parent_id
        while parent_id is not None:
            parent = _record(_row(connection, report_id, parent_id, lock=True))
            if not parent.deleted or _reply_count(connection, parent_id):
                break
            connection.execute(c.delete().where(c.c.id == parent_id))
            parent_id = parent.parent_id
        return True
