// The explorer's server calls: a query document over table sources, one page back.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useRef } from "react";
import type { Schemas } from "../api/client";
import { ApiError, api, unwrap } from "../api/client";
import type { ExplorerState } from "./state";

/** A page of rows or groups. */
export type QueryResult = Schemas["QueryResult"];
export type ImageCell = Schemas["ImageCell"];
export type Groups = Schemas["Groups"];
export type GroupRow = Schemas["GroupRow"];
export type GroupColumn = Schemas["GroupColumn"];
/** The summary of one column in one group. */
export type Summary = GroupRow["summaries"][string];
/** The summary of one column, or of one run of a merged column, in one group. */
export type ScalarSummary = Schemas["RunsSummary"]["runs"][number];

/** A table to explore: a run's table under a key (at a step), or a table inside an artifact. */
export type SourceRef = Schemas["TableRef"] | Schemas["ArtifactTableRef"];
/** A column of a result or of the merged sources: name, heron type, list element, runs merged. */
export type ColumnInfo = Omit<Schemas["ColumnDescription"], "type" | "element"> & {
  /** A heron type, or a label of the explorer's own (e.g. "derived" for a column being written). */
  type: string;
  element?: string | null;
};
export type ColumnsResult = Schemas["ColumnsResult"];

export const IMAGES_PER_GROUP = 24;
/**
 * Values of a category listed per group, most frequent first: every class of a real label set
 * (ten, a hundred) is listed; past that a cell counts the rest and a click filters them in.
 */
const VALUES_PER_GROUP = 100;

/** The query document (docs/query.md) of a view; `panel` picks one run of a side-by-side view. */
export function queryDocument(
  state: ExplorerState,
  sourceCount: number,
  panel: number | null = null,
): Record<string, unknown> {
  const doc: Record<string, unknown> = { version: 1 };
  if (panel !== null) doc.merge = { mode: "side_by_side", index: panel };
  else if (sourceCount <= 1) doc.merge = { mode: "table" };
  else if (state.merge === "concat") doc.merge = { mode: "concat" };
  else doc.merge = { mode: "join", how: state.how, ...(state.on ? { on: state.on } : {}) };
  if (state.filter.trim()) doc.filter = state.filter;
  if (state.derived.length) doc.columns = state.derived;
  if (state.sort.length) doc.sort = state.sort;
  const grid = state.group.length === 2 && state.groupView === "grid";
  if (grid) {
    // The truth x guess grid draws only each pair's count: no summaries to compute or send.
    doc.group = { by: state.group, top_n: 0, bins: 12, images_per_group: 0 };
  } else if (state.group.length) {
    doc.group = { by: state.group, top_n: VALUES_PER_GROUP, bins: 12, images_per_group: IMAGES_PER_GROUP };
  }
  doc.page = grid ? { offset: 0, size: 1000 } : { offset: state.offset, size: state.pageSize };
  return doc;
}

/**
 * Download the whole view (every page) as CSV or Parquet. The query travels in a POST body, so a
 * view with a very long filter exports like any other (a URL would break at a few kilobytes).
 */
export async function downloadExport(
  project: string,
  sources: SourceRef[],
  queryDoc: Record<string, unknown>,
  format: "csv" | "parquet",
): Promise<void> {
  const rest = { ...queryDoc };
  delete rest.page;
  const result = await api.POST("/api/projects/{project}/query/export", {
    params: { path: { project } },
    body: { tables: sources, query: rest, format },
    parseAs: "blob",
  });
  const blob = unwrap(result);
  const disposition = result.response.headers.get("content-disposition") ?? "";
  const name = /filename="([^"]+)"/.exec(disposition)?.[1] ?? `table.${format}`;
  const url = URL.createObjectURL(blob);
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
export function useExplorerQuery(
  project: string,
  sources: SourceRef[],
  document: Record<string, unknown>,
  enabled = true,
) {
  const query = useQuery({
    queryKey: ["explorer", project, sources, document],
    queryFn: async ({ signal }): Promise<QueryResult> =>
      unwrap(
        await api.POST("/api/projects/{project}/query", {
          params: { path: { project } },
          body: { tables: sources, query: document },
          signal,
        }),
      ),
    placeholderData: keepPreviousData,
    retry: false,
    staleTime: 60_000,
    enabled: enabled && sources.length > 0,
  });
  const lastGood = useRef<QueryResult | undefined>(undefined);
  if (query.data !== undefined && !query.isPlaceholderData) lastGood.current = query.data;
  const error = query.error ? ApiError.from(query.error) : null;
  return {
    data: query.data ?? lastGood.current,
    error,
    isFetching: query.isFetching,
    isPending: query.isPending && !lastGood.current,
  };
}

/** Column names and types of the sources as merged, and the functions, for completion. */
export function useColumns(project: string, sources: SourceRef[], merge: Record<string, unknown>) {
  return useQuery({
    queryKey: ["explorer-columns", project, sources, merge],
    queryFn: async ({ signal }): Promise<ColumnsResult> =>
      unwrap(
        await api.POST("/api/projects/{project}/query/columns", {
          params: { path: { project } },
          body: { tables: sources, query: { merge } },
          signal,
        }),
      ),
    retry: false,
    staleTime: 60_000,
    enabled: sources.length > 0,
  });
}
