"""Reading and writing runs, their metrics and per-step objects in the metadata database."""

from __future__ import annotations

import sys
import time
from array import array
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, and_, exists, func, select

from heron.errors import NotFoundError, RunExistsError
from heron.store import schema
from heron.store.database import insert_if_absent, insert_ignoring_duplicates, upsert, write
from heron.store.jsonvalues import dumps, loads
from heron.store.liveness import host_name, pid_alive
from heron.store.manifest import check_project_name
from heron.store.run_record import RUN_LEVEL_STEP as RUN_LEVEL_STEP
from heron.store.run_record import RunRecord as RunRecord  # re-exported: its home before
from heron.store.run_record import run_record
from heron.store.sqlite_writer import HEARTBEAT_SECONDS as HEARTBEAT_SECONDS
from heron.store.sqlite_writer import STALE_HEARTBEAT_SECONDS as STALE_HEARTBEAT_SECONDS
from heron.store.sqlite_writer import history_rows


def project_id(connection: Connection, name: str, *, create: bool) -> int:
    """The id of a project, creating it if asked."""
    row = connection.execute(
        select(schema.projects.c.id).where(schema.projects.c.name == name)
    ).first()
    if row is not None:
        return int(row[0])
    if not create:
        raise NotFoundError(f"no project named {name!r}")
    check_project_name(name)  # every way a project is made (runs, artifacts, imports) is checked
    insert_ignoring_duplicates(
        connection, schema.projects, [{"name": name, "description": "", "created_at": time.time()}]
    )
    return project_id(connection, name, create=False)


def _record(row: Any) -> RunRecord:
    return run_record(row._mapping)


def _runs_query() -> Any:
    r, p = schema.runs, schema.projects
    return select(r, p.c.name.label("project")).join(p, p.c.id == r.c.project_id)


def get_run(engine: Engine, run_id: str, *, project: str | None = None) -> RunRecord:
    """One run by id (and project, when given)."""
    query = _runs_query().where(schema.runs.c.id == run_id)
    if project is not None:
        query = query.where(schema.projects.c.name == project)
    with engine.connect() as connection:
        row = connection.execute(query).first()
    if row is None:
        where = f" in project {project!r}" if project else ""
        raise NotFoundError(f"no run {run_id!r}{where}")
    return _record(row)


def get_runs(engine: Engine, run_ids: Sequence[str]) -> list[RunRecord]:
    """Several runs by id, in any order (unknown ids are left out)."""
    ids = sorted(set(run_ids))
    records: list[RunRecord] = []
    with engine.connect() as connection:
        for start in range(0, len(ids), 500):
            query = _runs_query().where(schema.runs.c.id.in_(ids[start : start + 500]))
            records.extend(_record(row) for row in connection.execute(query))
    return records


def find_run(engine: Engine, ref: str) -> RunRecord:
    """A run from ``project/id``, ``id`` or ``project/name`` (names must then be unique)."""
    project, _, key = ref.rpartition("/")
    try:
        return get_run(engine, key, project=project or None)
    except NotFoundError:
        query = _runs_query().where(schema.runs.c.name == key)
        if project:
            query = query.where(schema.projects.c.name == project)
        with engine.connect() as connection:
            rows = connection.execute(query).fetchall()
        if len(rows) == 1:
            return _record(rows[0])
        if len(rows) > 1:
            ids = ", ".join(sorted(f"{r.project}/{r.id}" for r in rows))
            raise NotFoundError(f"run name {key!r} is ambiguous: {ids}") from None
        raise


def list_runs(engine: Engine, project: str | None = None) -> list[RunRecord]:
    """Runs, newest first, of one project or of all."""
    query = _runs_query().order_by(schema.runs.c.created_at.desc(), schema.runs.c.id)
    if project is not None:
        query = query.where(schema.projects.c.name == project)
    with engine.connect() as connection:
        return [_record(row) for row in connection.execute(query)]


def list_projects(engine: Engine) -> list[dict[str, Any]]:
    """Projects with their run and artifact counts and last activity."""
    p, r, c = schema.projects, schema.runs, schema.artifact_collections
    run_counts = (
        select(
            r.c.project_id,
            func.count().label("runs"),
            func.max(r.c.updated_at).label("last_activity"),
        )
        .group_by(r.c.project_id)
        .subquery()
    )
    # A collection whose versions were all deleted keeps its row but is not an artifact any more.
    has_versions = exists().where(schema.artifact_versions.c.collection_id == c.c.id)
    artifact_counts = (
        select(c.c.project_id, func.count().label("artifacts"))
        .where(has_versions)
        .group_by(c.c.project_id)
        .subquery()
    )
    query = (
        select(
            p.c.name,
            p.c.created_at,
            func.coalesce(run_counts.c.runs, 0),
            run_counts.c.last_activity,
            func.coalesce(artifact_counts.c.artifacts, 0),
        )
        .outerjoin(run_counts, run_counts.c.project_id == p.c.id)
        .outerjoin(artifact_counts, artifact_counts.c.project_id == p.c.id)
        .order_by(p.c.name)
    )
    with engine.connect() as connection:
        return [
            {
                "name": name,
                "created_at": created,
                "runs": int(n_runs),
                "artifacts": int(n_artifacts),
                "last_activity": last if last is not None else created,
            }
            for name, created, n_runs, last, n_artifacts in connection.execute(query)
        ]


