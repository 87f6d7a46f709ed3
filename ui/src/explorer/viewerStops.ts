// Where an opened image sits in the page it was opened from, and the images the viewer's
// previous/next step through: the same column (and run) of every row — or every image of the
// same group's strip — on the current page.
import { formatValue } from "../lib/format";
import type { ImageCell, QueryResult } from "./api";
import { imageOf } from "./cells";

/** One image the viewer can show, with what the page says about it. */
export interface ViewerStop {
  image: ImageCell;
  /** Where it is: "row 3 of 12" or "truth = Fungi". */
  where: string;
  /** The row's (or group's) other cells: a name and one value, or one value per run when joined. */
  cells: { name: string; values: unknown[] }[];
}

export interface ViewerStops {
  stops: ViewerStop[];
  /** The opened image's place in `stops`. */
  index: number;
}

/** The image a cell holds for run `run` (null: the cell is not per run). */
function imageAt(cell: unknown, run: number | null): ImageCell | null {
  if (run === null) return Array.isArray(cell) ? null : imageOf(cell);
  return Array.isArray(cell) ? imageOf(cell[run]) : null;
}

/** Where `image` is in a cell: not there (undefined), the cell itself (null), or run i's value. */
function placeIn(cell: unknown, image: ImageCell): number | null | undefined {
  const same = (value: unknown) => value === image;
  if (same(cell)) return null;
  if (Array.isArray(cell)) {
    const at = cell.findIndex(same);
    if (at >= 0) return at;
  }
  return undefined;
}

/** A cell's values, one per run when merged; runs that agree are said once, as the grid does. */
function perRun(value: unknown, merged: boolean): unknown[] {
  if (!merged || !Array.isArray(value)) return [value];
  const first = JSON.stringify(value[0]);
  return value.every((v) => JSON.stringify(v) === first) ? value.slice(0, 1) : value;
}

function rowStops(result: QueryResult, image: ImageCell): ViewerStops | null {
  const imageColumns = result.columns.filter((c) => c.type === "image").map((c) => c.name);
  for (const [r, row] of result.rows.entries()) {
    for (const column of imageColumns) {
      const run = placeIn(row[column], image);
      if (run === undefined) continue;
      const stops: ViewerStop[] = [];
      let index = 0;
      for (const [k, other] of result.rows.entries()) {
        const shown = imageAt(other[column], run);
        if (!shown) continue;
        if (k === r) index = stops.length;
        stops.push({
          image: shown,
          where: `row ${(result.offset + k + 1).toLocaleString()} of ${result.total.toLocaleString()}`,
          cells: result.columns
            .filter((c) => c.name !== column && c.type !== "image")
            .map((c) => ({ name: c.name, values: perRun(other[c.name], Boolean(c.runs)) })),
        });
      }
      return { stops, index };
    }
  }
  return null;
}

/** The images a group's summary shows for one column: its own, or run i's when merged. */
function groupImages(summary: unknown): ImageCell[][] {
  const s = summary as { kind?: string; images?: ImageCell[]; runs?: { kind?: string; images?: ImageCell[] }[] };
  if (s?.kind === "images") return [s.images ?? []];
  if (s?.kind === "runs") return (s.runs ?? []).map((r) => (r.kind === "images" ? (r.images ?? []) : []));
  return [];
}

function groupStops(result: QueryResult, image: ImageCell): ViewerStops | null {
  const groups = result.groups;
  if (!groups) return null;
  for (const group of groups.rows) {
    for (const summary of Object.values(group.summaries)) {
      for (const images of groupImages(summary)) {
        const index = images.indexOf(image);
        if (index < 0) continue;
        const where = groups.by.map((name, i) => `${name} = ${formatValue(group.key[i])}`).join(", ");
        const cells = [
          ...groups.by.map((name, i) => ({ name, values: [group.key[i]] })),
          { name: "rows in group", values: [group.count] },
        ];
        return { stops: images.map((shown) => ({ image: shown, where, cells })), index };
      }
    }
  }
  return null;
}

/**
 * The stops of the page `result` around `image` (an image object taken from that result). An image
 * not found on the page (the page changed under it) is shown alone, without row context.
 */
export function viewerStops(result: QueryResult | null | undefined, image: ImageCell): ViewerStops {
  const found = result ? (groupStops(result, image) ?? rowStops(result, image)) : null;
  return found ?? { stops: [{ image, where: "", cells: [] }], index: 0 };
}
