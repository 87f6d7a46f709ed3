// Pure helpers of the comparison page: which versions the URL names, their colours, the table keys
// the runs behind them logged, and which version a version is compared with by default.
import type { TableEntry } from "../api/client";
import { PALETTE } from "../lib/colors";
import type { RunRef } from "./api";

/** The colour of the i-th compared version: the same in the header, the legend and the tables. */
export const versionColor = (index: number): string => PALETTE[index % PALETTE.length] ?? PALETTE[0];

/**
 * The colours of compared versions: each version in the colour of the run that logged it, so a
 * model's versions look like their training runs in the workspace and reports; when two versions
 * share a run (or a colour), or one was logged by no run, the palette by place in the comparison.
 */
export function versionColors(
  versions: readonly { created_by?: RunRef | null }[],
  colorOf: (runId: string) => string,
): string[] {
  const runs = versions.map((v) => (v.created_by?.exists ? v.created_by.id : null));
  const colors = runs.map((id) => (id === null ? null : colorOf(id)));
  if (colors.every((c): c is string => c !== null) && new Set(colors).size === colors.length) return colors;
  return versions.map((_, i) => versionColor(i));
}

/** The nearest version before `number` among `versions` (which may skip deleted ones), or null. */
export function previousVersion(
  versions: readonly { number: number; version: string }[],
  number: number,
): string | null {
  let best: { number: number; version: string } | null = null;
  for (const v of versions) if (v.number < number && (best === null || v.number > best.number)) best = v;
  return best?.version ?? null;
}

/** The versions a `versions=` parameter names, in order, without blanks or repeats. */
export function parseVersions(text: string | null): string[] {
  const items = (text ?? "")
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean);
  return [...new Set(items)];
}

export interface KeyRuns {
  key: string;
  runs: { run: RunRef; steps: number[] }[];
}

/** Keys logged by the runs, each with the runs that logged it (in the order of `runs`) and their
 * steps; keys logged by more runs come first. */
export function keysOf(runs: readonly RunRef[], tables: readonly (readonly TableEntry[] | undefined)[]): KeyRuns[] {
  const byKey = new Map<string, KeyRuns>();
  runs.forEach((run, i) => {
    const steps = new Map<string, number[]>();
    for (const entry of tables[i] ?? []) steps.set(entry.key, [...(steps.get(entry.key) ?? []), entry.step]);
    for (const [key, list] of steps) {
      const item = byKey.get(key) ?? { key, runs: [] };
      item.runs.push({ run, steps: [...list].sort((a, b) => a - b) });
      byKey.set(key, item);
    }
  });
  return [...byKey.values()].sort((a, b) => b.runs.length - a.runs.length || a.key.localeCompare(b.key));
}
