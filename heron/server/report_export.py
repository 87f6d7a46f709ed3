"""A report as one self-contained HTML file: data fetched now, images inlined as thumbnails.

Markdown is rendered with raw HTML disabled and the result cleaned again by an allow-list
sanitiser, so nothing a report's author types can run in the reader's browser. Every value that
comes from the store is escaped. A panel whose run or table is gone says so in place.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from heron.errors import HeronError, UsageError
from heron.query.references import TableReference, resolve_table, table_reference
from heron.server.lineage_view import lineage
from heron.server.report_models import MarkdownBlock, PanelBlock, Report
from heron.server.routes.evaluation import EvaluationRequest, evaluate
from heron.store import artifacts as artifact_store
from heron.store import runs as run_store
from heron.store.store import Store
from heron.store.table_format import ImageRef

THUMBNAIL = 96
ROWS = 50
PALETTE = ("#4f6bed", "#e8793b", "#2aa876", "#c2417a", "#8a63d2", "#d4a22b", "#3aa3c2")


def render_markdown(text: str) -> str:
    """Markdown as sanitised HTML: raw HTML is escaped, links limited to http(s) and mailto."""
    import nh3
    from markdown_it import MarkdownIt

    rendered = MarkdownIt("commonmark", {"html": False}).enable("table").render(text)
    return nh3.clean(
        rendered,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _visible_runs(store: Store, project: str, block: PanelBlock) -> tuple[list[Any], list[str]]:
    """(run records, problems): runs of the run set that are visible, and why others are absent."""
    found, problems = [], []
    for entry in block.runset.runs:
        if not entry.visible:
            continue
        try:
            found.append(run_store.get_run(store.engine, entry.id, project=project))
        except HeronError:
            problems.append(f"run {entry.id} no longer exists")
    return found, problems


def _colors(block: PanelBlock) -> dict[str, str]:
    return {
        entry.id: entry.color or PALETTE[i % len(PALETTE)]
        for i, entry in enumerate(block.runset.runs)
    }


def _thumbnail_uri(store: Store, sha256: str) -> str:
    from heron.store.thumbnails import thumbnail

    try:
        data, content_type = thumbnail(store, sha256, THUMBNAIL)
    except Exception:  # a missing or unreadable image is shown as absent, not an export failure
        return ""
    return f"data:{content_type};base64,{base64.b64encode(data).decode()}"


def _cell(store: Store, value: Any, column: Mapping[str, Any]) -> str:
    """A cell as HTML by its column's type (a result column description): an image column's
    cells as inlined thumbnails, one per run of a merged column; anything else as text."""
    if column.get("type") != "image":
        return _value(value)
    if value is None:
        return ""
    if column.get("runs") is None:
        return _image(store, value)
    return "<br>".join(_image(store, cell) for cell in value[:8])


def _image(store: Store, cell: Mapping[str, Any] | None) -> str:
    if cell is None:
        return ""
    uri = _thumbnail_uri(store, ImageRef.from_row(cell).sha256)
    return f'<img class="thumb" alt="image" src="{uri}">' if uri else "(missing image)"


def _value(value: Any) -> str:
    if isinstance(value, list):
        return "<br>".join(_value(v) for v in value[:8])
    if isinstance(value, float):
        return _e(f"{value:.4g}")
    return _e("" if value is None else value)


def _query_document(state: dict[str, Any], sources: int) -> dict[str, Any]:
    """The explorer's view state as a query document (what its panel sends)."""
    doc: dict[str, Any] = {"version": 1, "page": {"offset": 0, "size": ROWS}}
    if sources > 1:
        mode = state.get("merge", "join")
        merge: dict[str, Any] = {"mode": "concat" if mode == "concat" else "join"}
        if merge["mode"] == "join":
            if state.get("on"):
                merge["on"] = state["on"]
            merge["how"] = state.get("how", "inner")
        doc["merge"] = merge
    if isinstance(state.get("filter"), str) and state["filter"].strip():
        doc["filter"] = state["filter"]
    if state.get("derived"):
        doc["columns"] = [{"name": d["name"], "expr": d["expr"]} for d in state["derived"]]
    if state.get("sort"):
        doc["sort"] = [
            {"column": s["column"], "descending": bool(s["descending"])} for s in state["sort"]
        ]
    if state.get("group"):
        doc["group"] = {"by": list(state["group"]), "images_per_group": 6, "limit": ROWS}
    return doc


