// The explorer's whole view as one plain object: kept in the URL, stored as JSON in reports.

export type RowHeight = "s" | "m" | "l" | "xl";
export type MergeMode = "join" | "concat" | "side_by_side";
export type JoinHow = "inner" | "outer";
export type HistogramMode = "stacked" | "side";
export type GroupView = "grid" | "list";

export interface SortKey {
  column: string;
  descending: boolean;
}

export interface DerivedColumn {
  name: string;
  expr: string;
}

export interface ExplorerState {
  filter: string;
  sort: SortKey[];
  group: string[];
  derived: DerivedColumn[];
  /** Column order chosen by the user; columns not listed follow in table order. */
  order: string[];
  hidden: string[];
  pinned: string[];
  /** Column widths the user dragged, in pixels. */
  widths: Record<string, number>;
  rowHeight: RowHeight;
  offset: number;
  pageSize: number;
  merge: MergeMode;
  /** Join key: "id", "image" or any column; "" means the default (id if present, else image). */
  on: string;
  how: JoinHow;
  /** Runs shown side by side, by index into the sources. Empty means all. */
  panels: number[];
  /** The step of a per-step table; null means the latest. */
  step: number | null;
  /** A second step of the same run to compare with; null for none. */
  compare: number | null;
  histogram: HistogramMode;
  groupView: GroupView;
}

export const PAGE_SIZES = [50, 100, 500, 1000] as const;
export const ROW_HEIGHT_LABELS: Record<RowHeight, string> = { s: "Small", m: "Medium", l: "Large", xl: "Extra large" };

export const DEFAULT_STATE: ExplorerState = {
  filter: "",
  sort: [],
  group: [],
  derived: [],
  order: [],
  hidden: [],
  pinned: [],
  widths: {},
  rowHeight: "m",
  offset: 0,
  pageSize: 100,
  merge: "join",
  on: "",
  how: "inner",
  panels: [],
  step: null,
  compare: null,
  histogram: "stacked",
  groupView: "grid",
};

// -- list codec: items joined by ",", with "%" and "," escaped so any column name survives -------

export function encodeList(items: readonly string[]): string {
  return items.map((item) => item.replace(/%/g, "%25").replace(/,/g, "%2C")).join(",");
}

export function decodeList(text: string | null): string[] {
  if (!text) return [];
  return text.split(",").map((item) => item.replace(/%2C/gi, ",").replace(/%25/g, "%"));
}

/** "truth,-score": a leading "-" means descending ("--x" is a column "-x" sorted descending). */
export function encodeSort(keys: readonly SortKey[]): string {
  return encodeList(keys.map((key) => (key.descending ? "-" : key.column.startsWith("-") ? "+" : "") + key.column));
}

export function decodeSort(text: string | null): SortKey[] {
  return decodeList(text)
    .filter((item) => item !== "" && item !== "-" && item !== "+")
    .map((item) => {
      if (item.startsWith("-")) return { column: item.slice(1), descending: true };
      if (item.startsWith("+")) return { column: item.slice(1), descending: false };
      return { column: item, descending: false };
    });
}

function intOr<T>(text: string | null, fallback: T, min = 0): number | T {
  if (text === null || !/^-?\d+$/.test(text)) return fallback;
  const value = Number(text);
  return Number.isSafeInteger(value) && value >= min ? value : fallback;
}

function oneOf<T extends string>(text: string | null, allowed: readonly T[], fallback: T): T {
  return allowed.includes(text as T) ? (text as T) : fallback;
}

export const MIN_WIDTH = 48;
export const MAX_WIDTH = 1200;

/** "note=320,score=90": a width per column (the last "=" splits, so names may hold one). */
export function encodeWidths(widths: Record<string, number>): string {
  return encodeList(Object.entries(widths).map(([name, width]) => `${name}=${Math.round(width)}`));
}

export function decodeWidths(text: string | null): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of decodeList(text)) {
    const at = item.lastIndexOf("=");
    const width = Number(item.slice(at + 1));
    if (at > 0 && Number.isInteger(width)) out[item.slice(0, at)] = Math.max(MIN_WIDTH, Math.min(MAX_WIDTH, width));
  }
  return out;
}

function parseDerived(text: string | null): DerivedColumn[] {
  if (!text) return [];
  try {
    const value: unknown = JSON.parse(text);
    if (!Array.isArray(value)) return [];
    return value.flatMap((item: unknown) => {
      if (typeof item !== "object" || item === null) return [];
      const { name, expr } = item as Record<string, unknown>;
      return typeof name === "string" && typeof expr === "string" && name !== "" ? [{ name, expr }] : [];
    });
  } catch {
    return [];
  }
}

// URL parameter names, each prefixed so several panels can share one page's URL.
const P = {
  filter: "filter",
  sort: "sort",
  group: "group",
  derived: "derive",
  order: "order",
  hidden: "hide",
  pinned: "pin",
  widths: "widths",
  rowHeight: "rows",
  offset: "offset",
  pageSize: "size",
  merge: "merge",
  on: "on",
  how: "how",
  panels: "panels",
  step: "step",
  compare: "compare",
  histogram: "hist",
  groupView: "gview",
} as const;

