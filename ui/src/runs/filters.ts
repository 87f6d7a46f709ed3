// Column filters of the runs table, typed as text: "> 0.5", "<=3", "1..5", "!= adam", "adam".
// Numbers compare numerically; anything else is a case-insensitive substring match
// ("=x" exact, "!x" or "!=x" negated).

export type Predicate = (value: unknown) => boolean;

const COMPARISON = /^(<=|>=|!=|==|=|<|>)\s*(.+)$/;
const RANGE = /^(-?[\d.e+-]+)\s*\.\.\s*(-?[\d.e+-]+)$/;

function asNumber(value: unknown): number | null {
  if (typeof value === "number") return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value))) return Number(value);
  return null;
}

function asText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.join(" ");
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** A predicate for one filter expression; an empty expression matches everything. */
export function parseFilter(expression: string): Predicate {
  const text = expression.trim();
  if (text === "") return () => true;
  const range = RANGE.exec(text);
  if (range) {
    const low = Number(range[1]);
    const high = Number(range[2]);
    if (!Number.isNaN(low) && !Number.isNaN(high)) {
      return (value) => {
        const n = asNumber(value);
        return n !== null && n >= low && n <= high;
      };
    }
  }
  const comparison = COMPARISON.exec(text);
  if (comparison) {
    const operator = comparison[1] ?? "=";
    const operand = (comparison[2] ?? "").trim();
    const target = Number(operand);
    if (operand !== "" && !Number.isNaN(target)) {
      return (value) => {
        const n = asNumber(value);
        if (n === null) return operator === "!=";
        switch (operator) {
          case "<":
            return n < target;
          case "<=":
            return n <= target;
          case ">":
            return n > target;
          case ">=":
            return n >= target;
          case "!=":
            return n !== target;
          default:
            return n === target;
        }
      };
    }
    const lowered = operand.toLowerCase();
    if (operator === "=" || operator === "==") return (value) => asText(value).toLowerCase() === lowered;
    if (operator === "!=") return (value) => asText(value).toLowerCase() !== lowered;
  }
  if (text.startsWith("!")) {
    const needle = text.slice(1).toLowerCase();
    return (value) => !asText(value).toLowerCase().includes(needle);
  }
  const needle = text.toLowerCase();
  return (value) => asText(value).toLowerCase().includes(needle);
}

/** Whether a run matches the search box: every word appears in its name, id, tags, group, job type or notes. */
export function matchesSearch(
  run: { id: string; name: string; tags: string[]; group?: string | null; job_type?: string | null; notes: string },
  query: string,
): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const haystack = [run.name, run.id, run.group ?? "", run.job_type ?? "", run.notes, ...run.tags]
    .join("\u0000")
    .toLowerCase();
  return words.every((word) => haystack.includes(word));
}
