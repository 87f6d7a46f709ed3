"""Report models: markdown blocks and live panels, each panel with its own run set."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

PanelKind = Literal["table", "chart", "evaluation", "lineage"]


class RunSetEntry(BaseModel):
    """A run in a panel's run set: whether it is shown, and its colour (#rrggbb)."""

    id: str = Field(min_length=1, max_length=64)
    visible: bool = True
    color: str | None = Field(None, pattern=r"^#[0-9a-fA-F]{6}$")


class RunSet(BaseModel):
    """The runs a panel draws from."""

    runs: list[RunSetEntry] = Field(default_factory=list, max_length=200)


class MarkdownBlock(BaseModel):
    """Text, written in markdown (rendered sanitised: no raw HTML, no script links)."""

    id: str = Field(min_length=1, max_length=64)
    type: Literal["markdown"]
    text: str = Field("", max_length=200_000)


class PanelBlock(BaseModel):
    """A live panel. ``config`` depends on ``panel``:

    - table: ``key`` (table key), optional ``step``, ``state`` (the explorer's view state), or
      ``artifacts`` (list of ``name:vN``) with ``name`` (a table inside them)
    - chart: ``metric``
    - evaluation: ``key``, optional ``step``, ``truth``, ``guess``, ``filter``, ``normalize``
    - lineage: ``artifact`` (``name:vN``) or ``run`` (a run id), optional ``depth``
    """

    id: str = Field(min_length=1, max_length=64)
    type: Literal["panel"]
    panel: PanelKind
    title: str = Field("", max_length=500)
    runset: RunSet = Field(default_factory=RunSet)
    config: dict[str, Any] = Field(default_factory=dict)


Block = Annotated[MarkdownBlock | PanelBlock, Field(discriminator="type")]


class ReportInput(BaseModel):
    """What a new report holds."""

    title: str = Field(min_length=1, max_length=500)
    description: str = Field("", max_length=10_000)
    blocks: list[Block] = Field(default_factory=list, max_length=500)


class ReportUpdate(BaseModel):
    """Fields to change (the others stay)."""

    title: str | None = Field(None, min_length=1, max_length=500)
    description: str | None = Field(None, max_length=10_000)
    blocks: list[Block] | None = Field(None, max_length=500)


class DuplicateRequest(BaseModel):
    """The copy's title (default "Copy of <title>")."""

    title: str | None = Field(None, min_length=1, max_length=500)


class ReportSummary(BaseModel):
    """A report as listed in its project."""

    id: str
    project: str
    title: str
    description: str
    blocks: int
    created_at: float
    updated_at: float


class Report(BaseModel):
    """A whole report."""

    id: str
    project: str
    title: str
    description: str
    blocks: list[Block]
    created_at: float
    updated_at: float
