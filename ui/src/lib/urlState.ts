// The workspace's state lives in the URL's search params, so a link reproduces the view.

export interface SortKey {
  id: string;
  desc: boolean;
}

/** "created_at:desc,config.lr" → sort keys. */
export function parseSort(text: string | null): SortKey[] {
  if (!text) return [];
  return text
    .split(",")
    .filter(Boolean)
    .map((part) => {
      const colon = part.lastIndexOf(":");
      const direction = colon > 0 ? part.slice(colon + 1) : "";
      if (direction === "asc" || direction === "desc") return { id: part.slice(0, colon), desc: direction === "desc" };
      return { id: part, desc: false };
    });
}

export function formatSort(keys: readonly SortKey[]): string {
  return keys.map((key) => `${key.id}:${key.desc ? "desc" : "asc"}`).join(",");
}

/** Column filters are kept as "f.<column id>" params. */
export const FILTER_PREFIX = "f.";

export function parseFilters(params: URLSearchParams): { id: string; value: string }[] {
  const filters: { id: string; value: string }[] = [];
  params.forEach((value, name) => {
    if (name.startsWith(FILTER_PREFIX) && value !== "") filters.push({ id: name.slice(FILTER_PREFIX.length), value });
  });
  return filters;
}

/** Visible runs: an explicit list in "show" once the user chose, else the first `defaultCount`. */
export function visibleRunIds(
  params: URLSearchParams,
  orderedIds: readonly string[],
  defaultCount: number,
): Set<string> {
  const shown = params.get("show");
  if (shown === null) return new Set(orderedIds.slice(0, defaultCount));
  return new Set(shown.split(",").filter((id) => id !== "" && id !== NONE));
}

// "show=-" means "no run visible" (an empty param would be dropped from the URL).
const NONE = "-";

export function formatVisible(ids: Iterable<string>): string {
  const list = [...ids];
  return list.length === 0 ? NONE : list.join(",");
}

/** Copy of `params` with `changes` applied; null or "" removes a param. */
export function withParams(params: URLSearchParams, changes: Record<string, string | null>): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const [name, value] of Object.entries(changes)) {
    if (value === null || value === "") next.delete(name);
    else next.set(name, value);
  }
  return next;
}
