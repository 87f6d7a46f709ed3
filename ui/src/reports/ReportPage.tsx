// /projects/:project/reports/:id — a report: markdown and live panels. ?edit=1 edits it: write
// text, add panels, pick each panel's runs and colours, reorder, save, duplicate, export.
// ?read=1 (the share link) shows it read-only; comments sit under each panel and at the end.
import { useEffect, useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router-dom";
import { useCanWrite } from "../auth/api";
import { ErrorState, Loading } from "../components/PageState";
import { creationOrder } from "../lib/colors";
import { useProjectTables, useRuns } from "../runs/api";
import { parseKeySelection } from "../runs/runSet";
import { useRunColors } from "../runs/useRunColors";
import type { Block, PanelBlock, PanelKind, Report } from "./api";
import { exportUrl, useReport, useReportMutations } from "./api";
import {
  moveBlock,
  newMarkdown,
  newPanel,
  PANEL_LABELS,
  removeBlock,
  replaceBlock,
  setRunColor,
  toggleRun,
} from "./blocks";
import { CommentsProvider, PanelComments, ReportComments } from "./CommentThread";
import { KeyPicker, stepsOf } from "./KeyPicker";
import { Markdown } from "./Markdown";
import { ReportPanel } from "./ReportPanel";
import { ShareLink } from "./ShareLink";
import "./reports.css";

const enc = encodeURIComponent;

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

export function ReportPage() {
  const { project = "", reportId = "" } = useParams();
  const report = useReport(project, reportId);
  if (report.isPending) return <Loading label="Loading report…" />;
  if (report.isError) return <ErrorState error={report.error} />;
  return <ReportEditor key={report.data.id} project={project} saved={report.data} />;
}

function ReportEditor({ project, saved }: { project: string; saved: Report }) {
  const [params, setParams] = useSearchParams();
  // The share link opens the page read-only: no edit, save or duplicate, whatever ?edit says.
  // Viewers (who may not change the project) always get the read-only page.
  const canWrite = useCanWrite(project);
  const readOnly = params.get("read") === "1" || !canWrite;
  const editing = !readOnly && params.get("edit") === "1";
  const [draft, setDraft] = useState<Report>(saved);
  const { save, duplicate } = useReportMutations(project);
  const navigate = useNavigate();
  // A save (or another tab's) brings a newer copy: it becomes the draft.
  useEffect(() => setDraft(saved), [saved]);
  const dirty =
    JSON.stringify([draft.title, draft.description, draft.blocks]) !==
    JSON.stringify([saved.title, saved.description, saved.blocks]);
  useEffect(() => {
    if (!editing || !dirty) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [editing, dirty]);
  const setBlocks = (blocks: Block[]) => setDraft({ ...draft, blocks });
  const setEditing = (on: boolean) =>
    setParams((p) => {
      const next = new URLSearchParams(p);
      if (on) next.set("edit", "1");
      else next.delete("edit");
      return next;
    });
  // Comments attach to saved panels only (a panel added in the draft is not on the server yet).
  const savedPanels = saved.blocks.filter((b) => b.type === "panel").map((b) => b.id);
  const lastRuns =
    [...draft.blocks].reverse().find((b): b is PanelBlock => b.type === "panel" && b.runset.runs.length > 0)?.runset
      .runs ?? [];
  return (
    <div className="page report-page">
      <header className="page-header">
        <div className="report-title-block">
          <div className="breadcrumb">
            <Link to="/">Projects</Link> / <Link to={`/projects/${enc(project)}`}>{project}</Link> /{" "}
            <Link to={`/projects/${enc(project)}/reports`}>Reports</Link> /
          </div>
          {editing ? (
            <>
              <input
                className="title-input"
                aria-label="Report title"
                value={draft.title}
                onChange={(e) => setDraft({ ...draft, title: e.target.value })}
              />
              <input
                className="search description-input"
                aria-label="Report description"
                placeholder="A one-line description"
                value={draft.description}
                onChange={(e) => setDraft({ ...draft, description: e.target.value })}
              />
            </>
          ) : (
            <>
              <h1>{draft.title}</h1>
              {draft.description && <p className="muted">{draft.description}</p>}
            </>
          )}
        </div>
        <div className="header-actions">
          {editing ? (
            <>
              {dirty && <span className="unsaved">Unsaved changes</span>}
              <button
                type="button"
                className="button primary"
                disabled={!dirty || save.isPending || !draft.title.trim()}
                onClick={() => save.mutate(draft)}
              >
                {save.isPending ? "Saving…" : "Save"}
              </button>
              <button
                type="button"
                className="button"
                onClick={() => {
                  if (!dirty || window.confirm("Leave without saving?")) {
                    setDraft(saved);
                    setEditing(false);
                  }
                }}
              >
                Done
              </button>
            </>
          ) : readOnly ? (
            <span className="read-only-note">Read-only</span>
          ) : (
            <button type="button" className="button primary" onClick={() => setEditing(true)}>
              Edit
            </button>
          )}
          {!readOnly && (
            <button
              type="button"
              className="button"
              onClick={() =>
                duplicate.mutate(saved.id, {
                  onSuccess: (copy) => navigate(`/projects/${enc(project)}/reports/${copy.id}?edit=1`),
                })
              }
            >
              Duplicate
            </button>
          )}
          {!readOnly && <ShareLink project={project} reportId={saved.id} />}
          <a className="button" href={exportUrl(project, saved.id)} download>
            Export HTML
          </a>
        </div>
      </header>
      {save.isError && (
        <p className="problem" role="alert">
          {save.error.message}
        </p>
      )}
      {save.isSuccess && !dirty && editing && (
        <p className="saved-note" role="status">
          Saved.
        </p>
      )}
      <CommentsProvider project={project} reportId={saved.id} panelIds={savedPanels}>
        <div className="report-blocks">
          {draft.blocks.length === 0 && (
            <div className="empty">
              This report is empty.{" "}
              {editing ? "Add text or a panel below." : readOnly ? "" : "Click Edit to add text and panels."}
            </div>
          )}
          {draft.blocks.map((block, index) => (
            <BlockView
              key={block.id}
              project={project}
              block={block}
              editing={editing}
              onChange={(next) => setBlocks(replaceBlock(draft.blocks, block.id, next))}
              onMove={(delta) => setBlocks(moveBlock(draft.blocks, index, delta))}
              onRemove={() => setBlocks(removeBlock(draft.blocks, block.id))}
              first={index === 0}
              last={index === draft.blocks.length - 1}
              comments={!editing && savedPanels.includes(block.id)}
            />
          ))}
        </div>
        {editing && (
          <div className="add-blocks" role="group" aria-label="Add a block">
            <button type="button" className="button" onClick={() => setBlocks([...draft.blocks, newMarkdown()])}>
              + Text
            </button>
            {(Object.keys(PANEL_LABELS) as PanelKind[]).map((kind) => (
              <button
                type="button"
                key={kind}
                className="button"
                onClick={() => setBlocks([...draft.blocks, newPanel(kind, lastRuns)])}
              >
                + {PANEL_LABELS[kind]}
              </button>
            ))}
          </div>
        )}
        {!editing && <ReportComments />}
      </CommentsProvider>
    </div>
  );
}

interface BlockProps {
  project: string;
  block: Block;
  editing: boolean;
  onChange: (block: Block) => void;
  onMove: (delta: number) => void;
  onRemove: () => void;
  first: boolean;
  last: boolean;
  /** Show the panel's comment count and thread under it. */
  comments: boolean;
}

function BlockView({ project, block, editing, onChange, onMove, onRemove, first, last, comments }: BlockProps) {
  const tools = editing && (
    <div className="block-tools">
      <button type="button" className="block-button" aria-label="Move up" disabled={first} onClick={() => onMove(-1)}>
        ↑
      </button>
      <button type="button" className="block-button" aria-label="Move down" disabled={last} onClick={() => onMove(1)}>
        ↓
      </button>
      <button type="button" className="block-button danger" aria-label="Remove block" onClick={onRemove}>
        ✕
      </button>
    </div>
  );
  if (block.type === "markdown") {
    return (
      <section className={`report-block markdown-block${editing ? " editing" : ""}`} data-block={block.id}>
        {tools}
        {editing ? (
          <div className="markdown-editor">
            <textarea
              aria-label="Markdown"
              value={block.text}
              placeholder="Write markdown: # headings, **bold**, lists, [links](https://…)"
              onChange={(e) => onChange({ ...block, text: e.target.value })}
              rows={Math.max(4, block.text.split("\n").length + 1)}
            />
            <div className="markdown-preview">
              <Markdown text={block.text} />
            </div>
          </div>
        ) : (
          <Markdown text={block.text} />
        )}
      </section>
    );
  }
  return (
    <section className="report-block panel-block" data-block={block.id} data-panel={block.panel}>
      {tools}
      <h3 className="panel-title">{block.title || PANEL_LABELS[block.panel]}</h3>
      {editing && <PanelSettings project={project} block={block} onChange={onChange} />}
      <ReportPanel project={project} block={block} onChange={onChange} />
      {comments && <PanelComments panelId={block.id} />}
    </section>
  );
}

function PanelSettings({
  project,
  block,
  onChange,
}: {
  project: string;
  block: PanelBlock;
  onChange: (block: PanelBlock) => void;
}) {
  const runs = useRuns(project);
  const colorOf = useRunColors(project);
  const config = block.config;
  // Keys logged by the panel's runs (every run of the project until some are ticked).
  const runIds = block.runset.runs.length
    ? block.runset.runs.map((entry) => entry.id)
    : (runs.data?.runs ?? []).map((run) => run.id);
  const tables = useProjectTables(project, runIds, false);
  const key = parseKeySelection(str(config.key)).key;
  const steps = stepsOf(tables.data, key);
  const field = (name: string, label: string, placeholder = "") => (
    <label className="setting">
      {label}
      <input
        className="search"
        aria-label={`Panel ${label.toLowerCase()}`}
        value={typeof config[name] === "string" ? (config[name] as string) : ""}
        placeholder={placeholder}
        onChange={(e) => onChange({ ...block, config: { ...config, [name]: e.target.value } })}
      />
    </label>
  );
  return (
    <div className="panel-settings">
      <div className="settings-row">
        <label className="setting">
          Title
          <input
            className="search"
            aria-label="Panel title"
            value={block.title}
            onChange={(e) => onChange({ ...block, title: e.target.value })}
          />
        </label>
        {(block.panel === "table" || block.panel === "evaluation") && (
          <div className="setting">
            Table key
            <KeyPicker
              value={str(config.key)}
              keys={tables.data}
              loading={tables.isPending && runIds.length > 0}
              onChange={(next) => onChange({ ...block, config: { ...config, key: next } })}
            />
          </div>
        )}
        {(block.panel === "table" || block.panel === "evaluation") && steps.length > 1 && (
          <label className="setting">
            Step
            <select
              aria-label="Panel step"
              value={typeof config.step === "number" ? String(config.step) : ""}
              onChange={(e) =>
                onChange({
                  ...block,
                  config: { ...config, step: e.target.value === "" ? null : Number(e.target.value) },
                })
              }
            >
              <option value="">latest ({steps[steps.length - 1]})</option>
              {steps.map((s) => (
                <option key={s} value={String(s)}>
                  {s}
                </option>
              ))}
            </select>
          </label>
        )}
        {block.panel === "evaluation" && field("truth", "Truth column")}
        {block.panel === "evaluation" && field("guess", "Guess column")}
        {block.panel === "chart" && field("metric", "Metric", "e.g. val/acc")}
        {block.panel === "lineage" && field("artifact", "Artifact", "name:v0")}
        {block.panel === "lineage" && field("run", "Or run id")}
      </div>
      {block.panel !== "lineage" && (
        <div className="runset" role="group" aria-label="Run set">
          <span className="runset-label">Run set</span>
          {/* In order of creation, as the panel's run set and its indices list them. */}
          {creationOrder(runs.data?.runs ?? []).map((run) => {
            const entry = block.runset.runs.find((r) => r.id === run.id);
            const on = Boolean(entry?.visible);
            const color = entry?.color ?? colorOf(run.id);
            return (
              <span key={run.id} className={`run-chip${on ? " on" : ""}`}>
                <input
                  type="checkbox"
                  aria-label={`Show ${run.name}`}
                  checked={on}
                  onChange={() => onChange({ ...block, runset: { runs: toggleRun(block.runset.runs, run.id) } })}
                />
                <input
                  type="color"
                  className="color-input"
                  aria-label={`Colour of ${run.name}`}
                  value={color}
                  disabled={!entry}
                  onChange={(e) =>
                    onChange({ ...block, runset: { runs: setRunColor(block.runset.runs, run.id, e.target.value) } })
                  }
                />
                {run.name}
              </span>
            );
          })}
        </div>
      )}
    </div>
  );
}
