// Popovers of the explorer: a column's header menu and the "insert column" dialog, and the keyboard
// rules they share (the WAI-ARIA menu button pattern: focus moves in on open, arrows move, Enter
// activates, Escape closes and gives focus back to the button that opened it).

import type { KeyboardEvent as ReactKeyboardEvent, ReactNode, RefObject } from "react";
import { useEffect, useLayoutEffect, useRef, useState } from "react";
import type { ColumnInfo } from "./api";
import { columnRef } from "./expr";
import type { DerivedColumn, ExplorerState } from "./state";

/**
 * What gets focus back when a popover or dialog closes: the element focused as it opened, or, when
 * that was an item of a menu (the dialog an item opened), the button of that menu, which carries
 * the menu's label.
 */
function openerOf(active: Element | null): HTMLElement | string | null {
  const menu = active?.closest("[role=menu]");
  if (menu) return menu.getAttribute("aria-label");
  return active instanceof HTMLElement && active !== document.body ? active : null;
}

/**
 * Give focus back to the opener (openerOf) on Escape, on choosing an item, or on a click elsewhere
 * (that click then moves focus on as it would).
 */
function useFocusReturn(popover: RefObject<HTMLElement | null>) {
  // Read while rendering: by the time effects run, a field inside may already have taken focus.
  const [opener] = useState(() => openerOf(document.activeElement));
  useLayoutEffect(
    () => () => {
      const active = document.activeElement;
      const inside = active === null || active === document.body || popover.current?.contains(active);
      if (opener && inside) returnFocus(opener);
    },
    [opener, popover],
  );
}

const FOLLOW_MS = 5000;

/**
 * Focus `opener` (an element, or the label of one); if the view then draws it again (choosing
 * "Group by" redraws the grid's headers once the grouped rows arrive) and focus falls to the page,
 * the new element with the same label takes it. This stops at the user's next focus move or
 * press, or after a few seconds.
 */
function returnFocus(opener: HTMLElement | string) {
  const label = typeof opener === "string" ? opener : opener.getAttribute("aria-label");
  const selector = label ? `[aria-label="${CSS.escape(label)}"]:not([role=menu])` : null;
  const target = typeof opener === "string" ? null : opener;
  (target?.isConnected ? target : selector ? document.querySelector<HTMLElement>(selector) : null)?.focus();
  if (!selector) return;
  const observer = new MutationObserver(() => {
    if (document.activeElement && document.activeElement !== document.body) return;
    document.querySelector<HTMLElement>(selector)?.focus();
  });
  const stop = () => {
    observer.disconnect();
    document.removeEventListener("focusin", onFocus);
    document.removeEventListener("pointerdown", stop, true);
    window.clearTimeout(timer);
  };
  const onFocus = (event: FocusEvent) => {
    if (!(event.target instanceof Element && event.target.matches(selector))) stop();
  };
  const timer = window.setTimeout(stop, FOLLOW_MS);
  observer.observe(document.body, { childList: true, subtree: true });
  document.addEventListener("focusin", onFocus);
  // A press anywhere is the reader moving on, even where it moves focus to no element.
  document.addEventListener("pointerdown", stop, true);
}

/** Items of a menu or list that arrow keys move between, in document order. */
function focusables(root: HTMLElement, selector: string): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(selector)].filter(
    (e) => !(e as HTMLButtonElement).disabled && e.offsetParent !== null,
  );
}

/**
 * Arrow keys (and Home/End) move focus among the `selector` items inside `root`, wrapping around;
 * returns whether the key was used. A printable key jumps to the next item starting with it.
 */
export function moveFocus(
  event: ReactKeyboardEvent,
  root: HTMLElement | null,
  selector: string,
  typeahead = true,
): boolean {
  if (!root) return false;
  const items = focusables(root, selector);
  if (!items.length) return false;
  const at = items.indexOf(document.activeElement as HTMLElement);
  let next: number | null = null;
  if (event.key === "ArrowDown") next = at < 0 ? 0 : (at + 1) % items.length;
  else if (event.key === "ArrowUp") next = at < 0 ? items.length - 1 : (at - 1 + items.length) % items.length;
  else if (event.key === "Home") next = 0;
  else if (event.key === "End") next = items.length - 1;
  else if (typeahead && event.key.length === 1 && /\S/.test(event.key) && !event.ctrlKey && !event.metaKey) {
    const key = event.key.toLowerCase();
    for (let step = 1; step <= items.length; step++) {
      const candidate = (Math.max(at, 0) + step) % items.length;
      if ((items[candidate]?.textContent ?? "").trim().toLowerCase().startsWith(key)) {
        next = candidate;
        break;
      }
    }
  }
  if (next === null) return false;
  event.preventDefault();
  items[next]?.focus();
  return true;
}

