// Pure helpers of the evaluation panel: normalising a confusion matrix, cell filters, colours.

/** Rows scaled to sum to 1 (recall view); an empty row stays zeros. */
export function normaliseRows(matrix: readonly (readonly number[])[]): number[][] {
  return matrix.map((row) => {
    const total = row.reduce((sum, n) => sum + n, 0);
    return row.map((n) => (total ? n / total : 0));
  });
}

/** A string literal of the query language (JSON escapes are a subset it accepts). */
export function literal(text: string): string {
  return JSON.stringify(text);
}

/** The filter selecting one cell's rows: truth is `t` and guess is `g`. */
export function cellFilter(truthColumn: string, guessColumn: string, truth: string, guess: string): string {
  return `row[${literal(truthColumn)}] = ${literal(truth)} and row[${literal(guessColumn)}] = ${literal(guess)}`;
}

/** `extra` and `base` joined with and; either may be empty. */
export function combineFilters(base: string, extra: string): string {
  const parts = [base.trim(), extra.trim()].filter(Boolean);
  return parts.length === 2 ? `(${parts[0]}) and (${parts[1]})` : (parts[0] ?? "");
}

/** A cell's background: diagonal in green, errors in red, deeper for larger shares. */
export function cellColor(share: number, diagonal: boolean): string {
  const alpha = Math.min(1, Math.max(0, share)) * 0.85 + (share > 0 ? 0.08 : 0);
  return diagonal ? `rgba(22, 163, 74, ${alpha.toFixed(3)})` : `rgba(220, 38, 38, ${alpha.toFixed(3)})`;
}

export function formatRate(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : value.toFixed(3);
}
