// Projects, runs and the tables they logged, cached by TanStack Query. Running runs are polled so
// views update live.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import type { Project, RunDetail, RunList, TableEntry, TableKey } from "../api/client";
import { api, LIVE_POLL_MS, unwrap } from "../api/client";

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
    refetchInterval: (query) => (query.state.data?.runs.some((run) => run.state === "running") ? LIVE_POLL_MS : false),
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
