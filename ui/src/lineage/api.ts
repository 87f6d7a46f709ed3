// Lineage: the runs and artifact versions around a start node, and the edges between them.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import type { LineageGraph } from "../api/client";
import { api, unwrap } from "../api/client";

/** Where a lineage walk starts: a run id, or an artifact version as `name:vN`. */
export interface LineageStart {
  run?: string;
  artifact?: string;
}

export function useLineage(project: string, start: LineageStart, depth: number) {
  return useQuery({
    queryKey: ["lineage", project, start.run ?? "", start.artifact ?? "", depth],
    queryFn: async (): Promise<LineageGraph> =>
      unwrap(
        await api.GET("/api/projects/{project}/lineage", {
          params: {
            path: { project },
            query: { depth, run: start.run ? [start.run] : [], artifact: start.artifact ? [start.artifact] : [] },
          },
        }),
      ),
    enabled: Boolean(start.run || start.artifact),
    placeholderData: keepPreviousData,
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
