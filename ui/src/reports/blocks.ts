// Editing a report's block list: new blocks, moves, removals and run-set changes (pure functions).
import type { Block, PanelBlock, PanelKind, RunSetEntry } from "./api";

let counter = 0;

/** A short id unique within a report. */
export function blockId(): string {
  counter += 1;
  return `b${Date.now().toString(36)}${counter.toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
}

export const PANEL_DEFAULTS: Record<PanelKind, Record<string, unknown>> = {
  table: { key: "", state: {} },
  chart: { metric: "" },
  evaluation: { key: "", truth: "truth", guess: "guess", filter: "", normalize: false },
  lineage: { artifact: "", depth: 10 },
};

export const PANEL_LABELS: Record<PanelKind, string> = {
  table: "Table explorer",
  chart: "Metric chart",
  evaluation: "Evaluation",
  lineage: "Lineage",
};

export function newMarkdown(text = ""): Block {
  return { id: blockId(), type: "markdown", text };
}

export function newPanel(panel: PanelKind, runs: RunSetEntry[] = []): PanelBlock {
  return { id: blockId(), type: "panel", panel, title: "", runset: { runs }, config: { ...PANEL_DEFAULTS[panel] } };
}

/** `blocks` with the block at `index` moved by `delta` places (clamped to the ends). */
export function moveBlock<T>(blocks: readonly T[], index: number, delta: number): T[] {
  const target = Math.max(0, Math.min(blocks.length - 1, index + delta));
  const next = [...blocks];
  const [moved] = next.splice(index, 1);
  if (moved === undefined) return next;
  next.splice(target, 0, moved);
  return next;
}

export function replaceBlock(blocks: readonly Block[], id: string, block: Block): Block[] {
  return blocks.map((b) => (b.id === id ? block : b));
}

export function removeBlock(blocks: readonly Block[], id: string): Block[] {
  return blocks.filter((b) => b.id !== id);
}

/** Turn a run on or off in a run set (adding it, visible, when it was not there). */
export function toggleRun(runs: readonly RunSetEntry[], id: string): RunSetEntry[] {
  const found = runs.find((r) => r.id === id);
  if (!found) return [...runs, { id, visible: true }];
  return runs.map((r) => (r.id === id ? { ...r, visible: !r.visible } : r));
}

export function setRunColor(runs: readonly RunSetEntry[], id: string, color: string): RunSetEntry[] {
  return runs.map((r) => (r.id === id ? { ...r, color } : r));
}

/** Run-set entries whose run is not among `existing` (deleted since the panel was made). */
export function missingRuns(runs: readonly RunSetEntry[], existing: ReadonlySet<string>): RunSetEntry[] {
  return runs.filter((r) => !existing.has(r.id));
}

/**
 * The step a panel reads a run's table at: the panel's step when the run logged the key there;
 * its latest (null) when it did not but another run did, so runs of different lengths compare;
 * the panel's step again when no run has it, so the run says which steps it has.
 */
export function runStep(
  step: number | null,
  own: readonly number[] | undefined,
  all: readonly number[],
): number | null {
  if (step === null) return null;
  if (!all.includes(step) || own === undefined || own.includes(step)) return step;
  return null;
}
