// The grid's row geometry, from one function of what decides it: every part of a row (its place in
// the scrolled body, its cells' padding, a thumbnail, a summary's drawing area) reads this one value.
import type { RowHeight } from "./state";

/** Row heights of an ungrouped table per setting, in px: thumbnails grow with them. */
export const ROW_HEIGHTS: Record<RowHeight, number> = { s: 34, m: 60, l: 104, xl: 184 };
/** Row heights of a grouped table per setting: a group's histograms and strips need more room. */
export const GROUP_HEIGHTS: Record<RowHeight, number> = { s: 64, m: 104, l: 150, xl: 224 };
/** One run's line in a joined cell (12.5 px text and the space between lines). */
export const RUN_LINE = 18;
/** One run's part of a merged group's cell: a strip of 40 px thumbnails or a histogram, and a gap. */
export const GROUP_RUN_LINE = 48;
/** The rule under each row. */
export const ROW_BORDER = 1;
const PAD_Y = { rows: 4, groups: 6 } as const;
/** A cell's padding left and right, and the rule at its right (the stylesheet reads these). */
export const CELL_PAD = { left: 10, right: 8, rule: 1 } as const;

/** What a row's shape depends on: the setting, and the shape of the result being drawn. */
export interface RowLayoutInput {
  rowHeight: RowHeight;
  /** One row per group (summaries) rather than one per table row. */
  grouped: boolean;
  /**
   * Values stacked in one cell: the runs of a joined (merged) column, 1 otherwise. A concatenated
   * or side-by-side view, or a single run's table, draws one value per cell.
   */
  runs: number;
}

/** The geometry every row of the grid shares. */
export interface RowLayout {
  /** From one row's top to the next one's, the rule included. */
  height: number;
  /** A cell's padding above and below its content. */
  padY: number;
  /** What a cell's content may fill, top to bottom. */
  content: number;
  /** The side of an image in a plain cell; it follows the setting, not the stacked runs. */
  thumb: number;
  /** Values stacked per cell, as given. */
  runs: number;
}

/**
 * The row geometry for a setting and the shape of what is drawn. A joined cell stacks one line per
 * run, and a merged group's cell one strip or histogram per run: the row grows to hold them all
 * rather than let them spill over the next row.
 */
export function rowLayout({ rowHeight, grouped, runs }: RowLayoutInput): RowLayout {
  const stacked = Math.max(1, Math.floor(runs));
  const padY = grouped ? PAD_Y.groups : PAD_Y.rows;
  const frame = 2 * padY + ROW_BORDER;
  const chosen = grouped ? GROUP_HEIGHTS[rowHeight] : ROW_HEIGHTS[rowHeight];
  const needed = stacked > 1 ? stacked * (grouped ? GROUP_RUN_LINE : RUN_LINE) + frame : 0;
  const height = Math.max(chosen, needed);
  return { height, padY, content: height - frame, thumb: Math.max(22, chosen - frame), runs: stacked };
}

/** The box a cell's content may fill, for a column `width` px wide. */
export interface CellBox {
  width: number;
  height: number;
}

/** The content box of a cell of a `width` px column in rows of this layout. */
export function cellBox(layout: RowLayout, width: number): CellBox {
  return { width: Math.max(1, width - CELL_PAD.left - CELL_PAD.right - CELL_PAD.rule), height: layout.content };
}

/** The CSS variables through which the stylesheet pads cells and spaces joined lines. */
export function layoutStyle(layout: RowLayout): Record<string, string> {
  return {
    "--cell-pad-y": `${layout.padY}px`,
    "--cell-pad-left": `${CELL_PAD.left}px`,
    "--cell-pad-right": `${CELL_PAD.right}px`,
    "--run-line": `${RUN_LINE}px`,
  };
}

/** How `count` square images tile a box: their side and how many go in a line. */
export interface ImageTiling {
  size: number;
  columns: number;
}

/**
 * The largest square side at which `count` images fit whole in a `width` x `height` box, `gap` px
 * apart, and how many columns that takes (the fewest, on a tie). Never below 1 px, so a tiny box
 * still draws every image.
 */
export function tileImages(count: number, width: number, height: number, gap: number): ImageTiling {
  const n = Math.max(1, Math.floor(count));
  let best: ImageTiling = { size: 0, columns: 1 };
  for (let columns = 1; columns <= n; columns++) {
    const lines = Math.ceil(n / columns);
    const size = Math.floor(Math.min((width - gap * (columns - 1)) / columns, (height - gap * (lines - 1)) / lines));
    if (size > best.size) best = { size, columns };
  }
  return { size: Math.max(1, best.size), columns: best.columns };
}
