// /projects/:project/artifacts/:name/:version — overview, files with previews, lineage.
import { useState } from "react";
import { Link, useParams, useSearchParams } from "react-router-dom";
import { useCanWrite } from "../auth/api";
import { ErrorState, Loading } from "../components/PageState";
import { ProjectTabs } from "../components/ProjectTabs";
import { formatBytes, formatDateTime, plural } from "../lib/format";
import { LineageGraph } from "../lineage/LineageGraph";
import type { ArtifactVersion } from "./api";
import { useAliasEdit, useCollection, useVersion } from "./api";
import { previousVersion } from "./compare";
import { FileBrowser } from "./FileBrowser";
import { archiveUrl, compareUrl } from "./urls";
import { FULL_PARAM, FullPageTable, withoutTableView } from "./VersionTable";
import "./artifacts.css";

const enc = encodeURIComponent;
const TABS = ["overview", "files", "lineage"] as const;
type Tab = (typeof TABS)[number];

export function VersionPage() {
  const { project = "", name = "", version = "" } = useParams();
  const [params, setParams] = useSearchParams();
  const tab: Tab = (TABS as readonly string[]).includes(params.get("tab") ?? "")
    ? (params.get("tab") as Tab)
    : "overview";
  const record = useVersion(project, name, version);
  const collection = useCollection(project, name);
  if (record.isPending) return <Loading label="Loading version…" />;
  if (record.isError) return <ErrorState error={record.error} />;
  const data = record.data;
  const file = params.get("file");
  if (tab === "files" && file && params.get(FULL_PARAM) === "1") {
    return <FullPageTable project={project} name={name} version={data.version} path={file} />;
  }
  // Versions can be deleted, so "the one before" is the nearest earlier version that still exists.
  const previous = collection.data ? previousVersion(collection.data.versions, data.number) : null;
  return (
    <div className="page wide">
      <header className="page-header">
        <div>
          <div className="breadcrumb">
            <Link to="/">Projects</Link> / <Link to={`/projects/${enc(project)}`}>{project}</Link> /{" "}
            <Link to={`/projects/${enc(project)}/artifacts`}>Artifacts</Link> /{" "}
            <Link to={`/projects/${enc(project)}/artifacts/${enc(name)}`}>{name}</Link> /
          </div>
          <h1>
            {data.name}:{data.version} <span className="type-badge">{data.type}</span>{" "}
            {data.aliases.map((alias) => (
              <span key={alias} className={`alias${alias === "latest" ? " latest" : ""}`}>
                {alias}
              </span>
            ))}
          </h1>
          <p className="muted">
            {plural(data.file_count, "file")} · {formatBytes(data.size)} · logged {formatDateTime(data.created_at)}
          </p>
        </div>
        <div className="header-actions">
          {previous && (
            <Link
              className="button"
              to={compareUrl(project, name, [previous, data.version])}
              title="Files, metadata and tables against the version before"
            >
              Compare with {previous}
            </Link>
          )}
          <a className="button" href={archiveUrl(project, name, data.version, "zip")} download>
            Download .zip
          </a>
          <a className="button" href={archiveUrl(project, name, data.version, "tar")} download>
            .tar
          </a>
          <ProjectTabs project={project} active="artifacts" />
        </div>
      </header>
      <div className="tabs section-tabs" role="tablist">
        {TABS.map((item) => (
          <button
            type="button"
            key={item}
            role="tab"
            aria-selected={item === tab}
            className={`tab${item === tab ? " active" : ""}`}
            onClick={() =>
              setParams((p) => {
                const next = withoutTableView(p);
                next.set("tab", item);
                next.delete("file");
                return next;
              })
            }
          >
            {item.charAt(0).toUpperCase() + item.slice(1)}
          </button>
        ))}
      </div>
      {tab === "overview" && <Overview project={project} version={data} />}
      {tab === "files" && <FileBrowser project={project} name={name} version={data.version} />}
      {tab === "lineage" && (
        <LineageGraph project={project} start={{ artifact: `${name}:${data.version}` }} height={560} />
      )}
    </div>
  );
}

