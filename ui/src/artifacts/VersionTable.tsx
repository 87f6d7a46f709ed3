// A table file of an artifact version in the table explorer: inside the file browser's preview, or
// full page (?full=1). The explorer's state lives in the URL under `t.`, so it never collides with
// the version page's own `tab` and `file` and survives switching between the two layouts.
import { Link, useSearchParams } from "react-router-dom";
import { ErrorState, Loading, NotFound } from "../components/PageState";
import type { ExplorerSource } from "../explorer";
import { TableExplorer, useUrlExplorerState } from "../explorer";
import { plural } from "../lib/format";
import type { ArtifactFile } from "./api";
import { useFiles } from "./api";
import { versionColor } from "./compare";
import { fileUrl } from "./urls";

const enc = encodeURIComponent;

/** The prefix of the explorer's params on the version page. */
export const TABLE_PARAM_PREFIX = "t.";
/** The param that opens the selected table full page. */
export const FULL_PARAM = "full";

/** The table name a manifest path stands for: `eval/preds.table.parquet` → `eval/preds`. */
export const tableName = (path: string): string => path.replace(/\.table\.parquet$/, "");

/** `params` without the table's view: for when another file or tab is shown. */
export function withoutTableView(params: URLSearchParams): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const key of [...next.keys()]) if (key.startsWith(TABLE_PARAM_PREFIX)) next.delete(key);
  next.delete(FULL_PARAM);
  return next;
}

function useFullToggle(): (full: boolean) => void {
  const [, setParams] = useSearchParams();
  return (full: boolean) =>
    setParams((current) => {
      const next = new URLSearchParams(current);
      if (full) next.set(FULL_PARAM, "1");
      else next.delete(FULL_PARAM);
      return next;
    });
}

function ArtifactTable({
  project,
  name,
  version,
  file,
}: {
  project: string;
  name: string;
  version: string;
  file: ArtifactFile;
}) {
  const [state, setState] = useUrlExplorerState(TABLE_PARAM_PREFIX);
  const table = tableName(file.path);
  const sources: ExplorerSource[] = [
    {
      ref: { artifact: `${name}:${version}`, name: table },
      label: `${name}:${version}/${table}`,
      color: versionColor(0),
    },
  ];
  return <TableExplorer project={project} sources={sources} state={state} onChange={setState} />;
}

/** The explorer in the file browser's preview pane. */
export function TablePane({
  project,
  name,
  version,
  file,
}: {
  project: string;
  name: string;
  version: string;
  file: ArtifactFile;
}) {
  return (
    <div className="version-table-panel">
      <ArtifactTable project={project} name={name} version={version} file={file} />
    </div>
  );
}

/** Opens the selected table on its own page, keeping the explorer's view. */
export function FullPageButton() {
  const setFull = useFullToggle();
  return (
    <button
      type="button"
      className="button"
      onClick={() => setFull(true)}
      title="Open this table on its own page, with the same view"
    >
      ⤢ Full page
    </button>
  );
}

/** The selected table alone on the page: the explorer fills the window below a short header. */
export function FullPageTable({
  project,
  name,
  version,
  path,
}: {
  project: string;
  name: string;
  version: string;
  path: string;
}) {
  const files = useFiles(project, name, version);
  const setFull = useFullToggle();
  if (files.isPending) return <Loading label="Loading table…" />;
  if (files.isError) return <ErrorState error={files.error} />;
  const file = files.data.find((item) => item.path === path && item.preview === "table");
  if (!file) return <NotFound message={`${name}:${version} has no table file ${JSON.stringify(path)}.`} />;
  const versionLink = `/projects/${enc(project)}/artifacts/${enc(name)}/${enc(version)}`;
  return (
    <div className="table-page version-table-page">
      <header className="page-header">
        <div>
          <div className="breadcrumb">
            <Link to="/">Projects</Link> / <Link to={`/projects/${enc(project)}`}>{project}</Link> /{" "}
            <Link to={`/projects/${enc(project)}/artifacts`}>Artifacts</Link> /{" "}
            <Link to={`/projects/${enc(project)}/artifacts/${enc(name)}`}>{name}</Link> /{" "}
            <Link to={`${versionLink}?tab=files`}>{version}</Link> /
          </div>
          <h1>
            {tableName(file.path)} <span className="type-badge">table</span>
          </h1>
          <p className="muted">
            {file.path}
            {file.n_rows != null ? ` · ${plural(file.n_rows, "row")}` : ""}
          </p>
        </div>
        <div className="header-actions">
          <button type="button" className="button" onClick={() => setFull(false)}>
            Back to files
          </button>
          <a className="button" href={fileUrl(project, name, version, file.path, true)} download>
            Download
          </a>
        </div>
      </header>
      <ArtifactTable project={project} name={name} version={version} file={file} />
    </div>
  );
}
