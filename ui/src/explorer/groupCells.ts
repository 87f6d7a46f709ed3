// What a grouped cell lists and how its image strip pages: pure functions, so they are unit-tested.
import type { ImageCell, ScalarSummary, Summary } from "./api";
import { andFilter, columnRef, equals, literal } from "./expr";

/** A summary split into its runs: a merged column has one per run, a single table one. */
export function perRun(summary: Summary): { runs: ScalarSummary[]; joined: boolean } {
  return summary.kind === "runs" ? { runs: summary.runs, joined: true } : { runs: [summary], joined: false };
}

/** One value of a categorical cell and how many rows of the group hold it, per run. */
export interface ValueLine {
  value: unknown;
  counts: number[];
}

/** Values sent for a category, beyond them: how many more values there are and their rows. */
export interface ValueList {
  lines: ValueLine[];
  /** Values of the group the server did not send (it sends the most frequent ones). */
  hiddenValues: number;
  /** Rows holding those values. */
  hiddenRows: number;
  /** The run whose list leaves out the most values (null for a single table). */
  hiddenRun: number | null;
}

/**
 * Every value the runs' summaries hold, in the order the server ranked them (most frequent
 * first, run 0's order, then values only later runs have), with each run's count (0 where a run
 * lacks it). What is not listed is counted from `distinct` and `other`, never guessed.
 */
export function valueList(summary: Summary): ValueList {
  const { runs, joined } = perRun(summary);
  const lines: ValueLine[] = [];
  const at = new Map<string, ValueLine>();
  runs.forEach((run, r) => {
    if (run.kind !== "values") return;
    for (const item of run.values) {
      const key = JSON.stringify(item.value);
      let line = at.get(key);
      if (!line) {
        line = { value: item.value, counts: runs.map(() => 0) };
        at.set(key, line);
        lines.push(line);
      }
      line.counts[r] = item.count;
    }
  });
  let hiddenValues = 0;
  let hiddenRows = 0;
  let hiddenRun: number | null = null;
  runs.forEach((run, r) => {
    if (run.kind !== "values") return;
    const missing = Math.max(0, run.distinct - run.values.length);
    if (missing > hiddenValues) {
      hiddenValues = missing;
      hiddenRows = run.other;
      hiddenRun = joined ? r : null;
    }
  });
  return { lines, hiddenValues, hiddenRows, hiddenRun };
}

/** One line of an image strip: the run it shows (null when every run holds the same images). */
export interface StripLine {
  run: number | null;
  images: ImageCell[];
  total: number;
}

/**
 * The lines of a group's image strip. A merged column whose runs hold the same images (a join
 * on the image or on an id naming it) is drawn once, at full size; otherwise one line per run.
 */
export function stripLines(summary: Summary): StripLine[] {
  const { runs, joined } = perRun(summary);
  const lines = runs.map((run, r) => ({
    run: joined ? r : null,
    images: run.kind === "images" ? run.images : [],
    total: run.kind === "images" ? run.total : 0,
  }));
  const [first, ...rest] = lines;
  if (!first || !joined) return lines;
  const same = rest.every(
    (line) =>
      line.total === first.total &&
      line.images.length === first.images.length &&
      line.images.every((image, i) => image.sha256 === first.images[i]?.sha256),
  );
  return same ? [{ ...first, run: null }] : lines;
}

export const MIN_THUMB = 40;
const MAX_THUMB = 96;
const THUMB_GAP = 4;

/** How a strip lays out its thumbnails: their size, how many across and how many rows. */
export interface StripGeometry {
  size: number;
  perRow: number;
  rows: number;
  /** Thumbnails per page: what the arrows page by. */
  perPage: number;
}

/**
 * Thumbnail size and how many fit the cell, filling its width. Lines (one per run) share the cell's height, but a
 * thumbnail is never smaller than MIN_THUMB (the lines then scroll within the cell instead of
 * shrinking). A single line in a cell taller than one MAX_THUMB thumbnail wraps into rows, so a
 * tall row fills with images rather than drawing a few huge ones.
 */
export function stripGeometry(width: number, height: number, lines: number, reserved: number): StripGeometry {
  const share = Math.floor((height - 4) / Math.max(lines, 1)) - THUMB_GAP;
  const largest = Math.max(MIN_THUMB, Math.min(MAX_THUMB, share));
  // As many across as fill the width best; they shrink a little (never below MIN_THUMB) rather
  // than leave most of a thumbnail's width empty.
  const across = width - reserved + THUMB_GAP;
  const perRow = Math.max(1, Math.round(across / (largest + THUMB_GAP)));
  const size = Math.max(MIN_THUMB, Math.min(largest, Math.floor(across / perRow) - THUMB_GAP));
  const rows = lines === 1 ? Math.max(1, Math.floor((height - 4 + THUMB_GAP) / (size + THUMB_GAP))) : 1;
  return { size, perRow, rows, perPage: perRow * rows };
}

/** A page start kept inside the images there are, on a multiple of the page size. */
export function clampStart(start: number, perPage: number, count: number): number {
  if (count <= 0 || perPage <= 0) return 0;
  const last = Math.floor((count - 1) / perPage) * perPage;
  return Math.max(0, Math.min(Math.floor(start / perPage) * perPage, last));
}

/**
 * The condition keeping the rows whose value is none of `shown`: a click on "N more values"
 * narrows the view to what the cell could not list, so those values come into view. A missing
 * value counts as a value of its own (SQL's `not in` alone would drop it). Empty when no
 * condition can say it (values without a literal).
 */
export function othersCondition(column: string, run: number | null, shown: readonly unknown[]): string {
  const ref = columnRef(column, run);
  const present = shown.filter((value) => value !== null && value !== undefined);
  // Text, numbers and booleans have literals; a JSON object or list has none to exclude it by.
  if (present.some((value) => typeof value === "object")) return "";
  const nullShown = present.length < shown.length;
  if (present.length === 0) return nullShown ? `${ref} != null` : "";
  const notAmong = `${ref} not in [${present.map(literal).join(", ")}]`;
  return nullShown ? `${ref} != null and ${notAmong}` : `(${ref} = null or ${notAmong})`;
}

/** Which images of a group to fetch: the group (`by` columns, `key` values), the column, and
 * the run whose images to read (null for a single table's column). */
export interface GroupImagesRequest {
  by: readonly string[];
  key: readonly unknown[];
  column: string;
  run: number | null;
  offset: number;
  size: number;
}

/**
 * The query document reading a group's images from `offset` on: the view's document without its
 * grouping and sort, narrowed to the group and to rows holding an image. Rows come in table
 * order, the order a group's first images were chosen in, so the pages continue that list.
 */
export function groupImagesDocument(
  view: Record<string, unknown>,
  request: GroupImagesRequest,
): Record<string, unknown> {
  const { group: _group, sort: _sort, page: _page, ...rest } = view;
  let filter = typeof view.filter === "string" ? view.filter : "";
  request.by.forEach((name, i) => {
    const value = request.key[i];
    // A key of a merged column holds one value per run: the group has every run's value.
    const parts: [number | null, unknown][] = Array.isArray(value) ? value.map((v, r) => [r, v]) : [[null, value]];
    for (const [run, v] of parts) filter = andFilter(filter, equals(name, run, v));
  });
  filter = andFilter(filter, `${columnRef(request.column, request.run)} != null`);
  return { ...rest, filter, page: { offset: request.offset, size: request.size } };
}