/** The state a URL describes; missing or malformed params take their defaults. */
export function stateFromParams(params: URLSearchParams, prefix = ""): ExplorerState {
  const get = (name: string) => params.get(prefix + name);
  const pageSize = intOr(get(P.pageSize), DEFAULT_STATE.pageSize, 1);
  return {
    filter: get(P.filter) ?? "",
    sort: decodeSort(get(P.sort)),
    group: decodeList(get(P.group)).filter(Boolean).slice(0, 2),
    derived: parseDerived(get(P.derived)),
    order: decodeList(get(P.order)),
    hidden: decodeList(get(P.hidden)),
    pinned: decodeList(get(P.pinned)),
    widths: decodeWidths(get(P.widths)),
    rowHeight: oneOf(get(P.rowHeight), ["s", "m", "l", "xl"] as const, DEFAULT_STATE.rowHeight),
    offset: intOr(get(P.offset), 0),
    pageSize: Math.min(pageSize, 1000),
    merge: oneOf(get(P.merge), ["join", "concat", "side_by_side"] as const, DEFAULT_STATE.merge),
    on: get(P.on) ?? "",
    how: oneOf(get(P.how), ["inner", "outer"] as const, DEFAULT_STATE.how),
    panels: decodeList(get(P.panels)).flatMap((item) => (/^\d+$/.test(item) ? [Number(item)] : [])),
    step: intOr(get(P.step), null),
    compare: intOr(get(P.compare), null),
    histogram: oneOf(get(P.histogram), ["stacked", "side"] as const, DEFAULT_STATE.histogram),
    groupView: oneOf(get(P.groupView), ["grid", "list"] as const, DEFAULT_STATE.groupView),
  };
}

/** `params` with the state written in (defaults are left out, so links stay short). */
export function stateToParams(state: ExplorerState, params = new URLSearchParams(), prefix = ""): URLSearchParams {
  const next = new URLSearchParams(params);
  const values: Record<keyof typeof P, string> = {
    filter: state.filter,
    sort: encodeSort(state.sort),
    group: encodeList(state.group),
    derived: state.derived.length ? JSON.stringify(state.derived) : "",
    order: encodeList(state.order),
    hidden: encodeList(state.hidden),
    pinned: encodeList(state.pinned),
    widths: encodeWidths(state.widths),
    rowHeight: state.rowHeight === DEFAULT_STATE.rowHeight ? "" : state.rowHeight,
    offset: state.offset ? String(state.offset) : "",
    pageSize: state.pageSize === DEFAULT_STATE.pageSize ? "" : String(state.pageSize),
    merge: state.merge === DEFAULT_STATE.merge ? "" : state.merge,
    on: state.on,
    how: state.how === DEFAULT_STATE.how ? "" : state.how,
    panels: state.panels.join(","),
    step: state.step === null ? "" : String(state.step),
    compare: state.compare === null ? "" : String(state.compare),
    histogram: state.histogram === DEFAULT_STATE.histogram ? "" : state.histogram,
    groupView: state.groupView === DEFAULT_STATE.groupView ? "" : state.groupView,
  };
  for (const [field, name] of Object.entries(P) as [keyof typeof P, string][]) {
    const value = values[field];
    if (value === "") next.delete(prefix + name);
    else next.set(prefix + name, value);
  }
  return next;
}

/** The state as JSON for a report: only what differs from the defaults. */
export function stateToJSON(state: ExplorerState): Partial<ExplorerState> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(DEFAULT_STATE) as (keyof ExplorerState)[]) {
    if (JSON.stringify(state[key]) !== JSON.stringify(DEFAULT_STATE[key])) out[key] = state[key];
  }
  return out as Partial<ExplorerState>;
}

/** A state from stored JSON, validated field by field (through the URL codec's checks). */
export function stateFromJSON(json: unknown): ExplorerState {
  if (typeof json !== "object" || json === null) return { ...DEFAULT_STATE };
  const merged = { ...DEFAULT_STATE, ...(json as Partial<ExplorerState>) };
  // Round-tripping through params reuses one set of validation rules.
  const params = stateToParams({
    ...merged,
    sort: Array.isArray(merged.sort) ? merged.sort.filter((s) => typeof s?.column === "string") : [],
    group: Array.isArray(merged.group) ? merged.group.map(String) : [],
    derived: Array.isArray(merged.derived) ? merged.derived : [],
    order: Array.isArray(merged.order) ? merged.order.map(String) : [],
    hidden: Array.isArray(merged.hidden) ? merged.hidden.map(String) : [],
    pinned: Array.isArray(merged.pinned) ? merged.pinned.map(String) : [],
    widths:
      typeof merged.widths === "object" && merged.widths !== null && !Array.isArray(merged.widths) ? merged.widths : {},
    panels: Array.isArray(merged.panels) ? merged.panels.filter((n) => Number.isInteger(n) && n >= 0) : [],
    filter: typeof merged.filter === "string" ? merged.filter : "",
    on: typeof merged.on === "string" ? merged.on : "",
  });
  return stateFromParams(params);
}

/** Changes that alter which rows match start again at the first page. */
export function update(state: ExplorerState, changes: Partial<ExplorerState>): ExplorerState {
  const resets = ["filter", "sort", "group", "derived", "merge", "on", "how", "step", "compare", "pageSize"] as const;
  const next = { ...state, ...changes };
  if (resets.some((key) => key in changes && JSON.stringify(changes[key]) !== JSON.stringify(state[key]))) {
    next.offset = 0;
  }
  return next;
}

/** "Reset columns": back to the columns as logged. */
export function resetColumns(state: ExplorerState): ExplorerState {
  return { ...state, order: [], hidden: [], pinned: [], widths: {} };
}
