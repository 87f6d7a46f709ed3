import { useMemo } from "react";
import { Link, useParams, useSearchParams } from "react-router-dom";
import type { Run, RunDetail, TableEntry } from "../api/client";
import { ChartControls } from "../charts/ChartControls";
import { ChartsPanel } from "../charts/ChartsPanel";
import { LoggedCharts } from "../charts/LoggedCharts";
import { ErrorState, Loading } from "../components/PageState";
import { formatDuration, formatTime, formatValue, plural } from "../lib/format";
import { withParams } from "../lib/urlState";
import { useRunLineage } from "../lineage/api";
import { useRun, useRunTables } from "./api";
import { StateBadge } from "./StateBadge";
import { useRunColors } from "./useRunColors";

type Tab = "overview" | "charts" | "tables";
const TABS: { id: Tab; label: string }[] = [
  { id: "overview", label: "Overview" },
  { id: "charts", label: "Charts" },
  { id: "tables", label: "Tables" },
];

export function tablePath(project: string, runId: string, key: string, step: number): string {
  const encodedKey = key.split("/").map(encodeURIComponent).join("/");
  return `/projects/${encodeURIComponent(project)}/runs/${encodeURIComponent(runId)}/tables/${encodedKey}?step=${step}`;
}

function flatten(value: Record<string, unknown>, prefix = ""): [string, unknown][] {
  return Object.entries(value).flatMap(([key, item]) =>
    item !== null && typeof item === "object" && !Array.isArray(item) && Object.keys(item).length > 0
      ? flatten(item as Record<string, unknown>, `${prefix}${key}.`)
      : [[`${prefix}${key}`, item] as [string, unknown]],
  );
}

