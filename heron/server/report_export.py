"""A report as one self-contained HTML file: data fetched now, images inlined as thumbnails.

Markdown is rendered with raw HTML disabled and the result cleaned again by an allow-list
sanitiser, so nothing a report's author types can run in the reader's browser. Every value that
comes from the store is escaped. A panel whose run or table is gone says so in place.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Collection, Mapping
from functools import partial
from typing import Any

from pydantic import ValidationError

from heron.errors import HeronError, UsageError
from heron.query.references import TableReference, resolve_table, table_reference
from heron.server import report_lineage, report_style, report_svg
from heron.server.access import visible_lineage
from heron.server.lineage_view import lineage
from heron.server.report_comments import CSS as COMMENTS_CSS
from heron.server.report_comments import CommentThreads
from heron.server.report_models import MarkdownBlock, PanelBlock, Report
from heron.server.report_runs import ACROSS_RUNS_COLOR, PALETTE, key_selection, panel_runs
from heron.server.report_svg import escape as _e
from heron.server.report_svg import fmt
from heron.server.routes.evaluation import EvaluationRequest, evaluate
from heron.store import artifacts as artifact_store
from heron.store import comments as comment_store
from heron.store import runs as run_store
from heron.store.store import Store
from heron.store.table_format import ImageRef

THUMBNAIL = 96
ROWS = 50
# As many values and images per group as a reader can scroll through in the live cell.
TOP_VALUES = 50
STRIP_IMAGES = 24


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


def _thumbnail_uri(store: Store, sha256: str) -> str:
    from heron.store.thumbnails import thumbnail

    try:
        data, content_type = thumbnail(store, sha256, THUMBNAIL)
    except Exception:  # a missing or unreadable image is shown as absent, not an export failure
        return ""
    return f"data:{content_type};base64,{base64.b64encode(data).decode()}"


def _cell(store: Store, value: Any, column: Mapping[str, Any], colors: list[str]) -> str:
    """A cell as HTML by its column's type (a result column description): an image column's
    cells as inlined thumbnails, one per run of a merged column side by side in the run's
    colour, as the explorer draws them; anything else as text."""
    merged = column.get("runs") is not None and isinstance(value, list) and len(value) > 1
    if merged and all(v == value[0] for v in value):
        # Every run holds the same value: shown once, as the explorer does.
        value = value[0]
        column = {**column, "runs": None}
    if column.get("type") != "image":
        return _value(value)
    if value is None:
        return ""
    if column.get("runs") is None:
        return _image(store, value)
    images = "".join(
        _image(store, cell, border=colors[run % len(colors)]) for run, cell in enumerate(value[:8])
    )
    return f'<div class="per-run">{images}</div>'


def _image(
    store: Store,
    cell: Mapping[str, Any] | None,
    border: str | None = None,
    size: int | None = None,
) -> str:
    if cell is None:
        return ""
    uri = _thumbnail_uri(store, ImageRef.from_row(cell).sha256)
    styles = [f"border-color:{border}"] if border else []
    if size is not None:
        styles.append(f"width:{size}px;height:{size}px")
    style = f' style="{_e(";".join(styles))}"' if styles else ""
    return f'<img class="thumb" alt="image" src="{uri}"{style}>' if uri else "(missing image)"


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
        doc["group"] = {
            "by": list(state["group"]),
            "top_n": TOP_VALUES,
            "bins": 12,
            "images_per_group": STRIP_IMAGES,
            "limit": ROWS,
        }
    return doc


def _run_refs(
    store: Store, project: str, block: PanelBlock, *, selectable: bool
) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """(table references, their runs' colours, problems) of a run-set panel, read as the live
    panel reads it. A table panel (``selectable``) keeps, for a key such as ``predictions[1]``,
    the visible run of that index, and reads each run's table at the panel's step when it
    logged one there, else at its latest step when another run has that step (when none has it,
    at the step as saved: each run then says so). An evaluation panel reads every run at the
    step as saved."""
    config = block.config
    runs, problems = panel_runs(store, project, block)
    key, index = key_selection(str(config.get("key") or ""))
    if not selectable:
        key, index = str(config.get("key") or ""), None
    if index is not None:
        chosen = [run for run in runs if run.index == index]
        if not chosen:
            problems.append(
                f"no visible run has index [{index}]: the run set shows {len(runs)} run(s)"
            )
        runs = chosen
    step = config.get("step")
    logged: dict[str, list[int]] = {}
    if selectable and isinstance(step, int) and runs:
        ids = [run.record.id for run in runs]
        logged = run_store.project_table_keys(store.engine, project, ids).get(key, {})
    somewhere = any(step in steps for steps in logged.values())
    refs = [
        {
            "run_id": run.record.id,
            "key": key,
            "step": step if not somewhere or step in logged.get(run.record.id, []) else None,
        }
        for run in runs
    ]
    return refs, [run.color for run in runs], problems


def _table_panel(store: Store, project: str, block: PanelBlock) -> str:
    from heron.query.document import execute

    config = block.config
    if artifacts := block.table_artifacts():
        refs = [{"artifact": a, "name": config.get("name")} for a in artifacts]
        problems: list[str] = []
        colors = list(PALETTE)
    else:
        refs, colors, problems = _run_refs(store, project, block, selectable=True)
    sources = []
    # A concatenation's source value -> its run's colour, for groups of one source.
    source_colors: dict[str, str] = {}
    for ref, color in zip(refs, colors, strict=False):
        try:
            table = resolve_table(store, _panel_reference(ref), project=project)
            # Readers of a report know runs by name: a concatenation's source column shows it.
            sources.append(table.source(label=table.owner))
            source_colors.setdefault(table.owner, color)
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
        out.append(_group_table(store, groups, state, colors, source_colors))
        return "".join(out)
    columns = result.get("columns", [])
    head = "".join(f"<th>{_e(c['name'])}</th>" for c in columns)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{_cell(store, row.get(c['name']), c, colors)}</td>" for c in columns)
        + "</tr>"
        for row in result.get("rows", [])
    )
    total = result.get("total", 0)
    out.append(_scrolling(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"))
    out.append(f'<p class="muted">{_e(min(total, ROWS))} of {_e(total)} rows</p>')
    return "".join(out)


def _scrolling(table: str) -> str:
    """A table in a box that scrolls sideways when it is wider than the page, as the explorer's
    grid does, instead of being cut at the page's edge."""
    return f'<div class="table-scroll">{table}</div>'


def _group_table(
    store: Store,
    groups: Mapping[str, Any],
    state: Mapping[str, Any],
    colors: list[str],
    source_colors: Mapping[str, str],
) -> str:
    """One row per group: its key, its count and each column's summary drawn as the explorer's
    grouped cells are, at the size they have there; a group of one run's rows (grouped by a
    concatenation's source) in that run's colour."""
    by = groups.get("by", [])
    key_columns = groups.get("columns", [])[: len(by)]
    infos: Mapping[str, Any] = groups.get("summaries", {})
    saved_widths = state.get("widths")
    widths: Mapping[str, Any] = saved_widths if isinstance(saved_widths, dict) else {}
    row_height = str(state.get("rowHeight", "m"))
    head = "".join(f"<th>{_e(c)}</th>" for c in [*by, "count", *infos])
    group_rows = []
    for row in groups.get("rows", []):
        cells = [_cell(store, k, c, colors) for k, c in zip(row["key"], key_columns, strict=True)]
        cells.append(_e(row["count"]))
        source = str(row["key"][by.index("source")]) if "source" in by else ""
        own = [source_colors[source]] if source in source_colors else colors
        for name, info in infos.items():
            width = widths.get(name) if isinstance(widths.get(name), int | float) else None
            cells.append(
                _summary(store, name, row["summaries"].get(name), info, own, row_height, width)
            )
        group_rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    body = "".join(group_rows)
    return _scrolling(
        f"<table class='groups'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _summary(
    store: Store,
    column: str,
    summary: Any,
    info: Mapping[str, Any],
    colors: list[str],
    row_height: str,
    width: float | None,
) -> str:
    if not isinstance(summary, dict):
        return ""
    per_run = summary.get("runs", []) if summary.get("kind") == "runs" else [summary]
    if summary.get("kind") != "runs" and len(colors) > 1:
        # A column over several runs' rows at once (concatenated, or derived across runs)
        # belongs to no one run: drawn in the explorer's neutral gray, not in run 0's colour.
        colors = [ACROSS_RUNS_COLOR]
    kind = next((s.get("kind") for s in per_run if isinstance(s, dict)), None)
    plot_width, plot_height = report_svg.histogram_size(row_height, width)
    if kind == "images":
        # One horizontal strip per run, as the explorer's grouped image cell; the reader scrolls
        # sideways through the group's images where the live cell pages with arrows.
        size = report_svg.strip_image_size(row_height, len(per_run))
        strip_width, _ = report_svg.cell_size(row_height, width, report_svg.IMAGE_COLUMN_WIDTH)
        lines = "".join(
            '<div class="strip-line">'
            + "".join(
                _image(
                    store,
                    image,
                    border=colors[run % len(colors)] if len(per_run) > 1 else None,
                    size=size,
                )
                for image in s.get("images", [])
            )
            + "</div>"
            for run, s in enumerate(per_run)
        )
        total = max((s.get("total", 0) for s in per_run), default=0)
        return (
            f'<div class="strip" data-kind="images" style="width:{strip_width}px">'
            f'<div class="strip-lines">{lines}</div>'
            f'<span class="strip-count">{_e(total)} images</span></div>'
        )
    if kind == "values":
        values_width, values_height = report_svg.cell_size(
            row_height, width, report_svg.TEXT_COLUMN_WIDTH
        )
        return report_svg.values_html(per_run, colors, width=values_width, height=values_height)
    if kind == "histogram":
        return report_svg.histogram_svg(
            column,
            [s.get("counts", []) for s in per_run],
            colors,
            info.get("edges", []),
            [s.get("mean") for s in per_run],
            width=plot_width,
            height=plot_height,
        )
    if kind == "range":
        first = per_run[0]
        return f"{_e(first.get('min'))} → {_e(first.get('max'))}"
    if kind == "list":
        first = per_run[0]
        return f"{_e(first.get('count'))} lists, ~{_e(fmt(first.get('mean_length')))} items"
    return ""


def _chart_panel(store: Store, project: str, block: PanelBlock) -> str:
    metric = str(block.config.get("metric", ""))
    runs, problems = panel_runs(store, project, block)
    lines, legend = [], []
    series = [(r, *run_store.read_series(store.engine, r.record.id, metric)) for r in runs]
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
        color = _e(run.color)
        lines.append(
            f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{" ".join(coords)}"/>'
        )
        legend.append(
            f'<span class="legend" style="border-color:{color}">{_e(run.record.name)}</span>'
        )
    svg = (
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{_e(metric)}">{"".join(lines)}'
        f'<text x="20" y="14" class="axis">{_e(fmt(y1))}</text>'
        f'<text x="20" y="{height - 4}" class="axis">{_e(fmt(y0))} (step {x0}..{x1})</text></svg>'
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
    refs, _, problems = _run_refs(store, project, block, selectable=False)
    if not refs:
        return _problems(problems or ["the run set has no visible run"])
    try:
        request = EvaluationRequest(
            tables=[_panel_reference(ref) for ref in refs],
            truth=str(config.get("truth", "truth")),
            guess=str(config.get("guess", "guess")),
            filter=str(config.get("filter", "")),
            score_prefix="score_",
            bins=10,
        )
        result = evaluate(store, project, request, sweep=False)  # the export draws no threshold
    except HeronError as error:
        return _problems([*problems, error.message])
    out = [_problems(problems)] if problems else []
    for item in result.results:
        accuracy = "n/a" if item.accuracy is None else f"{item.accuracy:.1%}"
        head = "".join(f"<th>{_e(c)}</th>" for c in result.classes)
        peak = max(1, *(n for row in item.matrix for n in row))
        normalize = bool(config.get("normalize"))
        rows = "".join(
            f"<tr><th>{_e(t)}</th>"
            + "".join(
                f'<td style="background:{_matrix_color(n, row, peak, normalize, i == j)}">{n}</td>'
                for j, n in enumerate(row)
            )
            + "</tr>"
            for i, (t, row) in enumerate(zip(result.classes, item.matrix, strict=True))
        )
        metrics = "".join(
            f"<tr><td>{_e(c.name)}</td><td>{fmt(c.precision)}</td><td>{fmt(c.recall)}</td>"
            f"<td>{fmt(c.f1)}</td><td>{c.support}</td></tr>"
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


def _matrix_color(count: int, row: list[int], peak: int, normalize: bool, diagonal: bool) -> str:
    """A confusion cell's background as the evaluation panel shades it (ui/src/evaluation/
    matrix.ts): right answers green, errors red, deeper for a larger share of the matrix's
    largest count (or of the true class's row when the panel is normalised)."""
    share = count / max(1, sum(row)) if normalize else count / peak
    alpha = min(1.0, max(0.0, share)) * 0.85 + (0.08 if share > 0 else 0)
    return f"rgba(22, 163, 74, {alpha:.3f})" if diagonal else f"rgba(220, 38, 38, {alpha:.3f})"


def _lineage_panel(
    store: Store, project: str, block: PanelBlock, readable: Collection[str] | None = None
) -> str:
    config = block.config
    depth = int(config.get("depth", 10))
    try:
        if start := block.lineage_artifact():
            version = artifact_store.resolve(store.engine, start, project=project)
            graph = lineage(store.engine, run_ids=[], version_ids=[version.id], depth=depth)
        else:
            run = run_store.get_run(store.engine, str(config.get("run", "")), project=project)
            graph = lineage(store.engine, run_ids=[run.id], version_ids=[], depth=depth)
    except HeronError as error:
        return _problems([error.message])
    graph = visible_lineage(graph, readable)
    missing = [n.label for n in graph.nodes if n.status != "ok"]
    note = _problems([f"{m} is missing" for m in missing]) if missing else ""
    counts = f'<p class="muted">{len(graph.nodes)} nodes · {len(graph.edges)} edges</p>'
    return f'{note}{counts}<div class="lineage">{report_lineage.lineage_svg(graph)}</div>'


def _problems(messages: list[str]) -> str:
    return "".join(f'<p class="problem" role="alert">{_e(m)}</p>' for m in messages)


_PANELS = {
    "table": _table_panel,
    "chart": _chart_panel,
    "evaluation": _evaluation_panel,
    "lineage": _lineage_panel,
}


def export_html(store: Store, report: Report, *, readable: Collection[str] | None = None) -> str:
    """The report as a standalone HTML page (no scripts, no external requests for data).

    ``readable``: the projects the reader may see (None: all); lineage panels leave out the rest.
    """
    panels: dict[str, Callable[[Store, str, PanelBlock], str]] = {
        **_PANELS,
        "lineage": partial(_lineage_panel, readable=readable),
    }
    panel_ids = {block.id for block in report.blocks if isinstance(block, PanelBlock)}
    comments = comment_store.list_comments(store.engine, report.project, report.id)
    threads = CommentThreads(comments, panel_ids)
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        # The export runs no script at all; this policy makes sure of it in the reader's browser.
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
        "img-src data: https: http:; style-src 'unsafe-inline'\">",
        f"<title>{_e(report.title)}</title>"
        f"<style>{report_style.CSS}{COMMENTS_CSS}</style></head><body>",
        f"<h1>{_e(report.title)}</h1>",
        f'<p class="muted">{_e(report.description)}</p>' if report.description else "",
    ]
    for block in report.blocks:
        if isinstance(block, MarkdownBlock):
            parts.append(f'<div class="markdown">{render_markdown(block.text)}</div>')
            continue
        assert isinstance(block, PanelBlock)
        try:
            body = panels[block.panel](store, report.project, block)
        except HeronError as error:
            body = _problems([error.message])
        except (ValidationError, ValueError, TypeError) as error:
            # A saved panel's settings are free-form: a bad one spoils that panel, not the export.
            detail = error.errors()[0]["msg"] if isinstance(error, ValidationError) else str(error)
            body = _problems([f"this panel's settings are not valid: {detail}"])
        title = block.title or block.panel
        body += threads.html(block.id)
        parts.append(f'<section class="panel"><h3>{_e(title)}</h3>{body}</section>')
    if own := threads.html(None):
        parts.append(f'<section class="report-comments"><h3>Comments</h3>{own}</section>')
    parts.append("</body></html>")
    return "".join(parts)
