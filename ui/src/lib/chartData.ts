// Turn several runs' lines (each with its own steps) into uPlot's aligned columns.
// Alignment holes are `undefined` (the line continues over them); NaN/inf from the server are
// `null` (a visible gap), as uPlot draws them.

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
  xs.forEach((step, index) => position.set(step, index));
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
export function nearestValue(
  column: readonly (number | null | undefined)[],
  index: number,
  reach = 64,
): number | null {
  for (let offset = 0; offset <= reach; offset++) {
    const left = column[index - offset];
    if (left !== undefined && left !== null) return left;
    const right = column[index + offset];
    if (right !== undefined && right !== null) return right;
  }
  return null;
}
