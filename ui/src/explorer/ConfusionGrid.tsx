// Grouped by two columns (truth then guess): a confusion grid of counts; click a cell to filter.
import { cellColor } from "../evaluation/matrix";
import { formatValue } from "../lib/format";
import type { Groups } from "./api";

function single(value: unknown): unknown {
  if (Array.isArray(value) && value.length > 0 && value.every((v) => JSON.stringify(v) === JSON.stringify(value[0])))
    return value[0];
  return value;
}

export interface Confusion {
  rows: unknown[];
  columns: unknown[];
  counts: Map<string, number>;
  max: number;
  rowTotals: number[];
  columnTotals: number[];
}

const cellKey = (a: unknown, b: unknown) => JSON.stringify([a, b]);

/** Rows and columns of the grid: every value of each key, in the server's (sorted) order. */
export function confusion(groups: Groups): Confusion {
  const rows: unknown[] = [];
  const columns: unknown[] = [];
  const seenRows = new Set<string>();
  const seenColumns = new Set<string>();
  const counts = new Map<string, number>();
  for (const group of groups.rows) {
    const a = single(group.key[0]);
    const b = single(group.key[1]);
    if (!seenRows.has(JSON.stringify(a))) {
      seenRows.add(JSON.stringify(a));
      rows.push(a);
    }
    if (!seenColumns.has(JSON.stringify(b))) {
      seenColumns.add(JSON.stringify(b));
      columns.push(b);
    }
    counts.set(cellKey(a, b), (counts.get(cellKey(a, b)) ?? 0) + group.count);
  }
  // Put shared values in the same order on both axes, so the diagonal is the diagonal.
  const rowNames = rows.map((r) => JSON.stringify(r));
  columns.sort((x, y) => {
    const ix = rowNames.indexOf(JSON.stringify(x));
    const iy = rowNames.indexOf(JSON.stringify(y));
    return (ix < 0 ? Infinity : ix) - (iy < 0 ? Infinity : iy);
  });
  const rowTotals = rows.map((r) => columns.reduce<number>((sum, c) => sum + (counts.get(cellKey(r, c)) ?? 0), 0));
  const columnTotals = columns.map((c) => rows.reduce<number>((sum, r) => sum + (counts.get(cellKey(r, c)) ?? 0), 0));
  return { rows, columns, counts, max: Math.max(0, ...counts.values()), rowTotals, columnTotals };
}

export function ConfusionGrid({ groups, onCell }: { groups: Groups; onCell: (a: unknown, b: unknown) => void }) {
  const grid = confusion(groups);
  const [first, second] = groups.by;
  return (
    <div className="confusion-wrap">
      <table className="confusion" aria-label={`${first} by ${second}`}>
        <thead>
          <tr>
            <th className="corner">
              <span className="axis-row">{first} ↓</span>
              <span className="axis-col">{second} →</span>
            </th>
            {grid.columns.map((c) => (
              <th key={JSON.stringify(c)} scope="col" className="col-head" title={formatValue(c)}>
                <span>{formatValue(c)}</span>
              </th>
            ))}
            <th className="total">total</th>
          </tr>
        </thead>
        <tbody>
          {grid.rows.map((r, i) => (
            <tr key={JSON.stringify(r)}>
              <th scope="row" title={formatValue(r)}>
                {formatValue(r)}
              </th>
              {grid.columns.map((c) => {
                const count = grid.counts.get(cellKey(r, c)) ?? 0;
                const diagonal = JSON.stringify(r) === JSON.stringify(c);
                // The evaluation matrix's scale: the same count reads the same in both views.
                const share = grid.max ? count / grid.max : 0;
                return (
                  <td
                    key={JSON.stringify(c)}
                    className={`${diagonal ? "diagonal" : ""}${count ? " filled" : ""}`}
                    data-row={formatValue(r)}
                    data-col={formatValue(c)}
                    style={{
                      background: count ? cellColor(share, diagonal) : undefined,
                      color: share > 0.55 ? "white" : undefined,
                    }}
                  >
                    {count ? (
                      <button
                        type="button"
                        title={`${first} = ${formatValue(r)}, ${second} = ${formatValue(c)}: ${count}`}
                        onClick={() => onCell(r, c)}
                      >
                        {count}
                      </button>
                    ) : (
                      <span className="zero">·</span>
                    )}
                  </td>
                );
              })}
              <td className="total num">{grid.rowTotals[i]}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th>total</th>
            {grid.columnTotals.map((t, i) => (
              <td key={i} className="total num">
                {t}
              </td>
            ))}
            <td className="total num">{groups.total_rows}</td>
          </tr>
        </tfoot>
      </table>
    </div>
  );
}
