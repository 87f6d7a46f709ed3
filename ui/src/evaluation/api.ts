// The evaluation endpoint: confusion matrix, per-class metrics and score histograms per table.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { projectUrl, request } from "../artifacts/api";
import type { SourceRef } from "../explorer/api";

export interface ClassMetrics { name: string; support: number; predicted: number; correct: number; precision: number | null; recall: number | null; f1: number | null }
export interface ScoreHistogram { class_name: string; column: string; edges: number[]; positive: number[]; negative: number[] }
export interface TableEvaluation {
  label: string; run_id: string | null; step: number | null; table_id: string; rows: number; evaluated: number; correct: number;
  accuracy: number | null; macro_f1: number | null; matrix: number[][]; per_class: ClassMetrics[]; histograms: ScoreHistogram[];
}
export interface EvaluationResult { truth: string; guess: string; classes: string[]; results: TableEvaluation[] }

export function useEvaluation(project: string, tables: SourceRef[], truth: string, guess: string, filter: string) {
  return useQuery({
    queryKey: ["evaluation", project, tables, truth, guess, filter],
    queryFn: () => request<EvaluationResult>(`${projectUrl(project)}/evaluation`, { method: "POST", json: { tables, truth, guess, filter } }),
    enabled: tables.length > 0 && Boolean(truth) && Boolean(guess),
    placeholderData: keepPreviousData,
    retry: false,
  });
}
