// Server state, cached by TanStack Query. Running runs are polled so views update live.
import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { api, unwrap } from "./client";
import type { LineageGraph, MetricSeries, Project, RunDetail, RunList, TableEntry, TableKey } from "./client";

export const LIVE_POLL_MS = 2000;

export function useProjects() {
  return useQuery({
    queryKey: ["projects"],
    queryFn: async (): Promise<Project[]> => unwrap(await api.GET("/api/projects")),
    refetchInterval: 10_000,
  });
}

export function useRuns(project: string) {
  return useQuery({
    queryKey: ["runs", project],
    queryFn: async (): Promise<RunList> =>
      unwrap(await api.GET("/api/projects/{project}/runs", { params: { path: { project } } })),
    refetchInterval: (query) =>
      query.state.data?.runs.some((run) => run.state === "running") ? LIVE_POLL_MS : false,
  });
}

export function useRun(project: string, runId: string) {
  return useQuery({
    queryKey: ["run", project, runId],
    queryFn: async (): Promise<RunDetail> =>
      unwrap(
        await api.GET("/api/projects/{project}/runs/{run_id}", {
          params: { path: { project, run_id: runId } },
        }),
      ),
    refetchInterval: (query) => (query.state.data?.state === "running" ? LIVE_POLL_MS : false),
  });
}

export function useMetricKeys(project: string, runIds: string[], live: boolean) {
  return useQuery({
    queryKey: ["metric-keys", project, runIds],
    queryFn: async (): Promise<string[]> =>
      unwrap(
        await api.GET("/api/projects/{project}/metrics", {
          params: { path: { project }, query: { run: runIds } },
        }),
      ).keys,
    enabled: runIds.length > 0,
    placeholderData: keepPreviousData,
    refetchInterval: live ? LIVE_POLL_MS * 2 : false,
  });
}

/** One metric's lines for the given runs; every hook that fetches a series shares this key. */
export function seriesQuery(project: string, key: string, runIds: string[], maxPoints: number, live: boolean) {
  return queryOptions({
    queryKey: ["series", project, key, runIds, maxPoints],
    queryFn: async (): Promise<MetricSeries> =>
      unwrap(
        await api.GET("/api/projects/{project}/series", {
          params: { path: { project }, query: { key, run: runIds, max_points: maxPoints } },
        }),
      ),
    enabled: runIds.length > 0,
    placeholderData: keepPreviousData,
    refetchInterval: live ? LIVE_POLL_MS : false,
  });
}

export function useSeries(
  project: string,
  key: string,
  runIds: string[],
  maxPoints: number,
  live: boolean,
) {
  return useQuery(seriesQuery(project, key, runIds, maxPoints, live));
}

export function useRunTables(project: string, runId: string, live: boolean) {
  return useQuery({
    queryKey: ["run-tables", project, runId],
    queryFn: async (): Promise<TableEntry[]> =>
      unwrap(
        await api.GET("/api/projects/{project}/runs/{run_id}/tables", {
          params: { path: { project, run_id: runId } },
        }),
      ),
    refetchInterval: live ? LIVE_POLL_MS * 2 : false,
  });
}

/** The artifact versions a run logged and used: its lineage one edge out. */
export function useRunLineage(project: string, runId: string) {
  return useQuery({
    queryKey: ["run-lineage", project, runId],
    queryFn: async (): Promise<LineageGraph> =>
      unwrap(
        await api.GET("/api/projects/{project}/lineage", {
          params: { path: { project }, query: { run: [runId], depth: 1 } },
        }),
      ),
  });
}

/** Table keys the given runs logged, each with the runs that logged it. */
export function useProjectTables(project: string, runIds: string[], live: boolean) {
  return useQuery({
    queryKey: ["project-tables", project, runIds],
    queryFn: async (): Promise<TableKey[]> =>
      unwrap(
        await api.GET("/api/projects/{project}/tables", {
          params: { path: { project }, query: { run: runIds } },
        }),
      ),
    enabled: runIds.length > 0,
    placeholderData: keepPreviousData,
    refetchInterval: live ? LIVE_POLL_MS * 2 : false,
  });
}
