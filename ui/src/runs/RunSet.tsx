// The run set below a table panel: each run with its colour, index and name, an eye to show or
// hide it, "only this", and a search box. Hosts keep the state (the URL, a report's JSON).
import { useCallback, useMemo, useState } from "react";
import { useSearchParams } from "react-router-dom";
import { decodeList, encodeList } from "../explorer/state";
import { plural } from "../lib/format";
import type { RunIdentity } from "./runSet";
import { HIDDEN_PARAM, hiddenIds, onlyThis, searchMembers, toggleHidden } from "./runSet";
import "./runSet.css";

/** Run sets this long get a search box; shorter ones read at a glance. */
const SEARCH_FROM = 5;

export interface RunSetProps {
  members: RunIdentity[];
  /** The ids to hide, in run-set order, after an eye, "only" or "Show all" is clicked. */
  onHide: (ids: string[]) => void;
  /** The index typed after the table key ("predictions[2]"): that run alone is in the panel. */
  selected?: number | null;
  /** What the members are: "run" (the default) or "version". */
  noun?: string;
}

function EyeIcon({ open }: { open: boolean }) {
  return (
    <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      <path
        d="M1.5 8s2.4-4.5 6.5-4.5S14.5 8 14.5 8 12.1 12.5 8 12.5 1.5 8 1.5 8Z"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.4"
      />
      {open ? (
        <circle cx="8" cy="8" r="2.2" fill="currentColor" />
      ) : (
        <path d="M2.5 13.5 13.5 2.5" stroke="currentColor" strokeWidth="1.4" />
      )}
    </svg>
  );
}

export function RunSet({ members, onHide, selected = null, noun = "run" }: RunSetProps) {
  const [search, setSearch] = useState("");
  const hide = (next: ReadonlySet<string>) => onHide(members.filter((m) => next.has(m.id)).map((m) => m.id));
  const shown = searchMembers(members, search);
  const visible = members.filter((m) => m.index !== null).length;
  return (
    <section className="run-set" aria-label="Run set" data-testid="run-set">
      <div className="run-set-head">
        <span className="run-set-title">Run set</span>
        <span className="run-set-count" data-testid="run-set-count">
          {visible} of {plural(members.length, noun)} visible
          {selected !== null && ` · showing [${selected}] only`}
        </span>
        {members.length >= SEARCH_FROM && (
          <input
            className="run-set-search"
            type="search"
            placeholder={`Search ${noun}s`}
            aria-label={`Search ${noun}s in the run set`}
            value={search}
            onChange={(event) => setSearch(event.target.value)}
          />
        )}
        {visible < members.length && (
          <button type="button" className="button small ghost" onClick={() => hide(new Set())}>
            Show all
          </button>
        )}
      </div>
      <ul className="run-set-list">
        {shown.map((member) => {
          const on = member.index !== null;
          const picked = selected !== null && member.index === selected;
          return (
            <li
              key={member.id}
              className={`run-set-item${on ? "" : " off"}${picked ? " picked" : ""}`}
              data-run={member.id}
              data-index={member.index ?? ""}
              title={member.id === member.name ? member.name : `${member.name} (${member.id})`}
            >
              <button
                type="button"
                className="run-set-eye"
                aria-pressed={on}
                aria-label={`${on ? "Hide" : "Show"} ${member.name}`}
                onClick={() => hide(toggleHidden(hiddenIds(members), member.id))}
              >
                <EyeIcon open={on} />
              </button>
              <span className="swatch" style={{ background: member.color }} data-color={member.color} />
              <span className="run-set-index">{on ? `[${member.index}]` : "–"}</span>
              <span className="run-set-name">{member.name}</span>
              <button
                type="button"
                className="run-set-only"
                aria-label={`Only ${member.name}`}
                title={`Show only ${member.name}`}
                onClick={() => hide(onlyThis(members, member.id))}
              >
                only
              </button>
            </li>
          );
        })}
        {shown.length === 0 && (
          <li className="muted">
            No {noun} matches “{search}”.
          </li>
        )}
      </ul>
    </section>
  );
}

/**
 * The ids a page's run set hides, kept in the URL (`<prefix>off=a,b`). Hiding starts the table
 * again at its first page: which run an index names changes with the visible runs.
 */
export function useHiddenParam(prefix = ""): [Set<string>, (ids: string[]) => void] {
  const [params, setParams] = useSearchParams();
  const name = prefix + HIDDEN_PARAM;
  const raw = params.get(name);
  const hidden = useMemo(() => new Set(decodeList(raw)), [raw]);
  const setHidden = useCallback(
    (ids: string[]) =>
      setParams((current) => {
        const out = new URLSearchParams(current);
        if (ids.length) out.set(name, encodeList(ids));
        else out.delete(name);
        out.delete(`${prefix}offset`);
        return out;
      }),
    [setParams, name, prefix],
  );
  return [hidden, setHidden];
}
