// One panel of a report, drawn live from its run set: table explorer, metric chart, evaluation or
// lineage. Runs of the run set that no longer exist are named, not silently dropped.
import { useMemo } from "react";
import type { Run } from "../api/client";
import type { ChartLine } from "../charts/MetricChart";
import { MetricChart } from "../charts/MetricChart";
import { useSeries } from "../charts/metrics";
import type { EvaluationConfig } from "../evaluation/EvaluationPanel";
import { EvaluationPanel } from "../evaluation/EvaluationPanel";
import type { ExplorerState } from "../explorer";
import { stateFromJSON, stateToJSON, TableExplorer } from "../explorer";
import { runColor } from "../lib/colors";
import { LineageGraph } from "../lineage/LineageGraph";
import { useRuns } from "../runs/api";
import type { PanelBlock } from "./api";
import { missingRuns } from "./blocks";

export interface PanelRun {
  id: string;
  name: string;
  color: string;
}

function str(value: unknown, fallback = ""): string {
  return typeof value === "string" ? value : fallback;
}

export function ReportPanel({
  project,
  block,
  onChange,
}: {
  project: string;
  block: PanelBlock;
  onChange?: (block: PanelBlock) => void;
}) {
  const runs = useRuns(project);
  const byId = useMemo(() => new Map((runs.data?.runs ?? []).map((run: Run) => [run.id, run])), [runs.data]);
  if (runs.isPending) return <p className="muted">Loading runs…</p>;
  const gone = missingRuns(block.runset.runs, new Set(byId.keys()));
  const visible: PanelRun[] = block.runset.runs
    .filter((entry) => entry.visible && byId.has(entry.id))
    .map((entry) => ({
      id: entry.id,
      name: byId.get(entry.id)?.name ?? entry.id,
      color: entry.color ?? runColor(entry.id),
    }));
  const config = block.config;
  const setConfig = onChange ? (next: Record<string, unknown>) => onChange({ ...block, config: next }) : undefined;
  return (
    <div className="report-panel-body">
      {gone.map((entry) => (
        <p key={entry.id} className="problem" role="alert">
          Run {entry.id} no longer exists in {project}: it was deleted, so this panel leaves it out.
        </p>
      ))}
      {block.panel === "table" && <TablePanel project={project} runs={visible} config={config} onConfig={setConfig} />}
      {block.panel === "chart" && <ChartPanel project={project} runs={visible} metric={str(config.metric)} />}
      {block.panel === "evaluation" &&
        (str(config.key) ? (
          <EvaluationPanel
            project={project}
            runs={visible}
            config={config as unknown as EvaluationConfig}
            onConfig={setConfig ? (next) => setConfig({ ...next }) : undefined}
          />
        ) : (
          <p className="muted">Choose the predictions table key in the panel settings.</p>
        ))}
      {block.panel === "lineage" &&
        (str(config.artifact) || str(config.run) ? (
          <LineageGraph
            project={project}
            start={{ artifact: str(config.artifact) || undefined, run: str(config.run) || undefined }}
            depth={typeof config.depth === "number" ? config.depth : 10}
            height={380}
          />
        ) : (
          <p className="muted">Choose an artifact version (name:vN) or a run id in the panel settings.</p>
        ))}
    </div>
  );
}

function TablePanel({
  project,
  runs,
  config,
  onConfig,
}: {
  project: string;
  runs: PanelRun[];
  config: Record<string, unknown>;
  onConfig?: (config: Record<string, unknown>) => void;
}) {
  const key = str(config.key);
  const state = useMemo(() => stateFromJSON(config.state), [config.state]);
  const artifacts = Array.isArray(config.artifacts)
    ? config.artifacts.filter((a): a is string => typeof a === "string")
    : [];
  const sources = artifacts.length
    ? artifacts.map((artifact, i) => ({
        ref: { artifact, name: str(config.name) },
        label: artifact,
        color: runColor(artifact + i),
      }))
    : runs.map((run) => ({
        ref: { run_id: run.id, key, step: typeof config.step === "number" ? config.step : null },
        label: run.name,
        color: run.color,
      }));
  if (!artifacts.length && !key) return <p className="muted">Choose the table key in the panel settings.</p>;
  if (sources.length === 0)
    return (
      <p className="problem" role="alert">
        No visible run in this panel's run set.
      </p>
    );
  return (
    <div className="report-table-panel">
      <TableExplorer
        project={project}
        sources={sources}
        state={state}
        onChange={(next: ExplorerState) => onConfig?.({ ...config, state: stateToJSON(next) })}
      />
    </div>
  );
}

function ChartPanel({ project, runs, metric }: { project: string; runs: PanelRun[]; metric: string }) {
  const ids = runs.map((run) => run.id);
  const series = useSeries(project, metric, ids, 1000, false);
  if (!metric) return <p className="muted">Choose a metric in the panel settings.</p>;
  if (series.isError)
    return (
      <p className="problem" role="alert">
        {series.error.message}
      </p>
    );
  const lines: ChartLine[] = (series.data?.series ?? []).map((s) => {
    const run = runs.find((r) => r.id === s.run_id);
    return {
      id: s.run_id,
      name: run?.name ?? s.run_id,
      color: run?.color ?? runColor(s.run_id),
      steps: s.steps,
      values: s.values,
    };
  });
  if (series.data && lines.every((line) => line.steps.length === 0))
    return (
      <p className="problem" role="alert">
        No visible run logged {metric}.
      </p>
    );
  return <MetricChart title={metric} lines={lines} smoothing={0} logScale={false} height={240} />;
}
