"""The stylesheet of the static report export: the live page's look (colours, panels, the
explorer's grouped cells, the lineage view) for a file that loads nothing else."""

from __future__ import annotations

CSS = """
:root{--muted:#6b7280;--border:#e5e7eb}
body{font:14px/1.5 system-ui,sans-serif;color:#111827;background:#f7f8fa;max-width:1280px;
margin:32px auto;padding:0 24px}
h1{font-size:28px;margin-bottom:4px}.muted{color:var(--muted)}
.markdown{font-size:14.5px;line-height:1.6;max-width:860px;padding:4px 18px}
section.panel{background:#fff;border:1px solid var(--border);border-radius:8px;padding:14px 18px;
margin:14px 0;min-width:0}
section.panel h3{margin:0 0 8px;font-size:15px}
.table-scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:8px 0;font-size:13px}
td,th{border:1px solid var(--border);padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f5f7fa;white-space:nowrap}
td{max-width:360px;overflow:hidden;text-overflow:ellipsis}
.table-scroll td{white-space:nowrap}
img.thumb{width:48px;height:48px;object-fit:cover;border-radius:4px;border:2px solid transparent;
flex:none;display:block}
.per-run{display:flex;gap:4px}
.problem{color:#a33;background:#fdf0f0;border-radius:6px;padding:6px 10px}
.hist{display:flex;flex-direction:column}.hist svg{display:block;overflow:visible}
.hist-axis{stroke:#e5e7eb}
.hist-foot{display:flex;justify-content:space-between;gap:6px;font-size:10.5px;color:var(--muted);
height:14px;line-height:14px;font-variant-numeric:tabular-nums}
.values{display:flex;flex-direction:column;gap:1px;overflow-y:auto}
.value-row{display:flex;align-items:center;gap:6px;min-height:16px}
.value-label{flex:none;font-size:11.5px;text-align:right;overflow:hidden;text-overflow:ellipsis;
white-space:nowrap}
.value-bars{flex:1;display:flex;flex-direction:column;gap:1px;min-width:0}
.value-bar{display:flex;align-items:center;gap:4px;height:12px}
.value-bar span{display:block;height:100%;border-radius:2px;opacity:.85}
.value-bar em{font-style:normal;font-size:10.5px;color:var(--muted)}
.value-more{font-size:10.5px;color:var(--muted)}
.strip{display:flex;flex-direction:column;gap:2px}
.strip-lines{display:flex;flex-direction:column;gap:2px;overflow-x:auto}
.strip-line{display:flex;flex-direction:row;flex-wrap:nowrap;gap:4px}
.strip-count{font-size:10.5px;color:var(--muted)}
.lineage{overflow-x:auto;background:#fbfcfd;border:1px solid var(--border);border-radius:8px;
padding:8px}.lineage svg{display:block;margin:0 auto}.lineage .edge{fill:none;stroke:#94a3b8;stroke-width:1.5}
.lineage .label{font-size:12.5px;font-weight:600;fill:#111827}
.lineage .sub{font-size:11.5px;fill:var(--muted)}.lineage .icon{font-size:12px}
.legend{border-left:4px solid;padding:0 8px;margin-right:8px}.axis{font-size:11px;fill:var(--muted)}
"""