def create_run(engine: Engine, project: str, values: dict[str, Any]) -> None:
    """Insert a new run row (``values`` holds every column but ``project_id``).

    Raises :class:`RunExistsError` when the id is taken, also when another process (a replica
    of a team server) inserted it between the caller's check and this insert.
    """
    with write(engine) as connection:
        pid = project_id(connection, project, create=True)
        # The loser of a race learns it from the key the insert returns, without a database
        # error that would abort its transaction.
        inserted = insert_if_absent(connection, schema.runs, {"project_id": pid, **values})
    if not inserted:
        raise RunExistsError(f"a run with id {values['id']!r} already exists")


def count_runs(engine: Engine, project: str) -> int:
    """How many runs a project has (0 if it does not exist)."""
    p, r = schema.projects, schema.runs
    with engine.connect() as connection:
        value = connection.execute(
            select(func.count())
            .select_from(r.join(p, p.c.id == r.c.project_id))
            .where(p.c.name == project)
        ).scalar_one()
    return int(value)


def update_run(engine: Engine, run_id: str, **values: Any) -> None:
    """Update columns of one run; JSON columns must already be serialised."""
    values.setdefault("updated_at", time.time())
    with write(engine) as connection:
        connection.execute(schema.runs.update().where(schema.runs.c.id == run_id).values(**values))


def _unpack(data: bytes, code: str) -> array[Any]:
    unpacked = array(code)
    unpacked.frombytes(data)
    if sys.byteorder != "little":
        unpacked.byteswap()
    return unpacked


def write_history(
    engine: Engine,
    run_id: str,
    rows: Sequence[tuple[int, str, float]],
    objects: Sequence[tuple[int, str, str, Any]],
    *,
    last_step: int | None,
    summary_json: str | None,
) -> None:
    """Write a batch of metric rows (step, key, value) with steps ascending, per-step objects,
    and the run's summary, in one transaction: one chunk row per metric key.

    ``last_step`` and ``summary_json`` are left as stored when None; the heartbeat always moves.
    """
    batch = history_rows(run_id, rows, objects, last_step=last_step, summary_json=summary_json)
    with write(engine) as connection:
        if batch.chunks:
            connection.execute(schema.metrics.insert(), batch.chunks)
        if batch.objects:
            connection.execute(schema.run_objects.insert(), batch.objects)
        connection.execute(
            schema.runs.update().where(schema.runs.c.id == run_id).values(batch.run_changes)
        )


def _read_chunks(
    engine: Engine, run_id: str, keys: Iterable[str] | None, since_step: int | None
) -> dict[str, tuple[list[int], list[float]]]:
    """Steps and values per key, ascending by step, in one query over the run's chunks."""
    m = schema.metrics
    query = select(m.c.key, m.c.step_data, m.c.value_data).where(m.c.run_id == run_id)
    if keys is not None:
        query = query.where(m.c.key.in_(list(keys)))
    if since_step is not None:
        query = query.where(m.c.last_step > since_step)
    series: dict[str, tuple[array[Any], array[Any]]] = {}
    with engine.connect() as connection:
        for key, packed_steps, packed_values in connection.execute(
            query.order_by(m.c.key, m.c.first_step)
        ):
            steps, values = series.setdefault(key, (array("q"), array("d")))
            steps.extend(_unpack(packed_steps, "q"))
            values.extend(_unpack(packed_values, "d"))
    result: dict[str, tuple[list[int], list[float]]] = {}
    for key, (steps, values) in series.items():
        step_list, value_list = steps.tolist(), values.tolist()
        if since_step is not None:  # a chunk may straddle since_step
            first = next((i for i, s in enumerate(step_list) if s > since_step), len(step_list))
            step_list, value_list = step_list[first:], value_list[first:]
        result[key] = (step_list, value_list)
    return result


def read_series(
    engine: Engine, run_id: str, key: str, *, since_step: int | None = None
) -> tuple[list[int], list[float]]:
    """One metric's steps and values, ascending by step (only steps after ``since_step``)."""
    return _read_chunks(engine, run_id, [key], since_step).get(key, ([], []))


def read_history(
    engine: Engine, run_id: str, keys: Iterable[str] | None = None, *, since_step: int | None = None
) -> list[tuple[int, str, float]]:
    """Metric rows (step, key, value) of a run, ordered by step then key."""
    rows = [
        (step, key, value)
        for key, (steps, values) in _read_chunks(engine, run_id, keys, since_step).items()
        for step, value in zip(steps, values, strict=True)
    ]
    rows.sort(key=lambda row: (row[0], row[1]))
    return rows


def metric_keys(engine: Engine, run_id: str) -> list[str]:
    """The distinct metric keys a run has logged, sorted."""
    m = schema.metrics
    with engine.connect() as connection:
        return sorted(
            row[0]
            for row in connection.execute(select(m.c.key).where(m.c.run_id == run_id).distinct())
        )


