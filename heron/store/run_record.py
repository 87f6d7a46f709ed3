"""A run as stored (:class:`RunRecord`), built from a ``runs`` row joined with its project name.

Kept apart from :mod:`heron.store.runs` so a reader that needs only records (the SQLite reader
in :mod:`heron.store.sqlite_reader`) builds them without importing SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from heron.store.jsonvalues import loads

RUN_LEVEL_STEP = -1
"""The step of run objects that belong to the whole run (metric definitions), not to a step."""


class RunRecord(NamedTuple):
    """One run as stored (``record._asdict()`` gives its fields as a dict)."""

    # A NamedTuple, not a frozen dataclass: Python generates and compiles a dataclass's methods
    # when its module is imported, about 1.5 ms for these 23 fields, more than the lookups of a
    # table read that needs nothing else of this module.

    id: str
    project: str
    name: str
    group: str | None
    job_type: str | None
    tags: list[str]
    notes: str
    config: dict[str, Any]
    summary: dict[str, Any]
    state: str
    exit_code: int | None
    created_at: float
    updated_at: float
    finished_at: float | None
    heartbeat_at: float
    host: str
    pid: int
    python_version: str
    program: str
    git_commit: str | None
    git_dirty: bool | None
    git_remote: str | None
    last_step: int

    @property
    def path(self) -> str:
        """``project/run_id``: how the API and the CLI name a run."""
        return f"{self.project}/{self.id}"


def run_record(m: Mapping[str, Any]) -> RunRecord:
    """The record of a ``runs`` row given as a mapping of its columns plus ``project`` (the
    project's name). SQLite hands ``git_dirty`` back as 0/1, so it is made a bool here."""
    dirty = m["git_dirty"]
    return RunRecord(
        id=m["id"],
        project=m["project"],
        name=m["name"],
        group=m["group_name"],
        job_type=m["job_type"],
        tags=loads(m["tags"]),
        notes=m["notes"],
        config=loads(m["config"]),
        summary=loads(m["summary"]),
        state=m["state"],
        exit_code=m["exit_code"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        finished_at=m["finished_at"],
        heartbeat_at=m["heartbeat_at"],
        host=m["host"],
        pid=m["pid"],
        python_version=m["python_version"],
        program=m["program"],
        git_commit=m["git_commit"],
        git_dirty=None if dirty is None else bool(dirty),
        git_remote=m["git_remote"],
        last_step=m["last_step"],
    )


def run_table_label(run: RunRecord, key: str, step: int) -> str:
    """How a run's table is named in full: ``project/run_id/key@step`` (the query engine writes
    it into a concatenation's source column and a file export's name)."""
    return f"{run.path}/{key}@{step}"
