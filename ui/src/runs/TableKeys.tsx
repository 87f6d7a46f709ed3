import { Link } from "react-router-dom";
import type { Run } from "../api/client";
import { useProjectTables } from "./api";

function keyPath(key: string): string {
  return key.split("/").map(encodeURIComponent).join("/");
}

/** The tables the visible runs logged; each opens in one panel that merges those runs. */
export function TableKeys({ project, runs }: { project: string; runs: Run[] }) {
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
      {tables.data.map((entry) => (
        <Link
          key={entry.key}
          className="chip"
          to={`/projects/${encodeURIComponent(project)}/tables/${keyPath(entry.key)}?runs=${entry.runs.map((run) => run.run_id).join(",")}`}
          title={`${entry.key}: logged by ${entry.runs.length} of the visible runs`}
        >
          {entry.key}{" "}
          <span className="chip-count">
            {entry.runs.length} {entry.runs.length === 1 ? "run" : "runs"}
          </span>
        </Link>
      ))}
    </section>
  );
}
