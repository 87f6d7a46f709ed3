// What define_metric said in each run, and the step-metric lines charts re-plot metrics against.
import { keepPreviousData, useQueries, useQuery } from "@tanstack/react-query";
import { api, unwrap } from "./client";
import type { Schemas } from "./client";
import { LIVE_POLL_MS, seriesQuery } from "./hooks";

export type MetricDefinitionModel = Schemas["MetricDefinitionModel"];

/** run id -> its metric definitions (exact names first, then globs). */
export function useMetricDefinitions(project: string, runIds: string[], live: boolean) {
  return useQuery({
    queryKey: ["metric-definitions", project, runIds],
    queryFn: async (): Promise<Map<string, MetricDefinitionModel[]>> => {
      const body = unwrap(
        await api.GET("/api/projects/{project}/metric-definitions", {
          params: { path: { project }, query: { run: runIds } },
        }),
      );
      return new Map(body.runs.map((run) => [run.run_id, run.definitions]));
    },
    enabled: runIds.length > 0,
    placeholderData: keepPreviousData,
    // A live run may call define_metric after its first charts are drawn.
    refetchInterval: live ? LIVE_POLL_MS * 2 : false,
  });
}

/**
 * The lines of several step metrics (`epoch`, ...) for the given runs. They share `useSeries`'s
 * query, so the step metric's own chart and the charts drawn against it share one fetch.
 */
export function useStepMetricSeries(project: string, names: string[], runIds: string[], maxPoints: number, live: boolean) {
  return useQueries({
    queries: names.map((key) => seriesQuery(project, key, runIds, maxPoints, live)),
  });
}