function Overview({ project, version }: { project: string; version: ArtifactVersion }) {
  const entries = Object.entries(version.metadata);
  return (
    <div className="overview-grid">
      <section className="ax-card">
        <h2>About</h2>
        <dl className="facts">
          <dt>Full name</dt>
          <dd>
            <code>{version.qualified_name}</code>
          </dd>
          <dt>Digest</dt>
          <dd>
            <code className="digest">{version.digest}</code>
          </dd>
          <dt>Description</dt>
          <dd>{version.description || <span className="muted">none</span>}</dd>
          <dt>Created by</dt>
          <dd>
            {version.created_by ? (
              version.created_by.exists ? (
                <Link to={`/projects/${enc(project)}/runs/${enc(version.created_by.id)}`}>
                  {version.created_by.name}
                </Link>
              ) : (
                <span className="deleted">deleted run {version.created_by.id}</span>
              )
            ) : (
              <span className="muted">no run</span>
            )}
          </dd>
          <dt>Used by</dt>
          <dd>
            {version.used_by.length === 0 ? (
              <span className="muted">no run yet</span>
            ) : (
              version.used_by.map((run, i) => (
                <span key={run.id}>
                  {i > 0 && ", "}
                  {run.exists ? (
                    <Link to={`/projects/${enc(project)}/runs/${enc(run.id)}`}>{run.name}</Link>
                  ) : (
                    <span className="deleted">deleted run</span>
                  )}
                </span>
              ))
            )}
          </dd>
        </dl>
        <AliasEditor project={project} version={version} />
      </section>
      <section className="ax-card">
        <h2>Metadata</h2>
        {entries.length === 0 ? (
          <p className="muted">No metadata.</p>
        ) : (
          <table className="ax-table compact">
            <tbody>
              {entries.map(([key, value]) => (
                <tr key={key}>
                  <th>{key}</th>
                  <td>
                    <code>{JSON.stringify(value)}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}

function AliasEditor({ project, version }: { project: string; version: ArtifactVersion }) {
  const edit = useAliasEdit(project, version.name);
  // Viewers see the aliases but cannot move them (the server would refuse).
  const canWrite = useCanWrite(project);
  const [draft, setDraft] = useState("");
  const [pending, setPending] = useState<{ alias: string; remove: boolean } | null>(null);
  return (
    <div className="alias-editor">
      <h3>Aliases</h3>
      <div className="alias-list">
        {version.aliases.map((alias) => (
          <span key={alias} className={`alias${alias === "latest" ? " latest" : ""}`}>
            {alias}
            {alias !== "latest" && canWrite && (
              <button
                type="button"
                className="alias-remove"
                aria-label={`Remove alias ${alias}`}
                onClick={() => setPending({ alias, remove: true })}
              >
                ×
              </button>
            )}
          </span>
        ))}
      </div>
      {canWrite && (
        <form
          className="alias-form"
          onSubmit={(event) => {
            event.preventDefault();
            if (draft.trim()) setPending({ alias: draft.trim(), remove: false });
          }}
        >
          <input
            className="search"
            placeholder="new alias, e.g. best"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            aria-label="New alias"
          />
          <button className="button" type="submit" disabled={!draft.trim()}>
            Add alias
          </button>
        </form>
      )}
      {pending && (
        <div className="confirm" role="dialog" aria-label="Confirm alias change">
          {pending.remove ? (
            <>
              Remove alias <b>{pending.alias}</b> from {version.version}?
            </>
          ) : (
            <>
              Put alias <b>{pending.alias}</b> on {version.version}? If another version has it, it moves here.
            </>
          )}
          <button
            type="button"
            className="button primary"
            onClick={() => {
              edit.mutate({ version: version.version, ...pending }, { onSuccess: () => setDraft("") });
              setPending(null);
            }}
          >
            Confirm
          </button>
          <button type="button" className="button ghost" onClick={() => setPending(null)}>
            Cancel
          </button>
        </div>
      )}
      {edit.isError && (
        <p className="problem" role="alert">
          {edit.error.message}
        </p>
      )}
      {edit.data?.messages.map((message) => (
        <p key={message} className="muted">
          {message}
        </p>
      ))}
    </div>
  );
}
