// The table explorer panel: one component for run pages, workspaces, artifacts and reports.
// Its whole view is an ExplorerState the host keeps (in the URL, or as JSON in a report).

import type { ReactNode } from "react";
import { useCallback, useMemo, useState } from "react";
import { ApiError } from "../api/client";
import { plural } from "../lib/format";
import type { ColumnInfo, ImageCell, QueryResult, SourceRef } from "./api";
import { downloadExport, queryDocument, useColumns, useExplorerQuery } from "./api";
import { ColumnChooser } from "./ColumnChooser";
import { ConfusionGrid } from "./ConfusionGrid";
import { orderColumns } from "./columns";
import { andFilter, equals, inBin } from "./expr";
import { FilterEditor } from "./FilterEditor";
import { Grid } from "./Grid";
import { groupImagesLoader } from "./groupImages";
import { ImageViewer } from "./ImageViewer";
import { HeaderMenu, InsertColumnDialog } from "./menus";
import { gridRuns, SOURCE_COLUMN, SOURCE_WIDTH } from "./runPaint";
import type { RenderResult } from "./SideBySide";
import { SideBySide } from "./SideBySide";
import type { ExplorerState } from "./state";
import { resetColumns, update } from "./state";
import type { SummaryActions } from "./summaries";
import type { SourceInfo } from "./Toolbar";
import { MergeControls, Pager, RowHeightPicker, RunLegend, Segmented, StepControls } from "./Toolbar";
import "./explorer.css";

export interface ExplorerSource extends SourceInfo {
  ref: SourceRef;
}

export interface TableExplorerProps {
  project: string;
  sources: ExplorerSource[];
  state: ExplorerState;
  onChange: (next: ExplorerState) => void;
  /** Steps the table was logged at (shows the step slider when there are several). */
  steps?: number[];
  /** Offer "compare with step" (one run's table at two steps). */
  canCompare?: boolean;
  title?: ReactNode;
}

function perRunKey(value: unknown): { run: number | null; value: unknown } {
  return Array.isArray(value) ? { run: 0, value: value[0] } : { run: null, value };
}

function sameSources(a: SourceRef[]): string {
  return JSON.stringify(a);
}

