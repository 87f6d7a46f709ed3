// A report panel's table key: a text box that lists, as you type, the table keys the panel's runs
// logged (with how many runs and steps), so nobody has to remember a key. Typing stays free, for a
// key the runs have not logged yet or a run index such as predictions[1].
import { useId, useState } from "react";
import type { TableKey } from "../api/client";
import { plural } from "../lib/format";
import { parseKeySelection } from "../runs/runSet";

/** The steps at which any of the runs logged `key`, ascending. */
export function stepsOf(keys: readonly TableKey[] | undefined, key: string): number[] {
  const entry = keys?.find((k) => k.key === key);
  return entry ? keySteps(entry) : [];
}

/** The steps at which any of an entry's runs logged its key, ascending. */
function keySteps(entry: TableKey): number[] {
  return [...new Set(entry.runs.flatMap((run) => run.steps))].sort((a, b) => a - b);
}

/** The keys whose name contains the typed text (the run index left aside), best matches first. */
export function matchingKeys(keys: readonly TableKey[], text: string): TableKey[] {
  const needle = parseKeySelection(text).key.toLowerCase();
  if (!needle) return [...keys];
  const found = keys.filter((k) => k.key.toLowerCase().includes(needle));
  return found.sort(
    (a, b) => Number(!a.key.toLowerCase().startsWith(needle)) - Number(!b.key.toLowerCase().startsWith(needle)),
  );
}

export function KeyPicker({
  value,
  keys,
  loading,
  onChange,
}: {
  value: string;
  keys: readonly TableKey[] | undefined;
  loading: boolean;
  onChange: (key: string) => void;
}) {
  const [focused, setFocused] = useState(false);
  // A click or ArrowDown asks for the list even when the box holds a whole key already.
  const [asked, setAsked] = useState(false);
  const [active, setActive] = useState(0);
  const listId = useId();
  const all = keys ?? [];
  const exact = all.some((k) => k.key === value);
  // A key typed out in full is chosen: the list steps aside unless asked for, and then shows
  // every key (the box says what is chosen, the list what else there is).
  const options = exact ? all : matchingKeys(all, value);
  // With nothing to offer the list stays shut, so it never covers the run set below for no gain.
  const open = focused && (asked || !exact) && options.length > 0;
  const choose = (key: string) => {
    onChange(key);
    setAsked(false);
  };
  return (
    <div className="key-picker">
      <input
        className="search"
        role="combobox"
        aria-label="Panel table key"
        aria-expanded={open}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={open && options[active] ? `${listId}-${active}` : undefined}
        value={value}
        placeholder={loading ? "Loading keys…" : all.length ? "Choose or type a key" : "e.g. val_predictions"}
        onFocus={() => setFocused(true)}
        onMouseDown={() => setAsked(true)}
        // A click on an option lands before the box loses focus (options take mousedown).
        onBlur={() => {
          setFocused(false);
          setAsked(false);
        }}
        onChange={(e) => {
          onChange(e.target.value);
          setActive(0);
          setAsked(false);
          setFocused(true);
        }}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown") {
            e.preventDefault();
            if (open) setActive((i) => Math.min(options.length - 1, i + 1));
            else setAsked(true);
          } else if (e.key === "ArrowUp") {
            e.preventDefault();
            setActive((i) => Math.max(0, i - 1));
          } else if (e.key === "Enter" && open && options[active]) {
            e.preventDefault();
            choose(options[active].key);
          } else if (e.key === "Escape") {
            setAsked(false);
            if (!exact) setFocused(false);
          }
        }}
      />
      {open && (
        <ul className="key-options" id={listId} role="listbox" aria-label="Table keys">
          {options.map((k, i) => {
            const steps = keySteps(k);
            return (
              <li
                key={k.key}
                id={`${listId}-${i}`}
                role="option"
                aria-selected={k.key === value}
                className={`key-option${i === active ? " active" : ""}`}
                onMouseDown={(e) => {
                  e.preventDefault();
                  choose(k.key);
                }}
                onMouseEnter={() => setActive(i)}
              >
                <span className="key-name">{k.key}</span>
                <span className="key-meta">
                  {plural(k.runs.length, "run")}
                  {steps.length > 1 ? ` · ${plural(steps.length, "step")}` : ""}
                </span>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
