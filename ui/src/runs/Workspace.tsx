import type { SortingState } from "@tanstack/react-table";
import { useCallback, useMemo } from "react";
import { useParams, useSearchParams } from "react-router-dom";
import type { Run } from "../api/client";
import { ChartControls } from "../charts/ChartControls";
import { ChartsPanel } from "../charts/ChartsPanel";
import { LoggedCharts } from "../charts/LoggedCharts";
import { ErrorState, Loading } from "../components/PageState";
import { plural } from "../lib/format";
import {
  FILTER_PREFIX,
  formatSort,
  formatVisible,
  parseFilters,
  parseSort,
  visibleRunIds,
  withParams,
} from "../lib/urlState";
import { useRuns } from "./api";
import { RunsTable } from "./RunsTable";
import { useRunsTable } from "./runColumns";
import { TableKeys } from "./TableKeys";
import { useRunColors } from "./useRunColors";

// Runs shown in charts until the user picks, and the most a chart draws at once.
export const DEFAULT_VISIBLE = 10;
export const MAX_CHART_RUNS = 50;

export function Workspace() {
  const { project = "" } = useParams();
  const runs = useRuns(project);
  if (runs.isPending) return <Loading label="Loading runs…" />;
  if (runs.isError) return <ErrorState error={runs.error} />;
  return (
    <WorkspaceView
      project={project}
      runs={runs.data.runs}
      configKeys={runs.data.config_keys}
      summaryKeys={runs.data.summary_keys}
    />
  );
}

interface ViewProps {
  project: string;
  runs: Run[];
  configKeys: string[];
  summaryKeys: string[];
}

function WorkspaceView({ project, runs, configKeys, summaryKeys }: ViewProps) {
  const [params, setParams] = useSearchParams();
  const colorOf = useRunColors(project);
  const update = useCallback(
    (changes: Record<string, string | null>) => setParams((current) => withParams(current, changes), { replace: true }),
    [setParams],
  );
  const expanded = params.get("view") === "table";
  const search = params.get("q") ?? "";
  const grouping = params.get("group");
  const smoothing = Math.min(0.99, Math.max(0, Number(params.get("smooth") ?? 0) || 0));
  const logScale = params.get("log") === "1";
  const sorting = useMemo<SortingState>(() => parseSort(params.get("sort")), [params]);
  const columnFilters = useMemo(() => parseFilters(params), [params]);

  const table = useRunsTable(
    project,
    runs,
    configKeys,
    summaryKeys,
    { sorting, columnFilters, search, grouping, compact: !expanded },
    { onSorting: (next) => update({ sort: formatSort(next) || null }) },
  );

  // Runs in table order after search and filters (group headers left out).
  const listed = table
    .getRowModel()
    .rows.filter((row) => !row.getIsGrouped())
    .map((row) => row.original);
  const listedIds = listed.map((run) => run.id);
  // Until the user picks, the newest runs the search and filters leave are visible: grouping or
  // sorting the list never changes which runs the charts and table panels show.
  const newestIds = table.getFilteredRowModel().rows.map((row) => row.original.id);
  const visible = visibleRunIds(params, newestIds, DEFAULT_VISIBLE);
  const chartRuns = listed.filter((run) => visible.has(run.id)).slice(0, MAX_CHART_RUNS);
  const chartKey = chartRuns.map((run) => `${run.id}:${run.name}:${run.state}`).join(",");
  // Charts refetch only when the set of drawn runs (or their state) changes, not on every render.
  // biome-ignore lint/correctness/useExhaustiveDependencies: chartKey stands in for chartRuns, a new array each render.
  const stableChartRuns = useMemo(() => chartRuns, [chartKey]);

  const toggleVisible = (runId: string) => {
    const next = new Set(visible);
    if (next.has(runId)) next.delete(runId);
    else next.add(runId);
    update({
      show: formatVisible(
        listedIds.filter((id) => next.has(id)).concat([...next].filter((id) => !listedIds.includes(id))),
      ),
    });
  };
  const toggleAll = () => {
    update({ show: visible.size > 0 ? formatVisible([]) : formatVisible(listedIds.slice(0, MAX_CHART_RUNS)) });
  };
  const groupOptions = [
    { value: "", label: "No grouping" },
    { value: "group", label: "Group" },
    { value: "job_type", label: "Job type" },
    { value: "state", label: "State" },
    ...configKeys.map((key) => ({ value: `config.${key}`, label: `config: ${key}` })),
  ];
  const running = runs.filter((run) => run.state === "running").length;

  return (
    <div className="workspace">
      <header className="page-header workspace-header">
        <div>
          <div className="breadcrumb">Projects /</div>
          <h1>{project}</h1>
          <p className="muted">
            {plural(runs.length, "run")} · {visible.size} visible{running > 0 ? ` · ${running} running` : ""}
          </p>
        </div>
        <div className="tabs" role="tablist">
          <button
            type="button"
            role="tab"
            aria-selected={!expanded}
            className={`tab${expanded ? "" : " active"}`}
            onClick={() => update({ view: null })}
          >
            Charts
          </button>
          <button
            type="button"
            role="tab"
            aria-selected={expanded}
            className={`tab${expanded ? " active" : ""}`}
            onClick={() => update({ view: "table" })}
          >
            Runs table
          </button>
        </div>
      </header>
      <div className={`workspace-body${expanded ? " expanded" : ""}`}>
        <div className="runs-pane">
          <div className="toolbar">
            <input
              className="search"
              type="search"
              placeholder="Search runs"
              aria-label="Search runs"
              value={search}
              onChange={(event) => update({ q: event.target.value || null })}
            />
            <select
              aria-label="Group runs by"
              value={grouping ?? ""}
              onChange={(event) => update({ group: event.target.value || null })}
            >
              {groupOptions.map((option) => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </select>
            {(search || columnFilters.length > 0) && (
              <button
                type="button"
                className="button ghost"
                onClick={() => {
                  const cleared: Record<string, null> = { q: null };
                  for (const filter of columnFilters) cleared[`${FILTER_PREFIX}${filter.id}`] = null;
                  update(cleared);
                }}
              >
                Clear filters
              </button>
            )}
            <span className="toolbar-count">
              {listed.length} of {runs.length}
            </span>
          </div>
          <RunsTable
            table={table}
            visible={visible}
            onToggleVisible={toggleVisible}
            onToggleAll={toggleAll}
            filterValue={(id) => params.get(`${FILTER_PREFIX}${id}`) ?? ""}
            onFilter={(id, value) => update({ [`${FILTER_PREFIX}${id}`]: value || null })}
            showFilters
            colorOf={colorOf}
          />
        </div>
        {!expanded && (
          <div className="charts-pane">
            <ChartControls
              smoothing={smoothing}
              logScale={logScale}
              onSmoothing={(value) => update({ smooth: value > 0 ? value.toFixed(2) : null })}
              onLogScale={(value) => update({ log: value ? "1" : null })}
            />
            <TableKeys project={project} runs={stableChartRuns} />
            {visible.size > MAX_CHART_RUNS && (
              <div className="notice">
                Charts draw the first {MAX_CHART_RUNS} of {visible.size} visible runs.
              </div>
            )}
            <LoggedCharts project={project} runs={stableChartRuns} colorOf={colorOf} />
            <ChartsPanel
              project={project}
              runs={stableChartRuns}
              smoothing={smoothing}
              logScale={logScale}
              colorOf={colorOf}
            />
          </div>
        )}
      </div>
    </div>
  );
}
