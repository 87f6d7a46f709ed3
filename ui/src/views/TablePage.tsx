import { Link, useParams, useSearchParams } from "react-router-dom";
import { useRun, useRunTables } from "../api/hooks";
import { ErrorState, Loading, NotFound } from "../components/PageState";

/** A logged table at one step: /projects/:p/runs/:id/tables/<key>?step=N. */
export function TablePage() {
  const { project = "", runId = "", "*": splat = "" } = useParams();
  const [params] = useSearchParams();
  const key = splat;
  const run = useRun(project, runId);
  const tables = useRunTables(project, runId, false);
  if (run.isPending || tables.isPending) return <Loading label="Loading table…" />;
  if (run.isError) return <ErrorState error={run.error} />;
  if (tables.isError) return <ErrorState error={tables.error} />;
  const entries = tables.data.filter((entry) => entry.key === key);
  if (entries.length === 0) return <NotFound message={`Run ${run.data.name} has no table ${JSON.stringify(key)}.`} />;
  const stepParam = params.get("step");
  const entry = stepParam === null ? entries[entries.length - 1] : entries.find((item) => String(item.step) === stepParam);
  if (!entry) return <NotFound message={`Table ${JSON.stringify(key)} of run ${run.data.name} has no step ${stepParam}.`} />;
  return (
    <div className="page">
      <header className="page-header">
        <div>
          <div className="breadcrumb">
            <Link to="/">Projects</Link> / <Link to={`/projects/${encodeURIComponent(project)}`}>{project}</Link> /{" "}
            <Link to={`/projects/${encodeURIComponent(project)}/runs/${encodeURIComponent(runId)}?tab=tables`}>{run.data.name}</Link> /
          </div>
          <h1>{key} <span className="muted">step {entry.step}</span></h1>
          <p className="muted">{entry.n_rows.toLocaleString()} rows</p>
        </div>
      </header>
    </div>
  );
}
