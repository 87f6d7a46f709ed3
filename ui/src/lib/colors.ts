// A stable color per run: the same run has the same color in every view and every session
// (runs/runSet.ts applies it to a panel's run set). The report export draws with a copy in
// heron/server/report_runs.py; tests/server/test_run_palette.py keeps the two equal.

export const PALETTE = [
  "#2f6fed",
  "#f0701a",
  "#1fa463",
  "#d6336c",
  "#8b5cf6",
  "#0ea5b7",
  "#c99a06",
  "#e03131",
  "#5c6f91",
  "#b54fc4",
  "#74a31b",
  "#a0522d",
] as const;

/** FNV-1a, 32 bits: a cheap, well-spread hash of a short string. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export function runColor(runId: string): string {
  return PALETTE[hashString(runId) % PALETTE.length] ?? PALETTE[0];
}

/**
 * Colors for a project's runs: the palette in order of creation, so runs side by side differ and
 * a run keeps its color as new runs arrive. Runs not in the list fall back to their hash.
 */
export function colorsByCreation(runs: readonly { id: string; created_at: number }[]): Map<string, string> {
  return new Map(creationOrder(runs).map((run, index) => [run.id, PALETTE[index % PALETTE.length] ?? PALETTE[0]]));
}

/** Runs oldest first (ties by id): the order of colours and of a panel's run indices. */
export function creationOrder<T extends { id: string; created_at: number }>(runs: readonly T[]): T[] {
  return [...runs].sort((a, b) => a.created_at - b.created_at || a.id.localeCompare(b.id));
}
