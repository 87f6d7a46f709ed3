// One panel of a report, drawn live from its run set: table explorer, metric chart, evaluation or
// lineage. Runs of the run set that no longer exist are named, not silently dropped.
import type { ReactNode } from "react";
import { useEffect, useMemo, useRef } from "react";
import type { Run } from "../api/client";
import { versionColor } from "../artifacts/compare";
import type { ChartLine } from "../charts/MetricChart";
import { MetricChart } from "../charts/MetricChart";
import { useSeries } from "../charts/metrics";
import type { EvaluationConfig } from "../evaluation/EvaluationPanel";
import { EvaluationPanel } from "../evaluation/EvaluationPanel";
import type { ExplorerState } from "../explorer";
import { stateFromJSON, stateToJSON, TableExplorer } from "../explorer";
import { runColor } from "../lib/colors";
import { LineageGraph } from "../lineage/LineageGraph";
import { useProjectTables, useRuns } from "../runs/api";
import { RunSet } from "../runs/RunSet";
import type { RunIdentity } from "../runs/runSet";
import { parseKeySelection, reportRunSet, selectedMembers, visibleMembers, withHidden } from "../runs/runSet";
import { useRunColors } from "../runs/useRunColors";
import type { PanelBlock } from "./api";
import { missingRuns, runStep } from "./blocks";
import { stepsOf } from "./KeyPicker";

export type PanelRun = Pick<RunIdentity, "id" | "name" | "color">;

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
  const colorOf = useRunColors(project);
  const byId = useMemo(() => new Map((runs.data?.runs ?? []).map((run: Run) => [run.id, run])), [runs.data]);
  // One rule for colour, order and index, as on the table page (runs/runSet.ts).
  const members = reportRunSet(runs.data?.runs ?? [], block.runset.runs, colorOf);
  if (runs.isPending) return <p className="muted">Loading runs…</p>;
  const gone = missingRuns(block.runset.runs, new Set(byId.keys()));
  const visible: PanelRun[] = visibleMembers(members);
  // A reader toggles runs in place: the page keeps the change in its draft of the report.
  const setHidden = (ids: string[]) =>
    onChange?.({ ...block, runset: { runs: withHidden(block.runset.runs, new Set(ids)) } });
  // The run set drawn below a panel (the walkthrough's gray tab), `selected` the run a key's [i] picks.
  const runSet = (selected: number | null) =>
    onChange && members.length > 0 ? <RunSet members={members} selected={selected} onHide={setHidden} /> : null;
  const config = block.config;
  const setConfig = onChange ? (next: Record<string, unknown>) => onChange({ ...block, config: next }) : undefined;
  return (
    <div className="report-panel-body">
      {gone.map((entry) => (
        <p key={entry.id} className="problem" role="alert">
          Run {entry.id} no longer exists in {project}: it was deleted, so this panel leaves it out.
        </p>
      ))}
      {block.panel === "table" && (
        <TablePanel project={project} members={members} config={config} onConfig={setConfig} runSet={runSet} />
      )}
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
      {(block.panel === "chart" || block.panel === "evaluation") && runSet(null)}
      {block.panel === "lineage" &&
        (str(config.artifact) || str(config.run) ? (
          <ReportLineage
            project={project}
            artifact={str(config.artifact)}
            run={str(config.run)}
            depth={typeof config.depth === "number" ? config.depth : 10}
          />
        ) : (
          <p className="muted">Choose an artifact version (name:vN) or a run id in the panel settings.</p>
        ))}
    </div>
  );
}

function TablePanel({
  project,
  members,
  config,
  onConfig,
  runSet,
}: {
  project: string;
  members: RunIdentity[];
  config: Record<string, unknown>;
  onConfig?: (config: Record<string, unknown>) => void;
  runSet: (selected: number | null) => ReactNode;
}) {
  // "predictions[2]" shows the visible run of index 2 alone, as the walkthrough's panels do.
  const selection = parseKeySelection(str(config.key));
  const key = selection.key;
  const saved = useMemo(() => stateFromJSON(config.state), [config.state]);
  // The panel's step lives in its config (the export reads it there); the explorer's step
  // slider shows and sets it, for readers too.
  const step = typeof config.step === "number" ? config.step : null;
  const state = useMemo(() => ({ ...saved, step }), [saved, step]);
  const tables = useProjectTables(
    project,
    members.map((member) => member.id),
    false,
  );
  const logged = new Map((tables.data?.find((k) => k.key === key)?.runs ?? []).map((r) => [r.run_id, r.steps]));
  const steps = stepsOf(tables.data, key);
  const artifacts = Array.isArray(config.artifacts)
    ? config.artifacts.filter((a): a is string => typeof a === "string")
    : [];
  const sources = artifacts.length
    ? artifacts.map((artifact, i) => ({
        ref: { artifact, name: str(config.name) },
        label: artifact,
        color: versionColor(i),
      }))
    : selectedMembers(members, selection.index).map((run) => ({
        ref: { run_id: run.id, key, step: runStep(step, logged.get(run.id), steps) },
        label: run.name,
        color: run.color,
        index: run.index,
      }));
  if (!artifacts.length && !key) return <p className="muted">Choose the table key in the panel settings.</p>;
  const visibleCount = visibleMembers(members).length;
  return (
    <div className="report-table-panel with-run-set">
      {sources.length > 0 ? (
        <TableExplorer
          project={project}
          sources={sources}
          state={state}
          steps={artifacts.length ? [] : steps}
          onChange={(next: ExplorerState) =>
            onConfig?.({ ...config, step: next.step, state: stateToJSON({ ...next, step: null }) })
          }
        />
      ) : (
        <p className="problem run-set-empty" role="alert">
          {visibleCount === 0
            ? "No visible run in this panel's run set."
            : `No visible run has index [${selection.index}]: indices go from [0] to [${visibleCount - 1}].`}
        </p>
      )}
      {!artifacts.length && runSet(selection.index)}
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

/** Height of a report's lineage graph: room for the walkthrough's pipeline at a legible scale. */
const LINEAGE_HEIGHT = 480;

/**
 * A lineage graph as a report shows it: the panel's full width, and the wheel left to the page
 * (the graph would otherwise zoom on every wheel turn and hold the reader's scroll); Ctrl + wheel
 * (and a trackpad's pinch) still zooms, and the graph's buttons zoom and fit.
 */
function ReportLineage({
  project,
  artifact,
  run,
  depth,
}: {
  project: string;
  artifact: string;
  run: string;
  depth: number;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    // Capturing on the wrapper runs before the graph's own wheel listener; the page's scroll
    // is the wheel's default action, which nothing then prevents.
    const handBack = (event: WheelEvent) => {
      if (!event.ctrlKey) event.stopPropagation();
    };
    element.addEventListener("wheel", handBack, { capture: true });
    return () => element.removeEventListener("wheel", handBack, { capture: true });
  }, []);
  return (
    <div className="report-lineage" ref={box} data-testid="report-lineage">
      <LineageGraph
        project={project}
        start={{ artifact: artifact || undefined, run: run || undefined }}
        depth={depth}
        height={LINEAGE_HEIGHT}
      />
      <p className="report-lineage-hint muted">Ctrl + wheel zooms the graph; the wheel scrolls the report.</p>
    </div>
  );
}
