import { Link } from "react-router-dom";
import type { Run } from "../api/client";
import { encodeList } from "../explorer/state";
import { plural } from "../lib/format";
import { useProjectTables } from "./api";
import { projectRunSet } from "./runSet";
import "./runSet.css";
import { useRunColors } from "./useRunColors";

function keyPath(key: string): string {
  return key.split("/").map(encodeURIComponent).join("/");
}

/**
 * The tables the visible runs logged; each opens in one panel that merges those runs. A chip shows
 * the runs in the panel's order, each dot in the run's colour: dot i is row["x"][i] there.
 */
export function TableKeys({ project, runs }: { project: string; runs: Run[] }) {
  const colorOf = useRunColors(project);
  const ids = runs.map((run) => run.id);
  const tables = useProjectTables(
    project,
    ids,
    runs.some((run) => run.state === "running"),
  );
  if (!tables.data || tables.data.length === 0) return null;
  return (
    <section className="table-keys" data-testid="workspace-tables">
      <span className="table-keys-label">Tables</span>
      {tables.data.map((entry) => {
        const members = projectRunSet(
          runs,
          entry.runs.map((run) => run.run_id),
          new Set(),
          colorOf,
        );
        const order = members.map((m) => `[${m.index}] ${m.name}`).join(" · ");
        return (
          <Link
            key={entry.key}
            className="chip table-key-chip"
            data-key={entry.key}
            to={`/projects/${encodeURIComponent(project)}/tables/${keyPath(entry.key)}?runs=${encodeURIComponent(encodeList(members.map((m) => m.id)))}`}
            title={`${entry.key}: logged by ${entry.runs.length} of the visible runs — ${order}`}
          >
            {entry.key}{" "}
            <span className="table-key-runs" aria-hidden="true">
              {members.map((m) => (
                <span
                  key={m.id}
                  className="swatch"
                  style={{ background: m.color }}
                  data-run={m.id}
                  data-index={m.index ?? ""}
                  data-color={m.color}
                />
              ))}
            </span>
            <span className="chip-count">{plural(entry.runs.length, "run")}</span>
          </Link>
        );
      })}
    </section>
  );
}
