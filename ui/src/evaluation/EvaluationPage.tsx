// /projects/:project/evaluation?run=…&key=…&truth=…&guess=… — the evaluation panel on its own page,
// every choice kept in the URL.
import { Link, useParams, useSearchParams } from "react-router-dom";
import { ErrorState, Loading } from "../components/PageState";
import { ProjectTabs } from "../components/ProjectTabs";
import { useRuns, useRunTables } from "../runs/api";
import { useRunColors } from "../runs/useRunColors";
import type { EvaluationConfig } from "./EvaluationPanel";
import { EvaluationPanel } from "./EvaluationPanel";
import "./evaluation.css";

const enc = encodeURIComponent;

/** The threshold in the URL: a number from 0 to 1, else 0 (keep every row). */
function thresholdParam(text: string | null): number {
  const value = Number(text);
  return text !== null && Number.isFinite(value) && value >= 0 && value <= 1 ? value : 0;
}

export function EvaluationPage() {
  const { project = "" } = useParams();
  const [params, setParams] = useSearchParams();
  const runs = useRuns(project);
  const colorOf = useRunColors(project);
  const chosen = params.getAll("run");
  const tables = useRunTables(project, chosen[0] ?? "", false);
  if (runs.isPending) return <Loading label="Loading runs…" />;
  if (runs.isError) return <ErrorState error={runs.error} />;
  const keys = [...new Set((chosen.length ? (tables.data ?? []) : []).map((t) => t.key))];
  const config: EvaluationConfig = {
    key: params.get("key") ?? keys[0] ?? "",
    truth: params.get("truth") ?? "truth",
    guess: params.get("guess") ?? "guess",
    filter: params.get("filter") ?? "",
    normalize: params.get("norm") === "1",
    threshold: thresholdParam(params.get("threshold")),
    curveClass: params.get("curve") ?? "",
  };
  const write = (next: EvaluationConfig, runIds = chosen) => {
    const out = new URLSearchParams();
    for (const id of runIds) out.append("run", id);
    if (next.key) out.set("key", next.key);
    out.set("truth", next.truth);
    out.set("guess", next.guess);
    if (next.filter) out.set("filter", next.filter);
    if (next.normalize) out.set("norm", "1");
    if (next.threshold) out.set("threshold", String(next.threshold));
    if (next.curveClass) out.set("curve", next.curveClass);
    setParams(out, { replace: true });
  };
  const toggleRun = (id: string) =>
    write(config, chosen.includes(id) ? chosen.filter((r) => r !== id) : [...chosen, id]);
  const selected = runs.data.runs
    .filter((run) => chosen.includes(run.id))
    .map((run) => ({ id: run.id, name: run.name, color: colorOf(run.id) }));
  return (
    <div className="page wide">
      <header className="page-header">
        <div>
          <div className="breadcrumb">
            <Link to="/">Projects</Link> / <Link to={`/projects/${enc(project)}`}>{project}</Link> /
          </div>
          <h1>Model evaluation</h1>
          <p className="muted">
            Pick runs that logged a predictions table; click a matrix cell to see its rows, move the minimum score to
            see what a threshold keeps.
          </p>
        </div>
        <ProjectTabs project={project} active="runs" />
      </header>
      <div className="evaluation-setup ax-card">
        <div className="run-chips" role="group" aria-label="Runs">
          {runs.data.runs.map((run) => (
            <label key={run.id} className={`run-chip${chosen.includes(run.id) ? " on" : ""}`}>
              <input type="checkbox" checked={chosen.includes(run.id)} onChange={() => toggleRun(run.id)} />
              <span className="run-swatch" style={{ background: colorOf(run.id) }} /> {run.name}
            </label>
          ))}
        </div>
        <label className="key-select">
          Table
          <select value={config.key} onChange={(e) => write({ ...config, key: e.target.value })} aria-label="Table key">
            {keys.length === 0 && <option value="">(pick a run)</option>}
            {keys.map((key) => (
              <option key={key} value={key}>
                {key}
              </option>
            ))}
          </select>
        </label>
      </div>
      {selected.length > 0 && config.key ? (
        <EvaluationPanel project={project} runs={selected} config={config} onConfig={(next) => write(next)} />
      ) : (
        <div className="empty">Choose one run, or two to compare their matrices.</div>
      )}
    </div>
  );
}
