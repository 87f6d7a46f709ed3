// Which columns show, in what order: the user's order, hidden ones left out, pinned ones first.
import type { ColumnInfo } from "./api";

export interface Layout {
  pinned: ColumnInfo[];
  scrolling: ColumnInfo[];
}

/** Columns in the user's order (unlisted ones keep table order, after the listed ones). */
export function orderColumns(columns: readonly ColumnInfo[], order: readonly string[]): ColumnInfo[] {
  const byName = new Map(columns.map((c) => [c.name, c]));
  const listed = order.flatMap((name) => {
    const column = byName.get(name);
    return column ? [column] : [];
  });
  const listedNames = new Set(listed.map((c) => c.name));
  return [...listed, ...columns.filter((c) => !listedNames.has(c.name))];
}

/** Visible columns split into pinned (kept at the left) and the rest. */
export function layoutColumns(
  columns: readonly ColumnInfo[],
  order: readonly string[],
  hidden: readonly string[],
  pinned: readonly string[],
): Layout {
  const hiddenSet = new Set(hidden);
  const pinnedSet = new Set(pinned);
  const visible = orderColumns(columns, order).filter((c) => !hiddenSet.has(c.name));
  return {
    pinned: visible.filter((c) => pinnedSet.has(c.name)),
    scrolling: visible.filter((c) => !pinnedSet.has(c.name)),
  };
}

/** The order after moving `name` by `delta` places (within the full, ordered list). */
export function moveColumn(
  columns: readonly ColumnInfo[],
  order: readonly string[],
  name: string,
  delta: number,
): string[] {
  const names = orderColumns(columns, order).map((c) => c.name);
  const from = names.indexOf(name);
  if (from < 0) return names;
  const to = Math.max(0, Math.min(names.length - 1, from + delta));
  names.splice(from, 1);
  names.splice(to, 0, name);
  return names;
}

/** Default width of a column by type and row height (images grow with the row). */
export function columnWidth(column: ColumnInfo, grouped: boolean, thumb: number): number {
  // Wide enough for the header (name and menu), never so wide one long name takes the screen.
  const header = Math.min(260, column.name.length * 7.4 + (column.runs ? 66 : 52));
  return Math.max(header, contentWidth(column, grouped, thumb));
}

function contentWidth(column: ColumnInfo, grouped: boolean, thumb: number): number {
  if (grouped) {
    if (column.type === "image") return Math.max(260, thumb * 3 + 60);
    if (column.type === "string" || column.type === "bool") return 230;
    return 210;
  }
  const runs = column.runs ?? 1;
  if (column.type === "image") return Math.max(64, (runs > 1 ? Math.min(runs, 2) * (thumb / 2 + 6) : thumb) + 20);
  if (column.type === "float" || column.type === "int") return runs > 1 ? 150 : 110;
  if (column.type === "list" || column.type === "json") return 200;
  return runs > 1 ? 170 : 150;
}