/** A floating panel below `anchor` that closes on Escape or a click elsewhere. */
export function Popover({
  anchor,
  onClose,
  children,
  className = "",
  align = "left",
  role = "dialog",
}: {
  anchor: DOMRect;
  onClose: () => void;
  children: ReactNode;
  className?: string;
  align?: "left" | "right";
  role?: "dialog" | "none";
}) {
  const ref = useRef<HTMLDivElement>(null);
  useFocusReturn(ref);
  useEffect(() => {
    const onDown = (event: MouseEvent) => {
      if (ref.current && !ref.current.contains(event.target as Node)) onClose();
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") {
        event.preventDefault();
        onClose();
      }
    };
    document.addEventListener("mousedown", onDown);
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("mousedown", onDown);
      document.removeEventListener("keydown", onKey);
    };
  }, [onClose]);
  const style =
    align === "right"
      ? { top: anchor.bottom + 4, right: Math.max(8, window.innerWidth - anchor.right) }
      : { top: anchor.bottom + 4, left: Math.min(anchor.left, window.innerWidth - 260) };
  return (
    <div ref={ref} className={`popover ${className}`} style={style} role={role}>
      {children}
    </div>
  );
}

/**
 * A menu of `role="menuitem"` buttons: the first item takes focus on open, arrows move, Enter or
 * Space activates (they are buttons), Tab closes the menu like Escape.
 */
function Menu({ label, onClose, children }: { label: string; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    if (ref.current) focusables(ref.current, "[role=menuitem]")[0]?.focus();
  }, []);
  return (
    <div
      ref={ref}
      role="menu"
      aria-label={label}
      aria-orientation="vertical"
      tabIndex={-1}
      onKeyDown={(event) => {
        if (moveFocus(event, ref.current, "[role=menuitem]")) return;
        if (event.key === "Tab") {
          event.preventDefault();
          onClose();
        }
      }}
    >
      {children}
    </div>
  );
}

interface HeaderMenuProps {
  column: ColumnInfo;
  state: ExplorerState;
  anchor: DOMRect;
  onChange: (changes: Partial<ExplorerState>) => void;
  onInsert: (after: string) => void;
  onClose: () => void;
}

/** Sort, multi-sort, group, pin, hide and insert a derived column, from a column's header. */
export function HeaderMenu({ column, state, anchor, onChange, onInsert, onClose }: HeaderMenuProps) {
  const name = column.name;
  const sortIndex = state.sort.findIndex((s) => s.column === name);
  const others = state.sort.filter((s) => s.column !== name);
  const grouped = state.group.includes(name);
  const derived = state.derived.some((d) => d.name === name);
  const pinned = state.pinned.includes(name);
  const item = (label: string, action: () => void, hint?: string) => (
    <button
      type="button"
      role="menuitem"
      tabIndex={-1}
      className="menu-item"
      onClick={() => {
        action();
        onClose();
      }}
    >
      <span>{label}</span>
      {hint && <span className="menu-hint">{hint}</span>}
    </button>
  );
  return (
    <Popover anchor={anchor} onClose={onClose} className="menu" role="none">
      <Menu label={`${name} column menu`} onClose={onClose}>
        <div className="menu-title" aria-hidden="true">
          {name}
        </div>
        {item("Sort ascending", () => onChange({ sort: [{ column: name, descending: false }] }), "A→Z")}
        {item("Sort descending", () => onChange({ sort: [{ column: name, descending: true }] }), "Z→A")}
        {others.length > 0 &&
          item(
            "Add to sort, ascending",
            () => onChange({ sort: [...others, { column: name, descending: false }] }),
            `key ${others.length + 1}`,
          )}
        {others.length > 0 &&
          item(
            "Add to sort, descending",
            () => onChange({ sort: [...others, { column: name, descending: true }] }),
            `key ${others.length + 1}`,
          )}
        {sortIndex >= 0 && item("Remove sort", () => onChange({ sort: others }))}
        <div className="menu-sep" role="separator" />
        {!grouped && item(`Group by ${name}`, () => onChange({ group: [name] }))}
        {!grouped &&
          state.group.length === 1 &&
          item(`Group by ${state.group[0]} then ${name}`, () => onChange({ group: [...state.group, name] }), "grid")}
        {grouped && item("Ungroup", () => onChange({ group: state.group.filter((g) => g !== name) }))}
        <div className="menu-sep" role="separator" />
        {item("Insert column…", () => onInsert(name), "expression")}
        {item(pinned ? "Unpin" : "Pin to the left", () =>
          onChange({ pinned: pinned ? state.pinned.filter((p) => p !== name) : [...state.pinned, name] }),
        )}
        {item("Hide column", () => onChange({ hidden: [...state.hidden, name] }))}
        {derived &&
          item("Remove column", () =>
            onChange({
              derived: state.derived.filter((d) => d.name !== name),
              sort: others,
              group: state.group.filter((g) => g !== name),
            }),
          )}
      </Menu>
    </Popover>
  );
}

