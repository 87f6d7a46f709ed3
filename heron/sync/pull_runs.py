"""Remote mode's reads: copy what the server holds of runs into the spool, then read it locally.

``heron.Api()`` in remote mode keeps one code path for reading: before a call it copies from the
server what that call reads (run records; a run's metric chunks after those the spool holds; a
run's objects; the tables and blobs a read opens) into the spool, then reads the spool exactly as
local mode reads its store. Queries over logged tables (``table.query()``, ``heron.query``) then
run locally on the copied Parquet parts.

Which record wins: a run this machine logged keeps the spool's record unless the server's is
newer (``updated_at``), so a live run here is never replaced by the older copy it pushed. A run
copied from the server (and not resumed here) always takes the server's record: whatever this
spool did to its copy, such as marking it crashed when its heartbeat looks stale, is not the run's
truth. Every row a pull adds is remembered (:mod:`heron.sync.pulled`) so the pusher never sends it
back as if logged here.

When the server cannot be reached the read goes on from the spool, with a warning.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from sqlalchemy import func, select, tuple_

from heron.errors import IntegrityError
from heron.store import schema
from heron.store.database import insert_ignoring_duplicates, upsert, write
from heron.store.jsonvalues import loads
from heron.store.runs import project_id
from heron.sync.http import ApiClient, ServerRefused, ServerUnavailable
from heron.sync.models import MAX_DIGESTS, RunObjectIn
from heron.sync.pull import _fetch_table, _frames
from heron.sync.pulled import PulledRows
from heron.sync.read_models import MetricPage, ObjectPage, ProjectNames, RunPage, RunRecordOut
from heron.sync.receive import _decode
from heron.sync.state import SyncState, push_lock

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from heron.store.store import Store
    from heron.sync.settings import RemoteSettings

logger = logging.getLogger("heron.sync")

_DIGEST = re.compile(r"\b[0-9a-f]{64}\b")
_T = TypeVar("_T")


def _q(text: str) -> str:
    return quote(text, safe="")


class RunPuller:
    """Copies runs, history, objects, tables and blobs from one server into one spool."""

    def __init__(self, store: Store, client: ApiClient) -> None:
        self.store = store
        self.client = client
        self._warned = False

    @classmethod
    def for_settings(cls, store: Store, settings: RemoteSettings) -> RunPuller:
        """A puller of ``store`` (the spool) from the server ``settings`` name."""
        return cls(store, ApiClient(settings.url, settings.api_key))

    def close(self) -> None:
        """Close the connection to the server."""
        self.client.close()

    # -- what callers use: each copies, or warns and leaves the spool as it is ----------------------

    def projects(self) -> None:
        """Copy every run record of every project the key may read."""
        self._safely(self._pull_projects)

    def project(self, project: str) -> None:
        """Copy the run records of ``project`` (nothing if the key may not read it)."""
        self._safely(lambda: self._pull_runs(project))

    def find(self, path: str) -> None:
        """Copy what ``Api.run(path)`` needs: the run by ``project/id``, else the runs of the
        project (``project/name``), else (a bare id) the runs of every readable project."""
        project, _, ref = path.rpartition("/")
        if project:
            if not self._safely(lambda: self._pull_run(project, ref)):
                self.project(project)
            return
        local = self._local_project(ref)
        if local is None or not self._safely(lambda: self._pull_run(local, ref)):
            self.projects()

    def run(self, project: str, run_id: str) -> None:
        """Copy one run's record."""
        self._safely(lambda: self._pull_run(project, run_id))

    def history(self, project: str, run_id: str) -> None:
        """Copy the metric chunks of a run the spool lacks."""
        self._safely(lambda: self._pull_history(project, run_id))

    def objects(self, project: str, run_id: str) -> None:
        """Copy a run's objects and the blobs they name (single images)."""
        self._safely(lambda: self._pull_objects(project, run_id))

    def table(self, project: str, run_id: str, key: str, step: int | None) -> None:
        """Copy a run's objects, then the table logged under ``key`` (at ``step``, else the
        latest) with the blobs its image cells name."""

        def pull() -> None:
            self._pull_objects(project, run_id)
            table_id = self._table_id(run_id, key, step)
            if table_id is not None:
                self._pull_table(table_id)

        self._safely(pull)

    def artifacts(self, project: str | None) -> None:
        """Copy the artifact versions (without their files' bytes) and lineage edges of
        ``project`` (every readable project if None), with the runs they name."""
        from heron.sync.pull_artifacts import pull_artifacts

        if project is None:
            answer = self._safely(lambda: self.client.json("GET", "/api/sync/projects"))
            if answer is None:
                return
            projects = ProjectNames.model_validate(answer).projects
        else:
            projects = [project]
        pull_artifacts(self, projects)

    def _safely(self, pull: Callable[[], _T]) -> _T | None:
        """Run ``pull``; None when the server is away (warned once) or has no such thing."""
        try:
            return pull()
        except ServerUnavailable as error:
            if not self._warned:
                logger.warning("heron: %s; reading this machine's spool only", error.message)
                self._warned = True
            return None
        except ServerRefused as error:
            if error.status == 404:  # not on the server, or not readable with this key
                return None
            raise
        finally:
            # One connection per read: an Api kept for long holds no socket between reads.
            self.client.close()

    # -- run records ---------------------------------------------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[PulledRows]:
        """Hold the push lock while copying, so the pusher sees the rows and their record
        together; the record is saved when the block succeeds."""
        root, url = self.store.root, self.client.url
        with push_lock(root, url, wait=True):
            pulled = PulledRows.load(root, url)
            yield pulled
            pulled.forget_below(SyncState.load(root, url).cursors)
            pulled.save()

    def _pull_projects(self) -> None:
        answer = ProjectNames.model_validate(self.client.json("GET", "/api/sync/projects"))
        with write(self.store.engine) as connection:
            for name in answer.projects:
                project_id(connection, name, create=True)
        for name in answer.projects:
            self._safely(lambda name=name: self._pull_runs(name))  # type: ignore[misc]

    def _pull_runs(self, project: str) -> None:
        records: list[RunRecordOut] = []
        after = ""
        while True:
            page = RunPage.model_validate(
                self.client.json("GET", f"/api/sync/projects/{_q(project)}/runs?after={_q(after)}")
            )
            records.extend(page.runs)
            if page.next is None:
                break
            after = page.next
        with write(self.store.engine) as connection:
            project_id(connection, project, create=True)  # a readable project with no run yet
        self._store_runs(records)

    def _pull_run(self, project: str, run_id: str) -> bool:
        answer = self.client.json("GET", f"/api/sync/projects/{_q(project)}/runs/{_q(run_id)}")
        self._store_runs([RunRecordOut.model_validate(answer)])
        return True

    def _local_project(self, run_id: str) -> str | None:
        r, p = schema.runs, schema.projects
        with self.store.engine.connect() as connection:
            row = connection.execute(
                select(p.c.name).join(r, r.c.project_id == p.c.id).where(r.c.id == run_id)
            ).first()
        return None if row is None else str(row[0])

    def _store_runs(self, records: list[RunRecordOut]) -> None:
        r = schema.runs
        with self._locked() as pulled, write(self.store.engine) as connection:
            held = {
                row.id: row
                for row in connection.execute(
                    select(r.c.id, r.c.project_id, r.c.updated_at, r.c.host, r.c.pid).where(
                        r.c.id.in_([record.id for record in records])
                    )
                )
            }
            for record in records:
                values = record.model_dump(exclude={"project"})
                pid = project_id(connection, record.project, create=True)
                local = held.get(record.id)
                if local is None:
                    connection.execute(r.insert().values(project_id=pid, **values))
                elif local.project_id != pid:
                    logger.warning(
                        "heron: run %r is in another project in the spool than on the server "
                        "(%r); the spool's is kept",
                        record.id,
                        record.project,
                    )
                    continue
                elif pulled.run_is_copy(record.id, local.host, local.pid) or (
                    record.updated_at > local.updated_at
                ):
                    connection.execute(r.update().where(r.c.id == record.id).values(**values))
                else:
                    continue  # logged here, and the spool's record is as new as the server's
                pulled.runs[record.id] = [record.host, record.pid]

    # -- history ---------------------------------------------------------------------------------------

    def _pull_history(self, project: str, run_id: str) -> None:
        m = schema.metrics
        with self.store.engine.connect() as connection:
            after = {
                str(key): int(first)
                for key, first in connection.execute(
                    select(m.c.key, func.max(m.c.first_step))
                    .where(m.c.run_id == run_id)
                    .group_by(m.c.key)
                )
            }
        path = f"/api/sync/projects/{_q(project)}/runs/{_q(run_id)}/metrics/read"
        while True:
            page = MetricPage.model_validate(self.client.json("POST", path, {"after": after}))
            self._store_chunks(run_id, page)
            for chunk in page.chunks:
                after[chunk.key] = max(after.get(chunk.key, -1), chunk.first_step)
            if not page.more or not page.chunks:
                break

    def _store_chunks(self, run_id: str, page: MetricPage) -> None:
        if not page.chunks:
            return
        m = schema.metrics
        rows: list[dict[str, Any]] = []
        for chunk in page.chunks:
            where = f"metric {chunk.key!r} of run {run_id} from step {chunk.first_step}"
            rows.append(
                {
                    "run_id": run_id,
                    "key": chunk.key,
                    "first_step": chunk.first_step,
                    "last_step": chunk.last_step,
                    "n_points": chunk.n_points,
                    "step_data": _decode(chunk.step_data, chunk.n_points, where),
                    "value_data": _decode(chunk.value_data, chunk.n_points, where),
                    "logged_at": chunk.logged_at,
                }
            )
        keys = [(chunk.key, chunk.first_step) for chunk in page.chunks]
        with self._locked() as pulled, write(self.store.engine) as connection:
            held = self._held(connection, m, m.c.first_step, run_id, keys)
            fresh = [row for row in rows if (row["key"], row["first_step"]) not in held]
            insert_ignoring_duplicates(connection, m, fresh)
            added = [(row["key"], row["first_step"]) for row in fresh]
            pulled.add_rows("metrics", self._rowids(connection, m, m.c.first_step, run_id, added))

    @staticmethod
    def _held(
        connection: Connection, table: Any, second: Any, run_id: str, keys: list[tuple[str, int]]
    ) -> set[tuple[str, int]]:
        found: set[tuple[str, int]] = set()
        for start in range(0, len(keys), 500):
            batch = keys[start : start + 500]
            found.update(
                (str(key), int(value))
                for key, value in connection.execute(
                    select(table.c.key, second).where(
                        table.c.run_id == run_id, tuple_(table.c.key, second).in_(batch)
                    )
                )
            )
        return found

    @staticmethod
    def _rowids(
        connection: Connection, table: Any, second: Any, run_id: str, keys: list[tuple[str, int]]
    ) -> list[int]:
        rowids: list[int] = []
        name = table.name
        for start in range(0, len(keys), 500):
            batch = keys[start : start + 500]
            marks = ",".join("(?, ?)" for _ in batch)
            rowids.extend(
                int(rowid)
                for (rowid,) in connection.exec_driver_sql(
                    f"SELECT rowid FROM {name} WHERE run_id = ? AND (key, {second.name}) "
                    f"IN (VALUES {marks})",
                    (run_id, *[value for pair in batch for value in pair]),
                )
            )
        return rowids

    # -- objects, tables, blobs ------------------------------------------------------------------------

    def _pull_objects(self, project: str, run_id: str) -> None:
        objects: list[RunObjectIn] = []
        path = f"/api/sync/projects/{_q(project)}/runs/{_q(run_id)}/objects"
        while True:
            page = ObjectPage.model_validate(
                self.client.json("GET", f"{path}?offset={len(objects)}")
            )
            objects.extend(page.objects)
            if not page.more or not page.objects:
                break
        o = schema.run_objects
        with self._locked() as pulled, write(self.store.engine) as connection:
            local = {
                (str(key), int(step)): float(logged_at)
                for key, step, logged_at in connection.execute(
                    select(o.c.key, o.c.step, o.c.logged_at).where(o.c.run_id == run_id)
                )
            }
            changed = [
                item
                for item in objects
                if item.logged_at > local.get((item.key, item.step), float("-inf"))
            ]
            for item in changed:
                upsert(connection, o, {"run_id": run_id, **item.model_dump()})
            keys = [(item.key, item.step) for item in changed]
            pulled.add_rows("objects", self._rowids(connection, o, o.c.step, run_id, keys))
        digests = {
            digest
            for item in objects
            if item.kind != "table"
            for digest in _DIGEST.findall(item.payload)
        }
        self._pull_blobs(digests)

    def _table_id(self, run_id: str, key: str, step: int | None) -> str | None:
        o = schema.run_objects
        query = select(o.c.payload).where(o.c.run_id == run_id, o.c.key == key, o.c.kind == "table")
        query = query.order_by(o.c.step.desc()) if step is None else query.where(o.c.step == step)
        with self.store.engine.connect() as connection:
            row = connection.execute(query.limit(1)).first()
        if row is None:
            return None
        table_id = loads(row[0]).get("table_id")
        return str(table_id) if table_id else None

    def _pull_table(self, table_id: str) -> None:
        """Copy a table the spool lacks, then the blobs its image cells name (once: a table
        logged here, or copied with all its blobs, is left alone)."""
        t = schema.tables
        with self._locked() as pulled:
            with self.store.engine.connect() as connection:
                held = connection.execute(select(t.c.id).where(t.c.id == table_id)).first()
            if held is None:
                _fetch_table(self.store, self.client, table_id)
                with self.store.engine.connect() as connection:
                    rowid = connection.exec_driver_sql(
                        "SELECT rowid FROM tables WHERE id = ?", (table_id,)
                    ).scalar_one()
                pulled.add_rows("tables", [int(rowid)])
                pulled.tables[table_id] = False
            complete = pulled.tables.get(table_id, True)
        if complete:
            return
        self._pull_blobs(_table_digests(self.store, table_id))
        with self._locked() as pulled:
            pulled.tables[table_id] = True

    def _pull_blobs(self, digests: set[str]) -> None:
        """Copy the blobs of ``digests`` the spool lacks (many to an answer)."""
        missing = sorted(self.store.blobs.missing(digests))
        try:
            while missing:
                _, body = self.client.request(
                    "POST", "/api/sync/blobs/read", json_body={"digests": missing[:MAX_DIGESTS]}
                )
                items = _frames(body)
                if not items:
                    raise IntegrityError(f"the server sent none of {len(missing)} blobs asked for")
                self.store.blobs.put_many(items)
                received = {_sha256(item) for item in items}
                missing = [digest for digest in missing if digest not in received]
        finally:
            self.store.blobs.close()  # the pack file the copy appended to


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _table_digests(store: Store, table_id: str) -> set[str]:
    """The blobs a table's image cells (and their masks) name."""
    from heron.store.table_format import image_refs
    from heron.store.tables import get_table, read_arrow

    record = get_table(store.engine, table_id)
    columns = [c["name"] for c in record.columns if c.get("type") == "image"]
    if not columns:
        return set()
    arrow = read_arrow(store.root, record, columns=columns)
    found: set[str] = set()
    for name in columns:
        where = f"column {name!r} of table {table_id}"
        for ref in image_refs(arrow.column(name).to_pylist(), where):
            if ref is not None:
                found.update(ref.digests())
    return found
