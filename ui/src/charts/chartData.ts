// Turn several runs' lines (each with its own steps) into uPlot's aligned columns.
// Alignment holes are `undefined` (the line continues over them); NaN/inf from the server are
// `null` (a visible gap), as uPlot draws them.
import type { Schemas } from "../api/client";

export interface Line {
  steps: readonly number[];
  values: readonly (number | null)[];
}

export type Aligned = [number[], ...(number | null | undefined)[][]];

export function alignLines(lines: readonly Line[]): Aligned {
  const allSteps = new Set<number>();
  for (const line of lines) for (const step of line.steps) allSteps.add(step);
  const xs = [...allSteps].sort((a, b) => a - b);
  const position = new Map<number, number>();
  xs.forEach((step, index) => {
    position.set(step, index);
  });
  const columns = lines.map((line) => {
    const column: (number | null | undefined)[] = new Array<number | null | undefined>(xs.length).fill(undefined);
    line.steps.forEach((step, i) => {
      const at = position.get(step);
      if (at !== undefined) column[at] = line.values[i] ?? null;
    });
    return column;
  });
  return [xs, ...columns];
}

/** For log scale: values that are not positive cannot be drawn, so they become gaps. */
export function positiveOnly(values: readonly (number | null)[]): (number | null)[] {
  return values.map((value) => (value !== null && value > 0 ? value : null));
}

/** The value of a column nearest to `index` (within `reach` points), for hover readouts. */
export function nearestValue(column: readonly (number | null | undefined)[], index: number, reach = 64): number | null {
  for (let offset = 0; offset <= reach; offset++) {
    const left = column[index - offset];
    if (left !== undefined && left !== null) return left;
    const right = column[index + offset];
    if (right !== undefined && right !== null) return right;
  }
  return null;
}

/** What `define_metric` said about a metric name or glob, as the server gives it. */
export type MetricDefinition = Pick<Schemas["MetricDefinitionModel"], "name" | "step_metric">;

function globRegExp(pattern: string): RegExp {
  // The glob rules of Python's fnmatch, which the SDK uses: * any run, ? one character, [...] a set.
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern.charAt(i);
    if (char === "*") source += "[\\s\\S]*";
    else if (char === "?") source += "[\\s\\S]";
    else if (char === "[" && pattern.indexOf("]", i + 2) > i) {
      const end = pattern.indexOf("]", i + 2);
      const body = pattern.slice(i + 1, end);
      source += `[${body.startsWith("!") ? `^${body.slice(1)}` : body.replace(/\\/g, "\\\\")}]`;
      i = end;
    } else source += char.replace(/[.+^${}()|\\/[\]]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

/**
 * The metric a run's chart of `key` uses as x-axis, or null for the step: the key's own
 * definition first, else the first glob (`val/*`) that matches it and names a step metric.
 * A definition that only sets a summary (`define_metric("val/loss", summary="min")`) leaves the
 * x-axis of a matching glob in place, as a W&B user who wrote both expects.
 */
export function stepMetricFor(key: string, definitions: readonly MetricDefinition[]): string | null {
  const own = definitions.find((definition) => definition.name === key && definition.step_metric);
  if (own) return own.step_metric;
  for (const definition of definitions) {
    if (!definition.step_metric || !definition.name.includes("*") || definition.step_metric === key) continue;
    if (globRegExp(definition.name).test(key)) return definition.step_metric;
  }
  return null;
}

/**
 * A line re-plotted against another metric of the same run (its step metric): each point's x is
 * the step metric's value logged at the same step, or, when it was not logged at that step, its
 * latest value before it (W&B fills it in the same way). Points with no step-metric value at or
 * before their step are left out. `xs` must be ordered by step, as the server sends it.
 */
export function againstStepMetric(line: Line, xs: Line): Line {
  const steps: number[] = [];
  const values: (number | null)[] = [];
  let at = -1;
  let latest: number | null = null;
  // Both lines are ordered by step: walk them together.
  line.steps.forEach((step, i) => {
    while (at + 1 < xs.steps.length && (xs.steps[at + 1] ?? Infinity) <= step) {
      at += 1;
      const x = xs.values[at];
      if (x !== null && x !== undefined) latest = x;
    }
    if (latest === null) return;
    steps.push(latest);
    values.push(line.values[i] ?? null);
  });
  return { steps, values };
}
