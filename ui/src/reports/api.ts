// Reports: list, read, create, save, duplicate, delete, and the static export's URL.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { projectUrl, request } from "../artifacts/api";

export type PanelKind = "table" | "chart" | "evaluation" | "lineage";
export interface RunSetEntry { id: string; visible: boolean; color?: string | null }
export interface MarkdownBlock { id: string; type: "markdown"; text: string }
export interface PanelBlock { id: string; type: "panel"; panel: PanelKind; title: string; runset: { runs: RunSetEntry[] }; config: Record<string, unknown> }
export type Block = MarkdownBlock | PanelBlock;
export interface Report { id: string; project: string; title: string; description: string; blocks: Block[]; created_at: number; updated_at: number }
export interface ReportSummary { id: string; project: string; title: string; description: string; blocks: number; created_at: number; updated_at: number }

const reportsUrl = (project: string) => `${projectUrl(project)}/reports`;
export const reportUrl = (project: string, id: string) => `${reportsUrl(project)}/${encodeURIComponent(id)}`;
export const exportUrl = (project: string, id: string) => `${reportUrl(project, id)}/export`;

export function useReports(project: string) {
  return useQuery({ queryKey: ["reports", project], queryFn: () => request<ReportSummary[]>(reportsUrl(project)) });
}

export function useReport(project: string, id: string) {
  return useQuery({ queryKey: ["report", project, id], queryFn: () => request<Report>(reportUrl(project, id)) });
}

export function useReportMutations(project: string) {
  const client = useQueryClient();
  const refresh = (report?: Report) => {
    void client.invalidateQueries({ queryKey: ["reports", project] });
    if (report) client.setQueryData(["report", project, report.id], report);
  };
  return {
    create: useMutation({
      mutationFn: (body: { title: string; description?: string; blocks?: Block[] }) => request<Report>(reportsUrl(project), { method: "POST", json: body }),
      onSuccess: refresh,
    }),
    save: useMutation({
      mutationFn: (report: Pick<Report, "id" | "title" | "description" | "blocks">) =>
        request<Report>(reportUrl(project, report.id), { method: "PUT", json: { title: report.title, description: report.description, blocks: report.blocks } }),
      onSuccess: refresh,
    }),
    duplicate: useMutation({
      mutationFn: (id: string) => request<Report>(`${reportUrl(project, id)}/duplicate`, { method: "POST", json: {} }),
      onSuccess: refresh,
    }),
    remove: useMutation({
      mutationFn: (id: string) => request<void>(reportUrl(project, id), { method: "DELETE" }),
      onSuccess: () => refresh(),
    }),
  };
}