/** A good first expression for a new column next to `after`. */
export function suggestExpression(after: ColumnInfo | undefined): string {
  if (!after) return "";
  if (after.runs && (after.type === "float" || after.type === "int")) return `stddev(${columnRef(after.name)})`;
  if (after.type === "float" || after.type === "int") return `round(${columnRef(after.name)}, 2)`;
  if (after.type === "string") return `lower(${columnRef(after.name)})`;
  return columnRef(after.name);
}

function freeName(base: string, taken: Set<string>): string {
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}_${i}`)) return `${base}_${i}`;
}

interface InsertProps {
  after: ColumnInfo | undefined;
  columns: ColumnInfo[];
  error: string | null;
  onInsert: (column: DerivedColumn) => void;
  onClose: () => void;
}

/** The "insert column" dialog: a name and an expression (e.g. stddev over a joined column). */
export function InsertColumnDialog({ after, columns, error, onInsert, onClose }: InsertProps) {
  const taken = new Set(columns.map((c) => c.name));
  const guess = suggestExpression(after);
  const [name, setName] = useState(freeName(guess.startsWith("stddev") ? "disagreement" : "derived", taken));
  const [expr, setExpr] = useState(guess);
  const clash = taken.has(name);
  const form = useRef<HTMLFormElement>(null);
  useFocusReturn(form);
  return (
    <div className="modal-backdrop" onMouseDown={(event) => event.target === event.currentTarget && onClose()}>
      <form
        ref={form}
        className="modal insert-dialog"
        aria-label="Insert column"
        onKeyDown={(event) => {
          if (event.key === "Escape") {
            event.preventDefault();
            onClose();
          }
        }}
        onSubmit={(event) => {
          event.preventDefault();
          if (name.trim() && expr.trim() && !clash) onInsert({ name: name.trim(), expr: expr.trim() });
        }}
      >
        <h2>Insert column</h2>
        <label className="field">
          <span>Name</span>
          {/* biome-ignore lint/a11y/noAutofocus: the user opened this dialog to type a name. */}
          <input aria-label="Column name" value={name} onChange={(event) => setName(event.target.value)} autoFocus />
        </label>
        {clash && <div className="field-error">A column called {JSON.stringify(name)} exists already.</div>}
        <label className="field">
          <span>Expression</span>
          <input
            aria-label="Column expression"
            className="mono"
            value={expr}
            spellCheck={false}
            onChange={(event) => setExpr(event.target.value)}
          />
        </label>
        <p className="muted small">
          Any expression of the filter language; on joined runs, reduce the per-run values with avg, stddev, min, max or
          index one run with [0].
        </p>
        {error && <div className="field-error">{error}</div>}
        <div className="modal-actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button primary" disabled={!name.trim() || !expr.trim() || clash}>
            Insert
          </button>
        </div>
      </form>
    </div>
  );
}
