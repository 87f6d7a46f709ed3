// The explorer's controls: merge settings, steps, row height, columns, export, and the pager.
import type { KeyboardEvent, ReactNode } from "react";
import type { ColumnInfo } from "./api";
import type { ExplorerState, RowHeight } from "./state";
import { PAGE_SIZES, ROW_HEIGHT_LABELS } from "./state";

export interface SourceInfo {
  label: string;
  color: string;
  /** The run's index in its panel's run set (runs/runSet.ts); by default its position here. */
  index?: number | null;
}

/**
 * A row of mutually exclusive choices (a WAI-ARIA radio group): one Tab stop, the checked choice;
 * arrow keys move to and choose the next or previous one, Home and End the first and last.
 */
export function Segmented<T extends string>({
  value,
  options,
  onChange,
  label,
}: {
  value: T;
  options: { value: T; label: ReactNode; title?: string }[];
  onChange: (value: T) => void;
  label: string;
}) {
  const at = Math.max(
    0,
    options.findIndex((o) => o.value === value),
  );
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[event.key];
    const next =
      step !== undefined
        ? (at + step + options.length) % options.length
        : event.key === "Home"
          ? 0
          : event.key === "End"
            ? options.length - 1
            : null;
    const option = next === null ? undefined : options[next];
    if (!option) return;
    event.preventDefault();
    onChange(option.value);
    event.currentTarget.querySelectorAll<HTMLElement>("[role=radio]")[next ?? 0]?.focus();
  };
  return (
    <div className="segmented" role="radiogroup" aria-label={label} onKeyDown={onKeyDown}>
      {options.map((o, i) => (
        <button
          key={o.value}
          type="button"
          role="radio"
          aria-checked={value === o.value}
          tabIndex={i === at ? 0 : -1}
          className={value === o.value ? "on" : undefined}
          title={o.title}
          onClick={() => onChange(o.value)}
        >
          {o.label}
        </button>
      ))}
    </div>
  );
}

/** Four row heights, drawn as lines of growing height. */
export function RowHeightPicker({ value, onChange }: { value: RowHeight; onChange: (value: RowHeight) => void }) {
  const bars: Record<RowHeight, number> = { s: 3, m: 5, l: 8, xl: 11 };
  return (
    <Segmented
      label="Row height"
      value={value}
      onChange={onChange}
      options={(Object.keys(bars) as RowHeight[]).map((size) => ({
        value: size,
        title: `${ROW_HEIGHT_LABELS[size]} rows`,
        label: (
          <svg width="14" height="14" viewBox="0 0 14 14" aria-label={`${ROW_HEIGHT_LABELS[size]} rows`}>
            <rect x="1" y={7 - bars[size] / 2} width="12" height={bars[size]} rx="1.5" fill="currentColor" />
          </svg>
        ),
      }))}
    />
  );
}

interface MergeProps {
  state: ExplorerState;
  sources: SourceInfo[];
  columns: ColumnInfo[];
  onChange: (changes: Partial<ExplorerState>) => void;
}

/** How several runs' tables combine: join (on what, inner/outer), concatenate, or side by side. */
export function MergeControls({ state, sources, columns, onChange }: MergeProps) {
  const keyChoices = columns.filter((c) => !c.runs && c.type !== "list" && c.type !== "null").map((c) => c.name);
  const panels = state.panels.length ? state.panels : sources.map((_, i) => i);
  return (
    <div className="merge-controls" role="group" aria-label="Merge">
      <Segmented
        label="Merge mode"
        value={state.merge}
        onChange={(merge) => onChange({ merge })}
        options={[
          { value: "join", label: "Join", title: "One row per key, each run's value in its color" },
          { value: "concat", label: "Concatenate", title: "Append the runs' rows, with a source column" },
          { value: "side_by_side", label: "Side by side", title: "One table per run, same filter, sort and groups" },
        ]}
      />
      {state.merge === "join" && (
        <>
          <label className="control">
            on
            <select aria-label="Join on" value={state.on} onChange={(event) => onChange({ on: event.target.value })}>
              <option value="">id, else image (default)</option>
              <option value="id">id</option>
              <option value="image">image hash</option>
              {keyChoices
                .filter((name) => name !== "id" && name !== "image")
                .map((name) => (
                  <option key={name} value={name}>
                    {name}
                  </option>
                ))}
            </select>
          </label>
          <Segmented
            label="Join type"
            value={state.how}
            onChange={(how) => onChange({ how })}
            options={[
              { value: "inner", label: "inner" },
              { value: "outer", label: "outer" },
            ]}
          />
        </>
      )}
      {state.merge === "side_by_side" && (
        <div className="panel-picker" role="group" aria-label="Runs shown">
          {sources.map((s, i) => {
            const on = panels.includes(i);
            return (
              <button
                key={i}
                type="button"
                className={`index-chip${on ? " on" : ""}`}
                aria-pressed={on}
                title={s.label}
                style={{ borderColor: s.color, background: on ? s.color : undefined }}
                onClick={() => {
                  const next = on ? panels.filter((p) => p !== i) : [...panels, i];
                  onChange({ panels: next.length === sources.length && next.every((p, j) => p === j) ? [] : next });
                }}
              >
                [{i}]
              </button>
            );
          })}
        </div>
      )}
    </div>
  );
}

