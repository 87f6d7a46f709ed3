// How the grid names and colours runs: a concatenated row's `source` as the run's name in its
// colour, a group of one run in that run's colour, and values computed across runs in gray. The
// rule itself lives in runs/runSet.ts, with the rest of a run's identity.
import { cellColors, sourceIndexOf } from "../runs/runSet";
import type { SourceRef } from "./api";
import type { MergeMode } from "./state";
import type { SourceInfo } from "./Toolbar";
import "../runs/runSet.css";

/** The concatenated table's column naming each row's run (the query's default source column). */
export const SOURCE_COLUMN = "source";
/** Its width until the user drags it: room for a swatch, an index and a run's name. */
export const SOURCE_WIDTH = 220;

/** What the grid asks about runs while drawing a cell. */
export interface GridRuns {
  /** The run a concatenated row's `source` value names; null for any other column or value. */
  sourceRun: (column: string, value: unknown) => SourceInfo | null;
  /** A cell's colours: per-run or not, in a group (its key) or in a plain row (null). */
  colorsFor: (perRun: boolean, group: { by: string[]; key: unknown[] } | null) => string[];
}

/** The grid's view of `sources` (drawn with `colors`, one per source shown) under `merge`. */
export function gridRuns(
  sources: readonly SourceInfo[],
  refs: readonly SourceRef[],
  merge: MergeMode,
  colors: readonly string[],
): GridRuns {
  const concat = merge === "concat" && refs.length > 1;
  const sourceRun = (column: string, value: unknown): SourceInfo | null => {
    if (!concat || column !== SOURCE_COLUMN) return null;
    const index = sourceIndexOf(value, refs);
    const source = index === null ? undefined : sources[index];
    return source ? { ...source, index: source.index ?? index } : null;
  };
  return {
    sourceRun,
    colorsFor: (perRun, group) => {
      const at = group ? group.by.indexOf(SOURCE_COLUMN) : -1;
      const index = concat && group && at >= 0 ? sourceIndexOf(group.key[at], refs) : null;
      return cellColors(colors, perRun, index);
    },
  };
}

/** A run named in a cell: its colour, index and name (the full source label on hover). */
export function RunTag({ run, raw }: { run: SourceInfo; raw: unknown }) {
  return (
    <span className="run-tag" title={String(raw)} data-index={run.index ?? ""}>
      <span className="swatch" style={{ background: run.color }} />
      {run.index !== null && run.index !== undefined && <span className="legend-index">[{run.index}]</span>}
      <span className="run-tag-name">{run.label}</span>
    </span>
  );
}
