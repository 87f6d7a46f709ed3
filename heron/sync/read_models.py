"""The answers of the ``/api/sync`` read routes: what a client in remote mode copies into its
spool before reading it with the local code (runs, metric chunks, run objects).

They reuse the push bodies (:mod:`heron.sync.models`) where the shapes are the same, so a run,
a metric chunk or a run object travels identically in both directions.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from heron.sync.models import (
    MAX_BATCH_ITEMS,
    ArtifactVersionOut,
    MetricChunk,
    RunObjectIn,
    RunRecordIn,
)

RUN_PAGE = 500
"""The most run records one answer holds."""
METRIC_PAGE = 2_000
"""The most metric chunks one answer holds."""
OBJECT_PAGE = 1_000
"""The most run objects one answer holds."""


class ProjectNames(BaseModel):
    """The projects the caller may read."""

    projects: list[str]


class RunRecordOut(RunRecordIn):
    """A run as the server keeps it, with its project."""

    project: str


class RunPage(BaseModel):
    """Run records of a project ordered by id; ``next`` is the id to ask ``after`` for more."""

    runs: list[RunRecordOut]
    next: str | None = None


class MetricsAfter(BaseModel):
    """What the client holds of a run's history: per key, the first step of its last chunk.

    The server answers the chunks that start after it (all of a key not named). A run's steps
    only go up, so a later chunk of a key always starts after every earlier one.
    """

    after: dict[str, int] = Field(default_factory=dict, max_length=MAX_BATCH_ITEMS)


class MetricPage(BaseModel):
    """Metric chunks of one run; ``more`` says the client should ask again."""

    chunks: list[MetricChunk]
    more: bool = False


class ObjectPage(BaseModel):
    """Run objects (tables, images, histograms, charts records) ordered by key and step."""

    objects: list[RunObjectIn]
    more: bool = False


VERSION_PAGE = 200
"""The most artifact versions (with their manifests) one answer holds."""


class ArtifactVersionRead(ArtifactVersionOut):
    """A version of the server as a listing copies it: with the run that logged it."""

    created_by_run_id: str | None = None
    created_at: float


class VersionPage(BaseModel):
    """Artifact versions of a project by name and version, from an offset; ``more`` when full."""

    versions: list[ArtifactVersionRead]
    more: bool = False


class LineageEdgeOut(BaseModel):
    """An edge of the server's lineage, naming its version by content, not by the server's id."""

    run_id: str
    run_project: str
    version_project: str
    name: str
    digest: str
    direction: str
    created_at: float


class LineageEdges(BaseModel):
    """The lineage edges that touch a project's runs or versions (both ends readable)."""

    edges: list[LineageEdgeOut]
