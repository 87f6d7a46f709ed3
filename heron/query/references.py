"""Table references: which logged table a view, a panel or a script means, and finding it.

A run's table is named by run id, key and step (the latest step when omitted): :class:`TableRef`.
A table inside an artifact version is named by the version (``name:v3``, ``name:alias`` or
``project/name:v3``) and the name it was added under: :class:`ArtifactTableRef`. The HTTP API
takes these same models in its requests and the server's routes find the table with
:func:`resolve_table`; the lookups themselves are :mod:`heron.query.table_lookup`'s, which the
Python API calls directly (without loading these models). The query engine reads the result
through :meth:`ResolvedTable.source`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError

from heron._types import MAX_STEP
from heron.errors import UsageError
from heron.query.table_lookup import ResolvedTable, find_artifact_table, find_run_table

if TYPE_CHECKING:
    from heron.store.store import Store

__all__ = [
    "ArtifactTableRef",
    "ResolvedTable",
    "TableRef",
    "TableReference",
    "resolve_table",
    "resolve_tables",
    "table_reference",
]


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


def _reference_kind(value: Any) -> str:
    """Which reference a JSON object or model is: one naming an ``artifact`` is an artifact's."""
    if isinstance(value, Mapping):
        return "ArtifactTableRef" if value.get("artifact") is not None else "TableRef"
    return type(value).__name__


# Tagged by the presence of ``artifact`` so that a bad reference is checked against the one form it
# is written in: an out-of-range step is reported as that, not beside "artifact: Field required".
# The tags are the models' names, which heron's validation errors leave out of a field's path.
TableReference = Annotated[
    Annotated[TableRef, Tag("TableRef")] | Annotated[ArtifactTableRef, Tag("ArtifactTableRef")],
    Discriminator(_reference_kind),
]
"""Any table a query can read: a run's or an artifact's."""


def table_reference(value: Mapping[str, Any]) -> TableReference:
    """A reference from its JSON form (as a saved panel or view keeps it): ``run_id``, ``key``
    and ``step``, or ``artifact`` and ``name``; UsageError naming the field that is wrong."""
    model: type[TableRef] | type[ArtifactTableRef]
    model = ArtifactTableRef if _reference_kind(value) == "ArtifactTableRef" else TableRef
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
        return find_artifact_table(store, reference.artifact, reference.name, project=project)
    return find_run_table(store, reference.run_id, reference.key, reference.step, project=project)


def resolve_tables(
    store: Store, references: Sequence[TableReference], *, project: str | None = None
) -> list[ResolvedTable]:
    """Each reference resolved, in order (the first missing table raises)."""
    return [resolve_table(store, reference, project=project) for reference in references]
