// The evaluation endpoint: confusion matrix, per-class metrics and score histograms per table.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import type { Schemas } from "../api/client";
import { api, unwrap } from "../api/client";
import type { SourceRef } from "../explorer/api";

export type ScoreHistogram = Schemas["ScoreHistogram"];
export type TableEvaluation = Schemas["TableEvaluation"];
export type EvaluationResult = Schemas["EvaluationResult"];

export function useEvaluation(project: string, tables: SourceRef[], truth: string, guess: string, filter: string) {
  return useQuery({
    queryKey: ["evaluation", project, tables, truth, guess, filter],
    queryFn: async (): Promise<EvaluationResult> => {
      // The server picks `bins` and `score_prefix` when they are left out; the generated type
      // marks every field that has a default as required, so this body is widened to the schema's.
      const body: Omit<Schemas["EvaluationRequest"], "bins" | "score_prefix"> = { tables, truth, guess, filter };
      return unwrap(
        await api.POST("/api/projects/{project}/evaluation", {
          params: { path: { project } },
          body: body as Schemas["EvaluationRequest"],
        }),
      );
    },
    enabled: tables.length > 0 && Boolean(truth) && Boolean(guess),
    placeholderData: keepPreviousData,
    retry: false,
  });
}
