// The typed HTTP client: every call goes through the public API described by openapi.json.
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type Project = Schemas["Project"];
export type Run = Schemas["Run"];
export type RunList = Schemas["RunList"];
export type RunDetail = Schemas["RunDetail"];
export type MetricSeries = Schemas["MetricSeries"];
export type Series = Schemas["Series"];
export type TableEntry = Schemas["TableEntry"];
export type TableInfo = Schemas["TableInfo"];
export type QueryResult = Schemas["QueryResult"];
export type LineageGraph = Schemas["LineageGraph"];
export type TableKey = Schemas["TableKey"];
export type LineageNode = Schemas["LineageNode"];
export type LineageEdge = Schemas["LineageEdge"];

/** How often views of a running run ask the server again. */
export const LIVE_POLL_MS = 2000;

/** The header that proves a write comes from heron's own pages (see docs/security.md). */
export const TOKEN_HEADER = "X-Heron-Token";

/**
 * `headers` plus this server's write token, which the server puts in index.html. A page on another
 * origin cannot read it; without it (the Vite dev server) the browser's Origin header still counts.
 */
export function writeHeaders(headers: Record<string, string> = {}): Record<string, string> {
  const token = typeof document === "undefined" ? undefined : document.querySelector<HTMLMetaElement>('meta[name="heron-token"]')?.content;
  return token ? { ...headers, [TOKEN_HEADER]: token } : headers;
}

/** Whether a request of this method changes state, so it must carry the token. */
export function isWrite(method: string | undefined): boolean {
  return !["GET", "HEAD", "OPTIONS"].includes((method ?? "GET").toUpperCase());
}

export const api = createClient<paths>({ baseUrl: "" });
api.use({
  onRequest({ request }) {
    if (!isWrite(request.method)) return undefined;
    for (const [name, value] of Object.entries(writeHeaders())) request.headers.set(name, value);
    return request;
  },
});

/** An error answered by the API in its one JSON shape, with the HTTP status. */
export class ApiError extends Error {
  readonly status: number;
  readonly type: string;

  constructor(status: number, type: string, message: string) {
    super(message);
    this.status = status;
    this.type = type;
  }
}

interface ErrorShape {
  error?: { type?: string; message?: string };
}

/** The data of an openapi-fetch result, or an ApiError carrying the server's message. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data !== undefined && result.response.ok) {
    return result.data;
  }
  const body = (result.error ?? {}) as ErrorShape;
  throw new ApiError(
    result.response.status,
    body.error?.type ?? "HTTPError",
    body.error?.message ?? `${result.response.status} ${result.response.statusText}`,
  );
}

export function isNotFound(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404;
}
