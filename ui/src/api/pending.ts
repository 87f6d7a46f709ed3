// Query-result shapes the OpenAPI schema does not describe yet: `QueryResult.rows` and
// `QueryResult.groups` are untyped objects in openapi.json (`additionalProperties: true`). They
// follow heron.query.results on the server; each goes once the schema types that field, and the
// UI then reads the generated type instead.
import type { Schemas } from "./client";

/** A JSON scalar of a cell: NaN and infinities arrive as the strings "NaN", "Infinity", "-Infinity". */
export type Scalar = boolean | number | string | null;

/** An image cell (QueryResult.rows[*][column]): the stored image row, plus where to fetch it. */
export interface ImageCell {
  sha256: string;
  format: string;
  width: number | null;
  height: number | null;
  caption: string | null;
  overlays: string | null;
  url?: string;
  thumbnail_url?: string;
}

export type Value = Scalar | ImageCell | Scalar[];
/** One value, or one value per run for a merged column. */
export type Cell = Value | Value[];
/** A result row (QueryResult.rows[*]): column name to cell. */
export type Row = Record<string, Cell>;

// The summaries of a grouped page (QueryResult.groups.rows[*].summaries).
export interface HistogramSummary {
  kind: "histogram";
  counts: number[];
  min: number | null;
  mean: number | null;
  max: number | null;
  nulls: number;
  non_finite: number;
}
export interface ValueCount {
  value: Scalar;
  count: number;
}
export interface ValuesSummary {
  kind: "values";
  values: ValueCount[];
  other: number;
  distinct: number;
}
export interface ImagesSummary {
  kind: "images";
  images: ImageCell[];
  total: number;
}
export interface RangeSummary {
  kind: "range";
  min: Scalar;
  max: Scalar;
  count: number;
}
export interface ListSummary {
  kind: "list";
  count: number;
  mean_length: number | null;
}
export interface NoSummary {
  kind: "none";
}
export type ScalarSummary = HistogramSummary | ValuesSummary | ImagesSummary | RangeSummary | ListSummary | NoSummary;
export interface RunsSummary {
  kind: "runs";
  runs: ScalarSummary[];
}
export type Summary = ScalarSummary | RunsSummary;

/** How a column is summarised in every group (QueryResult.groups.summaries[column]). */
export interface GroupColumn {
  kind: ScalarSummary["kind"];
  type: string;
  element?: string | null;
  runs?: number | null;
  edges?: number[];
}

/** One group (QueryResult.groups.rows[*]). */
export interface GroupRow {
  key: Cell[];
  count: number;
  summaries: Record<string, Summary>;
}

/** A page of groups (QueryResult.groups). */
export interface Groups {
  by: string[];
  columns: Schemas["ColumnDescription"][];
  summaries: Record<string, GroupColumn>;
  rows: GroupRow[];
  total: number;
  total_rows: number;
}

/** The generated QueryResult with its untyped fields typed (and the lists the server always sends). */
export type QueryResult = Omit<Schemas["QueryResult"], "columns" | "rows" | "groups" | "labels" | "runs"> & {
  columns: Schemas["ColumnDescription"][];
  rows: Row[];
  groups?: Groups | null;
  labels: string[];
  runs?: QueryResult[] | null;
};
