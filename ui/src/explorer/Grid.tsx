// The grid: virtualised rows and columns, sticky header and pinned columns, rows or group summaries.
import { useVirtualizer } from "@tanstack/react-virtual";
import type { CSSProperties, ReactNode, PointerEvent as ReactPointerEvent } from "react";
import { memo, useCallback, useLayoutEffect, useMemo, useRef, useState } from "react";
import { formatValue } from "../lib/format";
import type { ColumnInfo, GroupColumn, GroupRow, QueryResult } from "./api";
import { ValueCell } from "./cells";
import { columnWidth, layoutColumns } from "./columns";
import { cellBox, layoutStyle, rowLayout } from "./rowLayout";
import type { GridRuns } from "./runPaint";
import { RunTag } from "./runPaint";
import type { ExplorerState } from "./state";
import { MAX_WIDTH, MIN_WIDTH } from "./state";
import type { SummaryActions } from "./summaries";
import { SummaryCell } from "./summaries";

const KEY_WIDTH = 150;
const COUNT_WIDTH = 96;
const INDEX_WIDTH = 56;

interface Props {
  result: QueryResult;
  state: ExplorerState;
  colors: string[];
  actions: SummaryActions;
  onSort: (column: string, additive: boolean) => void;
  onMenu: (column: ColumnInfo, anchor: DOMRect) => void;
  onKey: (values: unknown[]) => void;
  onResize: (column: string, width: number) => void;
  label: string;
  /** Who the runs are, to name and colour them (runPaint.tsx); without it, `colors` by run index. */
  runs?: GridRuns;
}

interface GridColumn {
  info: ColumnInfo;
  width: number;
  role: "index" | "key" | "count" | "value" | "summary";
  left?: number;
}

function keyText(value: unknown): string {
  // A join key of a merged table holds one value per run; equal values read as one.
  if (Array.isArray(value) && value.length > 0 && value.every((v) => JSON.stringify(v) === JSON.stringify(value[0])))
    return formatValue(value[0]);
  return formatValue(value);
}

function startResize(
  event: ReactPointerEvent,
  width: number,
  onDrag: (width: number) => void,
  onDone: (width: number) => void,
) {
  event.preventDefault();
  event.stopPropagation();
  const x0 = event.clientX;
  let current = width;
  const move = (e: PointerEvent) => {
    current = Math.max(MIN_WIDTH, Math.min(MAX_WIDTH, width + e.clientX - x0));
    onDrag(current);
  };
  const up = () => {
    window.removeEventListener("pointermove", move);
    window.removeEventListener("pointerup", up);
    onDone(current);
  };
  window.addEventListener("pointermove", move);
  window.addEventListener("pointerup", up);
}

const HeaderCell = memo(function HeaderCell({
  column,
  state,
  style,
  onSort,
  onMenu,
  onDrag,
  onResize,
}: {
  column: GridColumn;
  state: ExplorerState;
  style: CSSProperties;
  onSort: Props["onSort"];
  onMenu: Props["onMenu"];
  onDrag: (name: string, width: number | null) => void;
  onResize: Props["onResize"];
}) {
  const name = column.info.name;
  const sortAt = state.sort.findIndex((s) => s.column === name);
  const sort = state.sort[sortAt];
  const sortable = column.role !== "index";
  return (
    <div
      className={`xth${column.left !== undefined ? " pinned" : ""}${column.role === "key" ? " key" : ""}`}
      style={style}
      role="columnheader"
      data-column={name}
      aria-sort={sort ? (sort.descending ? "descending" : "ascending") : "none"}
    >
      <button
        type="button"
        className="xth-label"
        disabled={!sortable}
        title={sortable ? `${name} — click to sort, shift-click to add a sort key` : undefined}
        onClick={(event) => sortable && onSort(name, event.shiftKey)}
      >
        <span className="xth-name">{column.role === "index" ? "#" : name}</span>
        {column.info.runs ? <span className="xth-runs">×{column.info.runs}</span> : null}
        {sort && (
          <span className="sort-mark" aria-hidden="true">
            {sort.descending ? "▼" : "▲"}
            {state.sort.length > 1 ? <sub>{sortAt + 1}</sub> : null}
          </span>
        )}
      </button>
      {column.role !== "index" && column.role !== "count" && (
        <button
          type="button"
          className="xth-menu"
          aria-haspopup="menu"
          aria-label={`${name} column menu`}
          onClick={(event) => onMenu(column.info, event.currentTarget.getBoundingClientRect())}
        >
          ⋮
        </button>
      )}
      {column.role !== "index" && (
        <span
          className="xth-resize"
          role="separator"
          aria-label={`Resize ${name}`}
          onPointerDown={(event) =>
            startResize(
              event,
              column.width,
              (w) => onDrag(name, w),
              (w) => {
                onDrag(name, null);
                onResize(name, w);
              },
            )
          }
        />
      )}
    </div>
  );
});

