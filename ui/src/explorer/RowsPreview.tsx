// A plain page of rows from the table explorer's query API, for panels that list the rows behind a
// selection without the explorer's controls.

import { plural } from "../lib/format";
import type { ColumnInfo, SourceRef } from "./api";
import { useExplorerQuery } from "./api";
import { imageOf } from "./cells";

function Cell({ value, column }: { value: unknown; column: ColumnInfo }) {
  const image = column.type === "image" ? imageOf(value) : null;
  if (image) {
    return (
      <img
        className="cell-thumb"
        src={image.thumbnail_url ?? `/api/media/${image.sha256}`}
        alt={image.caption ?? "image"}
        loading="lazy"
      />
    );
  }
  if (typeof value === "number") return <>{Number.isInteger(value) ? value : value.toPrecision(4)}</>;
  return <>{value === null || value === undefined ? "" : String(value)}</>;
}

/** A page of rows of `sources` matching `filter`, with the number of matching rows. */
export function RowsPreview({
  project,
  sources,
  filter = "",
  size = 50,
  label,
}: {
  project: string;
  sources: SourceRef[];
  filter?: string;
  size?: number;
  label?: string;
}) {
  const document: Record<string, unknown> = {
    version: 1,
    merge: sources.length > 1 ? { mode: "concat" } : { mode: "table" },
    page: { offset: 0, size },
  };
  if (filter.trim()) document.filter = filter;
  const result = useExplorerQuery(project, sources, document);
  if (result.error)
    return (
      <p className="problem" role="alert">
        {result.error.message}
      </p>
    );
  if (!result.data) return <p className="muted">Loading rows…</p>;
  const columns = result.data.columns;
  return (
    <div className="rows-preview">
      <div className="rows-count" data-testid="rows-count">
        {plural(result.data.total, "row")}
        {label ? ` ${label}` : ""}
      </div>
      <div className="rows-scroll">
        <table className="ax-table compact">
          <thead>
            <tr>
              {columns.map((c) => (
                <th key={c.name}>{c.name}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {result.data.rows.map((row, i) => (
              <tr key={i}>
                {columns.map((c) => (
                  <td key={c.name}>
                    <Cell value={row[c.name]} column={c} />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
