import type { ColumnDef, ColumnFiltersState, FilterFn, Row, SortingFn, SortingState } from "@tanstack/react-table";
import {
  getCoreRowModel,
  getExpandedRowModel,
  getFilteredRowModel,
  getGroupedRowModel,
  getSortedRowModel,
  useReactTable,
} from "@tanstack/react-table";
import { useMemo } from "react";
import { Link } from "react-router-dom";
import type { Run } from "../api/client";
import { formatDuration, formatTime, formatValue } from "../lib/format";
import type { Predicate } from "./filters";
import { matchesSearch, parseFilter } from "./filters";
import { StateBadge } from "./StateBadge";

const predicates = new Map<string, Predicate>();

function predicateFor(expression: string): Predicate {
  let predicate = predicates.get(expression);
  if (!predicate) {
    predicate = parseFilter(expression);
    if (predicates.size > 200) predicates.clear();
    predicates.set(expression, predicate);
  }
  return predicate;
}

const expressionFilter: FilterFn<Run> = (row, columnId, filterValue) =>
  predicateFor(String(filterValue))(row.getValue(columnId));

const searchFilter: FilterFn<Run> = (row, _columnId, filterValue) => matchesSearch(row.original, String(filterValue));

/** Numbers before strings; missing values are left to sortUndefined. */
export function compareValues(a: unknown, b: unknown): number {
  const aNumber = typeof a === "number";
  const bNumber = typeof b === "number";
  if (aNumber && bNumber) return (a as number) - (b as number);
  if (aNumber) return -1;
  if (bNumber) return 1;
  return String(a ?? "").localeCompare(String(b ?? ""), undefined, { numeric: true });
}

const mixedSort: SortingFn<Run> = (a: Row<Run>, b: Row<Run>, columnId: string) =>
  compareValues(a.getValue(columnId), b.getValue(columnId));

export const NAME_WIDTH = 240;

function valueColumn(id: string, header: string, read: (run: Run) => unknown, group: string): ColumnDef<Run> {
  return {
    id,
    header,
    accessorFn: (run) => read(run) ?? undefined,
    cell: (info) => (
      <span className="cell-value" title={formatValue(info.getValue())}>
        {formatValue(info.getValue())}
      </span>
    ),
    sortingFn: mixedSort,
    sortUndefined: "last",
    filterFn: expressionFilter,
    // Wide enough for the key itself, within reason.
    size: Math.min(220, Math.max(110, 48 + header.length * 8)),
    meta: { group },
    getGroupingValue: (run) => formatValue(read(run)),
  };
}

export function buildColumns(project: string, configKeys: string[], summaryKeys: string[]): ColumnDef<Run>[] {
  return [
    {
      id: "name",
      header: "Name",
      accessorFn: (run) => run.name,
      cell: (info) => (
        <Link
          className="run-link"
          to={`/projects/${encodeURIComponent(project)}/runs/${encodeURIComponent(info.row.original.id)}`}
          title={`${info.row.original.name} (${info.row.original.id})`}
        >
          {info.row.original.name}
        </Link>
      ),
      sortingFn: mixedSort,
      filterFn: expressionFilter,
      size: NAME_WIDTH,
      enableHiding: false,
      meta: { group: "run" },
    },
    {
      id: "state",
      header: "State",
      accessorFn: (run) => run.state,
      cell: (info) => <StateBadge state={info.row.original.state} />,
      filterFn: expressionFilter,
      size: 100,
      meta: { group: "run" },
    },
    valueColumn("job_type", "Job type", (run) => run.job_type, "run"),
    valueColumn("group", "Group", (run) => run.group, "run"),
    {
      ...valueColumn("tags", "Tags", (run) => run.tags.join(", "), "run"),
      cell: (info) => (
        <span className="tags">
          {info.row.original.tags.map((tag) => (
            <span className="tag" key={tag}>
              {tag}
            </span>
          ))}
        </span>
      ),
      size: 150,
    },
    {
      ...valueColumn("created_at", "Created", (run) => run.created_at, "run"),
      cell: (info) => formatTime(info.row.original.created_at),
      size: 140,
    },
    {
      ...valueColumn("duration", "Duration", (run) => run.duration, "run"),
      cell: (info) => formatDuration(info.row.original.duration),
      size: 100,
    },
    ...configKeys.map((key) => valueColumn(`config.${key}`, key, (run) => run.config[key], "config")),
    ...summaryKeys.map((key) => valueColumn(`summary.${key}`, key, (run) => run.summary[key], "summary")),
  ];
}

export interface RunsTableState {
  sorting: SortingState;
  columnFilters: ColumnFiltersState;
  search: string;
  grouping: string | null;
  compact: boolean;
}

/** The TanStack table of a project's runs: sorting, per-column filters, search and grouping. */
export function useRunsTable(
  project: string,
  runs: Run[],
  configKeys: string[],
  summaryKeys: string[],
  state: RunsTableState,
  handlers: { onSorting: (sorting: SortingState) => void },
) {
  const columns = useMemo(() => buildColumns(project, configKeys, summaryKeys), [project, configKeys, summaryKeys]);
  const columnIds = useMemo(() => new Set(columns.map((column) => column.id ?? "")), [columns]);
  // Every state value must keep its identity between renders: the table recomputes its row
  // models when one changes, and would otherwise do so on every render.
  const grouping = useMemo(
    () => (state.grouping && columnIds.has(state.grouping) ? [state.grouping] : []),
    [state.grouping, columnIds],
  );
  const sorting = useMemo(() => state.sorting.filter((key) => columnIds.has(key.id)), [state.sorting, columnIds]);
  const columnFilters = useMemo(
    () => state.columnFilters.filter((filter) => columnIds.has(filter.id)),
    [state.columnFilters, columnIds],
  );
  const columnVisibility = useMemo(() => {
    if (!state.compact) return {};
    // The compact table beside the charts keeps only who and what state.
    return Object.fromEntries([...columnIds].filter((id) => id !== "name" && id !== "state").map((id) => [id, false]));
  }, [state.compact, columnIds]);
  return useReactTable<Run>({
    data: runs,
    columns,
    getRowId: (run) => run.id,
    state: {
      sorting,
      columnFilters,
      globalFilter: state.search,
      grouping,
      expanded: true,
      columnVisibility,
    },
    onSortingChange: (updater) => {
      const next = typeof updater === "function" ? updater(state.sorting) : updater;
      handlers.onSorting(next);
    },
    globalFilterFn: searchFilter,
    // Expansion is fixed (all groups open): resetting it on each new row model would loop.
    autoResetAll: false,
    enableMultiSort: true,
    sortDescFirst: false,
    isMultiSortEvent: (event) => (event as MouseEvent).shiftKey,
    groupedColumnMode: false,
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    getFilteredRowModel: getFilteredRowModel(),
    getGroupedRowModel: getGroupedRowModel(),
    getExpandedRowModel: getExpandedRowModel(),
  });
}
