// The filter box: the query language with column and function completion, and errors in place.

import type { KeyboardEvent } from "react";
import { useEffect, useMemo, useRef, useState } from "react";
import type { ColumnInfo } from "./api";
import { columnPrefixAt, wordAt } from "./expr";

interface Props {
  value: string;
  onApply: (text: string) => void;
  columns: ColumnInfo[];
  functions: string[];
  error: { message: string; position: number | null } | null;
  placeholder?: string;
  label?: string;
}

interface Suggestion {
  label: string;
  detail: string;
  insert: string;
  start: number;
}

const TOKEN = /^("(?:[^"\\]|\\.)*"?|[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d*)?|.)/;

/** The span of text an error position points at (a whole word or string, not just one char). */
export function errorSpan(text: string, position: number): [number, number] {
  const at = Math.max(0, Math.min(position, text.length));
  const match = TOKEN.exec(text.slice(at));
  return [at, at + Math.max(1, match?.[0].length ?? 1)];
}

export function FilterEditor({
  value,
  onApply,
  columns,
  functions,
  error,
  placeholder,
  label = "Filter expression",
}: Props) {
  const [draft, setDraft] = useState(value);
  const [cursor, setCursor] = useState(0);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const [scroll, setScroll] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => setDraft(value), [value]);
  useEffect(() => {
    // "/" jumps to the filter, as in most data tools (only when one explorer is on the page).
    const onKey = (event: globalThis.KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (event.key !== "/" || target?.closest("input, textarea, select, [contenteditable=true]")) return;
      if (document.querySelectorAll(".filter-input").length !== 1) return;
      event.preventDefault();
      input.current?.focus();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  const suggestions = useMemo((): Suggestion[] => {
    const column = columnPrefixAt(draft, cursor);
    if (column) {
      const prefix = column.prefix.toLowerCase();
      const closing = draft.slice(cursor).startsWith('"]') ? "" : '"]';
      return columns
        .filter((c) => c.name.toLowerCase().includes(prefix))
        .sort(
          (a, b) => Number(!a.name.toLowerCase().startsWith(prefix)) - Number(!b.name.toLowerCase().startsWith(prefix)),
        )
        .slice(0, 50)
        .map((c) => ({
          label: c.name,
          detail: c.runs ? `${c.type} × ${c.runs} runs` : c.type,
          insert: JSON.stringify(c.name).slice(1, -1) + closing,
          start: column.start,
        }));
    }
    const word = wordAt(draft, cursor);
    if (!word || word.word.length < 1) return [];
    const lower = word.word.toLowerCase();
    const words = [
      ...functions.map((f) => ({ label: `${f}(`, detail: "function", insert: `${f}(` })),
      { label: 'row["', detail: "column", insert: 'row["' },
      ...["and", "or", "not", "in"].map((k) => ({ label: k, detail: "keyword", insert: `${k} ` })),
    ];
    return words
      .filter((w) => w.label.toLowerCase().startsWith(lower) && w.label.toLowerCase() !== lower)
      .map((w) => ({ ...w, start: word.start }));
  }, [draft, cursor, columns, functions]);

  const accept = (s: Suggestion) => {
    const next = draft.slice(0, s.start) + s.insert + draft.slice(cursor);
    const at = s.start + s.insert.length;
    setDraft(next);
    setCursor(at);
    setActive(0);
    requestAnimationFrame(() => {
      input.current?.focus();
      input.current?.setSelectionRange(at, at);
      // After a column name, offer the next thing to type only when asked.
      setOpen(s.insert.endsWith("(") || s.insert === 'row["');
    });
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    const showing = open && suggestions.length > 0;
    if (showing && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      event.preventDefault();
      const delta = event.key === "ArrowDown" ? 1 : -1;
      setActive((active + delta + suggestions.length) % suggestions.length);
      return;
    }
    if (showing && (event.key === "Tab" || (event.key === "Enter" && !event.metaKey && !event.ctrlKey))) {
      const chosen = suggestions[active];
      if (chosen) {
        event.preventDefault();
        accept(chosen);
        return;
      }
    }
    if (event.key === "Enter") {
      event.preventDefault();
      setOpen(false);
      onApply(draft);
    } else if (event.key === "Escape") {
      if (showing) setOpen(false);
      else setDraft(value);
    }
  };

  const span = error && error.position !== null && draft === value ? errorSpan(draft, error.position) : null;
  return (
    <div className={`filter-editor${error ? " has-error" : ""}`}>
      <div className="filter-box">
        <span className="filter-icon" aria-hidden="true">
          <svg
            aria-hidden="true"
            width="14"
            height="14"
            viewBox="0 0 24 24"
            fill="none"
            stroke="currentColor"
            strokeWidth="2"
          >
            <path d="M3 5h18l-7 8v6l-4 2v-8z" />
          </svg>
        </span>
        <div className="filter-field">
          <input
            ref={input}
            className="filter-input"
            aria-label={label}
            spellCheck={false}
            autoComplete="off"
            placeholder={placeholder ?? 'Filter rows, e.g. row["truth"] != row["guess"]   (press / to focus)'}
            value={draft}
            onChange={(event) => {
              setDraft(event.target.value);
              setCursor(event.target.selectionStart ?? event.target.value.length);
              setOpen(true);
              setActive(0);
            }}
            onSelect={(event) => setCursor(event.currentTarget.selectionStart ?? 0)}
            onScroll={(event) => setScroll(event.currentTarget.scrollLeft)}
            onKeyDown={onKeyDown}
            onBlur={() => setTimeout(() => setOpen(false), 120)}
          />
          {span && (
            <div className="filter-mirror" aria-hidden="true" style={{ transform: `translateX(${-scroll}px)` }}>
              {draft.slice(0, span[0])}
              <span className="filter-squiggle">{draft.slice(span[0], span[1]) || " "}</span>
            </div>
          )}
          {open && suggestions.length > 0 && (
            <ul className="completions" role="listbox" aria-label="Completions">
              {suggestions.map((s, i) => (
                <li
                  key={`${s.detail}-${s.label}`}
                  role="option"
                  aria-selected={i === active}
                  className={i === active ? "active" : undefined}
                  onMouseDown={(event) => {
                    event.preventDefault();
                    accept(s);
                  }}
                >
                  <span className="completion-label">{s.label}</span>
                  <span className="completion-detail">{s.detail}</span>
                </li>
              ))}
            </ul>
          )}
        </div>
        {draft !== value && (
          <button type="button" className="button small primary" onClick={() => onApply(draft)}>
            Apply
          </button>
        )}
        {value && (
          <button
            type="button"
            className="icon-button"
            aria-label="Clear filter"
            title="Clear filter"
            onClick={() => {
              setDraft("");
              onApply("");
            }}
          >
            ×
          </button>
        )}
      </div>
      {error && (
        <div className="filter-error" role="alert">
          {error.message}
          <span className="filter-error-note"> — showing the last good result</span>
        </div>
      )}
    </div>
  );
}
