import type { Header, Row, Table } from "@tanstack/react-table";
import { flexRender } from "@tanstack/react-table";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useRef } from "react";
import type { Run } from "../api/client";
import { plural } from "../lib/format";
import type { ColorOf } from "./useRunColors";

const ROW_HEIGHT = 34;
const EYE_WIDTH = 40;

interface Props {
  table: Table<Run>;
  visible: Set<string>;
  onToggleVisible: (runId: string) => void;
  onToggleAll: () => void;
  filterValue: (columnId: string) => string;
  onFilter: (columnId: string, value: string) => void;
  showFilters: boolean;
  colorOf: ColorOf;
}

function EyeIcon({ open }: { open: boolean }) {
  return (
    <svg
      width="16"
      height="16"
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      aria-hidden="true"
    >
      <path d="M1 12s4-7 11-7 11 7 11 7-4 7-11 7S1 12 1 12z" />
      {open ? <circle cx="12" cy="12" r="3" /> : <line x1="3" y1="21" x2="21" y2="3" />}
    </svg>
  );
}

function HeaderCell({ header }: { header: Header<Run, unknown> }) {
  const sorted = header.column.getIsSorted();
  const group = (header.column.columnDef.meta as { group?: string } | undefined)?.group;
  const sortable = header.column.getCanSort();
  const toggle = header.column.getToggleSortingHandler();
  return (
    <div
      className={`th${sortable ? " sortable" : ""}`}
      style={{ width: header.getSize() }}
      role="columnheader"
      aria-sort={sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : "none"}
      data-column={header.column.id}
      onClick={toggle}
      // Sorting works from the keyboard too: Enter or Space (with Shift to add a sort key).
      tabIndex={sortable ? 0 : undefined}
      onKeyDown={(event) => {
        if (!sortable || (event.key !== "Enter" && event.key !== " ")) return;
        event.preventDefault();
        toggle?.(event);
      }}
      title="Sort (shift-click to add a sort key)"
    >
      {group === "config" || group === "summary" ? <span className="th-group">{group}</span> : null}
      <span className="th-label">{flexRender(header.column.columnDef.header, header.getContext())}</span>
      <span className="sort-mark">{sorted === "asc" ? "▲" : sorted === "desc" ? "▼" : ""}</span>
    </div>
  );
}

/** The runs table: virtualised rows, so a thousand runs scroll as smoothly as ten. */
export function RunsTable({
  table,
  visible,
  onToggleVisible,
  onToggleAll,
  filterValue,
  onFilter,
  showFilters,
  colorOf,
}: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const rows = table.getRowModel().rows;
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const headers = table.getHeaderGroups()[0]?.headers ?? [];
  const width = EYE_WIDTH + headers.reduce((sum, header) => sum + header.getSize(), 0);
  const anyVisible = visible.size > 0;

  const renderRow = (row: Row<Run>) => {
    if (row.getIsGrouped()) {
      const column = table.getColumn(row.groupingColumnId ?? "");
      const label = typeof column?.columnDef.header === "string" ? column.columnDef.header : row.groupingColumnId;
      return (
        <div className="tr group-row" role="row" style={{ width }}>
          <span className="group-label">{label}:</span>
          <strong>{String(row.groupingValue ?? "–")}</strong>
          <span className="group-count">{plural(row.subRows.length, "run")}</span>
        </div>
      );
    }
    const run = row.original;
    const isVisible = visible.has(run.id);
    return (
      <div className={`tr${isVisible ? "" : " hidden-run"}`} role="row" data-run-id={run.id} style={{ width }}>
        <div className="td eye-cell" style={{ width: EYE_WIDTH }}>
          <button
            type="button"
            className={`eye${isVisible ? " on" : ""}`}
            aria-label={`${isVisible ? "Hide" : "Show"} ${run.name}`}
            aria-pressed={isVisible}
            onClick={() => onToggleVisible(run.id)}
            style={{ color: isVisible ? colorOf(run.id) : undefined }}
          >
            <EyeIcon open={isVisible} />
          </button>
        </div>
        {row.getVisibleCells().map((cell) => (
          <div className="td" key={cell.id} style={{ width: cell.column.getSize() }} data-column={cell.column.id}>
            {cell.column.id === "name" && <span className="swatch" style={{ background: colorOf(run.id) }} />}
            {flexRender(cell.column.columnDef.cell, cell.getContext())}
          </div>
        ))}
      </div>
    );
  };

  return (
    <div className="runs-scroll" ref={scroller} role="table" aria-label="Runs">
      <div className="thead" style={{ width }}>
        <div className="tr header-row" role="row">
          <div className="th eye-cell" style={{ width: EYE_WIDTH }}>
            <button
              type="button"
              className="eye"
              aria-label={anyVisible ? "Hide all runs" : "Show runs"}
              title={anyVisible ? "Hide all runs" : "Show the runs listed"}
              onClick={onToggleAll}
            >
              <EyeIcon open={anyVisible} />
            </button>
          </div>
          {headers.map((header) => (
            <HeaderCell key={header.id} header={header} />
          ))}
        </div>
        {showFilters && (
          <div className="tr filter-row" role="row">
            <div className="th eye-cell" style={{ width: EYE_WIDTH }} />
            {headers.map((header) => (
              <div className="th" key={header.id} style={{ width: header.getSize() }}>
                <input
                  className="column-filter"
                  placeholder="filter"
                  aria-label={`Filter ${header.column.id}`}
                  value={filterValue(header.column.id)}
                  onChange={(event) => onFilter(header.column.id, event.target.value)}
                />
              </div>
            ))}
          </div>
        )}
      </div>
      <div className="tbody" style={{ height: virtualizer.getTotalSize(), width }}>
        {virtualizer.getVirtualItems().map((item) => {
          const row = rows[item.index];
          if (!row) return null;
          return (
            <div key={row.id} className="vrow" style={{ transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}>
              {renderRow(row)}
            </div>
          );
        })}
      </div>
      {rows.length === 0 && <div className="empty small">No run matches.</div>}
    </div>
  );
}
