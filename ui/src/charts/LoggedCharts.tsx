// Panels for the charts the shown runs logged (wandb.plot.*, heron Chart): one panel per key,
// every run that logged it drawn together (lines and bars by run color, a matrix per run).
import { useMemo, useState } from "react";
import type { Run } from "../api/client";
import type { ColorOf } from "../runs/useRunColors";
import type { ChartKey } from "./api";
import { useChartData, useProjectCharts } from "./api";
import { BarList, ConfusionMatrix, HistogramPlot, XYPlot } from "./plots";
import type { RunChart } from "./shapes";
import { barsOf, confusionOf, histogramOf, xyLines } from "./shapes";
import "./charts.css";

interface Props {
  project: string;
  runs: Run[];
  colorOf: ColorOf;
}

function Legend({ items }: { items: { name: string; color: string; dash?: number[] }[] }) {
  if (items.length < 2) return null;
  return (
    <ul className="chart-legend">
      {items.map((item) => (
        <li key={item.name}>
          <span
            className={`legend-swatch${item.dash && item.dash.length > 0 ? " dashed" : ""}`}
            style={{ borderColor: item.color, background: item.dash && item.dash.length > 0 ? undefined : item.color }}
          />
          {item.name}
        </li>
      ))}
    </ul>
  );
}

function Drawing({ charts, first }: { charts: RunChart[]; first: RunChart }) {
  const spec = first.data.spec;
  const role = (name: string) => spec.fields[name] ?? name;
  const same = charts.filter((chart) => chart.data.spec.kind === spec.kind);
  const names = same.map((chart) => chart.runName);
  const colors = same.map((chart) => chart.color);
  const lines = useMemo(
    () => (spec.kind === "line" || spec.kind === "scatter" ? xyLines(same) : []),
    [same, spec.kind],
  );
  const histogram = useMemo(
    () => (spec.kind === "histogram" ? histogramOf(same.map((chart) => chart.data.columns.value ?? [])) : null),
    [same, spec.kind],
  );
  switch (spec.kind) {
    case "line":
    case "scatter":
      return (
        <>
          <XYPlot
            lines={lines}
            kind={spec.kind}
            xLabel={spec.x_label ?? role("x")}
            yLabel={spec.y_label ?? role("y")}
          />
          <Legend items={lines} />
        </>
      );
    case "histogram":
      return (
        <>
          <HistogramPlot
            histogram={histogram ?? { edges: [], counts: [] }}
            names={names}
            colors={colors}
            xLabel={spec.x_label ?? role("value")}
          />
          <Legend items={same.map((chart) => ({ name: chart.runName, color: chart.color }))} />
        </>
      );
    case "bar":
      return (
        <>
          <BarList bars={barsOf(same)} names={names} colors={colors} />
          <Legend items={same.map((chart) => ({ name: chart.runName, color: chart.color }))} />
        </>
      );
    case "confusion_matrix":
      return (
        <div className="confusion-runs">
          {same.map((chart) => (
            <div key={chart.runId} className="confusion-run">
              {same.length > 1 && (
                <div className="confusion-run-name">
                  <span className="swatch" style={{ background: chart.color }} />
                  {chart.runName}
                </div>
              )}
              <ConfusionMatrix
                confusion={confusionOf(chart.data)}
                actualName={role("actual")}
                predictedName={role("predicted")}
              />
            </div>
          ))}
        </div>
      );
  }
}

function LoggedChartPanel({ project, chartKey, runs, colorOf }: Props & { chartKey: ChartKey }) {
  const byId = useMemo(() => new Map(runs.map((run) => [run.id, run])), [runs]);
  const entries = chartKey.runs.filter((entry) => byId.has(entry.run_id));
  const results = useChartData(project, chartKey.key, entries);
  const failed = results.find((result) => result.isError);
  const loaded = results.every((result) => result.data !== undefined);
  // useQueries returns a new array every render; the charts change only when a result does.
  const version = results.map((result) => result.dataUpdatedAt).join(",");
  // biome-ignore lint/correctness/useExhaustiveDependencies: version stands in for results, a new array each render.
  const charts = useMemo<RunChart[]>(
    () =>
      loaded
        ? results.flatMap((result) => {
            const data = result.data;
            return data
              ? [
                  {
                    runId: data.run_id,
                    runName: byId.get(data.run_id)?.name ?? data.run_id,
                    color: colorOf(data.run_id),
                    data,
                  },
                ]
              : [];
          })
        : [],
    [loaded, version, byId, colorOf],
  );
  const title = entries[0]?.spec.title || chartKey.key;
  const kind = entries[0]?.spec.kind ?? "line";
  const steps = [...new Set(entries.map((entry) => entry.step))];
  const truncated = charts.some((chart) => chart.data.truncated);
  return (
    <div
      className={`chart logged-chart kind-${kind}${entries.length > 1 ? " multi" : ""}`}
      data-chart={chartKey.key}
      data-kind={kind}
    >
      <div className="chart-title" title={`${chartKey.key}: ${title}`}>
        {title}
        <span className="chart-note">
          {chartKey.key}
          {steps.length === 1 ? ` · step ${steps[0]}` : ""}
          {truncated ? " · first 10,000 rows" : ""}
        </span>
      </div>
      {failed ? (
        <div className="chart-error">{String(failed.error)}</div>
      ) : charts[0] === undefined ? (
        <div className="chart-loading" />
      ) : (
        <Drawing charts={charts} first={charts[0]} />
      )}
    </div>
  );
}

/** The charts the runs logged, in a section above their metric charts; nothing when there are none. */
export function LoggedCharts({ project, runs, colorOf }: Props) {
  const ids = useMemo(() => runs.map((run) => run.id), [runs]);
  const keys = useProjectCharts(
    project,
    ids,
    runs.some((run) => run.state === "running"),
  );
  const [collapsed, setCollapsed] = useState(false);
  if (runs.length === 0 || !keys.data || keys.data.length === 0) return null;
  return (
    <section className="chart-section logged-charts" data-section="charts" aria-label="Logged charts">
      <button
        type="button"
        className="section-header"
        aria-expanded={!collapsed}
        onClick={() => setCollapsed(!collapsed)}
      >
        <span className={`caret${collapsed ? "" : " open"}`}>▸</span>
        Logged charts
        <span className="section-count">{keys.data.length}</span>
      </button>
      {!collapsed && (
        <div className="chart-grid logged-chart-grid">
          {keys.data.map((chartKey) => (
            <LoggedChartPanel key={chartKey.key} project={project} chartKey={chartKey} runs={runs} colorOf={colorOf} />
          ))}
        </div>
      )}
    </section>
  );
}
