import { useMemo, useState } from "react";
import { useMetricKeys, useSeries } from "../api/hooks";
import type { Run } from "../api/client";
import type { ColorOf } from "../api/useRunColors";
import { sectionize } from "../lib/sections";
import { MetricChart } from "./MetricChart";
import type { ChartLine } from "./MetricChart";

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

function SeriesChart({ project, metric, runs, smoothing, logScale, colorOf }: Omit<Props, "emptyHint"> & { metric: string }) {
  const ids = useMemo(() => runs.map((run) => run.id), [runs]);
  const live = runs.some((run) => run.state === "running");
  const series = useSeries(project, metric, ids, MAX_POINTS, live);
  const lines = useMemo<ChartLine[]>(() => {
    const byId = new Map(runs.map((run) => [run.id, run]));
    return (series.data?.series ?? [])
      .filter((line) => line.steps.length > 0 && byId.has(line.run_id))
      .map((line) => ({
        id: line.run_id,
        name: byId.get(line.run_id)?.name ?? line.run_id,
        color: colorOf(line.run_id),
        steps: line.steps,
        values: line.values,
      }));
  }, [series.data, runs, colorOf]);
  if (series.isError) return <div className="chart chart-error">{metric}: {String(series.error)}</div>;
  if (!series.data) return <div className="chart chart-loading"><div className="chart-title">{metric}</div></div>;
  const sampled = series.data.series.some((line) => line.sampled);
  const noValues = lines.length > 0 && lines.every((line) => line.values.every((value) => value === null));
  const note = noValues ? "no finite values (NaN or ±inf)" : sampled ? "downsampled, extremes kept" : undefined;
  return <MetricChart title={metric} lines={lines} smoothing={smoothing} logScale={logScale} note={note} />;
}

/** Line charts of every metric the runs logged, sectioned by prefix (train/…, val/…). */
export function ChartsPanel({ project, runs, smoothing, logScale, emptyHint, colorOf }: Props) {
  const ids = useMemo(() => runs.map((run) => run.id), [runs]);
  const live = runs.some((run) => run.state === "running");
  const keys = useMetricKeys(project, ids, live);
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
