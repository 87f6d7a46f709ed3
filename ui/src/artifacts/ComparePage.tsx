// /projects/:project/artifacts/:name/compare?versions=v0,v1,v3 — two or more versions of a
// collection, each against the first: files added/removed/changed, the metadata side by side, the
// runs behind them, and every table they hold in the table explorer (joined, concatenated or side
// by side). Everything the page shows is in its URL.
import { Link, useParams, useSearchParams } from "react-router-dom";
import { ErrorState, Loading } from "../components/PageState";
import { ProjectTabs } from "../components/ProjectTabs";
import { formatBytes, plural } from "../lib/format";
import { useRunColors } from "../runs/useRunColors";
import type { ArtifactFile, ArtifactVersion, CellChange, MetadataRow, VersionDiff } from "./api";
import { useCollection, useVersionsComparison } from "./api";
import { CompareRuns, CompareTables } from "./CompareTables";
import { parseVersions, versionColors } from "./compare";
import "./artifacts.css";

const enc = encodeURIComponent;

export function ComparePage() {
  const { project = "", name = "" } = useParams();
  const [params, setParams] = useSearchParams();
  const versions = parseVersions(params.get("versions"));
  const comparison = useVersionsComparison(project, name, versions);
  const colorOf = useRunColors(project);
  const setVersions = (next: string[]) =>
    setParams((current) => {
      const out = new URLSearchParams(current);
      out.set("versions", next.join(","));
      out.delete("files");
      return out;
    });

  const breadcrumb = (
    <div className="breadcrumb">
      <Link to="/">Projects</Link> / <Link to={`/projects/${enc(project)}`}>{project}</Link> /{" "}
      <Link to={`/projects/${enc(project)}/artifacts`}>Artifacts</Link> /{" "}
      <Link to={`/projects/${enc(project)}/artifacts/${enc(name)}`}>{name}</Link> /
    </div>
  );
  if (versions.length < 2) {
    return (
      <div className="page wide">
        <header className="page-header">
          <div>
            {breadcrumb}
            <h1>Compare {name}</h1>
          </div>
        </header>
        <div className="ax-card">
          <p>Pick at least two versions to compare.</p>
          <VersionAdder
            project={project}
            name={name}
            versions={versions}
            onAdd={(v) => setVersions([...versions, v])}
          />
        </div>
      </div>
    );
  }
  if (comparison.isPending) return <Loading label="Comparing…" />;
  if (comparison.isError) return <ErrorState error={comparison.error} />;
  const data = comparison.data;
  const colors = versionColors(data.versions, colorOf);
  const shown = data.versions.map((v) => v.version);
  const diffVersion = params.get("files") ?? "";
  const diff = data.diffs.find((d) => d.version === diffVersion) ?? data.diffs[0];
  return (
    <div className="page wide compare-page">
      <header className="page-header">
        <div>
          {breadcrumb}
          <h1>
            Compare {name}: {shown.join(data.versions.length === 2 ? " ↔ " : " · ")}
          </h1>
          <p className="muted">
            {data.versions.length === 2
              ? "Files and metadata of the second version against the first"
              : `Each version against ${shown[0]}, the first`}
            {" · "}
            {data.tables.length === 0 ? "no tables" : plural(data.tables.length, "table")}
          </p>
        </div>
        <ProjectTabs project={project} active="artifacts" />
      </header>
      <div className="compare-versions" role="group" aria-label="Compared versions">
        {data.versions.map((version, index) => (
          <VersionChip
            key={`${version.version}-${index}`}
            project={project}
            version={version}
            index={index}
            color={colors[index] ?? "#888"}
            onRemove={data.versions.length > 2 ? () => setVersions(versions.filter((_, i) => i !== index)) : undefined}
          />
        ))}
        <VersionAdder project={project} name={name} versions={shown} onAdd={(v) => setVersions([...versions, v])} />
      </div>
      <section className="compare-section" aria-label="Files">
        <div className="compare-section-head">
          <h2>Files</h2>
          {data.diffs.length > 1 && (
            <div className="segmented" role="radiogroup" aria-label="Files of">
              {data.diffs.map((d) => (
                <button
                  key={d.version}
                  type="button"
                  role="radio"
                  aria-checked={d === diff}
                  className={d === diff ? "on" : undefined}
                  onClick={() =>
                    setParams((current) => {
                      const out = new URLSearchParams(current);
                      out.set("files", d.version);
                      return out;
                    })
                  }
                >
                  {d.version} vs {d.base}
                </button>
              ))}
            </div>
          )}
          {diff && (
            <span className="muted">
              {diff.version} against {diff.base}: {diff.added.length} added · {diff.removed.length} removed ·{" "}
              {diff.changed.length} changed · {diff.unchanged} unchanged
            </span>
          )}
        </div>
        {diff && <FileDiff diff={diff} />}
      </section>
      <MetadataDiff versions={data.versions} colors={colors} rows={data.metadata} />
      <CompareRuns project={project} versions={data.versions} colors={colors} />
      <CompareTables project={project} name={name} versions={data.versions} colors={colors} tables={data.tables} />
    </div>
  );
}

