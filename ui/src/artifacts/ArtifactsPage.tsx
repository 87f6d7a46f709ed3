// /projects/:project/artifacts[/:name]: artifact types and collections, and a collection's versions.
import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { ErrorState, Loading } from "../components/PageState";
import { ProjectTabs } from "../components/ProjectTabs";
import { formatBytes, formatDateTime } from "../lib/format";
import type { ArtifactVersion } from "./api";
import { useArtifactTypes, useCollection } from "./api";
import { compareUrl } from "./urls";
import "./artifacts.css";

const enc = encodeURIComponent;

export function ArtifactsPage() {
  const { project = "", name } = useParams();
  const types = useArtifactTypes(project);
  if (types.isPending) return <Loading label="Loading artifacts…" />;
  if (types.isError) return <ErrorState error={types.error} />;
  const selected = name ?? types.data[0]?.collections[0]?.name;
  return (
    <div className="page wide">
      <header className="page-header">
        <div>
          <div className="breadcrumb">
            <Link to="/">Projects</Link> / <Link to={`/projects/${enc(project)}`}>{project}</Link> /
          </div>
          <h1>Artifacts</h1>
        </div>
        <ProjectTabs project={project} active="artifacts" />
      </header>
      {types.data.length === 0 ? (
        <div className="empty">
          No artifacts in {project} yet. Log one with <code>run.log_artifact(artifact)</code>.
        </div>
      ) : (
        <div className="artifacts-layout">
          <nav className="artifact-tree" aria-label="Artifact collections">
            {types.data.map((type) => (
              <div key={type.type} className="artifact-type">
                <div className="artifact-type-name">{type.type}</div>
                {type.collections.map((collection) => (
                  <Link
                    key={collection.name}
                    to={`/projects/${enc(project)}/artifacts/${enc(collection.name)}`}
                    className={`artifact-collection-link${collection.name === selected ? " active" : ""}`}
                  >
                    <span>{collection.name}</span>
                    <span className="pill">{collection.versions}</span>
                  </Link>
                ))}
              </div>
            ))}
          </nav>
          <section className="artifact-main">
            {selected && <CollectionView project={project} name={selected} />}
          </section>
        </div>
      )}
    </div>
  );
}

function RunLink({ project, run }: { project: string; run: ArtifactVersion["created_by"] }) {
  if (!run) return <span className="muted">—</span>;
  if (!run.exists) return <span className="deleted">deleted run</span>;
  return <Link to={`/projects/${enc(run.project || project)}/runs/${enc(run.id)}`}>{run.name}</Link>;
}

function CollectionView({ project, name }: { project: string; name: string }) {
  const collection = useCollection(project, name);
  const [picked, setPicked] = useState<string[]>([]);
  const navigate = useNavigate();
  if (collection.isPending) return <Loading label="Loading versions…" />;
  if (collection.isError) return <ErrorState error={collection.error} />;
  const data = collection.data;
  const toggle = (version: string) =>
    setPicked((current) => (current.includes(version) ? current.filter((v) => v !== version) : [...current, version]));
  // Oldest first: the first version is the base the others are compared with.
  const ordered = [...picked].sort((x, y) => Number(x.slice(1)) - Number(y.slice(1)));
  return (
    <div>
      <div className="collection-head">
        <div>
          <h2 className="collection-title">
            {data.name} <span className="type-badge">{data.type}</span>
          </h2>
          {data.description && <p className="muted">{data.description}</p>}
        </div>
        <button
          type="button"
          className="button primary"
          disabled={picked.length < 2}
          onClick={() => navigate(compareUrl(project, name, ordered))}
          title="Pick two or more versions with their checkboxes"
        >
          {picked.length < 2
            ? "Compare versions"
            : picked.length === 2
              ? `Compare ${ordered.join(" ↔ ")}`
              : `Compare ${picked.length} versions`}
        </button>
      </div>
      <table className="ax-table versions-table">
        <thead>
          <tr>
            <th aria-label="pick" />
            <th>Version</th>
            <th>Aliases</th>
            <th>Digest</th>
            <th className="num">Size</th>
            <th className="num">Files</th>
            <th>Created by</th>
            <th>Used by</th>
            <th>Created</th>
          </tr>
        </thead>
        <tbody>
          {data.versions.map((version) => (
            <tr key={version.id} data-version={version.version}>
              <td>
                <input
                  type="checkbox"
                  aria-label={`Pick ${version.version}`}
                  checked={picked.includes(version.version)}
                  onChange={() => toggle(version.version)}
                />
              </td>
              <td>
                <Link className="strong" to={`/projects/${enc(project)}/artifacts/${enc(name)}/${version.version}`}>
                  {version.version}
                </Link>
              </td>
              <td>
                {version.aliases.map((alias) => (
                  <span key={alias} className={`alias${alias === "latest" ? " latest" : ""}`}>
                    {alias}
                  </span>
                ))}
              </td>
              <td>
                <code title={version.digest}>{version.digest.slice(0, 10)}</code>
              </td>
              <td className="num">{formatBytes(version.size)}</td>
              <td className="num">{version.file_count}</td>
              <td>
                <RunLink project={project} run={version.created_by} />
              </td>
              <td>
                {version.used_by.length === 0 ? (
                  <span className="muted">—</span>
                ) : (
                  version.used_by.map((run, i) => (
                    <span key={run.id}>
                      {i > 0 && ", "}
                      <RunLink project={project} run={run} />
                    </span>
                  ))
                )}
              </td>
              <td className="muted nowrap">{formatDateTime(version.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
