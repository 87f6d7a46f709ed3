// A panel's run set and the identity of each run in it: colour, name and index, computed by one
// rule for the workspace, the table page, reports and the artifact compare page.
//
// The rule (docs/explorer.md, "Runs in a panel"):
// - order: runs in the order they were created in the project (oldest first); a compare page's
//   artifact versions in the order they are compared;
// - colour: the run's colour in the project (the palette in creation order, lib/colors.ts), or the
//   colour a report's run set gives it; it never depends on which runs are shown;
// - index [i]: the run's position among the VISIBLE runs of the panel's run set, which is the
//   position a merged expression's row["guess"][i] refers to. Hidden runs have no index.

import type { SourceRef } from "../explorer/api";
import { creationOrder } from "../lib/colors";

/** A run (or artifact version) in a panel's run set. */
export interface RunSetMember {
  id: string;
  name: string;
  color: string;
  visible: boolean;
}

/** A member with its index among the visible members, null when hidden. */
export interface RunIdentity extends RunSetMember {
  index: number | null;
}

/** The members in order, each with its index among the visible ones. */
export function identify(members: readonly RunSetMember[]): RunIdentity[] {
  let next = 0;
  return members.map((member) => ({ ...member, index: member.visible ? next++ : null }));
}

/** The visible members of a run set, in index order. */
export function visibleMembers(identities: readonly RunIdentity[]): RunIdentity[] {
  return identities.filter((member) => member.index !== null);
}

interface ProjectRun {
  id: string;
  name: string;
  created_at: number;
}

/**
 * The run set of a panel over a project's runs: `ids` (any order; names are accepted too) in
 * creation order, coloured by `colorOf`, hidden when listed in `hidden`.
 */
export function projectRunSet(
  runs: readonly ProjectRun[],
  ids: readonly string[],
  hidden: ReadonlySet<string>,
  colorOf: (runId: string) => string,
): RunIdentity[] {
  const wanted = new Set(ids);
  const members = creationOrder(runs.filter((run) => wanted.has(run.id) || wanted.has(run.name)));
  return identify(
    members.map((run) => ({ id: run.id, name: run.name, color: colorOf(run.id), visible: !hidden.has(run.id) })),
  );
}

/** `hidden` with `id` shown if it was hidden, hidden if it was shown. */
export function toggleHidden(hidden: ReadonlySet<string>, id: string): Set<string> {
  const next = new Set(hidden);
  if (next.has(id)) next.delete(id);
  else next.add(id);
  return next;
}

/** "Only this": every member hidden except `id`. */
export function onlyThis(members: readonly RunSetMember[], id: string): Set<string> {
  return new Set(members.filter((member) => member.id !== id).map((member) => member.id));
}

/** Members whose name (or id) contains the search text, case-insensitively. */
export function searchMembers<T extends RunSetMember>(members: readonly T[], text: string): T[] {
  const needle = text.trim().toLowerCase();
  if (!needle) return [...members];
  return members.filter(
    (member) => member.name.toLowerCase().includes(needle) || member.id.toLowerCase().includes(needle),
  );
}

/** A table key as typed in a panel: "predictions[2]" selects the run of index 2, as in row["x"][2]. */
export interface KeySelection {
  key: string;
  index: number | null;
}

/** Split a trailing "[i]" off a typed table key; a key without one selects every visible run. */
export function parseKeySelection(text: string): KeySelection {
  const match = /^(.*\S)\s*\[(\d+)\]$/.exec(text.trim());
  if (!match) return { key: text.trim(), index: null };
  return { key: match[1] ?? "", index: Number(match[2]) };
}

/** The members a panel queries: the visible ones, or only the one `index` selects. */
export function selectedMembers(identities: readonly RunIdentity[], index: number | null): RunIdentity[] {
  const shown = visibleMembers(identities);
  return index === null ? shown : shown.filter((member) => member.index === index);
}

/**
 * Which of `refs` a concatenated row's `source` value names (the server writes a run table as
 * "<project>/<run id>/<key>@<step>", an artifact table as "<project>/<name:version>/<table>"),
 * or null when none does.
 */
export function sourceIndexOf(label: unknown, refs: readonly SourceRef[]): number | null {
  if (typeof label !== "string") return null;
  const names = (text: string) => label === text || label.endsWith(`/${text}`);
  // A reference with a step names exactly one table; one without ("latest") any step of its key,
  // so exact matches come first (one run's table at two steps compared).
  const exact = refs.findIndex((ref) =>
    "run_id" in ref
      ? ref.step !== null && ref.step !== undefined && names(`${ref.run_id}/${ref.key}@${ref.step}`)
      : names(`${ref.artifact}/${ref.name}`),
  );
  if (exact >= 0) return exact;
  const latest = refs.findIndex(
    (ref) =>
      "run_id" in ref &&
      (ref.step === null || ref.step === undefined) &&
      (label.includes(`/${ref.run_id}/${ref.key}@`) || label.startsWith(`${ref.run_id}/${ref.key}@`)),
  );
  return latest < 0 ? null : latest;
}

/**
 * The gray a value computed across runs is drawn in: it belongs to no single run. The report
 * export's copy (heron/server/report_runs.py) is kept equal by tests/server/test_run_palette.py.
 */
export const ACROSS_RUNS_COLOR = "#7b8494";

/**
 * The colours a cell draws with: a single table's cells in its run's colour, a merged column's
 * per-run values in their runs' colours, a group of one run (concatenated, grouped by source) in
 * that run's colour, and anything computed across runs in neutral gray.
 */
export function cellColors(runColors: readonly string[], perRun: boolean, groupRun: number | null): string[] {
  if (groupRun !== null && runColors[groupRun]) return [runColors[groupRun]];
  if (runColors.length <= 1 || perRun) return [...runColors];
  return [ACROSS_RUNS_COLOR];
}

/** The URL parameter listing the runs a table page's run set hides (ids, comma-separated). */
export const HIDDEN_PARAM = "off";

interface StoredMember {
  id: string;
  visible?: boolean;
  color?: string | null;
}

/**
 * A report panel's run set: its stored entries whose runs still exist, in creation order, each in
 * the colour the report gives it or else its project colour.
 */
export function reportRunSet(
  runs: readonly ProjectRun[],
  entries: readonly StoredMember[],
  colorOf: (runId: string) => string,
): RunIdentity[] {
  const byId = new Map(entries.map((entry) => [entry.id, entry]));
  return identify(
    creationOrder(runs.filter((run) => byId.has(run.id))).map((run) => {
      const entry = byId.get(run.id);
      return {
        id: run.id,
        name: run.name,
        color: entry?.color ?? colorOf(run.id),
        visible: entry?.visible ?? true,
      };
    }),
  );
}

/** Stored entries with `hidden` ones turned off and the rest on (their order and colours kept). */
export function withHidden<T extends StoredMember>(entries: readonly T[], hidden: ReadonlySet<string>): T[] {
  return entries.map((entry) => ({ ...entry, visible: !hidden.has(entry.id) }));
}

/** The ids a run set hides. */
export function hiddenIds(members: readonly RunIdentity[]): Set<string> {
  return new Set(members.filter((member) => member.index === null).map((member) => member.id));
}
