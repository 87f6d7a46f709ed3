// /projects/:project/artifacts/:name/compare/:a/:b — files added/removed/changed, metadata diff,
// and the versions' tables concatenated for a side-by-side read.
import { Link, useParams } from "react-router-dom";
import { ErrorState, Loading } from "../components/PageState";
import { formatBytes, useComparison } from "./api";
import type { ArtifactFile } from "./api";
import { ProjectTabs } from "./ProjectTabs";
import { RowsPreview } from "./TablePreview";
import "./artifacts.css";

const enc = encodeURIComponent;

function FileList({ title, files, tone }: { title: string; files: ArtifactFile[]; tone: string }) {
  return (
    <section className={`ax-card diff-list ${tone}`} data-testid={`files-${tone}`}>
      <h2>{title} <span className="pill">{files.length}</span></h2>
      {files.length === 0 ? <p className="muted">None.</p> : (
        <ul>{files.map((file) => <li key={file.path}><code>{file.path}</code> <span className="muted">{formatBytes(file.size)}</span></li>)}</ul>
      )}
    </section>
  );
}

export function ComparePage() {
  const { project = "", name = "", a = "", b = "" } = useParams();
  const comparison = useComparison(project, name, a, b);
  if (comparison.isPending) return <Loading label="Comparing…" />;
  if (comparison.isError) return <ErrorState error={comparison.error} />;
  const data = comparison.data;
  const tables = [...data.changed.map((c) => c.path), ...data.added.map((f) => f.path)].filter((p) => p.endsWith(".table.parquet"));
  const shared = data.changed.filter((c) => c.a.table_id && c.b.table_id).map((c) => c.path.replace(/\.table\.parquet$/, ""));
  return (
    <div className="page wide">
      <header className="page-header">
        <div>
          <div className="breadcrumb">
            <Link to="/">Projects</Link> / <Link to={`/projects/${enc(project)}`}>{project}</Link> /{" "}
            <Link to={`/projects/${enc(project)}/artifacts/${enc(name)}`}>{name}</Link> /
          </div>
          <h1>Compare {name}:{data.a.version} ↔ {data.b.version}</h1>
          <p className="muted">{data.added.length} added · {data.removed.length} removed · {data.changed.length} changed · {data.unchanged} unchanged</p>
        </div>
        <ProjectTabs project={project} active="artifacts" />
      </header>
      <div className="diff-grid">
        <FileList title="Added" files={data.added} tone="added" />
        <FileList title="Removed" files={data.removed} tone="removed" />
        <section className="ax-card diff-list changed" data-testid="files-changed">
          <h2>Changed <span className="pill">{data.changed.length}</span></h2>
          {data.changed.length === 0 ? <p className="muted">None.</p> : (
            <ul>{data.changed.map((c) => <li key={c.path}><code>{c.path}</code> <span className="muted">{formatBytes(c.a.size)} → {formatBytes(c.b.size)}</span></li>)}</ul>
          )}
        </section>
      </div>
      <section className="ax-card">
        <h2>Metadata</h2>
        <table className="ax-table compact metadata-diff">
          <thead><tr><th>Key</th><th>{data.a.version}</th><th>{data.b.version}</th></tr></thead>
          <tbody>
            {data.metadata.map((m) => (
              <tr key={m.key} className={`meta-${m.status}`} data-status={m.status}>
                <th>{m.key}</th>
                <td>{m.status === "added" ? <span className="muted">—</span> : <code>{JSON.stringify(m.a)}</code>}</td>
                <td>{m.status === "removed" ? <span className="muted">—</span> : <code>{JSON.stringify(m.b)}</code>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {shared.map((table) => (
        <section key={table} className="ax-card">
          <h2>Table {table}: both versions, concatenated</h2>
          <RowsPreview project={project} sources={[{ artifact: `${name}:${data.a.version}`, name: table }, { artifact: `${name}:${data.b.version}`, name: table }]} />
        </section>
      ))}
      {tables.length > shared.length && <p className="muted">Other tables: {tables.join(", ")}</p>}
    </div>
  );
}
