"""Projects: the list on the home page and one project's header."""

from __future__ import annotations

from fastapi import APIRouter

from heron.errors import NotFoundError
from heron.server.deps import StoreDep
from heron.server.models import Project
from heron.store import runs as run_store

router = APIRouter(prefix="/api/projects", tags=["projects"])


@router.get("", response_model=list[Project])
def list_projects(store: StoreDep) -> list[Project]:
    """Every project with its number of runs and artifacts and its last activity."""
    return [Project(**row) for row in run_store.list_projects(store.engine)]


@router.get("/{project}", response_model=Project)
def get_project(project: str, store: StoreDep) -> Project:
    """One project; 404 if there is no project of that name."""
    for row in run_store.list_projects(store.engine):
        if row["name"] == project:
            return Project(**row)
    raise NotFoundError(f"no project named {project!r}")