def _table_panel(store: Store, project: str, block: PanelBlock) -> str:
    from heron.query.document import execute

    config = block.config
    if config.get("artifacts"):
        refs = [{"artifact": a, "name": config.get("name")} for a in config["artifacts"]]
        problems: list[str] = []
    else:
        runs, problems = _visible_runs(store, project, block)
        refs = [
            {"run_id": r.id, "key": config.get("key"), "step": config.get("step")} for r in runs
        ]
    sources = []
    for ref in refs:
        try:
            table = resolve_table(store, _panel_reference(ref), project=project)
            # Readers of a report know runs by name: a concatenation's source column shows it.
            sources.append(table.source(label=table.owner))
        except HeronError as error:
            problems.append(error.message)
    if not sources:
        return _problems(problems or ["no table to show: the run set is empty"])
    raw_state = config.get("state")
    state: dict[str, Any] = raw_state if isinstance(raw_state, dict) else {}
    result = execute(_query_document(state, len(sources)), sources).to_json()
    out = [_problems(problems)] if problems else []
    groups = result.get("groups")
    if groups:
        by = groups.get("by", [])
        key_columns = groups.get("columns", [])[: len(by)]
        summary_columns = list(groups.get("summaries", {}))
        head = "".join(f"<th>{_e(c)}</th>" for c in [*by, "count", *summary_columns])
        group_rows = []
        for row in groups.get("rows", []):
            cells = [_cell(store, k, c) for k, c in zip(row["key"], key_columns, strict=True)]
            cells.append(_e(row["count"]))
            cells += [_summary(store, row["summaries"].get(c)) for c in summary_columns]
            group_rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        out.append(
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(group_rows)}</tbody></table>"
        )
        return "".join(out)
    columns = result.get("columns", [])
    head = "".join(f"<th>{_e(c['name'])}</th>" for c in columns)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{_cell(store, row.get(c['name']), c)}</td>" for c in columns)
        + "</tr>"
        for row in result.get("rows", [])
    )
    total = result.get("total", 0)
    out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    out.append(f'<p class="muted">{_e(min(total, ROWS))} of {_e(total)} rows</p>')
    return "".join(out)


def _summary(store: Store, summary: Any) -> str:
    if not isinstance(summary, dict):
        return ""
    kind = summary.get("kind")
    if kind == "images":
        return "".join(_image(store, image) for image in summary.get("images", [])[:6])
    if kind == "values":
        return "<br>".join(
            f"{_e(v['value'])}: {_e(v['count'])}" for v in summary.get("values", [])[:6]
        )
    if kind == "histogram":
        counts = summary.get("counts", [])
        peak = max(counts) if counts else 0
        bars = "".join(
            f'<span class="bar" style="height:{int(20 * c / peak) if peak else 0}px"></span>'
            for c in counts
        )
        return f'<span class="hist">{bars}</span> mean {_e(_fmt(summary.get("mean")))}'
    if kind == "runs":
        return " | ".join(_summary(store, s) for s in summary.get("runs", []))
    return ""


