"""Projects: the list on the home page and one project's header."""

from __future__ import annotations

from fastapi import APIRouter

from heron.errors import NotFoundError
from heron.server.access import ProjectReader, ReadableProjects
from heron.server.deps import StoreDep
from heron.server.models import Project
from heron.store import runs as run_store

router = APIRouter(prefix="/api/projects", tags=["projects"])


@router.get("", response_model=list[Project])
def list_projects(store: StoreDep, readable: ReadableProjects) -> list[Project]:
    """The projects the user may read, with their numbers of runs and artifacts and last activity."""
    rows = run_store.list_projects(store.engine)
    return [Project(**row) for row in rows if readable is None or row["name"] in readable]


@router.get("/{project}", response_model=Project)
def get_project(project: str, store: StoreDep, access: ProjectReader) -> Project:
    """One project; 404 if there is no project of that name."""
    for row in run_store.list_projects(store.engine):
        if row["name"] == project:
            return Project(**row)
    raise NotFoundError(f"no project named {project!r}")
