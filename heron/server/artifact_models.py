"""Response models of the artifact browser: collections, versions, files, comparisons, lineage."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

PreviewKind = Literal["image", "text", "json", "table", "reference", "binary"]
NodeStatus = Literal["ok", "missing", "incomplete"]


class RunRef(BaseModel):
    """A run an artifact version points at; ``exists`` is false when it was deleted."""

    id: str
    name: str
    project: str
    job_type: str | None
    state: str
    exists: bool = True


class ArtifactCollection(BaseModel):
    """A named, typed series of versions."""

    name: str
    type: str
    description: str
    versions: int
    latest_version: int
    created_at: float
    updated_at: float


class ArtifactType(BaseModel):
    """The collections of one artifact type in a project."""

    type: str
    collections: list[ArtifactCollection]


class ArtifactVersion(BaseModel):
    """One committed version: what the versions list and the version page show."""

    id: str
    project: str
    name: str
    type: str
    version: str = Field(description="vN")
    number: int
    qualified_name: str
    aliases: list[str]
    digest: str
    size: int
    file_count: int
    description: str
    metadata: dict[str, Any]
    created_at: float
    created_by: RunRef | None
    used_by: list[RunRef]


class CollectionDetail(BaseModel):
    """A collection and all its versions, newest first."""

    name: str
    type: str
    description: str
    versions: list[ArtifactVersion]


class ArtifactFile(BaseModel):
    """One path of a version's manifest and how the browser previews it."""

    path: str
    size: int
    kind: str = Field(description="file, table or reference")
    preview: PreviewKind
    sha256: str | None = None
    table_id: str | None = None
    ref_uri: str | None = None
    n_rows: int | None = None


class FilePreview(BaseModel):
    """The start of a text or JSON file (decoded as UTF-8), or a pointer for other kinds."""

    path: str
    preview: PreviewKind
    text: str | None = None
    truncated: bool = False
    size: int


class AliasRequest(BaseModel):
    """An alias to put on a version (moved from the version that has it)."""

    alias: str


class AliasChange(BaseModel):
    """The version after an alias edit, and what moved."""

    version: ArtifactVersion
    messages: list[str]


class ChangedFile(BaseModel):
    """A path present in both versions with different content."""

    path: str
    a: ArtifactFile
    b: ArtifactFile


class MetadataChange(BaseModel):
    """One metadata key across two versions."""

    key: str
    status: Literal["added", "removed", "changed", "same"]
    a: Any = None
    b: Any = None


class VersionComparison(BaseModel):
    """Two versions of a collection: files added, removed, changed, and the metadata diff."""

    a: ArtifactVersion
    b: ArtifactVersion
    added: list[ArtifactFile]
    removed: list[ArtifactFile]
    changed: list[ChangedFile]
    unchanged: int
    metadata: list[MetadataChange]


class VersionDiff(BaseModel):
    """One compared version against the first: files added (here, not there), removed, changed."""

    version: str = Field(description="vN of the version compared with the base")
    base: str = Field(description="vN of the first version of the comparison")
    added: list[ArtifactFile]
    removed: list[ArtifactFile]
    changed: list[ChangedFile]
    unchanged: int


class MetadataRow(BaseModel):
    """One metadata key across the compared versions, and each value's change from the first.

    ``status`` sums the row up: ``same`` when every version holds the same value, ``added`` when
    only the first lacks it, ``removed`` when only the first has it, ``changed`` otherwise.
    """

    key: str
    status: Literal["added", "removed", "changed", "same"]
    values: list[Any] = Field(description="per version, null where the key is absent")
    present: list[bool]
    changes: list[Literal["base", "same", "changed", "added", "removed", "absent"]]


class ComparedTable(BaseModel):
    """A table (by the name it was added under) and its number of rows in each version."""

    name: str
    path: str
    rows: list[int | None] = Field(description="per version, null where the version lacks it")


class VersionsComparison(BaseModel):
    """Two or more versions of a collection: each against the first, the metadata side by side,
    and the tables any of them holds (to open merged or side by side in the table explorer)."""

    versions: list[ArtifactVersion]
    diffs: list[VersionDiff]
    metadata: list[MetadataRow]
    tables: list[ComparedTable]


class LineageNode(BaseModel):
    """A run or an artifact version in a lineage graph.

    ``status`` is ``missing`` when an edge names a run or version that no longer exists, and
    ``incomplete`` when some of a version's stored files are gone from the blob store.
    """

    id: str
    kind: Literal["run", "artifact"]
    status: NodeStatus
    depth: int
    label: str
    project: str | None = None
    run_id: str | None = None
    job_type: str | None = None
    state: str | None = None
    version_id: str | None = None
    name: str | None = None
    version: str | None = None
    type: str | None = None
    aliases: list[str] = Field(default_factory=list)
    size: int | None = None
    file_count: int | None = None
    missing_files: int = 0


class LineageEdge(BaseModel):
    """``output``: the run logged the version; ``input``: the run used it."""

    source: str
    target: str
    kind: Literal["input", "output"]


class LineageGraph(BaseModel):
    """Nodes and edges around the start node(s), at most ``depth`` edges away."""

    start: list[str]
    nodes: list[LineageNode]
    edges: list[LineageEdge]
    truncated: bool = Field(description="whether the node limit cut the walk short")
