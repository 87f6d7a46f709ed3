"""Comment models: a report's comments and its panels', threaded, with what the reader may do."""

from __future__ import annotations

from pydantic import BaseModel, Field

from heron.store.comments import MAX_COMMENT


class CommentInput(BaseModel):
    """A new comment: on the report, on one of its panels, or in reply to a comment."""

    body: str = Field(min_length=1, max_length=MAX_COMMENT, description="plain text")
    panel_id: str | None = Field(None, min_length=1, max_length=64, description="a panel's id")
    parent_id: str | None = Field(
        None, min_length=1, max_length=32, description="the comment this one answers"
    )


class CommentEdit(BaseModel):
    """A comment's new text."""

    body: str = Field(min_length=1, max_length=MAX_COMMENT, description="plain text")


class Comment(BaseModel):
    """One comment. A deleted one that had replies stays, with no body, so its thread holds."""

    id: str
    report_id: str
    panel_id: str | None
    parent_id: str | None
    author: str
    body: str
    created_at: float
    edited_at: float | None = Field(description="when it was last edited, null if never")
    deleted: bool
    can_edit: bool = Field(description="the caller may edit it (its author)")
    can_delete: bool = Field(description="the caller may delete it (its author or an owner)")


class CommentList(BaseModel):
    """A report's comments, oldest first, and whether the caller may add one."""

    comments: list[Comment]
    can_comment: bool
    user: str = Field(description="the name comments by the caller are signed with")
