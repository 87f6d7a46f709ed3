"""Table references: which logged table a view, a panel or a script means, and finding it.

A run's table is named by run id, key and step (the latest step when omitted): :class:`TableRef`.
A table inside an artifact version is named by the version (``name:v3``, ``name:alias`` or
``project/name:v3``) and the name it was added under: :class:`ArtifactTableRef`. The HTTP API
takes these same models in its requests; the server's routes and the SDK find the table with
:func:`resolve_table`, and the query engine reads the result through :meth:`ResolvedTable.source`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from heron.errors import NotFoundError, UsageError
from heron.store import artifacts as artifact_store
from heron.store import runs as run_store
from heron.store.artifacts import VersionRecord
from heron.store.runs import MAX_STEP, RunRecord
from heron.store.table_format import artifact_table_name, artifact_table_path
from heron.store.tables import TableRecord, get_table, part_paths

if TYPE_CHECKING:
    from heron.query.source import TableSource
    from heron.store.store import Store


class TableRef(BaseModel):
    """A run's table: what run ``run_id`` logged under ``key`` at ``step`` (else its latest)."""

    model_config = ConfigDict(frozen=True)

    run_id: str
    key: str
    step: int | None = Field(default=None, ge=0, le=MAX_STEP)


class ArtifactTableRef(BaseModel):
    """A table inside an artifact version: ``artifact`` is ``name:v3`` or ``name:alias``."""

    model_config = ConfigDict(frozen=True)

    artifact: str = Field(min_length=1)
    name: str = Field(min_length=1, description="the name the table was added under")


TableReference = TableRef | ArtifactTableRef
"""Any table a query can read: a run's or an artifact's."""


@dataclass(frozen=True)
class ResolvedTable:
    """A table found from a reference: its record, where it came from, and how to query it.

    ``label`` names it in full (``project/run_id/key@step``, ``project/name:v3/table``): the query
    engine writes it into a concatenation's source column and a file export's name. ``owner`` is
    the short name a person picks it by: the run's name, or ``name:v3``.
    """

    reference: TableReference
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


def table_reference(value: Mapping[str, Any]) -> TableReference:
    """A reference from its JSON form (as a saved panel or view keeps it): ``run_id``, ``key``
    and ``step``, or ``artifact`` and ``name``; UsageError naming the field that is wrong."""
    model: type[TableRef] | type[ArtifactTableRef]
    model = ArtifactTableRef if value.get("artifact") is not None else TableRef
    try:
        return model.model_validate(dict(value))
    except ValidationError as error:
        problem = error.errors()[0]
        field = ".".join(str(part) for part in problem["loc"]) or "reference"
        raise UsageError(
            f"table reference {dict(value)!r}: {field}: {problem['msg']} "
            "(a table is named by run_id, key and step, or by artifact and name)"
        ) from None


def resolve_table(
    store: Store, reference: TableReference, *, project: str | None = None
) -> ResolvedTable:
    """The table ``reference`` names, in ``project`` when given.

    Raises NotFoundError saying what is missing: the run, the key (listing the run's tables), the
    step (listing the key's steps), the artifact version, or the table in it.
    """
    if isinstance(reference, ArtifactTableRef):
        return _artifact_table(store, reference, project)
    return _run_table(store, reference, project)


def resolve_tables(
    store: Store, references: Sequence[TableReference], *, project: str | None = None
) -> list[ResolvedTable]:
    """Each reference resolved, in order (the first missing table raises)."""
    return [resolve_table(store, reference, project=project) for reference in references]


def _run_table(store: Store, reference: TableRef, project: str | None) -> ResolvedTable:
    try:
        run = run_store.get_run(store.engine, reference.run_id, project=project)
    except NotFoundError as error:
        # A reference usually comes from a saved view or report, made when the run was there.
        raise NotFoundError(f"{error.message}: it no longer exists, or never did") from None
    entries = run_store.read_objects(store.engine, run.id, key=reference.key, kind="table")
    if not entries:
        keys = sorted(
            {key for _, key, _, _ in run_store.read_objects(store.engine, run.id, kind="table")}
        )
        raise NotFoundError(
            f"run {run.path} has no table {reference.key!r}; its tables: {keys or 'none'}"
        )
    steps = tuple(step for step, _, _, _ in entries)
    if reference.step is None:
        chosen = entries[-1]
    else:
        found = [entry for entry in entries if entry[0] == reference.step]
        if not found:
            raise NotFoundError(
                f"run {run.path} has no table {reference.key!r} at step {reference.step}; "
                f"steps: {list(steps)}"
            )
        chosen = found[0]
    step, _, _, payload = chosen
    chart = payload.get("chart")
    return ResolvedTable(
        reference=reference,
        record=get_table(store.engine, str(payload["table_id"])),
        root=store.root,
        label=f"{run.path}/{reference.key}@{step}",
        run=run,
        step=step,
        steps=steps,
        chart=chart if isinstance(chart, dict) else None,
    )


def _artifact_table(
    store: Store, reference: ArtifactTableRef, project: str | None
) -> ResolvedTable:
    version = artifact_store.resolve(store.engine, reference.artifact, project=project)
    path = artifact_table_path(reference.name)
    entry = artifact_store.manifest_entry(store.engine, version.id, path)
    if entry is None or entry.table_id is None:
        raise NotFoundError(f"{version.qualified_name} has no table {reference.name!r}")
    return ResolvedTable(
        reference=reference,
        record=get_table(store.engine, entry.table_id),
        root=store.root,
        label=f"{version.qualified_name}/{artifact_table_name(path)}",
        version=version,
    )