function KeyValues({ title, values, testId }: { title: string; values: Record<string, unknown>; testId: string }) {
  const entries = flatten(values).sort(([a], [b]) => a.localeCompare(b));
  return (
    <section className="card" data-testid={testId}>
      <h2>{title}</h2>
      {entries.length === 0 ? (
        <p className="muted">None</p>
      ) : (
        <table className="kv-table">
          <tbody>
            {entries.map(([key, value]) => (
              <tr key={key}>
                <th>{key}</th>
                <td>{formatValue(value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Artifacts({ project, run }: { project: string; run: RunDetail }) {
  const lineage = useRunLineage(project, run.id);
  if (!lineage.data) return null;
  const nodes = new Map(lineage.data.nodes.map((node) => [node.id, node]));
  const runNode = lineage.data.nodes.find((node) => node.kind === "run" && node.run_id === run.id);
  const pick = (kind: "input" | "output") =>
    lineage.data.edges
      .filter(
        (edge) => edge.kind === kind && (kind === "output" ? edge.source === runNode?.id : edge.target === runNode?.id),
      )
      .map((edge) => nodes.get(kind === "output" ? edge.target : edge.source))
      .filter((node) => node !== undefined && node.kind === "artifact");
  const groups: [string, ReturnType<typeof pick>][] = [
    ["Logged", pick("output")],
    ["Used", pick("input")],
  ];
  return (
    <section className="card" data-testid="run-artifacts">
      <h2>Artifacts</h2>
      {groups.map(([title, list]) => (
        <div key={title} className="artifact-group">
          <div className="info-label">{title}</div>
          {list.length === 0 ? (
            <p className="muted">None</p>
          ) : (
            <ul className="artifact-list">
              {list.map((node) =>
                node ? (
                  <li key={node.id}>
                    <Link
                      to={`/projects/${encodeURIComponent(node.project ?? project)}/artifacts/${encodeURIComponent(node.name ?? "")}/${encodeURIComponent(node.version ?? "")}`}
                    >
                      {node.name}:{node.version}
                    </Link>
                    {node.type && <span className="artifact-type">{node.type}</span>}
                    {(node.aliases ?? []).map((alias) => (
                      <span className="tag" key={alias}>
                        {alias}
                      </span>
                    ))}
                  </li>
                ) : null,
              )}
            </ul>
          )}
        </div>
      ))}
    </section>
  );
}

function Overview({ project, run }: { project: string; run: RunDetail }) {
  const git = run.git_commit ? (
    <>
      <code title={run.git_remote ?? undefined}>{run.git_commit.slice(0, 12)}</code>
      {run.git_dirty ? <span className="dirty">modified</span> : null}
    </>
  ) : (
    "–"
  );
  const fields: [string, React.ReactNode][] = [
    ["State", <StateBadge state={run.state} key="state" />],
    ["Run id", <code key="id">{run.id}</code>],
    ["Created", formatTime(run.created_at)],
    ["Duration", formatDuration(run.duration)],
    ["Last step", run.last_step >= 0 ? String(run.last_step) : "–"],
    ["Job type", run.job_type ?? "–"],
    ["Group", run.group ?? "–"],
    ["Host", `${run.host || "–"}${run.pid ? ` (pid ${run.pid})` : ""}`],
    ["Python", run.python_version || "–"],
    ["Program", run.program || "–"],
    ["Git commit", git],
  ];
  if (run.exit_code !== null && run.exit_code !== undefined) fields.push(["Exit code", String(run.exit_code)]);
  return (
    <div className="overview">
      <section className="card" data-testid="run-info">
        <h2>Run</h2>
        <dl className="info-grid">
          {fields.map(([label, value]) => (
            <div key={label}>
              <dt>{label}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
        {run.tags.length > 0 && (
          <div className="tags spaced">
            {run.tags.map((tag) => (
              <span className="tag" key={tag}>
                {tag}
              </span>
            ))}
          </div>
        )}
        {run.notes && <p className="notes">{run.notes}</p>}
      </section>
      <KeyValues title="Config" values={run.config_nested} testId="run-config" />
      <KeyValues title="Summary" values={run.summary} testId="run-summary" />
      <Artifacts project={project} run={run} />
    </div>
  );
}

function Tables({ project, run, tables }: { project: string; run: RunDetail; tables: TableEntry[] }) {
  const byKey = useMemo(() => {
    const groups = new Map<string, TableEntry[]>();
    for (const entry of tables) groups.set(entry.key, [...(groups.get(entry.key) ?? []), entry]);
    return [...groups.entries()];
  }, [tables]);
  if (byKey.length === 0) return <div className="empty">This run has logged no tables.</div>;
  return (
    <div className="card">
      <table className="data-table" data-testid="run-tables">
        <thead>
          <tr>
            <th>Table</th>
            <th>Steps</th>
          </tr>
        </thead>
        <tbody>
          {byKey.map(([key, entries]) => (
            <tr key={key}>
              <td className="strong">
                {/* The name opens the latest step: what a reader clicking a table's name expects. */}
                <Link to={tablePath(project, run.id, key, Math.max(...entries.map((e) => e.step)))}>{key}</Link>
              </td>
              <td>
                <div className="step-links">
                  {entries.map((entry) => (
                    <Link key={entry.step} className="chip" to={tablePath(project, run.id, key, entry.step)}>
                      step {entry.step} · {plural(entry.n_rows, "row")}
                    </Link>
                  ))}
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function RunPage() {
  const { project = "", runId = "" } = useParams();
  const [params, setParams] = useSearchParams();
  const run = useRun(project, runId);
  const colorOf = useRunColors(project);
  const live = run.data?.state === "running";
  const tables = useRunTables(project, runId, live);
  const tab = (TABS.find((item) => item.id === params.get("tab"))?.id ?? "overview") as Tab;
  const smoothing = Math.min(0.99, Math.max(0, Number(params.get("smooth") ?? 0) || 0));
  const logScale = params.get("log") === "1";
  const update = (changes: Record<string, string | null>) =>
    setParams((current) => withParams(current, changes), { replace: true });
  const chartRuns = useMemo<Run[]>(() => (run.data ? [run.data] : []), [run.data]);

  if (run.isPending) return <Loading label="Loading run…" />;
  if (run.isError) return <ErrorState error={run.error} />;
  const data = run.data;
  return (
    <div className="page run-page">
      <header className="page-header">
        <div>
          <div className="breadcrumb">
            <Link to="/">Projects</Link> / <Link to={`/projects/${encodeURIComponent(project)}`}>{project}</Link> /
          </div>
          <h1 className="run-title">
            <span className="swatch large" style={{ background: colorOf(data.id) }} />
            {data.name}
            <StateBadge state={data.state} />
          </h1>
        </div>
        <div className="tabs" role="tablist">
          {TABS.map((item) => (
            <button
              key={item.id}
              type="button"
              role="tab"
              aria-selected={tab === item.id}
              className={`tab${tab === item.id ? " active" : ""}`}
              onClick={() => update({ tab: item.id === "overview" ? null : item.id })}
            >
              {item.label}
              {item.id === "tables" && tables.data ? <span className="tab-count">{tables.data.length}</span> : null}
            </button>
          ))}
        </div>
      </header>
      {tab === "overview" && <Overview project={project} run={data} />}
      {tab === "charts" && (
        <>
          <ChartControls
            smoothing={smoothing}
            logScale={logScale}
            onSmoothing={(value) => update({ smooth: value > 0 ? value.toFixed(2) : null })}
            onLogScale={(value) => update({ log: value ? "1" : null })}
          />
          <LoggedCharts project={project} runs={chartRuns} colorOf={colorOf} />
          <ChartsPanel project={project} runs={chartRuns} smoothing={smoothing} logScale={logScale} colorOf={colorOf} />
        </>
      )}
      {tab === "tables" &&
        (tables.isError ? (
          <ErrorState error={tables.error} />
        ) : (
          <Tables project={project} run={data} tables={tables.data ?? []} />
        ))}
    </div>
  );
}
