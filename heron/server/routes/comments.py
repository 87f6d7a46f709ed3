"""Comments on a report and its panels: list, create (or reply), edit, delete.

Anyone who may read the project reads its reports' comments; members (writers) and owners
comment. Viewers do not: a viewer is read-only everywhere else in heron, and one rule for
"who writes" keeps the access model simple to state and to test. A comment is edited by its
author only (an owner changing someone's words under their name would misattribute them), and
deleted by its author or a project owner (moderation).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from heron.errors import PermissionDeniedError
from heron.server.access import ProjectReader, ProjectWriter
from heron.server.comment_models import Comment, CommentEdit, CommentInput, CommentList
from heron.server.deps import StoreDep
from heron.store import comments as comment_store
from heron.store.comments import CommentRecord

router = APIRouter(prefix="/api/projects/{project}/reports/{report_id}/comments", tags=["comments"])


@dataclass(frozen=True)
class Commenter:
    """Who is asking, as comments see them: the name they sign with and what they may do."""

    name: str
    may_comment: bool
    is_owner: bool


def _commenter(access: ProjectReader) -> Commenter:
    # In local mode the access check makes every request the local owner.
    return Commenter(
        name=access.user.name, may_comment=access.may("writer"), is_owner=access.may("owner")
    )


CommenterDep = Annotated[Commenter, Depends(_commenter)]


def _comment(record: CommentRecord, who: Commenter) -> Comment:
    own = record.author == who.name and who.may_comment
    return Comment(
        id=record.id,
        report_id=record.report_id,
        panel_id=record.panel_id,
        parent_id=record.parent_id,
        author=record.author,
        body=record.body,
        created_at=record.created_at,
        edited_at=record.edited_at,
        deleted=record.deleted,
        can_edit=own and not record.deleted,
        can_delete=(own or who.is_owner) and not record.deleted,
    )


@router.get("", response_model=CommentList)
def list_comments(project: str, report_id: str, store: StoreDep, who: CommenterDep) -> CommentList:
    """The report's comments and its panels', oldest first (replies name their parent)."""
    records = comment_store.list_comments(store.engine, project, report_id)
    return CommentList(
        comments=[_comment(r, who) for r in records], can_comment=who.may_comment, user=who.name
    )


@router.post("", response_model=Comment, status_code=201)
def create_comment(
    project: str,
    report_id: str,
    body: CommentInput,
    store: StoreDep,
    access: ProjectWriter,
    who: CommenterDep,
) -> Comment:
    """A new comment on the report, on one of its panels, or a reply to a comment (members)."""
    record = comment_store.add_comment(
        store.engine,
        project,
        report_id,
        author=who.name,
        body=body.body,
        panel_id=body.panel_id,
        parent_id=body.parent_id,
    )
    return _comment(record, who)


@router.put("/{comment_id}", response_model=Comment)
def edit_comment(
    project: str,
    report_id: str,
    comment_id: str,
    body: CommentEdit,
    store: StoreDep,
    access: ProjectWriter,
    who: CommenterDep,
) -> Comment:
    """Change a comment's text (its author only); it then shows as edited."""
    current = comment_store.get_comment(store.engine, project, report_id, comment_id)
    if not _comment(current, who).can_edit:
        raise PermissionDeniedError(
            f"only its author ({current.author}) may edit comment {comment_id!r}"
        )
    record = comment_store.edit_comment(
        store.engine, project, report_id, comment_id, body=body.body
    )
    return _comment(record, who)


@router.delete("/{comment_id}", status_code=204, response_class=Response)
def delete_comment(
    project: str,
    report_id: str,
    comment_id: str,
    store: StoreDep,
    access: ProjectWriter,
    who: CommenterDep,
) -> Response:
    """Delete a comment (its author or a project owner). One with replies stays as "deleted"."""
    current = comment_store.get_comment(store.engine, project, report_id, comment_id)
    if current.deleted:  # already deleted (kept for its replies): nothing more to do
        return Response(status_code=204)
    if not _comment(current, who).can_delete:
        raise PermissionDeniedError(
            f"only its author ({current.author}) or an owner of project {project!r} may "
            f"delete comment {comment_id!r}"
        )
    comment_store.delete_comment(store.engine, project, report_id, comment_id)
    return Response(status_code=204)
