"""``Chart``: a table logged together with a description of how to draw it.

``run.log({"pr": Chart(table, "line", x="recall", y="precision", series="class")})`` stores
``table`` under ``pr`` like any table (the table explorer reads it) and records the chart
description (:mod:`heron.store.charts`) with it, so the workspace and the run page draw it as
a panel. ``heron.wandb.plot`` builds its charts with this class.
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

from heron.errors import UsageError
from heron.sdk.interfaces import ObjectResult, RunContext
from heron.sdk.table import Table
from heron.store.charts import check_chart


class Chart:
    """A table and how to draw it: ``Chart(table, "bar", label="class", value="count")``.

    ``kind`` is ``line``, ``scatter`` (roles ``x``, ``y``, optional ``series``: one line or
    colour per value), ``bar`` (``label``, ``value``), ``histogram`` (``value``, binned when
    drawn) or ``confusion_matrix`` (``actual``, ``predicted``, ``count``). Each role names a
    column of ``table``; numeric roles need numeric columns. The check runs here, so a wrong
    column fails at the line that made the chart.
    """

    def __init__(
        self,
        table: Table,
        kind: str,
        *,
        title: str | None = None,
        x_label: str | None = None,
        y_label: str | None = None,
        **fields: str | None,
    ) -> None:
        if not isinstance(table, Table):
            raise UsageError(f"a chart is drawn from a heron.Table, got {type(table).__name__}")
        self.table = table
        self.spec: dict[str, Any] = check_chart(
            kind, fields, table.types, title=title, x_label=x_label, y_label=y_label
        )

    @property
    def kind(self) -> str:
        """The chart kind (``line``, ``scatter``, ``bar``, ``histogram``, ``confusion_matrix``)."""
        return str(self.spec["kind"])

    @property
    def title(self) -> str:
        """The chart's title (empty when none was given)."""
        return str(self.spec["title"])

    @property
    def fields(self) -> dict[str, str]:
        """Role to column name."""
        return dict(self.spec["fields"])

    def __repr__(self) -> str:
        return f"<heron.Chart {self.kind} {self.title!r} over {len(self.table)} rows>"

    def log_to(self, run: RunContext, key: str, step: int) -> Future[ObjectResult]:
        """Store the table as ``key`` at ``step`` of ``run``, with the chart description
        (what ``run.log`` calls; see :class:`heron.sdk.interfaces.Loggable`)."""
        # The table stores itself (images and all) in the run's pool; the description joins
        # its payload once that is done, so nothing is written for a table that failed.
        stored = self.table.log_to(run, key, step)
        spec = dict(self.spec)
        result: Future[ObjectResult] = Future()

        def add_description(done: Future[ObjectResult]) -> None:
            error = done.exception()
            if error is not None:
                result.set_exception(error)
                return
            kind, payload = done.result()
            result.set_result((kind, {**payload, "chart": spec}))

        stored.add_done_callback(add_description)
        return result
