import { useMemo, useState } from "react";
import type { Run } from "../api/client";
import type { ColorOf } from "../runs/useRunColors";
import { againstStepMetric, stepMetricFor } from "./chartData";
import type { ChartLine } from "./MetricChart";
import { MetricChart } from "./MetricChart";
import type { MetricDefinitionModel } from "./metrics";
import { useMetricDefinitions, useMetricKeys, useSeries, useStepMetricSeries } from "./metrics";
import { sectionize } from "./sections";
import { useXAxis } from "./XAxisControl";

// Points per line asked of the server: about two per pixel of a wide chart.
export const MAX_POINTS = 1500;

interface Props {
  project: string;
  runs: Run[];
  smoothing: number;
  logScale: boolean;
  emptyHint?: string;
  colorOf: ColorOf;
}

type SeriesChartProps = Omit<Props, "emptyHint"> & {
  metric: string;
  /** run id -> what define_metric said in it; null draws every run against the step, undefined
   * means they are still loading. */
  definitions: Map<string, MetricDefinitionModel[]> | null | undefined;
};

function SeriesChart({ project, metric, runs, smoothing, logScale, colorOf, definitions }: SeriesChartProps) {
  const ids = useMemo(() => runs.map((run) => run.id), [runs]);
  const live = runs.some((run) => run.state === "running");
  const series = useSeries(project, metric, ids, MAX_POINTS, live);
  // Each run's x-axis for this metric: the step metric it defined for it, else the step.
  const stepMetricOf = useMemo(
    () =>
      new Map(runs.map((run) => [run.id, definitions ? stepMetricFor(metric, definitions.get(run.id) ?? []) : null])),
    [runs, definitions, metric],
  );
  const stepNames = useMemo(
    () => [...new Set([...stepMetricOf.values()].filter((name): name is string => name !== null))].sort(),
    [stepMetricOf],
  );
  const stepSeries = useStepMetricSeries(project, stepNames, ids, MAX_POINTS, live);
  const stepData = stepSeries.map((query) => query.data);
  const stepVersion = stepSeries.map((query) => query.dataUpdatedAt).join(",");
  const stepReady = stepData.every((data) => data !== undefined) || stepSeries.some((query) => query.isError);
  // biome-ignore lint/correctness/useExhaustiveDependencies: stepVersion stands in for stepData (see the end of the hook).
  const { lines, xLabel } = useMemo(() => {
    const byId = new Map(runs.map((run) => [run.id, run]));
    const xsOf = new Map(
      stepNames.map((name, i) => [name, new Map((stepData[i]?.series ?? []).map((line) => [line.run_id, line]))]),
    );
    const xNames = new Set<string>();
    const drawn: ChartLine[] = [];
    for (const line of series.data?.series ?? []) {
      if (line.steps.length === 0 || !byId.has(line.run_id)) continue;
      const stepName = stepMetricOf.get(line.run_id) ?? null;
      const xs = stepName ? xsOf.get(stepName)?.get(line.run_id) : undefined;
      // A run that defined a step metric but never logged it is drawn against its steps.
      const plotted = stepName && xs && xs.steps.length > 0 ? againstStepMetric(line, xs) : line;
      xNames.add(plotted === line ? "step" : (stepName ?? "step"));
      drawn.push({
        id: line.run_id,
        name: byId.get(line.run_id)?.name ?? line.run_id,
        color: colorOf(line.run_id),
        steps: plotted.steps,
        values: plotted.values,
      });
    }
    // Named step metrics first, then "step" if some run is drawn against it, in a fixed order.
    const named = [...xNames].filter((name) => name !== "step").sort();
    return {
      lines: drawn,
      xLabel: [...named, ...(xNames.has("step") || named.length === 0 ? ["step"] : [])].join(" / "),
    };
    // stepData is a new array on every render: its fetch times say when its contents changed,
    // so the chart is rebuilt only when a line it draws did.
  }, [series.data, runs, colorOf, stepMetricOf, stepNames, stepVersion]);
  if (series.isError)
    return (
      <div className="chart chart-error">
        {metric}: {String(series.error)}
      </div>
    );
  if (!series.data || !stepReady || definitions === undefined)
    return (
      <div className="chart chart-loading">
        <div className="chart-title">{metric}</div>
      </div>
    );
  const sampled = series.data.series.some((line) => line.sampled);
  const noValues = lines.length > 0 && lines.every((line) => line.values.every((value) => value === null));
  const note = noValues ? "no finite values (NaN or ±inf)" : sampled ? "downsampled, extremes kept" : undefined;
  return (
    <MetricChart title={metric} lines={lines} smoothing={smoothing} logScale={logScale} note={note} xLabel={xLabel} />
  );
}

/** Line charts of every metric the runs logged, sectioned by prefix (train/…, val/…), each against
 * the step metric its runs defined for it (`define_metric`) unless the x-axis control says step. */
export function ChartsPanel({ project, runs, smoothing, logScale, emptyHint, colorOf }: Props) {
  const ids = useMemo(() => runs.map((run) => run.id), [runs]);
  const live = runs.some((run) => run.state === "running");
  const keys = useMetricKeys(project, ids, live);
  const [xAxis] = useXAxis();
  const definitions = useMetricDefinitions(project, ids, live);
  // Charts wait for the definitions rather than redraw once they arrive; unreadable ones mean step.
  const byRun = xAxis === "step" || definitions.isError ? null : definitions.data;
  const sections = useMemo(() => sectionize(keys.data ?? []), [keys.data]);
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  if (runs.length === 0) {
    return <div className="empty">{emptyHint ?? "No visible runs: turn some on with the eye in the runs table."}</div>;
  }
  if (keys.isError) return <div className="empty">Could not read metrics: {String(keys.error)}</div>;
  if (keys.data && keys.data.length === 0) return <div className="empty">These runs have logged no metrics yet.</div>;
  return (
    <div className="sections">
      {sections.map((section) => {
        const isCollapsed = collapsed.has(section.name);
        return (
          <section className="chart-section" key={section.name} data-section={section.name}>
            <button
              type="button"
              className="section-header"
              aria-expanded={!isCollapsed}
              onClick={() => {
                const next = new Set(collapsed);
                if (isCollapsed) next.delete(section.name);
                else next.add(section.name);
                setCollapsed(next);
              }}
            >
              <span className={`caret${isCollapsed ? "" : " open"}`}>▸</span>
              {section.name}
              <span className="section-count">{section.keys.length}</span>
            </button>
            {!isCollapsed && (
              <div className="chart-grid">
                {section.keys.map((metric) => (
                  <SeriesChart
                    key={metric}
                    project={project}
                    metric={metric}
                    runs={runs}
                    smoothing={smoothing}
                    logScale={logScale}
                    colorOf={colorOf}
                    definitions={byRun}
                  />
                ))}
              </div>
            )}
          </section>
        );
      })}
    </div>
  );
}
