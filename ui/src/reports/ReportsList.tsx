// /projects/:project/reports — the project's reports, and a form to start a new one.
import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { useCanWrite } from "../auth/api";
import { ErrorState, Loading } from "../components/PageState";
import { ProjectTabs } from "../components/ProjectTabs";
import { formatDateTime } from "../lib/format";
import { useReportMutations, useReports } from "./api";
import { newMarkdown } from "./blocks";
import "./reports.css";

const enc = encodeURIComponent;

export function ReportsList() {
  const { project = "" } = useParams();
  const reports = useReports(project);
  const { create, duplicate } = useReportMutations(project);
  const canWrite = useCanWrite(project);
  const [title, setTitle] = useState("");
  const navigate = useNavigate();
  if (reports.isPending) return <Loading label="Loading reports…" />;
  if (reports.isError) return <ErrorState error={reports.error} />;
  const open = (id: string, edit = false) =>
    navigate(`/projects/${enc(project)}/reports/${id}${edit ? "?edit=1" : ""}`);
  return (
    <div className="page">
      <header className="page-header">
        <div>
          <div className="breadcrumb">
            <Link to="/">Projects</Link> / <Link to={`/projects/${enc(project)}`}>{project}</Link> /
          </div>
          <h1>Reports</h1>
          <p className="muted">Pages of text and live panels: tables, charts, evaluations, lineage.</p>
        </div>
        <ProjectTabs project={project} active="reports" />
      </header>
      {canWrite && (
        <form
          className="new-report ax-card"
          onSubmit={(event) => {
            event.preventDefault();
            if (title.trim())
              create.mutate(
                { title: title.trim(), description: "", blocks: [newMarkdown("")] },
                { onSuccess: (report) => open(report.id, true) },
              );
          }}
        >
          <input
            className="search"
            aria-label="New report title"
            placeholder="Title of a new report"
            value={title}
            onChange={(e) => setTitle(e.target.value)}
          />
          <button className="button primary" type="submit" disabled={!title.trim() || create.isPending}>
            Create report
          </button>
        </form>
      )}
      {create.isError && (
        <p className="problem" role="alert">
          {create.error.message}
        </p>
      )}
      {reports.data.length === 0 ? (
        <div className="empty">No reports in {project} yet.</div>
      ) : (
        <table className="ax-table reports-table">
          <thead>
            <tr>
              <th>Title</th>
              <th className="num">Blocks</th>
              <th>Edited</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {reports.data.map((report) => (
              <tr key={report.id}>
                <td>
                  <Link className="strong" to={`/projects/${enc(project)}/reports/${report.id}`}>
                    {report.title}
                  </Link>
                  {report.description && <div className="muted">{report.description}</div>}
                </td>
                <td className="num">{report.blocks}</td>
                <td className="muted nowrap">{formatDateTime(report.updated_at)}</td>
                <td className="num">
                  {canWrite && (
                    <button type="button" className="button ghost" onClick={() => duplicate.mutate(report.id)}>
                      Duplicate
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
