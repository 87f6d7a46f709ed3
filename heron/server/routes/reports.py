"""Reports: list per project, create, read, edit, duplicate, delete, export as static HTML."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Response

from heron.server.access import (
    READ_PROJECT,
    WRITE_PROJECT,
    CurrentUser,
    ReadableProjects,
    check_artifact_refs,
)
from heron.server.deps import StoreDep
from heron.server.report_export import export_html
from heron.server.report_models import (
    DuplicateRequest,
    PanelBlock,
    Report,
    ReportInput,
    ReportSummary,
    ReportUpdate,
)
from heron.store import reports as report_store
from heron.store.reports import ReportRecord

router = APIRouter(
    prefix="/api/projects/{project}/reports", tags=["reports"], dependencies=[READ_PROJECT]
)


def _report(record: ReportRecord) -> Report:
    return Report.model_validate(
        {
            "id": record.id,
            "project": record.project,
            "title": record.title,
            "description": record.description,
            "blocks": record.blocks,
            "created_at": record.created_at,
            "updated_at": record.updated_at,
        }
    )


@router.get("", response_model=list[ReportSummary])
def list_reports(project: str, store: StoreDep) -> list[ReportSummary]:
    """The project's reports, most recently edited first."""
    return [
        ReportSummary(
            id=r.id,
            project=r.project,
            title=r.title,
            description=r.description,
            blocks=len(r.blocks),
            created_at=r.created_at,
            updated_at=r.updated_at,
        )
        for r in report_store.list_reports(store.engine, project)
    ]


@router.post("", response_model=Report, status_code=201, dependencies=[WRITE_PROJECT])
def create_report(project: str, body: ReportInput, store: StoreDep) -> Report:
    """A new report."""
    record = report_store.create_report(
        store.engine,
        project,
        title=body.title,
        description=body.description,
        blocks=[block.model_dump() for block in body.blocks],
    )
    return _report(record)


@router.get("/{report_id}", response_model=Report)
def get_report(project: str, report_id: str, store: StoreDep) -> Report:
    """One report; its panels query their data when shown."""
    return _report(report_store.get_report(store.engine, project, report_id))


@router.put("/{report_id}", response_model=Report, dependencies=[WRITE_PROJECT])
def update_report(project: str, report_id: str, body: ReportUpdate, store: StoreDep) -> Report:
    """Save changes to the title, description or blocks."""
    record = report_store.update_report(
        store.engine,
        project,
        report_id,
        title=body.title,
        description=body.description,
        blocks=None if body.blocks is None else [b.model_dump() for b in body.blocks],
    )
    return _report(record)


@router.delete(
    "/{report_id}", status_code=204, response_class=Response, dependencies=[WRITE_PROJECT]
)
def delete_report(project: str, report_id: str, store: StoreDep) -> Response:
    """Delete a report."""
    report_store.delete_report(store.engine, project, report_id)
    return Response(status_code=204)


@router.post(
    "/{report_id}/duplicate",
    response_model=Report,
    status_code=201,
    dependencies=[WRITE_PROJECT],
)
def duplicate_report(
    project: str, report_id: str, store: StoreDep, body: DuplicateRequest | None = None
) -> Report:
    """A copy of the report with the same blocks."""
    title = body.title if body else None
    return _report(report_store.duplicate_report(store.engine, project, report_id, title))


@router.get(
    "/{report_id}/export",
    response_class=Response,
    responses={200: {"content": {"text/html": {}}}},
)
def export_report(
    project: str, report_id: str, store: StoreDep, user: CurrentUser, readable: ReadableProjects
) -> Response:
    """The report as one self-contained HTML file, with the data as of now."""
    report = _report(report_store.get_report(store.engine, project, report_id))
    # Panels may name artifact versions of other projects: those must be readable too.
    refs = [ref for b in report.blocks if isinstance(b, PanelBlock) for ref in b.artifact_refs()]
    check_artifact_refs(store, user, project, refs)
    filename = quote(f"{report.title[:80]}.html")
    return Response(
        export_html(store, report, readable=readable),
        media_type="text/html; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{filename}"},
    )
