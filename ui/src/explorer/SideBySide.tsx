// Side by side: one table per run under the same filter, sort, groups and columns. The panels form
// a strip that scrolls sideways when they do not fit, scroll their rows together, and share one pager.

import type { ReactNode, RefObject } from "react";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { plural } from "../lib/format";
import type { QueryResult, SourceRef } from "./api";
import { queryDocument, useExplorerQuery } from "./api";
import type { ExplorerState } from "./state";
import type { SourceInfo } from "./Toolbar";
import { Pager } from "./Toolbar";

/**
 * Draws a result: rows, groups or the truth × guess grid (the explorer's own renderer); `view` is
 * the query document it answers (a panel's own), for what is fetched from a cell later.
 */
export type RenderResult = (
  result: QueryResult | undefined,
  pending: boolean,
  label: string,
  colors: string[],
  view?: Record<string, unknown>,
) => ReactNode;

interface PanelStatus {
  total: number;
  shown: number;
  error: string | null;
}

interface SideBySideProps {
  project: string;
  refs: SourceRef[];
  sources: SourceInfo[];
  state: ExplorerState;
  /** The runs shown, by index into the sources. */
  panels: number[];
  render: RenderResult;
  onChange: (changes: Partial<ExplorerState>) => void;
}

/** The panels of a side-by-side view and the pager they share. */
export function SideBySide({ project, refs, sources, state, panels, render, onChange }: SideBySideProps) {
  const strip = useRef<HTMLDivElement>(null);
  useScrollTogether(strip);
  const [statuses, setStatuses] = useState<Record<number, PanelStatus>>({});
  const report = useCallback(
    (index: number, status: PanelStatus) =>
      setStatuses((old) => (sameStatus(old[index], status) ? old : { ...old, [index]: status })),
    [],
  );
  const shown = panels.map((p) => statuses[p]).filter((s): s is PanelStatus => s !== undefined);
  const error = shown.find((s) => s.error)?.error ?? null;
  // All cells of a two-key grid arrive on one page; rows and groups page together, as far as the
  // run with the most of them goes.
  const grid = state.group.length === 2 && state.groupView === "grid";
  const total = Math.max(0, ...shown.map((s) => s.total));
  const most = Math.max(0, ...shown.map((s) => s.shown));
  const equal = shown.every((s) => s.total === total);
  const unit = state.group.length ? "group" : "row";
  const noun = `${total === 1 ? unit : `${unit}s`} in ${equal ? "each run" : "the largest run"}`;
  return (
    <>
      {error && (
        <div className="explorer-alert" role="alert">
          {error}
        </div>
      )}
      <div className="side-by-side" ref={strip} data-panels={panels.length}>
        {panels.map((index) => (
          <SidePanel
            key={index}
            index={index}
            project={project}
            refs={refs}
            state={state}
            source={sources[index]}
            render={render}
            onStatus={report}
          />
        ))}
      </div>
      <div className="explorer-foot side-foot">
        {!grid && shown.length > 0 && (
          <Pager
            offset={state.offset}
            size={state.pageSize}
            total={total}
            shown={most}
            noun={noun}
            onChange={onChange}
          />
        )}
      </div>
    </>
  );
}

function sameStatus(a: PanelStatus | undefined, b: PanelStatus): boolean {
  return a !== undefined && a.total === b.total && a.shown === b.shown && a.error === b.error;
}

interface SidePanelProps {
  index: number;
  project: string;
  refs: SourceRef[];
  state: ExplorerState;
  source: SourceInfo | undefined;
  render: RenderResult;
  onStatus: (index: number, status: PanelStatus) => void;
}

/** One run of a side-by-side view: the same filter, sort and groups on that run alone. */
function SidePanel({ index, project, refs, state, source, render, onStatus }: SidePanelProps) {
  const document = useMemo(() => queryDocument(state, refs.length, index), [state, refs.length, index]);
  const query = useExplorerQuery(project, refs, document);
  const data = query.data;
  const groups = data?.groups ?? null;
  const total = data?.total ?? 0;
  const shown = groups ? groups.rows.length : (data?.rows.length ?? 0);
  const error = query.error?.message ?? null;
  useEffect(() => {
    if (data || error) onStatus(index, { total, shown, error });
  }, [index, data, total, shown, error, onStatus]);
  const color = source?.color ?? "#888";
  const label = source?.label ?? `run ${index}`;
  // The run's index in the panel's run set, the one a merged expression's [i] means.
  const shownIndex = source?.index ?? index;
  return (
    <section
      className="side-panel"
      data-panel={index}
      style={{ borderTopColor: color }}
      aria-label={`[${shownIndex}] ${label}`}
    >
      <header className="side-title" title={label}>
        <span className="swatch" style={{ background: color }} />
        <span className="legend-index">[{shownIndex}]</span>
        <span className="side-label">{label}</span>
        {data && (
          <span className="side-count muted">
            {groups ? `${plural(groups.total_rows, "row")} · ${plural(groups.total, "group")}` : plural(total, "row")}
          </span>
        )}
      </header>
      <div className="explorer-body">{render(data, query.isPending, `Rows of run ${index}`, [color], document)}</div>
    </section>
  );
}

/**
 * Scrolling one panel's grid scrolls the others to the same place (rows and columns), so the
 * same position reads across runs. A scroll we caused is recognised by the position we set and
 * not passed on again; a panel with fewer rows stops at its end without pulling the others back.
 */
function useScrollTogether(strip: RefObject<HTMLDivElement | null>) {
  useEffect(() => {
    const root = strip.current;
    if (!root) return;
    const driven = new WeakMap<Element, { top: number; left: number }>();
    const onScroll = (event: Event) => {
      const source = event.target;
      if (!(source instanceof HTMLElement) || !source.classList.contains("xgrid")) return;
      const expected = driven.get(source);
      driven.delete(source);
      if (expected && expected.top === source.scrollTop && expected.left === source.scrollLeft) return;
      for (const other of root.querySelectorAll<HTMLElement>(".xgrid")) {
        if (other === source) continue;
        const before = { top: other.scrollTop, left: other.scrollLeft };
        other.scrollTop = source.scrollTop;
        other.scrollLeft = source.scrollLeft;
        const after = { top: other.scrollTop, left: other.scrollLeft };
        if (after.top !== before.top || after.left !== before.left) driven.set(other, after);
      }
    };
    // Scroll events do not bubble; listening in the capture phase hears every panel's grid.
    root.addEventListener("scroll", onScroll, true);
    return () => root.removeEventListener("scroll", onScroll, true);
  }, [strip]);
}