interface RowViewProps {
  index: number;
  start: number;
  height: number;
  width: number;
  columnsKey: string;
  version: object;
  render: () => ReactNode;
}

const RowView = memo(
  function RowView({ index, start, height, width, render }: RowViewProps) {
    return (
      <div className="xrow" role="row" data-row={index} style={{ transform: `translateY(${start}px)`, height, width }}>
        {render()}
      </div>
    );
  },
  (a, b) =>
    a.index === b.index &&
    a.start === b.start &&
    a.height === b.height &&
    a.width === b.width &&
    a.columnsKey === b.columnsKey &&
    a.version === b.version,
);

export function Grid({ result, state, colors, actions, onSort, onMenu, onKey, onResize, label, runs }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  // While a header edge is dragged, its width lives here; the URL gets it on release.
  const [dragging, setDragging] = useState<{ name: string; width: number } | null>(null);
  const onDrag = useCallback(
    (name: string, width: number | null) => setDragging(width === null ? null : { name, width }),
    [],
  );
  const widthOf = useCallback(
    (info: ColumnInfo, fallback: number) =>
      dragging?.name === info.name ? dragging.width : (state.widths[info.name] ?? fallback),
    [dragging, state.widths],
  );
  const groups = result.groups ?? null;
  const grouped = groups !== null;
  // The columns in sight, in the user's order: what the rows are laid out to hold.
  const visible = useMemo(() => {
    const infos: ColumnInfo[] = groups
      ? Object.entries(groups.summaries).map(([name, s]) => ({ ...s, name }))
      : result.columns;
    return layoutColumns(infos, state.order, state.hidden, state.pinned);
  }, [groups, result.columns, state.order, state.hidden, state.pinned]);
  // The one row layout: the setting and the shape of what is drawn (a joined column stacks its
  // runs, a merged group one strip per run). Everything below reads it; nothing measures rows.
  const stacked = Math.max(1, ...[...visible.pinned, ...visible.scrolling].map((c) => c.runs ?? 1));
  const layout = useMemo(
    () => rowLayout({ rowHeight: state.rowHeight, grouped, runs: stacked }),
    [state.rowHeight, grouped, stacked],
  );
  const { height, thumb } = layout;

  const { pinned, scrolling, pinnedWidth } = useMemo(() => {
    const out: GridColumn[] = [];
    if (groups) {
      groups.by.forEach((name, i) => {
        const info = groups.columns[i] ?? { name, type: "string" };
        out.push({ info, width: widthOf(info, KEY_WIDTH), role: "key" });
      });
      const countInfo = { name: "count", type: "int" };
      out.push({ info: countInfo, width: widthOf(countInfo, COUNT_WIDTH), role: "count" });
      const fixed: GridColumn[] = [
        ...out,
        ...visible.pinned.map((info) => ({
          info,
          width: widthOf(info, columnWidth(info, true, thumb)),
          role: "summary" as const,
        })),
      ];
      let left = 0;
      for (const c of fixed) {
        c.left = left;
        left += c.width;
      }
      return {
        pinned: fixed,
        scrolling: visible.scrolling.map((info) => ({
          info,
          width: widthOf(info, columnWidth(info, true, thumb)),
          role: "summary" as const,
        })),
        pinnedWidth: left,
      };
    }
    const fixed: GridColumn[] = [
      { info: { name: "#", type: "int" }, width: INDEX_WIDTH, role: "index" },
      ...visible.pinned.map((info) => ({
        info,
        width: widthOf(info, columnWidth(info, false, thumb)),
        role: "value" as const,
      })),
    ];
    let left = 0;
    for (const c of fixed) {
      c.left = left;
      left += c.width;
    }
    return {
      pinned: fixed,
      scrolling: visible.scrolling.map((info) => ({
        info,
        width: widthOf(info, columnWidth(info, false, thumb)),
        role: "value" as const,
      })),
      pinnedWidth: left,
    };
  }, [groups, visible, thumb, widthOf]);

  const rowCount = grouped ? groups.rows.length : result.rows.length;
  // The virtualizer places rows again only when its options' identity changes, never when the
  // size it is told changes (it keeps the places computed with the old size: rows overlapped or
  // left gaps after a height change). A row's key names the height it was placed with, so a new
  // layout is a new key function and every row is placed again, in the same render.
  const rowKey = useCallback((index: number) => `${height}:${index}`, [height]);
  const rows = useVirtualizer({
    count: rowCount,
    getScrollElement: () => scroller.current,
    estimateSize: () => height,
    getItemKey: rowKey,
    overscan: 6,
  });
  // The row at the top of the view stays there when rows change height. Where the view is, in
  // rows, is noted on every scroll: once the new rows are committed the browser has already
  // clamped scrollTop to the new (maybe shorter) body, so it cannot be read back then.
  const placedWith = useRef(height);
  const viewAt = useRef(0);
  const onScroll = useCallback(() => {
    if (scroller.current) viewAt.current = scroller.current.scrollTop / placedWith.current;
  }, []);
  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element || placedWith.current === height) return;
    placedWith.current = height;
    element.scrollTop = Math.round(viewAt.current * height);
  }, [height]);
  // Columns likewise: a new set of columns or widths is a new key function, placed in this render.
  const columnKey = useCallback((index: number) => scrolling[index]?.info.name ?? index, [scrolling]);
  const cols = useVirtualizer({
    horizontal: true,
    count: scrolling.length,
    getScrollElement: () => scroller.current,
    estimateSize: (i) => scrolling[i]?.width ?? 120,
    getItemKey: columnKey,
    overscan: 3,
    scrollMargin: pinnedWidth,
  });
  const totalWidth = pinnedWidth + cols.getTotalSize();
  const visibleCols = cols.getVirtualItems();
  const before = visibleCols[0] ? visibleCols[0].start - pinnedWidth : 0;
  const after = visibleCols.length
    ? cols.getTotalSize() - ((visibleCols[visibleCols.length - 1]?.end ?? pinnedWidth) - pinnedWidth)
    : 0;
  const maxCount = grouped ? Math.max(1, ...groups.rows.map((g) => g.count)) : 1;
  const summaryInfo = (name: string): GroupColumn | undefined => groups?.summaries[name];

  // Rows re-render only when their data, the view or the columns in sight change, not on every
  // scroll frame: scrolling stays smooth with images and histograms in every row.
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new version object whenever anything drawn in a row changes.
  const version = useMemo(() => ({}), [result, state, colors.join(","), layout, pinned, scrolling]);
  const columnsKey = `${before}:${after}:${visibleCols.map((c) => c.index).join(",")}`;
  const cellStyle = (c: GridColumn): CSSProperties =>
    c.left !== undefined ? { width: c.width, left: c.left } : { width: c.width };

  const renderCell = (c: GridColumn, rowIndex: number) => {
    const name = c.info.name;
    if (grouped) {
      const group = groups.rows[rowIndex] as GroupRow;
      if (c.role === "key") {
        const value = group.key[groups.by.indexOf(name)];
        const run = runs?.sourceRun(name, value) ?? null;
        return (
          <button
            type="button"
            className="group-key"
            title={`Filter to ${name} = ${keyText(value)}`}
            onClick={() => onKey(group.key)}
          >
            {run ? <RunTag run={run} raw={value} /> : keyText(value)}
          </button>
        );
      }
      if (c.role === "count") {
        return (
          <span className="group-count-cell">
            <span className="count-bar" style={{ width: `${(group.count / maxCount) * 100}%` }} />
            <span className="num">{group.count.toLocaleString()}</span>
          </span>
        );
      }
      const summary = group.summaries[name];
      if (!summary) return <span className="cell-null">–</span>;
      return (
        <SummaryCell
          column={name}
          summary={summary}
          info={summaryInfo(name)}
          colors={runs ? runs.colorsFor(summary.kind === "runs", { by: groups.by, key: group.key }) : colors}
          width={cellBox(layout, c.width).width}
          height={layout.content}
          mode={state.histogram}
          actions={actions}
          group={{ by: groups.by, key: group.key }}
        />
      );
    }
    const row = result.rows[rowIndex] as Record<string, unknown>;
    if (c.role === "index")
      return <span className="row-index num">{(result.offset + rowIndex + 1).toLocaleString()}</span>;
    const run = runs?.sourceRun(name, row[name]) ?? null;
    if (run) return <RunTag run={run} raw={row[name]} />;
    return (
      <ValueCell
        value={row[name]}
        column={c.info}
        colors={runs ? runs.colorsFor(Boolean(c.info.runs), null) : colors}
        thumb={thumb}
        box={cellBox(layout, c.width)}
        onOpen={actions.onOpen}
      />
    );
  };

  return (
    <div
      className="xgrid"
      ref={scroller}
      role="table"
      aria-label={label}
      aria-rowcount={rowCount}
      data-grouped={grouped}
      style={layoutStyle(layout) as CSSProperties}
      onScroll={onScroll}
    >
      <div className="xthead" style={{ width: totalWidth }} role="row">
        {pinned.map((c) => (
          <HeaderCell
            key={`p-${c.info.name}`}
            column={c}
            state={state}
            style={cellStyle(c)}
            onSort={onSort}
            onMenu={onMenu}
            onDrag={onDrag}
            onResize={onResize}
          />
        ))}
        <div style={{ width: before, flex: "none" }} />
        {visibleCols.map((v) => {
          const c = scrolling[v.index];
          return c ? (
            <HeaderCell
              key={c.info.name}
              column={c}
              state={state}
              style={cellStyle(c)}
              onSort={onSort}
              onMenu={onMenu}
              onDrag={onDrag}
              onResize={onResize}
            />
          ) : null;
        })}
        <div style={{ width: after, flex: "none" }} />
      </div>
      <div className="xtbody" style={{ height: rows.getTotalSize(), width: totalWidth }}>
        {rows.getVirtualItems().map((v) => (
          <RowView
            key={v.key}
            index={v.index}
            start={v.start}
            height={height}
            width={totalWidth}
            columnsKey={columnsKey}
            version={version}
            render={() => (
              <>
                {pinned.map((c) => (
                  <div
                    key={`p-${c.info.name}`}
                    className={`xtd pinned${c.role === "key" ? " key" : ""}`}
                    role="cell"
                    data-column={c.role === "index" ? undefined : c.info.name}
                    style={cellStyle(c)}
                  >
                    {renderCell(c, v.index)}
                  </div>
                ))}
                <div style={{ width: before, flex: "none" }} />
                {visibleCols.map((vc) => {
                  const c = scrolling[vc.index];
                  return c ? (
                    <div key={c.info.name} className="xtd" role="cell" data-column={c.info.name} style={cellStyle(c)}>
                      {renderCell(c, v.index)}
                    </div>
                  ) : null;
                })}
                <div style={{ width: after, flex: "none" }} />
              </>
            )}
          />
        ))}
      </div>
    </div>
  );
}