/** The legend of runs and their colors, with their index for row["x"][i]. */
export function RunLegend({ sources }: { sources: SourceInfo[] }) {
  return (
    <div className="run-legend" data-testid="run-legend">
      {sources.map((s, i) => (
        <span key={i} className="legend-item" title={s.label} data-index={s.index ?? i}>
          <span className="swatch" style={{ background: s.color }} data-color={s.color} />
          <span className="legend-index">[{s.index ?? i}]</span> <span className="legend-label">{s.label}</span>
        </span>
      ))}
    </div>
  );
}

interface PagerProps {
  offset: number;
  size: number;
  total: number;
  shown: number;
  noun: string;
  onChange: (changes: Partial<ExplorerState>) => void;
}

/** "a–b of N" with previous/next and the page size. */
export function Pager({ offset, size, total, shown, noun, onChange }: PagerProps) {
  const first = total === 0 ? 0 : offset + 1;
  const last = offset + shown;
  return (
    <div className="pager" role="group" aria-label="Pages">
      <span className="pager-range" data-testid="pager-range">
        {first.toLocaleString()}–{last.toLocaleString()} of {total.toLocaleString()} {noun}
      </span>
      <button
        type="button"
        className="icon-button"
        aria-label="First page"
        disabled={offset === 0}
        onClick={() => onChange({ offset: 0 })}
      >
        «
      </button>
      <button
        type="button"
        className="icon-button"
        aria-label="Previous page"
        disabled={offset === 0}
        onClick={() => onChange({ offset: Math.max(0, offset - size) })}
      >
        ‹
      </button>
      <button
        type="button"
        className="icon-button"
        aria-label="Next page"
        disabled={last >= total}
        onClick={() => onChange({ offset: offset + size })}
      >
        ›
      </button>
      <select
        aria-label="Rows per page"
        value={size}
        onChange={(event) => onChange({ pageSize: Number(event.target.value) })}
      >
        {PAGE_SIZES.map((n) => (
          <option key={n} value={n}>
            {n} / page
          </option>
        ))}
      </select>
    </div>
  );
}

/** Step of a per-step table, and a second step of the same run to compare with. */
export function StepControls({
  steps,
  step,
  compare,
  canCompare,
  onChange,
}: {
  steps: number[];
  step: number | null;
  compare: number | null;
  canCompare: boolean;
  onChange: (changes: Partial<ExplorerState>) => void;
}) {
  if (steps.length < 2) return null;
  const current = step ?? steps[steps.length - 1] ?? 0;
  const index = Math.max(0, steps.indexOf(current));
  return (
    <div className="step-controls">
      <label className="control">
        step
        <input
          type="range"
          aria-label="Step"
          min={0}
          max={steps.length - 1}
          value={index}
          onChange={(event) => onChange({ step: steps[Number(event.target.value)] ?? null })}
        />
        <span className="control-value" data-testid="step-value">
          {current}
        </span>
      </label>
      {canCompare && (
        <label className="control">
          compare with
          <select
            aria-label="Compare with step"
            value={compare ?? ""}
            onChange={(event) => onChange({ compare: event.target.value === "" ? null : Number(event.target.value) })}
          >
            <option value="">—</option>
            {steps
              .filter((s) => s !== current)
              .map((s) => (
                <option key={s} value={s}>
                  step {s}
                </option>
              ))}
          </select>
        </label>
      )}
    </div>
  );
}
