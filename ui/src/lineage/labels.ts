// Node labels of a lineage graph that fit their box and stay told apart: a long name loses its
// middle (names differ at their ends: "infer-fc1024-rmsprop-e1" vs "…-e5"), and names that would
// still read the same show the part where they differ.

/** Whether `text` fits the label's width (measured by the caller, in the label's font). */
export type Fits = (text: string) => boolean;

const ELLIPSIS = "…";
/** Share of the kept characters taken from the start; the rest come from the end. */
const HEAD_SHARE = 0.45;
/** Characters of context kept before the point where colliding names differ. */
const CONTEXT = 3;

/** `text` with characters taken from its middle until it fits. */
export function middleTruncate(text: string, fits: Fits): string {
  if (fits(text)) return text;
  const cut = (kept: number) => {
    const head = Math.floor(kept * HEAD_SHARE);
    return text.slice(0, head) + ELLIPSIS + text.slice(text.length - (kept - head));
  };
  // The most characters that still fit, by bisection (fitting only shrinks as `kept` grows).
  let low = 0;
  let high = text.length - 1;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(cut(mid))) low = mid;
    else high = mid - 1;
  }
  return cut(low);
}

/** `text` with characters taken from its end until it fits. */
function endTruncate(text: string, fits: Fits): string {
  if (fits(text)) return text;
  let kept = text.length - 1;
  while (kept > 1 && !fits(text.slice(0, kept) + ELLIPSIS)) kept--;
  return text.slice(0, kept) + ELLIPSIS;
}

function commonPrefix(texts: readonly string[]): number {
  const first = texts[0] ?? "";
  let at = 0;
  while (at < first.length && texts.every((t) => t[at] === first[at])) at++;
  return at;
}

/**
 * What to show for each of `labels` (same order): the label itself when it fits, else the label
 * shortened in the middle; where two different labels would then read the same, each shows the
 * text from just before the point where they differ, cut at the end if need be.
 */
export function displayLabels(labels: readonly string[], fits: Fits): string[] {
  const shown = labels.map((label) => middleTruncate(label, fits));
  const byShown = new Map<string, number[]>();
  shown.forEach((text, i) => {
    byShown.set(text, [...(byShown.get(text) ?? []), i]);
  });
  for (const members of byShown.values()) {
    const distinct = new Set(members.map((i) => labels[i]));
    if (distinct.size < 2) continue;
    const from = Math.max(0, commonPrefix([...distinct] as string[]) - CONTEXT);
    for (const i of members) {
      const label = labels[i] ?? "";
      shown[i] = endTruncate((from > 0 ? ELLIPSIS : "") + label.slice(from), fits);
    }
  }
  return shown;
}