function VersionChip({
  project,
  version,
  index,
  color,
  onRemove,
}: {
  project: string;
  version: ArtifactVersion;
  index: number;
  color: string;
  onRemove?: () => void;
}) {
  return (
    <span className="version-chip" style={{ borderColor: color }} data-version={version.version}>
      <span className="swatch" style={{ background: color }} />
      <span className="legend-index">[{index}]</span>
      <Link className="strong" to={`/projects/${enc(project)}/artifacts/${enc(version.name)}/${version.version}`}>
        {version.version}
      </Link>
      {version.aliases.map((alias) => (
        <span key={alias} className={`alias${alias === "latest" ? " latest" : ""}`}>
          {alias}
        </span>
      ))}
      <span className="muted">
        {plural(version.file_count, "file")} · {formatBytes(version.size)}
      </span>
      {index === 0 && <span className="base-tag">base</span>}
      {onRemove && (
        <button
          type="button"
          className="chip-remove"
          aria-label={`Remove ${version.version} from the comparison`}
          onClick={onRemove}
        >
          ×
        </button>
      )}
    </span>
  );
}

function VersionAdder({
  project,
  name,
  versions,
  onAdd,
}: {
  project: string;
  name: string;
  versions: string[];
  onAdd: (version: string) => void;
}) {
  const collection = useCollection(project, name);
  const others = (collection.data?.versions ?? []).filter((v) => !versions.includes(v.version));
  if (others.length === 0) return null;
  return (
    <label className="control version-adder">
      <select aria-label="Add a version" value="" onChange={(event) => event.target.value && onAdd(event.target.value)}>
        <option value="">+ Add version…</option>
        {[...others].reverse().map((v) => (
          <option key={v.id} value={v.version}>
            {v.version}
            {v.aliases.length ? ` (${v.aliases.join(", ")})` : ""}
          </option>
        ))}
      </select>
    </label>
  );
}

function FileList({ title, files, tone }: { title: string; files: ArtifactFile[]; tone: string }) {
  return (
    <section className={`ax-card diff-list ${tone}`} data-testid={`files-${tone}`}>
      <h2>
        {title} <span className="pill">{files.length}</span>
      </h2>
      {files.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <ul>
          {files.map((file) => (
            <li key={file.path}>
              <code>{file.path}</code> <span className="muted">{fileSize(file)}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function fileSize(file: ArtifactFile): string {
  return file.n_rows !== null && file.n_rows !== undefined ? plural(file.n_rows, "row") : formatBytes(file.size);
}

function FileDiff({ diff }: { diff: VersionDiff }) {
  return (
    <div className="diff-grid">
      <FileList title="Added" files={diff.added} tone="added" />
      <FileList title="Removed" files={diff.removed} tone="removed" />
      <section className="ax-card diff-list changed" data-testid="files-changed">
        <h2>
          Changed <span className="pill">{diff.changed.length}</span>
        </h2>
        {diff.changed.length === 0 ? (
          <p className="muted">None.</p>
        ) : (
          <ul>
            {diff.changed.map((c) => (
              <li key={c.path}>
                <code>{c.path}</code>{" "}
                <span className="muted">
                  {fileSize(c.a)} → {fileSize(c.b)}
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

const CHANGE_TITLES: Record<CellChange, string> = {
  base: "the first version",
  same: "same as the first",
  changed: "changed from the first",
  added: "not in the first",
  removed: "removed since the first",
  absent: "in neither",
};

function MetadataDiff({
  versions,
  colors,
  rows,
}: {
  versions: ArtifactVersion[];
  colors: string[];
  rows: MetadataRow[];
}) {
  const differing = rows.filter((row) => row.status !== "same").length;
  return (
    <section className="ax-card">
      <h2>
        Metadata <span className="pill">{differing} differ</span>
      </h2>
      {rows.length === 0 ? (
        <p className="muted">No metadata in these versions.</p>
      ) : (
        <table className="ax-table compact metadata-diff">
          <thead>
            <tr>
              <th>Key</th>
              {versions.map((v, i) => (
                <th key={i}>
                  <span className="swatch" style={{ background: colors[i] }} /> {v.version}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.key} className={`meta-${row.status}`} data-status={row.status}>
                <th>{row.key}</th>
                {row.values.map((value, i) => (
                  <td
                    key={i}
                    className={`cell-${row.changes[i] ?? "same"}`}
                    data-change={row.changes[i]}
                    title={CHANGE_TITLES[row.changes[i] ?? "same"]}
                  >
                    {row.present[i] ? <code>{JSON.stringify(value)}</code> : <span className="muted">—</span>}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
