"""Reports in the metadata database: a title, a description and a list of blocks (JSON).

The store keeps blocks as an opaque JSON list; their shape is checked by the server's models.
A report references runs and tables by id and key, never copies of their data, so opening it
re-queries what it shows.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select

from heron.errors import NotFoundError, UsageError
from heron.store import schema
from heron.store.database import write
from heron.store.runs import project_id

MAX_TITLE = 500


@dataclass(frozen=True)
class ReportRecord:
    """One stored report."""

    id: str
    project: str
    title: str
    description: str
    blocks: list[dict[str, Any]]
    created_at: float
    updated_at: float


def _check_title(title: str) -> str:
    title = title.strip()
    if not title or len(title) > MAX_TITLE:
        raise UsageError(f"a report title must have 1 to {MAX_TITLE} characters")
    return title


def _query() -> Any:
    r, p = schema.reports, schema.projects
    return select(r, p.c.name.label("project_name")).join(p, p.c.id == r.c.project_id)


def _record(row: Any) -> ReportRecord:
    m = row._mapping
    return ReportRecord(
        id=m["id"],
        project=m["project_name"],
        title=m["title"],
        description=m["description"],
        blocks=json.loads(m["blocks"]),
        created_at=float(m["created_at"]),
        updated_at=float(m["updated_at"]),
    )


def create_report(
    engine: Engine, project: str, *, title: str, description: str, blocks: list[dict[str, Any]]
) -> ReportRecord:
    """A new report in an existing project."""
    now = time.time()
    report_id = os.urandom(6).hex()
    with write(engine) as connection:
        pid = project_id(connection, project, create=False)
        connection.execute(
            schema.reports.insert().values(
                id=report_id,
                project_id=pid,
                title=_check_title(title),
                description=description,
                blocks=json.dumps(blocks),
                created_at=now,
                updated_at=now,
            )
        )
    return get_report(engine, project, report_id)


def get_report(engine: Engine, project: str, report_id: str) -> ReportRecord:
    """One report of a project; NotFoundError otherwise."""
    r, p = schema.reports, schema.projects
    with engine.connect() as connection:
        row = connection.execute(_query().where(r.c.id == report_id, p.c.name == project)).first()
    if row is None:
        raise NotFoundError(f"project {project!r} has no report {report_id!r}")
    return _record(row)


def list_reports(engine: Engine, project: str) -> list[ReportRecord]:
    """A project's reports, most recently edited first."""
    r, p = schema.reports, schema.projects
    with engine.connect() as connection:
        project_id(connection, project, create=False)
        rows = connection.execute(
            _query().where(p.c.name == project).order_by(r.c.updated_at.desc())
        ).fetchall()
    return [_record(row) for row in rows]


def update_report(
    engine: Engine,
    project: str,
    report_id: str,
    *,
    title: str | None = None,
    description: str | None = None,
    blocks: list[dict[str, Any]] | None = None,
) -> ReportRecord:
    """Change what is given; ``updated_at`` moves to now."""
    get_report(engine, project, report_id)
    values: dict[str, Any] = {"updated_at": time.time()}
    if title is not None:
        values["title"] = _check_title(title)
    if description is not None:
        values["description"] = description
    if blocks is not None:
        values["blocks"] = json.dumps(blocks)
    with write(engine) as connection:
        connection.execute(
            schema.reports.update().where(schema.reports.c.id == report_id).values(**values)
        )
    return get_report(engine, project, report_id)


def delete_report(engine: Engine, project: str, report_id: str) -> None:
    """Delete a report."""
    get_report(engine, project, report_id)
    with write(engine) as connection:
        connection.execute(schema.comments.delete().where(schema.comments.c.report_id == report_id))
        connection.execute(schema.reports.delete().where(schema.reports.c.id == report_id))


def duplicate_report(
    engine: Engine, project: str, report_id: str, title: str | None = None
) -> ReportRecord:
    """A copy of a report (same blocks) titled ``title`` or "Copy of <title>"."""
    original = get_report(engine, project, report_id)
    return create_report(
        engine,
        project,
        title=title or f"Copy of {original.title}"[:MAX_TITLE],
        description=original.description,
        blocks=original.blocks,
    )
