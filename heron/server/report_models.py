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

    def table_artifacts(self) -> list[str]:
        """The artifact versions a table panel reads (its ``artifacts``; none when it reads
        runs). ValueError when ``artifacts`` is not a list.

        The export reads them through here, and the export route checks through
        :meth:`artifact_refs` that each is readable: one reading, so the two cannot disagree.
        """
        named = self.config.get("artifacts") if self.panel == "table" else None
        if not named:
            return []
        if not isinstance(named, list):
            raise ValueError("'artifacts' must be a list of name:vN references")
        return [str(ref) for ref in named]

    def lineage_artifact(self) -> str | None:
        """The artifact version a lineage panel starts from (None: it starts from a run)."""
        named = self.config.get("artifact") if self.panel == "lineage" else None
        return str(named) if named else None

    def artifact_refs(self) -> list[str]:
        """Every artifact version the panel reads (a bad ``artifacts`` setting reads none)."""
        try:
            refs = self.table_artifacts()
        except ValueError:
            refs = []
        start = self.lineage_artifact()
        return [*refs, start] if start else refs


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
