// Building query-language text from clicks: a histogram bar or a category becomes a filter.

/** A string literal of the query language (JSON escapes are a subset of what it accepts). */
export function literal(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  return JSON.stringify(String(value));
}

/** `row["name"]`, or `row["name"][i]` for one run of a merged column. */
export function columnRef(name: string, run: number | null = null): string {
  return `row[${JSON.stringify(name)}]${run === null ? "" : `[${run}]`}`;
}

/** The condition selecting one value of a column (`is_null(...)` for a missing value). */
export function equals(name: string, run: number | null, value: unknown): string {
  if (value === null || value === undefined) return `is_null(${columnRef(name, run)})`;
  return `${columnRef(name, run)} = ${literal(value)}`;
}

/** The condition selecting one histogram bin: [lo, hi), the last bin closed: [lo, hi]. */
export function inBin(name: string, run: number | null, edges: readonly number[], bin: number): string {
  const lo = edges[bin];
  const hi = edges[bin + 1];
  if (lo === undefined || hi === undefined) return "";
  const ref = columnRef(name, run);
  const last = bin === edges.length - 2;
  return `${ref} >= ${literal(lo)} and ${ref} ${last ? "<=" : "<"} ${literal(hi)}`;
}

/** `filter` narrowed by `condition` (parenthesised, so an `or` in either keeps its meaning). */
export function andFilter(filter: string, condition: string): string {
  const current = filter.trim();
  if (!condition) return current;
  if (!current) return condition;
  const wrap = (text: string) => (/\bor\b/i.test(text) ? `(${text})` : text);
  return `${wrap(current)} and ${wrap(condition)}`;
}

/** Where the text cursor sits inside `row["...`, the partial column name typed so far. */
export function columnPrefixAt(text: string, cursor: number): { start: number; prefix: string } | null {
  const before = text.slice(0, cursor);
  const match = /row\[\s*"((?:[^"\\]|\\.)*)$/.exec(before);
  if (!match) return null;
  return { start: cursor - (match[1]?.length ?? 0), prefix: match[1] ?? "" };
}

/** The identifier being typed at the cursor (for function names), if any. */
export function wordAt(text: string, cursor: number): { start: number; word: string } | null {
  const match = /[A-Za-z_][A-Za-z0-9_]*$/.exec(text.slice(0, cursor));
  if (!match) return null;
  // Inside a string literal, a word is not a function name.
  const quotes = (text.slice(0, match.index).match(/(?<!\\)"/g) ?? []).length;
  if (quotes % 2 === 1) return null;
  return { start: match.index, word: match[0] };
}
