// The lower half of the comparison page: the runs behind the compared versions (with the tables
// they logged, opened across runs or across steps by the explorer's own pages) and every table the
// versions hold, in one table explorer each.
import { useQueries } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import type { TableEntry } from "../api/client";
import { api, unwrap } from "../api/client";
import type { ExplorerSource } from "../explorer";
import { TableExplorer, useUrlExplorerState } from "../explorer";
import { plural } from "../lib/format";
import { RunSet, useHiddenParam } from "../runs/RunSet";
import { identify, visibleMembers } from "../runs/runSet";
import type { ArtifactVersion, ComparedTable, RunRef } from "./api";
import { keysOf } from "./compare";

const enc = encodeURIComponent;
const MAX_RUNS = 24;
const SHOWN_USERS = 6;

function RunName({ project, run }: { project: string; run: RunRef }) {
  if (!run.exists) return <span className="deleted">deleted run</span>;
  return <Link to={`/projects/${enc(run.project || project)}/runs/${enc(run.id)}`}>{run.name}</Link>;
}

/** Who logged and used each version, and the tables those runs logged: across runs or steps. */
export function CompareRuns({
  project,
  versions,
  colors,
}: {
  project: string;
  versions: ArtifactVersion[];
  colors: string[];
}) {
  const seen = new Set<string>();
  const runs: RunRef[] = [];
  for (const run of [
    ...versions.flatMap((v) => (v.created_by ? [v.created_by] : [])),
    ...versions.flatMap((v) => v.used_by),
  ]) {
    if (run.exists && !seen.has(run.id) && runs.length < MAX_RUNS) {
      seen.add(run.id);
      runs.push(run);
    }
  }
  const lists = useQueries({
    queries: runs.map((run) => ({
      queryKey: ["run-tables", run.project || project, run.id],
      queryFn: async (): Promise<TableEntry[]> =>
        unwrap(
          await api.GET("/api/projects/{project}/runs/{run_id}/tables", {
            params: { path: { project: run.project || project, run_id: run.id } },
          }),
        ),
    })),
  });
  const keys = keysOf(
    runs,
    lists.map((q) => q.data),
  );
  const loading = lists.some((q) => q.isPending);
  return (
    <section className="ax-card compare-runs" aria-label="Runs">
      <h2>Runs</h2>
      <div className="runs-grid">
        <table className="ax-table compact">
          <thead>
            <tr>
              <th>Version</th>
              <th>Logged by</th>
              <th>Used by</th>
            </tr>
          </thead>
          <tbody>
            {versions.map((version, i) => (
              <tr key={i} data-version={version.version}>
                <th>
                  <span className="swatch" style={{ background: colors[i] }} /> {version.version}
                </th>
                <td>
                  {version.created_by ? (
                    <RunName project={project} run={version.created_by} />
                  ) : (
                    <span className="muted">no run</span>
                  )}
                </td>
                <td>
                  {version.used_by.length === 0 && <span className="muted">—</span>}
                  {version.used_by.slice(0, SHOWN_USERS).map((run, j) => (
                    <span key={run.id}>
                      {j > 0 && ", "}
                      <RunName project={project} run={run} />
                    </span>
                  ))}
                  {version.used_by.length > SHOWN_USERS && (
                    <span className="muted"> and {version.used_by.length - SHOWN_USERS} more</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <div className="run-tables" data-testid="run-tables">
          <h3>Tables these runs logged</h3>
          {loading && <p className="muted">Looking at the runs' tables…</p>}
          {!loading && keys.length === 0 && <p className="muted">These runs logged no tables.</p>}
          <ul>
            {keys.map(({ key, runs: logged }) => (
              <li key={key}>
                <code>{key}</code>{" "}
                {logged.length > 1 ? (
                  <Link
                    className="button small"
                    to={`/projects/${enc(project)}/tables/${enc(key)}?runs=${logged.map((r) => enc(r.run.id)).join(",")}`}
                  >
                    Across {logged.length} runs
                  </Link>
                ) : (
                  <span className="muted">{logged[0]?.run.name}</span>
                )}
                {logged
                  .filter((r) => r.steps.length > 1)
                  .map(({ run, steps }) => (
                    <Link
                      key={run.id}
                      className="button small ghost"
                      title={`${run.name}: step ${steps[steps.length - 1]} joined with step ${steps[0]}`}
                      to={`/projects/${enc(run.project || project)}/runs/${enc(run.id)}/tables/${enc(key)}?step=${steps[steps.length - 1]}&compare=${steps[0]}`}
                    >
                      {run.name}: step {steps[0]} ↔ {steps[steps.length - 1]}
                    </Link>
                  ))}
              </li>
            ))}
          </ul>
        </div>
      </div>
    </section>
  );
}

/** One table explorer per table any compared version holds, its state under `<table>.` in the URL. */
export function CompareTables({
  project,
  name,
  versions,
  colors,
  tables,
}: {
  project: string;
  name: string;
  versions: ArtifactVersion[];
  /** One colour per version (versionColors), the same in the header and every table. */
  colors: string[];
  tables: ComparedTable[];
}) {
  if (tables.length === 0) return <p className="muted compare-no-tables">None of these versions holds a table.</p>;
  // Tables every version holds come first: those are the ones to compare.
  const held = (table: ComparedTable) => table.rows.filter((rows) => rows !== null && rows !== undefined).length;
  const ordered = [...tables].sort((a, b) => held(b) - held(a) || a.name.localeCompare(b.name));
  return (
    <>
      {ordered.map((table) => (
        <TableSection
          key={table.path}
          project={project}
          name={name}
          versions={versions}
          colors={colors}
          table={table}
        />
      ))}
    </>
  );
}

function TableSection({
  project,
  name,
  versions,
  colors,
  table,
}: {
  project: string;
  name: string;
  versions: ArtifactVersion[];
  colors: string[];
  table: ComparedTable;
}) {
  const prefix = `${table.name}.`;
  const [state, setState] = useUrlExplorerState(prefix);
  const [hidden, setHidden] = useHiddenParam(prefix);
  // The versions are this page's run set: coloured as in the header (their runs' colours),
  // indexed among the visible ones.
  const held = versions.flatMap((_, i) => (table.rows[i] === null || table.rows[i] === undefined ? [] : [i]));
  const members = identify(
    held.map((i) => {
      const version = versions[i] as ArtifactVersion;
      return {
        id: version.version,
        name: version.created_by?.exists ? `${version.version} · ${version.created_by.name}` : version.version,
        color: colors[i] ?? "#888",
        visible: !hidden.has(version.version),
      };
    }),
  );
  const sources: ExplorerSource[] = visibleMembers(members).map((member) => ({
    ref: { artifact: `${name}:${member.id}`, name: table.name },
    label: member.name,
    color: member.color,
    index: member.index,
  }));
  const missing = versions
    .filter((_, i) => table.rows[i] === null || table.rows[i] === undefined)
    .map((v) => v.version);
  return (
    <section className="compare-table" aria-label={`Table ${table.name}`} data-table={table.name}>
      <div className="compare-section-head">
        <h2>
          Table <code>{table.name}</code>
        </h2>
        <span className="table-counts">
          {versions.map((version, i) => {
            const rows = table.rows[i];
            return rows === null || rows === undefined ? null : (
              <span key={i} className="count-chip" data-version={version.version}>
                <span className="swatch" style={{ background: colors[i] }} /> {version.version}: {plural(rows, "row")}
              </span>
            );
          })}
        </span>
        {missing.length > 0 && <span className="muted">not in {missing.join(", ")}</span>}
      </div>
      <div className="compare-table-panel with-run-set">
        {sources.length > 0 ? (
          <TableExplorer project={project} sources={sources} state={state} onChange={setState} />
        ) : (
          <div className="run-set-empty" role="status">
            Every version is hidden: turn one on with its eye below.
          </div>
        )}
        <RunSet members={members} noun="version" onHide={setHidden} />
      </div>
    </section>
  );
}
