// Reports: list, read, create, save, duplicate, delete, and the static export's URL.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { Schemas } from "../api/client";
import { api, unwrap } from "../api/client";

// The server always sends a panel's `config` and `runset` and a run set's `runs` (they have
// defaults, which the schema leaves optional), and the UI always writes them.
export type RunSetEntry = Schemas["RunSetEntry"];
export type MarkdownBlock = Schemas["MarkdownBlock"];
export type PanelBlock = Schemas["PanelBlock"] &
  Required<Pick<Schemas["PanelBlock"], "config">> & { runset: Required<Schemas["RunSet"]> };
export type PanelKind = PanelBlock["panel"];
export type Block = MarkdownBlock | PanelBlock;
export type Report = Omit<Schemas["Report"], "blocks"> & { blocks: Block[] };
export type ReportSummary = Schemas["ReportSummary"];

const enc = encodeURIComponent;
/** The report as a standalone HTML page (a link the browser downloads). */
export const exportUrl = (project: string, id: string) => `/api/projects/${enc(project)}/reports/${enc(id)}/export`;

/** A report as the server sent it, with the fields it always fills (see PanelBlock above). */
const asReport = (report: Schemas["Report"]): Report => report as Report;

export function useReports(project: string) {
  return useQuery({
    queryKey: ["reports", project],
    queryFn: async (): Promise<ReportSummary[]> =>
      unwrap(await api.GET("/api/projects/{project}/reports", { params: { path: { project } } })),
  });
}

export function useReport(project: string, id: string) {
  return useQuery({
    queryKey: ["report", project, id],
    queryFn: async (): Promise<Report> =>
      asReport(
        unwrap(
          await api.GET("/api/projects/{project}/reports/{report_id}", {
            params: { path: { project, report_id: id } },
          }),
        ),
      ),
  });
}

export function useReportMutations(project: string) {
  const client = useQueryClient();
  const refresh = (report?: Report) => {
    void client.invalidateQueries({ queryKey: ["reports", project] });
    if (report) client.setQueryData(["report", project, report.id], report);
  };
  return {
    create: useMutation({
      mutationFn: async (body: Schemas["ReportInput"]): Promise<Report> =>
        asReport(unwrap(await api.POST("/api/projects/{project}/reports", { params: { path: { project } }, body }))),
      onSuccess: refresh,
    }),
    save: useMutation({
      mutationFn: async (report: Pick<Report, "id" | "title" | "description" | "blocks">): Promise<Report> =>
        asReport(
          unwrap(
            await api.PUT("/api/projects/{project}/reports/{report_id}", {
              params: { path: { project, report_id: report.id } },
              body: { title: report.title, description: report.description, blocks: report.blocks },
            }),
          ),
        ),
      onSuccess: refresh,
    }),
    duplicate: useMutation({
      mutationFn: async (id: string): Promise<Report> =>
        asReport(
          unwrap(
            await api.POST("/api/projects/{project}/reports/{report_id}/duplicate", {
              params: { path: { project, report_id: id } },
              body: {},
            }),
          ),
        ),
      onSuccess: refresh,
    }),
    remove: useMutation({
      mutationFn: async (id: string): Promise<void> => {
        unwrap(
          await api.DELETE("/api/projects/{project}/reports/{report_id}", {
            params: { path: { project, report_id: id } },
          }),
        );
      },
      onSuccess: () => refresh(),
    }),
  };
}
