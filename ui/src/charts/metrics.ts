// Metric charts' server calls: the metric keys of runs, their lines, what define_metric said in
// each run, and the step-metric lines charts re-plot metrics against.
import { keepPreviousData, queryOptions, useQueries, useQuery } from "@tanstack/react-query";
import type { MetricSeries, Schemas } from "../api/client";
import { api, LIVE_POLL_MS, unwrap } from "../api/client";

export type MetricDefinitionModel = Schemas["MetricDefinitionModel"];

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

export function useSeries(project: string, key: string, runIds: string[], maxPoints: number, live: boolean) {
  return useQuery(seriesQuery(project, key, runIds, maxPoints, live));
}

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
export function useStepMetricSeries(
  project: string,
  names: string[],
  runIds: string[],
  maxPoints: number,
  live: boolean,
) {
  return useQueries({
    queries: names.map((key) => seriesQuery(project, key, runIds, maxPoints, live)),
  });
}