def _fmt(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def _chart_panel(store: Store, project: str, block: PanelBlock) -> str:
    metric = str(block.config.get("metric", ""))
    runs, problems = _visible_runs(store, project, block)
    colors = _colors(block)
    lines, legend = [], []
    series = [(r, *run_store.read_series(store.engine, r.id, metric)) for r in runs]
    points = [(s, v) for _, steps, values in series for s, v in zip(steps, values, strict=True)]
    finite = [(s, v) for s, v in points if v == v and abs(v) != float("inf")]
    if not finite:
        return _problems([*problems, f"no run in the run set logged {metric!r}"])
    x0, x1 = min(s for s, _ in finite), max(s for s, _ in finite)
    y0, y1 = min(v for _, v in finite), max(v for _, v in finite)
    width, height = 600, 220
    for run, steps, values in series:
        coords = [
            f"{20 + (s - x0) / ((x1 - x0) or 1) * (width - 40):.1f},"
            f"{height - 20 - (v - y0) / ((y1 - y0) or 1) * (height - 40):.1f}"
            for s, v in zip(steps, values, strict=True)
            if v == v and abs(v) != float("inf")
        ]
        color = _e(colors.get(run.id, PALETTE[0]))
        lines.append(
            f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{" ".join(coords)}"/>'
        )
        legend.append(f'<span class="legend" style="border-color:{color}">{_e(run.name)}</span>')
    svg = (
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{_e(metric)}">{"".join(lines)}'
        f'<text x="20" y="14" class="axis">{_e(_fmt(y1))}</text>'
        f'<text x="20" y="{height - 4}" class="axis">{_e(_fmt(y0))} (step {x0}..{x1})</text></svg>'
    )
    return (_problems(problems) if problems else "") + svg + f"<div>{''.join(legend)}</div>"


def _panel_reference(value: dict[str, Any]) -> TableReference:
    """The table a panel's saved settings name; a ValueError (the panel's settings are not
    valid, which spoils that panel alone) when they name none."""
    try:
        return table_reference(value)
    except UsageError as error:
        raise ValueError(error.message) from None


def _evaluation_panel(store: Store, project: str, block: PanelBlock) -> str:
    config = block.config
    runs, problems = _visible_runs(store, project, block)
    if not runs:
        return _problems(problems or ["the run set has no visible run"])
    try:
        request = EvaluationRequest(
            tables=[
                _panel_reference(
                    {"run_id": r.id, "key": config.get("key"), "step": config.get("step")}
                )
                for r in runs
            ],
            truth=str(config.get("truth", "truth")),
            guess=str(config.get("guess", "guess")),
            filter=str(config.get("filter", "")),
            score_prefix="score_",
            bins=10,
        )
        result = evaluate(store, project, request)
    except HeronError as error:
        return _problems([*problems, error.message])
    out = [_problems(problems)] if problems else []
    for item in result.results:
        accuracy = "n/a" if item.accuracy is None else f"{item.accuracy:.1%}"
        head = "".join(f"<th>{_e(c)}</th>" for c in result.classes)
        rows = "".join(
            f"<tr><th>{_e(t)}</th>" + "".join(f"<td>{n}</td>" for n in item.matrix[i]) + "</tr>"
            for i, t in enumerate(result.classes)
        )
        metrics = "".join(
            f"<tr><td>{_e(c.name)}</td><td>{_fmt(c.precision)}</td><td>{_fmt(c.recall)}</td>"
            f"<td>{_fmt(c.f1)}</td><td>{c.support}</td></tr>"
            for c in item.per_class
        )
        out.append(
            f"<h4>{_e(item.label)}: accuracy {accuracy}</h4>"
            f"<table class='matrix'><thead><tr><th>truth \\ guess</th>{head}</tr></thead>"
            f"<tbody>{rows}</tbody></table>"
            "<table><thead><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th>"
            f"<th>support</th></tr></thead><tbody>{metrics}</tbody></table>"
        )
    return "".join(out)


def _lineage_panel(store: Store, project: str, block: PanelBlock) -> str:
    config = block.config
    depth = int(config.get("depth", 10))
    try:
        if config.get("artifact"):
            version = artifact_store.resolve(store.engine, str(config["artifact"]), project=project)
            graph = lineage(store.engine, run_ids=[], version_ids=[version.id], depth=depth)
        else:
            run = run_store.get_run(store.engine, str(config.get("run", "")), project=project)
            graph = lineage(store.engine, run_ids=[run.id], version_ids=[], depth=depth)
    except HeronError as error:
        return _problems([error.message])
    labels = {n.id: n.label for n in graph.nodes}
    items = "".join(
        f"<li>{_e(labels.get(e.source, e.source))} → {_e(labels.get(e.target, e.target))}</li>"
        for e in graph.edges
    )
    missing = [n.label for n in graph.nodes if n.status != "ok"]
    note = _problems([f"{m} is missing" for m in missing]) if missing else ""
    return f"{note}<ul class='edges'>{items}</ul>"


def _problems(messages: list[str]) -> str:
    return "".join(f'<p class="problem" role="alert">{_e(m)}</p>' for m in messages)


_PANELS = {
    "table": _table_panel,
    "chart": _chart_panel,
    "evaluation": _evaluation_panel,
    "lineage": _lineage_panel,
}

_CSS = """
body{font:14px/1.5 system-ui,sans-serif;color:#1d2330;max-width:1100px;margin:32px auto;padding:0 24px}
h1{font-size:28px;margin-bottom:4px}.muted{color:#6b7385}
section.panel{border:1px solid #dfe3ea;border-radius:10px;padding:12px 16px;margin:18px 0;overflow-x:auto}
section.panel h3{margin:0 0 8px;font-size:15px}
table{border-collapse:collapse;margin:8px 0;font-size:13px}td,th{border:1px solid #e5e8ee;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f5f7fa}img.thumb{width:48px;height:48px;object-fit:cover;border-radius:4px;margin:1px}
.problem{color:#a33;background:#fdf0f0;border-radius:6px;padding:6px 10px}
.hist{display:inline-flex;align-items:flex-end;height:20px;gap:1px}.bar{width:4px;background:#4f6bed;display:inline-block}
.legend{border-left:4px solid;padding:0 8px;margin-right:8px}.axis{font-size:11px;fill:#6b7385}
"""


def export_html(store: Store, report: Report) -> str:
    """The report as a standalone HTML page (no scripts, no external requests for data)."""
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        # The export runs no script at all; this policy makes sure of it in the reader's browser.
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
        "img-src data: https: http:; style-src 'unsafe-inline'\">",
        f"<title>{_e(report.title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(report.title)}</h1>",
        f'<p class="muted">{_e(report.description)}</p>' if report.description else "",
    ]
    for block in report.blocks:
        if isinstance(block, MarkdownBlock):
            parts.append(f'<div class="markdown">{render_markdown(block.text)}</div>')
            continue
        assert isinstance(block, PanelBlock)
        try:
            body = _PANELS[block.panel](store, report.project, block)
        except HeronError as error:
            body = _problems([error.message])
        except (ValidationError, ValueError, TypeError) as error:
            # A saved panel's settings are free-form: a bad one spoils that panel, not the export.
            detail = error.errors()[0]["msg"] if isinstance(error, ValidationError) else str(error)
            body = _problems([f"this panel's settings are not valid: {detail}"])
        title = block.title or block.panel
        parts.append(f'<section class="panel"><h3>{_e(title)}</h3>{body}</section>')
    parts.append("</body></html>")
    return "".join(parts)
