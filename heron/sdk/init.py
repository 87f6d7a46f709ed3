"""``heron.init`` and the module-level ``heron.log`` / ``heron.finish``."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable, Mapping
from typing import Any

from heron._types import ResumeMode
from heron.errors import NotFoundError, RunExistsError, UsageError
from heron.sdk import active, names, sysinfo
from heron.sdk.config import Config
from heron.sdk.run import Run
from heron.sdk.values import short_repr, text_problem
from heron.store import local_store as run_store
from heron.store.jsonvalues import dumps
from heron.store.liveness import host_name
from heron.store.manifest import check_project_name
from heron.store.run_record import RunRecord
from heron.store.store import Store
from heron.sync.settings import RemoteSettings, settings_from_env, spool_dir

_RUN_ID = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")


def init(
    project: str | None = None,
    name: str | None = None,
    config: Mapping[str, Any] | None = None,
    job_type: str | None = None,
    group: str | None = None,
    tags: Iterable[str] | None = None,
    notes: str | None = None,
    dir: str | os.PathLike[str] | None = None,
    id: str | None = None,
    resume: bool | ResumeMode | None = None,
) -> Run:
    """Start a run and make it the active one (``heron.run``); returns the :class:`Run`.

    The store is ``dir``, else ``$HERON_DIR``, else ``./heron-data``. ``project`` defaults to
    ``$HERON_PROJECT`` or ``"uncategorized"``. To continue an earlier run pass its ``id`` with
    ``resume="allow"`` (resume if it exists, else create), ``"must"`` (fail if it does not
    exist) or ``True`` (same as "allow"); ``"never"`` fails if the id exists.
    """
    project = project or os.environ.get("HERON_PROJECT") or "uncategorized"
    check_project_name(project)
    if id is not None and not _RUN_ID.match(id):
        raise UsageError(f"run id {id!r} may only use letters, digits, '_' and '-' (at most 64)")
    if resume is True:
        resume = "allow"
    if resume not in (None, False, "allow", "must", "never"):
        raise UsageError(f"resume must be 'allow', 'must', 'never' or True, got {resume!r}")
    tag_list = _tags(tags)
    # The runs table's column sizes; PostgreSQL refuses longer text, and neither takes non-UTF-8.
    for value, what, limit in (
        (name, "run name", 256),
        (group, "group", 256),
        (job_type, "job_type", 128),
        (notes, "notes", None),
    ):
        _check_text(value, what, limit)
    # Validate config before anything is written, so a bad value leaves no run behind.
    checked_config = Config(config, lambda _: None).as_dict() if config else {}
    remote = settings_from_env()
    if remote is not None and dir is None:
        dir = spool_dir(remote.url)
    git_state = sysinfo.start_git_state()  # its commands run while the store opens
    try:
        store = run_store.open_for_run(dir, announce=remote is None)

        existing = None
        if id is not None:
            try:
                existing = run_store.get_run(store, id)
            except NotFoundError:
                if resume == "must":
                    raise NotFoundError(f"cannot resume run {id!r}: it does not exist") from None
        if existing is not None:
            return _go_remote(_continue(store, existing, resume, project, checked_config), remote)

        run_id = id or names.new_run_id()
        now = time.time()
        git = git_state()
        sequence = run_store.count_runs(store, project) + 1
        try:
            run_store.create_run(
                store,
                project,
                {
                    "id": run_id,
                    "name": name or names.run_name(sequence),
                    "group_name": group,
                    "job_type": job_type,
                    "tags": dumps(tag_list),
                    "notes": notes or "",
                    "config": dumps(checked_config),
                    "summary": "{}",
                    "state": "running",
                    "created_at": now,
                    "updated_at": now,
                    "heartbeat_at": now,
                    "host": host_name(),
                    "pid": os.getpid(),
                    "python_version": sysinfo.python_version(),
                    "program": sysinfo.program(),
                    "git_commit": git.commit if git else None,
                    "git_dirty": git.dirty if git else None,
                    "git_remote": git.remote if git else None,
                    "last_step": -1,
                },
            )
        except RunExistsError:
            if id is None or resume != "allow":
                raise
            # Another process created this run between the lookup above and the insert: continue it.
            existing = run_store.get_run(store, id)
            return _go_remote(_continue(store, existing, resume, project, checked_config), remote)
        record = run_store.get_run(store, run_id)
        run = Run(
            store=store,
            run_id=run_id,
            name=record.name,
            project=project,
            config=checked_config,
            summary=None,
            start_step=0,
        )
        active.remember(run)
        return _go_remote(run, remote)
    finally:
        git_state()  # the git processes are waited for however the start went


def _go_remote(run: Run, remote: RemoteSettings | None) -> Run:
    """In remote mode (``HERON_URL``), push the run's spool store to the server in the
    background; ``run.finish()`` then waits a bounded time for it (heron/sync/remote.py)."""
    if remote is not None:
        # Here, not at the top: the pusher reads table parts (pyarrow), remote mode only.
        from heron.sync.remote import attach

        attach(run.store.root, remote, run.on_finish)
    return run


def _continue(
    store: Store,
    existing: RunRecord,
    resume: bool | ResumeMode | None,
    project: str,
    config: dict[str, Any],
) -> Run:
    """Resume ``existing``, if ``resume`` allows it and it belongs to ``project``."""
    if resume not in ("allow", "must"):
        raise UsageError(
            f"run {existing.path} already exists: pass resume='allow' to continue it, "
            "or choose another id"
        )
    if existing.project != project:
        raise UsageError(
            f"run {existing.id!r} belongs to project {existing.project!r}, not {project!r}"
        )
    return _resume(store, existing, config)


def _resume(store: Store, existing: RunRecord, config: dict[str, Any]) -> Run:
    merged = {**existing.config, **config}
    now = time.time()
    run_store.update_run(
        store,
        existing.id,
        state="running",
        exit_code=None,
        finished_at=None,
        heartbeat_at=now,
        pid=os.getpid(),
        host=host_name(),
        config=dumps(merged),
    )
    run = Run(
        store=store,
        run_id=existing.id,
        name=existing.name,
        project=existing.project,
        config=merged,
        summary=existing.summary,
        start_step=existing.last_step + 1,
    )
    active.remember(run)
    return run


def _tags(tags: Iterable[str] | None) -> list[str]:
    if tags is None:
        return []
    if isinstance(tags, str):
        raise UsageError("tags must be a list of strings, not a single string")
    result = []
    for tag in tags:
        if not isinstance(tag, str) or not tag:
            raise UsageError(f"each tag must be a non-empty string, got {tag!r}")
        _check_text(tag, "tag", None)
        result.append(tag)
    return result


def _check_text(value: str | None, what: str, limit: int | None) -> None:
    if value is None:
        return
    if not isinstance(value, str):
        raise UsageError(f"{what} must be a string, got {type(value).__name__}")
    problem = text_problem(value)
    if problem is not None:
        raise UsageError(f"{what} {short_repr(value)} {problem}")
    if limit is not None and len(value) > limit:
        raise UsageError(f"{what} {short_repr(value)} is longer than {limit} characters")


def log(data: Mapping[str, Any], *, step: int | None = None) -> None:
    """Log to the active run (see :meth:`Run.log`); fails if no run is active."""
    _require_active().log(data, step=step)


def finish(exit_code: int = 0) -> None:
    """Finish the active run (see :meth:`Run.finish`); does nothing if none is active."""
    run = active.current()
    if run is not None:
        run.finish(exit_code=exit_code)


def _require_active() -> Run:
    run = active.current()
    if run is None:
        raise UsageError("no active run: call heron.init() first")
    return run
