import { useQueries } from "@tanstack/react-query";
import { useMemo } from "react";
import { Link, useParams, useSearchParams } from "react-router-dom";
import type { TableEntry } from "../api/client";
import { api, unwrap } from "../api/client";
import { ErrorState, Loading, NotFound } from "../components/PageState";
import type { ExplorerSource } from "../explorer";
import { TableExplorer, useUrlExplorerState } from "../explorer";
import { PALETTE } from "../lib/colors";
import { useRun, useRuns, useRunTables } from "./api";
import { useRunColors } from "./useRunColors";

function projectLink(project: string) {
  return `/projects/${encodeURIComponent(project)}`;
}

/** A run's table: /projects/:p/runs/:id/tables/<key>?step=N (and &compare=M for two steps). */
export function TablePage() {
  const { project = "", runId = "", "*": key = "" } = useParams();
  const run = useRun(project, runId);
  const tables = useRunTables(project, runId, false);
  const [state, setState] = useUrlExplorerState();
  const entries = useMemo(() => (tables.data ?? []).filter((entry) => entry.key === key), [tables.data, key]);
  const steps = entries.map((entry) => entry.step);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the steps' text stands in for steps, a new array each render.
  const sources = useMemo((): ExplorerSource[] => {
    const name = run.data?.name ?? runId;
    const step = state.step ?? steps[steps.length - 1] ?? null;
    // The reference keeps "latest" (no step) so learning the steps does not start a new query.
    const first: ExplorerSource = {
      ref: { run_id: runId, key, step: state.step },
      label: `${name} · step ${step ?? "latest"}`,
      color: PALETTE[0],
    };
    if (state.compare === null || state.compare === step) return [first];
    return [
      first,
      { ref: { run_id: runId, key, step: state.compare }, label: `${name} · step ${state.compare}`, color: PALETTE[1] },
    ];
  }, [run.data?.name, runId, key, state.step, state.compare, steps.join(",")]); // steps as text: a new array each render

  // The explorer starts its query at once; the run's name and steps arrive beside it.
  if (run.isError) return <ErrorState error={run.error} />;
  if (tables.isError) return <ErrorState error={tables.error} />;
  const name = run.data?.name ?? runId;
  if (tables.data && entries.length === 0)
    return <NotFound message={`Run ${name} has no table ${JSON.stringify(key)}.`} />;
  if (tables.data && state.step !== null && !steps.includes(state.step)) {
    return (
      <NotFound
        message={`Table ${JSON.stringify(key)} of run ${name} has no step ${state.step}; steps: ${steps.join(", ")}.`}
      />
    );
  }
  const entry = entries.find((e) => e.step === (state.step ?? steps[steps.length - 1]));
  return (
    <div className="table-page">
      <header className="page-header">
        <div>
          <div className="breadcrumb">
            <Link to="/">Projects</Link> / <Link to={projectLink(project)}>{project}</Link> /{" "}
            <Link to={`${projectLink(project)}/runs/${encodeURIComponent(runId)}?tab=tables`}>{name}</Link> /
          </div>
          <h1>
            {key} <span className="muted">step {entry?.step ?? state.step ?? "…"}</span>
          </h1>
          <p className="muted">{entry ? `${entry.n_rows.toLocaleString()} rows logged` : "\u00a0"}</p>
        </div>
        <Link className="button" to={`${projectLink(project)}/tables/${encodeURIComponent(key)}`}>
          Compare across runs
        </Link>
      </header>
      <TableExplorer project={project} sources={sources} state={state} onChange={setState} steps={steps} canCompare />
    </div>
  );
}

/** One key across runs: /projects/:p/tables/<key>?runs=a,b (all runs that logged it by default). */
export function KeyTablePage() {
  const { project = "", "*": key = "" } = useParams();
  const [params] = useSearchParams();
  const runs = useRuns(project);
  const colorOf = useRunColors(project);
  const [state, setState] = useUrlExplorerState();
  const requested = params.get("runs");
  const candidates = useMemo(() => {
    const all = runs.data?.runs ?? [];
    if (!requested) return [...all].reverse(); // oldest first: index [0] is the first run
    const byId = new Map(all.map((r) => [r.id, r]));
    return requested.split(",").flatMap((id) => {
      const found = byId.get(id) ?? all.find((r) => r.name === id);
      return found ? [found] : [];
    });
  }, [runs.data, requested]);
  const tableLists = useQueries({
    queries: candidates.map((run) => ({
      queryKey: ["run-tables", project, run.id],
      queryFn: async (): Promise<TableEntry[]> =>
        unwrap(
          await api.GET("/api/projects/{project}/runs/{run_id}/tables", {
            params: { path: { project, run_id: run.id } },
          }),
        ),
    })),
  });
  const loaded = tableLists.every((q) => q.data !== undefined);
  const withKey = candidates.flatMap((run, i) => {
    const entries = (tableLists[i]?.data ?? []).filter((e) => e.key === key);
    return entries.length ? [{ run, steps: entries.map((e) => e.step) }] : [];
  });
  const steps = [...new Set(withKey.flatMap((r) => r.steps))].sort((a, b) => a - b);
  const sources: ExplorerSource[] = withKey.map(({ run, steps: own }) => {
    const step = state.step !== null && own.includes(state.step) ? state.step : null;
    return {
      ref: { run_id: run.id, key, step },
      label: `${run.name}${step === null ? "" : ` · step ${step}`}`,
      color: colorOf(run.id),
    };
  });

  if (runs.isPending || !loaded) return <Loading label="Loading tables…" />;
  if (runs.isError) return <ErrorState error={runs.error} />;
  const failed = tableLists.find((q) => q.isError);
  if (failed) return <ErrorState error={failed.error} />;
  if (sources.length === 0) return <NotFound message={`No run of ${project} logged a table ${JSON.stringify(key)}.`} />;
  return (
    <div className="table-page">
      <header className="page-header">
        <div>
          <div className="breadcrumb">
            <Link to="/">Projects</Link> / <Link to={projectLink(project)}>{project}</Link> / tables /
          </div>
          <h1>
            {key} <span className="muted">{sources.length === 1 ? "1 run" : `${sources.length} runs`}</span>
          </h1>
        </div>
      </header>
      <TableExplorer project={project} sources={sources} state={state} onChange={setState} steps={steps} />
    </div>
  );
}
