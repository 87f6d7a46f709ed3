// The explorer's server calls: a query document over table sources, one page back.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useRef } from "react";
import { writeHeaders } from "../api/client";
import type { ExplorerState } from "./state";

/** A table to explore: a run's table under a key (at a step), or a table inside an artifact. */
export type SourceRef =
  | { run_id: string; key: string; step?: number | null }
  | { artifact: string; name: string };

export interface ColumnInfo {
  name: string;
  type: string;
  element?: string;
  runs?: number;
}

export interface ImageRef {
  sha256: string;
  format: string;
  width: number;
  height: number;
  caption?: string | null;
  overlays?: string | null;
  url?: string;
  thumbnail_url?: string;
}

export interface HistogramSummary {
  kind: "histogram";
  counts: number[];
  min: number | null;
  mean: number | null;
  max: number | null;
  nulls: number;
  non_finite: number;
}
export interface ValuesSummary {
  kind: "values";
  values: { value: unknown; count: number }[];
  other: number;
  distinct: number;
}
export interface ImagesSummary {
  kind: "images";
  images: ImageRef[];
  total: number;
}
export interface RangeSummary {
  kind: "range";
  min: unknown;
  max: unknown;
  count: number;
}
export interface ListSummary {
  kind: "list";
  count: number;
  mean_length: number | null;
}
export type ScalarSummary = HistogramSummary | ValuesSummary | ImagesSummary | RangeSummary | ListSummary | { kind: "none" };
export type Summary = ScalarSummary | { kind: "runs"; runs: ScalarSummary[] };

export interface GroupRow {
  key: unknown[];
  count: number;
  summaries: Record<string, Summary>;
}

export interface SummaryInfo extends ColumnInfo {
  kind: string;
  edges?: number[];
}

export interface GroupsResult {
  by: string[];
  columns: ColumnInfo[];
  summaries: Record<string, SummaryInfo>;
  rows: GroupRow[];
  total: number;
  total_rows: number;
}

export interface QueryResult {
  columns: ColumnInfo[];
  rows: Record<string, unknown>[];
  total: number;
  offset: number;
  size: number;
  groups?: GroupsResult | null;
  labels: string[];
}

export interface ColumnsResult {
  columns: ColumnInfo[];
  functions: string[];
  labels: string[];
}

/** An error in the API's one shape; a query mistake also says where (field and position). */
export class ExplorerError extends Error {
  readonly status: number;
  readonly type: string;
  readonly field: string | null;
  readonly position: number | null;

  constructor(status: number, type: string, message: string, field: string | null, position: number | null) {
    super(message);
    this.status = status;
    this.type = type;
    this.field = field;
    this.position = position;
  }
}

/** POST a JSON body; a failure becomes an ExplorerError carrying the server's message. */
async function send(url: string, body: unknown, signal?: AbortSignal): Promise<Response> {
  const response = await fetch(url, {
    method: "POST",
    headers: writeHeaders({ "content-type": "application/json" }),
    body: JSON.stringify(body),
    signal,
  });
  if (!response.ok) {
    const data: unknown = await response.json().catch(() => null);
    const error = (data as { error?: Record<string, unknown> } | null)?.error ?? {};
    throw new ExplorerError(
      response.status,
      typeof error.type === "string" ? error.type : "HTTPError",
      typeof error.message === "string" ? error.message : `${response.status} ${response.statusText}`,
      typeof error.field === "string" ? error.field : null,
      typeof error.position === "number" ? error.position : null,
    );
  }
  return response;
}

async function post<T>(url: string, body: unknown, signal?: AbortSignal): Promise<T> {
  const response = await send(url, body, signal);
  return (await response.json()) as T;
}

export const IMAGES_PER_GROUP = 24;

/** The query document (docs/query.md) of a view; `panel` picks one run of a side-by-side view. */
export function queryDocument(state: ExplorerState, sourceCount: number, panel: number | null = null): Record<string, unknown> {
  const doc: Record<string, unknown> = { version: 1 };
  if (panel !== null) doc.merge = { mode: "side_by_side", index: panel };
  else if (sourceCount <= 1) doc.merge = { mode: "table" };
  else if (state.merge === "concat") doc.merge = { mode: "concat" };
  else doc.merge = { mode: "join", how: state.how, ...(state.on ? { on: state.on } : {}) };
  if (state.filter.trim()) doc.filter = state.filter;
  if (state.derived.length) doc.columns = state.derived;
  if (state.sort.length) doc.sort = state.sort;
  if (state.group.length) {
    doc.group = { by: state.group, top_n: 6, bins: 12, images_per_group: IMAGES_PER_GROUP };
  }
  const grid = state.group.length === 2 && state.groupView === "grid";
  doc.page = grid ? { offset: 0, size: 1000 } : { offset: state.offset, size: state.pageSize };
  return doc;
}

export function queryUrl(project: string): string {
  return `/api/projects/${encodeURIComponent(project)}/query`;
}

/**
 * Download the whole view (every page) as CSV or Parquet. The query travels in a POST body, so a
 * view with a very long filter exports like any other (a URL would break at a few kilobytes).
 */
export async function downloadExport(project: string, sources: SourceRef[], queryDoc: Record<string, unknown>, format: "csv" | "parquet"): Promise<void> {
  const rest = { ...queryDoc };
  delete rest.page;
  const response = await send(`${queryUrl(project)}/export`, { tables: sources, query: rest, format });
  const disposition = response.headers.get("content-disposition") ?? "";
  const name = /filename="([^"]+)"/.exec(disposition)?.[1] ?? `table.${format}`;
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  // The browser reads the blob after click() returns; free it once the download has surely begun.
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * One page of a view. While a new page loads the previous one stays on screen, and when a query
 * fails (a typo in the filter) the last good result stays too, beside the error.
 */
export function useExplorerQuery(project: string, sources: SourceRef[], document: Record<string, unknown>, enabled = true) {
  const query = useQuery({
    queryKey: ["explorer", project, sources, document],
    queryFn: ({ signal }) => post<QueryResult>(queryUrl(project), { tables: sources, query: document }, signal),
    placeholderData: keepPreviousData,
    retry: false,
    staleTime: 60_000,
    enabled: enabled && sources.length > 0,
  });
  const lastGood = useRef<QueryResult | undefined>(undefined);
  if (query.data !== undefined && !query.isPlaceholderData) lastGood.current = query.data;
  const error = query.error instanceof ExplorerError ? query.error : query.error ? new ExplorerError(0, "Error", String(query.error), null, null) : null;
  return { data: query.data ?? lastGood.current, error, isFetching: query.isFetching, isPending: query.isPending && !lastGood.current };
}

/** Column names and types of the sources as merged, and the functions, for completion. */
export function useColumns(project: string, sources: SourceRef[], merge: Record<string, unknown>) {
  return useQuery({
    queryKey: ["explorer-columns", project, sources, merge],
    queryFn: ({ signal }) => post<ColumnsResult>(`${queryUrl(project)}/columns`, { tables: sources, query: { merge } }, signal),
    retry: false,
    staleTime: 60_000,
    enabled: sources.length > 0,
  });
}