def project_metric_keys(engine: Engine, project: str, run_ids: Sequence[str] = ()) -> list[str]:
    """The distinct metric keys logged by ``run_ids`` (by every run of ``project`` when none
    are given), sorted; NotFoundError if the project does not exist."""
    m, r, p = schema.metrics, schema.runs, schema.projects
    if run_ids:
        query = select(m.c.key).where(m.c.run_id.in_(list(run_ids))).distinct()
    else:
        query = (
            select(m.c.key)
            .join(r, r.c.id == m.c.run_id)
            .join(p, p.c.id == r.c.project_id)
            .where(p.c.name == project)
            .distinct()
        )
    with engine.connect() as connection:
        project_id(connection, project, create=False)
        return sorted(row[0] for row in connection.execute(query))


def run_progress(
    engine: Engine, project: str, run_ids: Sequence[str]
) -> dict[str, tuple[int, float]]:
    """``run id -> (last_step, updated_at)`` of runs of ``project``: what changes when a run
    logs more. NotFoundError naming the project, or every run that is not in it."""
    r, p = schema.runs, schema.projects
    query = (
        select(r.c.id, r.c.last_step, r.c.updated_at)
        .join(p, p.c.id == r.c.project_id)
        .where(p.c.name == project, r.c.id.in_(list(run_ids)))
    )
    with engine.connect() as connection:
        project_id(connection, project, create=False)
        found = {row[0]: (int(row[1]), float(row[2])) for row in connection.execute(query)}
    missing = [run_id for run_id in run_ids if run_id not in found]
    if missing:
        raise NotFoundError(f"no run {', '.join(map(repr, missing))} in project {project!r}")
    return found


def require_project(engine: Engine, project: str) -> None:
    """Raise NotFoundError naming ``project`` unless it exists."""
    with engine.connect() as connection:
        project_id(connection, project, create=False)


def put_run_object(
    engine: Engine, run_id: str, key: str, step: int, kind: str, payload: Any
) -> None:
    """Store one run object, replacing what the run had under the same key and step."""
    row = {
        "run_id": run_id,
        "key": key,
        "step": step,
        "kind": kind,
        "payload": dumps(payload),
        "logged_at": time.time(),
    }
    with write(engine) as connection:
        upsert(connection, schema.run_objects, row)


def read_objects(
    engine: Engine, run_id: str, *, key: str | None = None, kind: str | None = None
) -> list[tuple[int, str, str, Any]]:
    """Per-step objects (step, key, kind, payload) of a run, ordered by key then step."""
    o = schema.run_objects
    query = select(o.c.step, o.c.key, o.c.kind, o.c.payload).where(o.c.run_id == run_id)
    if key is not None:
        query = query.where(o.c.key == key)
    if kind is not None:
        query = query.where(o.c.kind == kind)
    with engine.connect() as connection:
        rows = connection.execute(query.order_by(o.c.key, o.c.step)).fetchall()
    return [(int(step), k, kd, loads(payload)) for step, k, kd, payload in rows]


def project_table_keys(
    engine: Engine, project: str, run_ids: Sequence[str] = ()
) -> dict[str, dict[str, list[int]]]:
    """Table keys the project's runs (or only ``run_ids``) logged: key -> run id -> steps.

    Keys are in name order, runs newest first, steps ascending; NotFoundError for no project.
    """
    o, r, p = schema.run_objects, schema.runs, schema.projects
    query = (
        select(o.c.key, o.c.run_id, o.c.step)
        .join(r, r.c.id == o.c.run_id)
        .join(p, p.c.id == r.c.project_id)
        .where(p.c.name == project, o.c.kind == "table")
        .order_by(o.c.key, r.c.created_at.desc(), o.c.step)
    )
    if run_ids:
        query = query.where(o.c.run_id.in_(list(run_ids)))
    with engine.connect() as connection:
        project_id(connection, project, create=False)
        rows = connection.execute(query).fetchall()
    keys: dict[str, dict[str, list[int]]] = {}
    for key, run_id, step in rows:
        keys.setdefault(key, {}).setdefault(run_id, []).append(int(step))
    return keys


def mark_crashed_runs(engine: Engine) -> list[str]:
    """Mark runs whose process died as crashed; returns their ids.

    A run is crashed when it still says "running" but its heartbeat is stale, or it ran on this
    host and its process no longer exists.
    """
    r = schema.runs
    now = time.time()
    host = host_name()
    with engine.connect() as connection:
        candidates = connection.execute(
            select(r.c.id, r.c.host, r.c.pid, r.c.heartbeat_at).where(r.c.state == "running")
        ).fetchall()
    crashed = [
        run_id
        for run_id, run_host, pid, heartbeat in candidates
        if now - heartbeat > STALE_HEARTBEAT_SECONDS or (run_host == host and not pid_alive(pid))
    ]
    if crashed:
        with write(engine) as connection:
            connection.execute(
                r.update()
                .where(and_(r.c.id.in_(crashed), r.c.state == "running"))
                .values(state="crashed", updated_at=now)
            )
    return crashed
