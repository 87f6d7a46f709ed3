"""Finding a logged table: a run's by run id, key and step, or one inside an artifact version.

The lookups take plain values and import nothing heavier than the table files' reader, so the
Python API reads a table without loading the HTTP models; :mod:`heron.query.references` names
the same tables as request models and resolves them with these functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from heron.errors import NotFoundError
from heron.store.run_record import RunRecord, run_table_label
from heron.store.tables import TableRecord, part_paths

if TYPE_CHECKING:
    from heron.query.source import TableSource
    from heron.store.artifacts import VersionRecord
    from heron.store.store import Store


@dataclass(frozen=True)
class ResolvedTable:
    """A table found from its reference: its record, where it came from, and how to query it.

    ``label`` names it in full (``project/run_id/key@step``, ``project/name:v3/table``): the query
    engine writes it into a concatenation's source column and a file export's name. ``owner`` is
    the short name a person picks it by: the run's name, or ``name:v3``.
    """

    record: TableRecord
    root: Path
    label: str
    run: RunRecord | None = None
    step: int | None = None
    steps: tuple[int, ...] = ()
    chart: dict[str, Any] | None = None
    version: VersionRecord | None = None

    @property
    def run_id(self) -> str | None:
        """The id of the run that logged the table (None for an artifact's table)."""
        return None if self.run is None else self.run.id

    @property
    def owner(self) -> str:
        """The run's name, or the artifact version as ``name:vN``."""
        if self.run is not None:
            return self.run.name
        assert self.version is not None
        return f"{self.version.name}:v{self.version.version}"

    @property
    def columns(self) -> list[tuple[str, str]]:
        """``(name, heron type)`` pairs in column order."""
        return [(column["name"], column["type"]) for column in self.record.columns]

    def source(self, *, label: str | None = None) -> TableSource:
        """The query engine's view of the table: its Parquet parts, column types and label
        (``label`` replaces :attr:`label`, e.g. by :attr:`owner` where readers know runs by name).
        """
        from heron.query.source import TableSource

        return TableSource(
            parts=part_paths(self.root, self.record),
            columns=self.columns,
            label=self.label if label is None else label,
        )


def find_run_table(
    store: Store, run_id: str, key: str, step: int | None = None, *, project: str | None = None
) -> ResolvedTable:
    """What run ``run_id`` (in ``project`` when given) logged under ``key`` at ``step`` (its
    latest step when None). NotFoundError says what is missing: the run, the key (listing the
    run's tables) or the step (listing the key's steps)."""
    from heron.store import runs as run_store
    from heron.store.tables import get_table

    try:
        run = run_store.get_run(store.engine, run_id, project=project)
    except NotFoundError as error:
        # A reference usually comes from a saved view or report, made when the run was there.
        raise NotFoundError(f"{error.message}: it no longer exists, or never did") from None
    entries = run_store.read_objects(store.engine, run.id, key=key, kind="table")
    if not entries:
        keys = sorted(
            {name for _, name, _, _ in run_store.read_objects(store.engine, run.id, kind="table")}
        )
        raise NotFoundError(f"run {run.path} has no table {key!r}; its tables: {keys or 'none'}")
    steps = tuple(entry[0] for entry in entries)
    if step is None:
        chosen = entries[-1]
    else:
        found = [entry for entry in entries if entry[0] == step]
        if not found:
            raise NotFoundError(
                f"run {run.path} has no table {key!r} at step {step}; steps: {list(steps)}"
            )
        chosen = found[0]
    at, _, _, payload = chosen
    return _resolved(
        store.root, run, key, at, steps, payload, get_table(store.engine, str(payload["table_id"]))
    )


def _resolved(
    root: Path,
    run: RunRecord,
    key: str,
    at: int,
    steps: tuple[int, ...],
    payload: dict[str, Any],
    record: TableRecord,
) -> ResolvedTable:
    chart = payload.get("chart")
    return ResolvedTable(
        record=record,
        root=root,
        label=run_table_label(run, key, at),
        run=run,
        step=at,
        steps=steps,
        chart=chart if isinstance(chart, dict) else None,
    )


def find_artifact_table(
    store: Store, artifact: str, name: str, *, project: str | None = None
) -> ResolvedTable:
    """The table added as ``name`` to the version ``artifact`` (``name:v3``, ``name:alias``,
    ``project/name:v3``). NotFoundError names the missing version or table."""
    from heron.store import artifacts as artifact_store
    from heron.store.table_format import artifact_table_name, artifact_table_path
    from heron.store.tables import get_table

    version = artifact_store.resolve(store.engine, artifact, project=project)
    path = artifact_table_path(name)
    entry = artifact_store.manifest_entry(store.engine, version.id, path)
    if entry is None or entry.table_id is None:
        raise NotFoundError(f"{version.qualified_name} has no table {name!r}")
    return ResolvedTable(
        record=get_table(store.engine, entry.table_id),
        root=store.root,
        label=f"{version.qualified_name}/{artifact_table_name(path)}",
        version=version,
    )
