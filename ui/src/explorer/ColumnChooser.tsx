// Choose, reorder, hide and pin columns; "Reset columns" goes back to the table as logged.
// From the keyboard: the search box has focus on open, ↓/↑ walk the columns' checkboxes, Space or
// Enter shows or hides one, Alt+↑/↓ moves it, Escape closes and returns to the Columns button.
import type { KeyboardEvent } from "react";
import { useRef, useState } from "react";
import type { ColumnInfo } from "./api";
import { moveColumn, orderColumns } from "./columns";
import { moveFocus, Popover } from "./menus";
import type { ExplorerState } from "./state";

interface Props {
  columns: ColumnInfo[];
  state: ExplorerState;
  anchor: DOMRect;
  onChange: (changes: Partial<ExplorerState>) => void;
  onReset: () => void;
  onClose: () => void;
}

export function ColumnChooser({ columns, state, anchor, onChange, onReset, onClose }: Props) {
  const [search, setSearch] = useState("");
  const [dragging, setDragging] = useState<string | null>(null);
  const ordered = orderColumns(columns, state.order);
  const hidden = new Set(state.hidden);
  const pinned = new Set(state.pinned);
  const needle = search.toLowerCase();
  const shown = ordered.filter((c) => c.name.toLowerCase().includes(needle));
  const toggle = (name: string) =>
    onChange({ hidden: hidden.has(name) ? state.hidden.filter((h) => h !== name) : [...state.hidden, name] });
  const pin = (name: string) =>
    onChange({ pinned: pinned.has(name) ? state.pinned.filter((p) => p !== name) : [...state.pinned, name] });
  const visibleCount = ordered.length - ordered.filter((c) => hidden.has(c.name)).length;
  const body = useRef<HTMLDivElement>(null);
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const target = event.target as HTMLElement;
    const name = target.closest<HTMLElement>(".chooser-item")?.dataset.column;
    const checkbox = target instanceof HTMLInputElement && target.type === "checkbox";
    if (name && checkbox && event.altKey && (event.key === "ArrowUp" || event.key === "ArrowDown")) {
      event.preventDefault();
      onChange({ order: moveColumn(columns, state.order, name, event.key === "ArrowUp" ? -1 : 1) });
      return;
    }
    if (checkbox && event.key === "Enter") {
      event.preventDefault();
      target.click();
      return;
    }
    if (event.key === "ArrowUp" || event.key === "ArrowDown")
      moveFocus(event, body.current, "input.search, .chooser-list input[type=checkbox]", false);
  };
  return (
    <Popover anchor={anchor} onClose={onClose} className="chooser" align="right">
      <div ref={body} onKeyDown={onKeyDown}>
        <div className="chooser-head">
          <input
            className="search"
            placeholder={`Search ${columns.length} columns`}
            aria-label="Search columns"
            value={search}
            onChange={(event) => setSearch(event.target.value)}
            // biome-ignore lint/a11y/noAutofocus: the user opened the chooser to search it.
            autoFocus
          />
        </div>
        <div className="chooser-actions">
          <span className="muted">
            {visibleCount} of {ordered.length} shown
          </span>
          <button type="button" className="link-button" onClick={() => onChange({ hidden: [] })}>
            Show all
          </button>
          <button
            type="button"
            className="link-button"
            onClick={() =>
              onChange({
                hidden: shown.map((c) => c.name).concat(state.hidden.filter((h) => !shown.some((c) => c.name === h))),
              })
            }
          >
            Hide {search ? "matching" : "all"}
          </button>
          <button type="button" className="link-button" onClick={onReset}>
            Reset columns
          </button>
        </div>
        <ul className="chooser-list" aria-label="Columns">
          {shown.map((column) => (
            <li
              key={column.name}
              className={`chooser-item${dragging === column.name ? " dragging" : ""}`}
              draggable
              onDragStart={() => setDragging(column.name)}
              onDragEnd={() => setDragging(null)}
              onDragOver={(event) => event.preventDefault()}
              onDrop={() => {
                if (!dragging || dragging === column.name) return;
                const names = ordered.map((c) => c.name);
                const delta = names.indexOf(column.name) - names.indexOf(dragging);
                onChange({ order: moveColumn(columns, state.order, dragging, delta) });
              }}
              data-column={column.name}
            >
              <span className="drag-handle" aria-hidden="true">
                ⋮⋮
              </span>
              <label className="chooser-check">
                <input
                  type="checkbox"
                  checked={!hidden.has(column.name)}
                  onChange={() => toggle(column.name)}
                  aria-label={`Show ${column.name}`}
                />
                <span className="chooser-name" title={column.name}>
                  {column.name}
                </span>
              </label>
              <span className="chooser-type">{column.runs ? `${column.type}×${column.runs}` : column.type}</span>
              <button
                type="button"
                className={`icon-button${pinned.has(column.name) ? " on" : ""}`}
                title={pinned.has(column.name) ? "Unpin" : "Pin to the left"}
                aria-label={`Pin ${column.name}`}
                aria-pressed={pinned.has(column.name)}
                onClick={() => pin(column.name)}
              >
                📌
              </button>
              <button
                type="button"
                className="icon-button"
                aria-label={`Move ${column.name} up`}
                onClick={() => onChange({ order: moveColumn(columns, state.order, column.name, -1) })}
              >
                ↑
              </button>
              <button
                type="button"
                className="icon-button"
                aria-label={`Move ${column.name} down`}
                onClick={() => onChange({ order: moveColumn(columns, state.order, column.name, 1) })}
              >
                ↓
              </button>
            </li>
          ))}
        </ul>
      </div>
    </Popover>
  );
}
