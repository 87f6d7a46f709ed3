import { useQueries } from "@tanstack/react-query";
import { useMemo } from "react";
import { Link, useParams, useSearchParams } from "react-router-dom";
import type { TableEntry } from "../api/client";
import { api, unwrap } from "../api/client";
import { ErrorState, Loading, NotFound } from "../components/PageState";
import type { ExplorerSource } from "../explorer";
import { TableExplorer, useUrlExplorerState } from "../explorer";
import { decodeList } from "../explorer/state";
import { PALETTE } from "../lib/colors";
import { plural } from "../lib/format";
import { useRun, useRuns, useRunTables } from "./api";
import { RunSet, useHiddenParam } from "./RunSet";
import { parseKeySelection, projectRunSet, selectedMembers, visibleMembers } from "./runSet";
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
  // The run keeps its project colour here too; a second step takes the next palette colour.
  const color = useRunColors(project)(runId);
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
      color,
    };
    if (state.compare === null || state.compare === step) return [first];
    return [
      first,
      {
        ref: { run_id: runId, key, step: state.compare },
        label: `${name} · step ${state.compare}`,
        color: PALETTE.find((c) => c !== color) ?? color,
      },
    ];
  }, [run.data?.name, runId, key, state.step, state.compare, steps.join(","), color]); // steps as text: a new array each render

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
          <p className="muted">{entry ? `${plural(entry.n_rows, "row")} logged` : "\u00a0"}</p>
        </div>
        <Link className="button" to={`${projectLink(project)}/tables/${encodeURIComponent(key)}`}>
          Compare across runs
        </Link>
      </header>
      <TableExplorer project={project} sources={sources} state={state} onChange={setState} steps={steps} canCompare />
    </div>
  );
}

/** One key across runs: /projects/:p/tables/<key>?runs=a,b&off=b (all runs that logged it by
 * default). "<key>[i]" shows the visible run of index i alone, as a panel's key does in a report. */
export function KeyTablePage() {
  const { project = "", "*": typed = "" } = useParams();
  const [params] = useSearchParams();
  const runs = useRuns(project);
  const colorOf = useRunColors(project);
  const [state, setState] = useUrlExplorerState();
  const requested = params.get("runs");
  const [hidden, setHidden] = useHiddenParam();
  const candidates = useMemo(() => {
    const all = runs.data?.runs ?? [];
    if (!requested) return all;
    const wanted = new Set(decodeList(requested));
    return all.filter((r) => wanted.has(r.id) || wanted.has(r.name));
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
  const logged = (key: string) => candidates.some((_, i) => (tableLists[i]?.data ?? []).some((e) => e.key === key));
  // A key logged as typed wins over reading a trailing "[i]" as a run index.
  const selection = logged(typed) ? { key: typed, index: null } : parseKeySelection(typed);
  const key = selection.key;
  const stepsOf = new Map(
    candidates.map((run, i) => [run.id, (tableLists[i]?.data ?? []).filter((e) => e.key === key).map((e) => e.step)]),
  );
  const withKey = candidates.filter((run) => (stepsOf.get(run.id) ?? []).length > 0);
  const members = projectRunSet(
    withKey,
    withKey.map((run) => run.id),
    hidden,
    colorOf,
  );
  const shown = selectedMembers(members, selection.index);
  const steps = [...new Set(withKey.flatMap((r) => stepsOf.get(r.id) ?? []))].sort((a, b) => a - b);
  const sources: ExplorerSource[] = shown.map((member) => {
    const own = stepsOf.get(member.id) ?? [];
    const step = state.step !== null && own.includes(state.step) ? state.step : null;
    return {
      ref: { run_id: member.id, key, step },
      label: `${member.name}${step === null ? "" : ` · step ${step}`}`,
      color: member.color,
      index: member.index,
    };
  });

  if (runs.isPending || !loaded) return <Loading label="Loading tables…" />;
  if (runs.isError) return <ErrorState error={runs.error} />;
  const failed = tableLists.find((q) => q.isError);
  if (failed) return <ErrorState error={failed.error} />;
  if (members.length === 0) return <NotFound message={`No run of ${project} logged a table ${JSON.stringify(key)}.`} />;
  const visibleCount = visibleMembers(members).length;
  return (
    <div className="table-page">
      <header className="page-header">
        <div>
          <div className="breadcrumb">
            <Link to="/">Projects</Link> / <Link to={projectLink(project)}>{project}</Link> / tables /
          </div>
          <h1>
            {key}
            {selection.index !== null && <span className="legend-index"> [{selection.index}]</span>}
            {selection.index !== null && shown[0] && (
              <span className="run-tag heading-run">
                {" "}
                <span className="swatch" style={{ background: shown[0].color }} />
                {shown[0].name}
              </span>
            )}{" "}
            <span className="muted">
              {shown.length === members.length
                ? plural(members.length, "run")
                : `${shown.length} of ${plural(members.length, "run")}`}
            </span>
          </h1>
        </div>
      </header>
      <div className="with-run-set">
        {sources.length > 0 ? (
          <TableExplorer project={project} sources={sources} state={state} onChange={setState} steps={steps} />
        ) : (
          <div className="run-set-empty" role="status">
            {visibleCount === 0
              ? "Every run is hidden: turn one on with its eye below."
              : `No visible run has index [${selection.index}]: indices go from [0] to [${visibleCount - 1}].`}
          </div>
        )}
        <RunSet members={members} selected={selection.index} onHide={setHidden} />
      </div>
    </div>
  );
}
