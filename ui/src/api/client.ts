// The typed HTTP client: every call goes through the public API described by openapi.json.
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type Project = Schemas["Project"];
export type Run = Schemas["Run"];
export type RunList = Schemas["RunList"];
export type RunDetail = Schemas["RunDetail"];
export type MetricSeries = Schemas["MetricSeries"];
export type TableEntry = Schemas["TableEntry"];
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
  const token =
    typeof document === "undefined"
      ? undefined
      : document.querySelector<HTMLMetaElement>('meta[name="heron-token"]')?.content;
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

/** What the server says went wrong: its one error shape (a query mistake also names its place). */
export type ErrorBody = Schemas["ErrorBody"];

/**
 * Every failed request, in the API's one error shape with the HTTP status. A query mistake also
 * says where: `field` is the part of the query document (`filter`, `columns[0].expr`, ...) and
 * `position` the character offset in it, so the UI can underline the spot.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly field: string | null;
  readonly position: number | null;

  constructor(status: number, body: Partial<ErrorBody>, fallback: string) {
    super(body.message ?? fallback);
    this.status = status;
    this.type = body.type ?? "HTTPError";
    this.field = body.field ?? null;
    this.position = body.position ?? null;
  }

  /** Any failure as an ApiError: a network failure or a bug keeps its message, with status 0. */
  static from(failure: unknown): ApiError {
    if (failure instanceof ApiError) return failure;
    return new ApiError(0, { type: "Error" }, failure instanceof Error ? failure.message : String(failure));
  }
}

/** The data of an openapi-fetch result, or an ApiError carrying the server's error body. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  const { response } = result;
  // A 204 (a deleted report) has no body: its data is undefined, and that is the answer.
  if (response.ok) return result.data as T;
  const body = (result.error as { error?: Partial<ErrorBody> } | undefined)?.error ?? {};
  throw new ApiError(response.status, body, `${response.status} ${response.statusText}`);
}

export function isNotFound(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404;
}