export function TableExplorer({
  project,
  sources,
  state,
  onChange,
  steps = [],
  canCompare = false,
  title,
}: TableExplorerProps) {
  // biome-ignore lint/correctness/useExhaustiveDependencies: the references' text stands in for sources, a new array each render.
  const refs = useMemo(() => sources.map((s) => s.ref), [sameSources(sources.map((s) => s.ref))]);
  const colors = sources.map((s) => s.color);
  const change = useCallback((changes: Partial<ExplorerState>) => onChange(update(state, changes)), [state, onChange]);
  const sideBySide = refs.length > 1 && state.merge === "side_by_side";
  const document = useMemo(() => queryDocument(state, refs.length), [state, refs.length]);
  const main = useExplorerQuery(project, refs, document, !sideBySide);
  const mergeSpec = (document.merge ?? { mode: "table" }) as Record<string, unknown>;
  const columnsQuery = useColumns(project, refs, sideBySide ? { mode: "side_by_side", index: 0 } : mergeSpec);
  const [menu, setMenu] = useState<{ column: ColumnInfo; anchor: DOMRect } | null>(null);
  const [chooser, setChooser] = useState<DOMRect | null>(null);
  const [insertAfter, setInsertAfter] = useState<string | null>(null);
  // The page an image was opened from goes with it: the viewer steps through that page's rows.
  const [viewing, setViewing] = useState<{ image: ImageCell; result: QueryResult | undefined } | null>(null);
  const [exporting, setExporting] = useState<"csv" | "parquet" | null>(null);
  const [exportError, setExportError] = useState<string | null>(null);

  const baseColumns = columnsQuery.data?.columns ?? [];
  const resultColumns = main.data?.groups
    ? Object.entries(main.data.groups.summaries).map(([name, s]) => ({ ...s, name }))
    : (main.data?.columns ?? []);
  const completionColumns = useMemo(() => {
    const names = new Set(baseColumns.map((c) => c.name));
    return [
      ...baseColumns,
      ...state.derived.filter((d) => !names.has(d.name)).map((d) => ({ name: d.name, type: "derived" })),
    ];
  }, [baseColumns, state.derived]);
  const chooserColumns = resultColumns.length ? resultColumns : baseColumns;

  const actionsFor = useCallback(
    // A side-by-side panel passes its own query document, so its strips page over its own run.
    (result: QueryResult | undefined, view: Record<string, unknown>): SummaryActions => ({
      onBin: (column, run, bin) => {
        const edges = result?.groups?.summaries[column]?.edges ?? [];
        change({ filter: andFilter(state.filter, inBin(column, run, edges, bin)) });
      },
      onValue: (column, run, value) => change({ filter: andFilter(state.filter, equals(column, run, value)) }),
      onFilter: (condition) => change({ filter: andFilter(state.filter, condition) }),
      onOpen: (image) => setViewing({ image, result }),
      images: groupImagesLoader(project, refs, view),
    }),
    [change, state.filter, project, refs],
  );
  const filterToKeys = (by: string[], values: unknown[]) => {
    let filter = state.filter;
    by.forEach((name, i) => {
      const { run, value } = perRunKey(values[i]);
      filter = andFilter(filter, equals(name, run, value));
    });
    change({ filter, group: [] });
  };
  const onSort = (column: string, additive: boolean) => {
    const current = state.sort.find((s) => s.column === column);
    const others = additive ? state.sort.filter((s) => s.column !== column) : [];
    const next = !current ? [{ column, descending: false }] : !current.descending ? [{ column, descending: true }] : [];
    change({ sort: additive ? [...others, ...next] : next });
  };

  const error = main.error;
  const filterError =
    error && (error.field === "filter" || error.field === null)
      ? { message: error.message, position: error.field === "filter" ? error.position : null }
      : null;
  const columnError = error?.field?.startsWith("columns[") ? error : null;
  const brokenColumn = columnError ? state.derived[Number(/\d+/.exec(columnError.field ?? "")?.[0] ?? -1)] : undefined;

  const renderResult: RenderResult = (result, pending, label, panelColors, view = document) => {
    if (!result)
      return pending ? (
        <div className="explorer-empty">
          <div className="spinner" /> Loading rows…
        </div>
      ) : null;
    const groups = result.groups ?? null;
    if (result.total === 0) {
      return (
        <div className="explorer-empty" role="status">
          <strong>No rows match</strong>
          {state.filter && <code className="muted">{state.filter}</code>}
          {state.filter && (
            <button type="button" className="button" onClick={() => change({ filter: "" })}>
              Clear filter
            </button>
          )}
        </div>
      );
    }
    if (groups && groups.by.length === 2 && state.groupView === "grid") {
      return <ConfusionGrid groups={groups} onCell={(a, b) => filterToKeys(groups.by, [a, b])} />;
    }
    // Concatenated rows say first which run they came from, wide enough to read the run's name.
    const shownState =
      state.merge === "concat" && refs.length > 1
        ? {
            ...state,
            order: state.order.length ? state.order : [SOURCE_COLUMN],
            widths: { [SOURCE_COLUMN]: SOURCE_WIDTH, ...state.widths },
          }
        : state;
    return (
      <Grid
        result={result}
        state={shownState}
        colors={panelColors}
        actions={actionsFor(result, view)}
        onSort={onSort}
        onMenu={(column, anchor) => setMenu({ column, anchor })}
        onKey={(values) => groups && filterToKeys(groups.by, values)}
        onResize={(column, width) => change({ widths: { ...state.widths, [column]: width } })}
        label={label}
        runs={gridRuns(sources, refs, state.merge, panelColors)}
      />
    );
  };

  const pagerFor = (result: QueryResult | undefined) => {
    if (!result) return null;
    const groups = result.groups;
    if (groups && groups.by.length === 2 && state.groupView === "grid") {
      return (
        <span className="pager-range" data-testid="pager-range">
          {groups.total_rows.toLocaleString()} rows in {groups.total.toLocaleString()} cells
        </span>
      );
    }
    return (
      <Pager
        offset={result.offset}
        size={state.pageSize}
        total={result.total}
        shown={(groups?.rows ?? result.rows).length}
        // The noun agrees with the total it follows ("of 1 row", "of 3 groups · 1 row").
        noun={
          groups
            ? `${groups.total === 1 ? "group" : "groups"} · ${plural(groups.total_rows, "row")}`
            : result.total === 1
              ? "row"
              : "rows"
        }
        onChange={change}
      />
    );
  };

  const exportDoc = sideBySide ? queryDocument(state, refs.length, state.panels[0] ?? 0) : document;
  const exportAs = (format: "csv" | "parquet") => {
    setExporting(format);
    setExportError(null);
    downloadExport(project, refs, exportDoc, format)
      .catch((failure: unknown) => setExportError(ApiError.from(failure).message))
      .finally(() => setExporting(null));
  };
  const panels = state.panels.length ? state.panels.filter((p) => p < refs.length) : refs.map((_, i) => i);

  return (
    <section className="explorer" aria-label="Table explorer">
      <div className={`explorer-progress${main.isFetching ? " on" : ""}`} />
      <div className="explorer-top">
        {title}
        <FilterEditor
          value={state.filter}
          onApply={(filter) => change({ filter })}
          columns={completionColumns}
          functions={columnsQuery.data?.functions ?? []}
          error={filterError}
        />
        <StepControls
          steps={steps}
          step={state.step}
          compare={state.compare}
          canCompare={canCompare}
          onChange={change}
        />
      </div>
      <div className="explorer-bar">
        {refs.length > 1 && <MergeControls state={state} sources={sources} columns={baseColumns} onChange={change} />}
        <div className="bar-spacer" />
        {state.group.length > 0 && (
          <span className="chip group-chip">
            grouped by <strong>{state.group.join(" → ")}</strong>
            <button type="button" aria-label="Ungroup" onClick={() => change({ group: [] })}>
              ×
            </button>
          </span>
        )}
        {state.group.length === 2 && (
          <Segmented
            label="Group view"
            value={state.groupView}
            onChange={(groupView) => change({ groupView })}
            options={[
              { value: "grid", label: "Grid" },
              { value: "list", label: "List" },
            ]}
          />
        )}
        {refs.length > 1 && state.merge === "join" && state.group.length > 0 && (
          <Segmented
            label="Histogram bars"
            value={state.histogram}
            onChange={(histogram) => change({ histogram })}
            options={[
              { value: "stacked", label: "Stacked", title: "Stacked bars" },
              { value: "side", label: "Per run", title: "One bar per run" },
            ]}
          />
        )}
        <RowHeightPicker value={state.rowHeight} onChange={(rowHeight) => change({ rowHeight })} />
        <button
          type="button"
          className="button small"
          aria-haspopup="dialog"
          aria-expanded={chooser !== null}
          onClick={(event) => setChooser(event.currentTarget.getBoundingClientRect())}
        >
          Columns{state.hidden.length ? ` (${state.hidden.length} hidden)` : ""}
        </button>
        <button
          type="button"
          className="button small"
          onClick={() => setInsertAfter(state.sort[0]?.column ?? baseColumns[baseColumns.length - 1]?.name ?? "")}
        >
          + Column
        </button>
        <span className="export">
          {(["csv", "parquet"] as const).map((format) => (
            <button
              key={format}
              type="button"
              className="button small"
              disabled={exporting !== null}
              aria-busy={exporting === format}
              onClick={() => exportAs(format)}
            >
              {format === "csv" ? "CSV" : "Parquet"}
            </button>
          ))}
        </span>
      </div>
      {refs.length > 1 && <RunLegend sources={sources} />}
      {columnError && (
        <div className="explorer-alert" role="alert">
          Column <strong>{brokenColumn?.name ?? "?"}</strong>: {columnError.message}
          {brokenColumn && (
            <button
              type="button"
              className="button small"
              onClick={() =>
                change({
                  derived: state.derived.filter((d) => d !== brokenColumn),
                  sort: state.sort.filter((s) => s.column !== brokenColumn.name),
                })
              }
            >
              Remove column
            </button>
          )}
        </div>
      )}
      {exportError && (
        <div className="explorer-alert" role="alert">
          Export failed: {exportError}
          <button type="button" className="button small" onClick={() => setExportError(null)}>
            Dismiss
          </button>
        </div>
      )}
      {error && !filterError && !columnError && (
        <div className="explorer-alert" role="alert">
          {error.message}
        </div>
      )}
      {sideBySide ? (
        <SideBySide
          project={project}
          refs={refs}
          sources={sources}
          state={state}
          panels={panels}
          render={renderResult}
          onChange={change}
        />
      ) : (
        <>
          <div className="explorer-body">{renderResult(main.data, main.isPending, "Table rows", colors)}</div>
          <div className="explorer-foot">{pagerFor(main.data)}</div>
        </>
      )}
      {menu && (
        <HeaderMenu
          column={menu.column}
          state={state}
          anchor={menu.anchor}
          onChange={change}
          onInsert={(after) => setInsertAfter(after)}
          onClose={() => setMenu(null)}
        />
      )}
      {chooser && (
        <ColumnChooser
          columns={chooserColumns}
          state={state}
          anchor={chooser}
          onChange={change}
          onReset={() => onChange(resetColumns(state))}
          onClose={() => setChooser(null)}
        />
      )}
      {insertAfter !== null && (
        <InsertColumnDialog
          after={baseColumns.find((c) => c.name === insertAfter) ?? resultColumns.find((c) => c.name === insertAfter)}
          columns={[...baseColumns, ...state.derived.map((d) => ({ name: d.name, type: "derived" }))]}
          error={null}
          onInsert={(column) => {
            // The new column goes right after the one it was inserted from, where the user looks.
            const names = orderColumns(chooserColumns, state.order).map((c) => c.name);
            const at = names.indexOf(insertAfter);
            const order = at < 0 ? state.order : [...names.slice(0, at + 1), column.name, ...names.slice(at + 1)];
            setInsertAfter(null);
            change({ derived: [...state.derived, column], sort: [{ column: column.name, descending: true }], order });
          }}
          onClose={() => setInsertAfter(null)}
        />
      )}
      {viewing && (
        <ImageViewer image={viewing.image} result={viewing.result} colors={colors} onClose={() => setViewing(null)} />
      )}
    </section>
  );
}
