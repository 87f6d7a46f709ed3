// Charts logged with a table (wandb.plot, heron Chart): which keys the runs logged, and one chart's columns.
import { keepPreviousData, useQueries, useQuery } from "@tanstack/react-query";
import type { Schemas } from "../api/client";
import { api, LIVE_POLL_MS, unwrap } from "../api/client";

export type ChartKey = Schemas["ChartKey"];
export type ChartData = Schemas["ChartData"];

export function useProjectCharts(project: string, runIds: string[], live: boolean) {
  return useQuery({
    queryKey: ["project-charts", project, runIds],
    queryFn: async (): Promise<ChartKey[]> =>
      unwrap(
        await api.GET("/api/projects/{project}/charts", { params: { path: { project }, query: { run: runIds } } }),
      ),
    enabled: runIds.length > 0,
    placeholderData: keepPreviousData,
    refetchInterval: live ? LIVE_POLL_MS * 2 : false,
  });
}

/** Each run's chart under `key` at the given step (its latest when the step is left out). */
export function useChartData(project: string, key: string, entries: { run_id: string; step: number }[]) {
  return useQueries({
    queries: entries.map((entry) => ({
      queryKey: ["chart", project, entry.run_id, key, entry.step],
      queryFn: async (): Promise<ChartData> =>
        unwrap(
          await api.GET("/api/projects/{project}/runs/{run_id}/chart", {
            params: { path: { project, run_id: entry.run_id }, query: { key, step: entry.step } },
          }),
        ),
      // A logged chart never changes: a new step is a new query.
      staleTime: Infinity,
    })),
  });
}
