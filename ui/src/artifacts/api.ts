// Artifact browser calls: collections, versions, files, previews, aliases, comparisons.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError, isWrite, writeHeaders } from "../api/client";

export interface RunRef { id: string; name: string; project: string; job_type: string | null; state: string; exists: boolean }
export interface ArtifactCollection { name: string; type: string; description: string; versions: number; latest_version: number; created_at: number; updated_at: number }
export interface ArtifactType { type: string; collections: ArtifactCollection[] }
export interface ArtifactVersion {
  id: string; project: string; name: string; type: string; version: string; number: number; qualified_name: string;
  aliases: string[]; digest: string; size: number; file_count: number; description: string;
  metadata: Record<string, unknown>; created_at: number; created_by: RunRef | null; used_by: RunRef[];
}
export interface CollectionDetail { name: string; type: string; description: string; versions: ArtifactVersion[] }
export type PreviewKind = "image" | "text" | "json" | "table" | "reference" | "binary";
export interface ArtifactFile { path: string; size: number; kind: string; preview: PreviewKind; sha256?: string | null; table_id?: string | null; ref_uri?: string | null; n_rows?: number | null }
export interface FilePreview { path: string; preview: PreviewKind; text?: string | null; truncated: boolean; size: number }
export interface MetadataChange { key: string; status: "added" | "removed" | "changed" | "same"; a?: unknown; b?: unknown }
export interface VersionComparison { a: ArtifactVersion; b: ArtifactVersion; added: ArtifactFile[]; removed: ArtifactFile[]; changed: { path: string; a: ArtifactFile; b: ArtifactFile }[]; unchanged: number; metadata: MetadataChange[] }
export type CellChange = "base" | "same" | "changed" | "added" | "removed" | "absent";
export interface VersionDiff { version: string; base: string; added: ArtifactFile[]; removed: ArtifactFile[]; changed: { path: string; a: ArtifactFile; b: ArtifactFile }[]; unchanged: number }
export interface MetadataRow { key: string; status: MetadataChange["status"]; values: unknown[]; present: boolean[]; changes: CellChange[] }
export interface ComparedTable { name: string; path: string; rows: (number | null)[] }
export interface VersionsComparison { versions: ArtifactVersion[]; diffs: VersionDiff[]; metadata: MetadataRow[]; tables: ComparedTable[] }
/** A JSON request to the API; failures become ApiError with the server's message. */
export async function request<T>(url: string, init?: RequestInit & { json?: unknown }): Promise<T> {
  const { json, ...rest } = init ?? {};
  const headers: Record<string, string> = json === undefined ? {} : { "content-type": "application/json" };
  new Headers(rest.headers).forEach((value, name) => { headers[name] = value; });
  const response = await fetch(url, {
    ...rest,
    headers: isWrite(rest.method) ? writeHeaders(headers) : headers,
    body: json === undefined ? rest.body : JSON.stringify(json),
  });
  if (response.status === 204) return undefined as T;
  const data: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (data as { error?: { type?: string; message?: string } } | null)?.error;
    throw new ApiError(response.status, error?.type ?? "HTTPError", error?.message ?? `${response.status} ${response.statusText}`);
  }
  return data as T;
}

const enc = encodeURIComponent;
export const projectUrl = (project: string) => `/api/projects/${enc(project)}`;
export const versionUrl = (project: string, name: string, version: string) =>
  `${projectUrl(project)}/artifacts/${enc(name)}/${enc(version)}`;
export const fileUrl = (project: string, name: string, version: string, path: string, download = false) =>
  `${versionUrl(project, name, version)}/files/${path.split("/").map(enc).join("/")}${download ? "?download=true" : ""}`;
export const archiveUrl = (project: string, name: string, version: string, format: "zip" | "tar") =>
  `${versionUrl(project, name, version)}/archive?format=${format}`;

export function useArtifactTypes(project: string) {
  return useQuery({ queryKey: ["artifact-types", project], queryFn: () => request<ArtifactType[]>(`${projectUrl(project)}/artifacts`) });
}

export function useCollection(project: string, name: string | undefined) {
  return useQuery({
    queryKey: ["artifact-collection", project, name],
    queryFn: () => request<CollectionDetail>(`${projectUrl(project)}/artifacts/${enc(name ?? "")}`),
    enabled: Boolean(name),
  });
}

export function useVersion(project: string, name: string, version: string) {
  return useQuery({ queryKey: ["artifact-version", project, name, version], queryFn: () => request<ArtifactVersion>(versionUrl(project, name, version)) });
}

export function useFiles(project: string, name: string, version: string) {
  return useQuery({ queryKey: ["artifact-files", project, name, version], queryFn: () => request<ArtifactFile[]>(`${versionUrl(project, name, version)}/files`) });
}

export function usePreview(project: string, name: string, version: string, path: string | null) {
  return useQuery({
    queryKey: ["artifact-preview", project, name, version, path],
    queryFn: () => request<FilePreview>(`${versionUrl(project, name, version)}/preview/${(path ?? "").split("/").map(enc).join("/")}`),
    enabled: path !== null,
  });
}

/** Two or more versions compared, each against the first. */
export function useVersionsComparison(project: string, name: string, versions: string[]) {
  const list = versions.join(",");
  return useQuery({
    queryKey: ["artifact-compare-many", project, name, list],
    queryFn: () => request<VersionsComparison>(`${projectUrl(project)}/artifacts/${enc(name)}/compare?versions=${enc(list)}`),
    enabled: versions.length >= 2,
    placeholderData: keepPreviousData,
  });
}

/** The page comparing `versions` of a collection. */
export const compareUrl = (project: string, name: string, versions: string[]) =>
  `/projects/${enc(project)}/artifacts/${enc(name)}/compare?versions=${versions.map(enc).join(",")}`;

/** Add or remove an alias; refreshes every view of the collection. */
export function useAliasEdit(project: string, name: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ version, alias, remove }: { version: string; alias: string; remove: boolean }) =>
      remove
        ? request<{ version: ArtifactVersion; messages: string[] }>(`${versionUrl(project, name, version)}/aliases/${enc(alias)}`, { method: "DELETE" })
        : request<{ version: ArtifactVersion; messages: string[] }>(`${versionUrl(project, name, version)}/aliases`, { method: "POST", json: { alias } }),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ["artifact-collection", project, name] });
      void client.invalidateQueries({ queryKey: ["artifact-version", project, name] });
      void client.invalidateQueries({ queryKey: ["lineage", project] });
    },
  });
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}

export function formatTime(seconds: number): string {
  return new Date(seconds * 1000).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}
