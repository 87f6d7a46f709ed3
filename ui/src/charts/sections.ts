// Charts are arranged by metric prefix: "val/loss" goes to section "val"; "loss" to "Charts".

export const DEFAULT_SECTION = "Charts";

export interface Section {
  name: string;
  keys: string[];
}

export function sectionOf(key: string): string {
  const slash = key.lastIndexOf("/");
  return slash > 0 ? key.slice(0, slash) : DEFAULT_SECTION;
}

/** Keys grouped by prefix; named sections sorted by name, the default section first. */
export function sectionize(keys: readonly string[]): Section[] {
  const byName = new Map<string, string[]>();
  for (const key of [...keys].sort()) {
    const name = sectionOf(key);
    const list = byName.get(name) ?? [];
    list.push(key);
    byName.set(name, list);
  }
  return [...byName.entries()]
    .map(([name, sectionKeys]) => ({ name, keys: sectionKeys }))
    .sort((a, b) => (a.name === DEFAULT_SECTION ? -1 : b.name === DEFAULT_SECTION ? 1 : a.name.localeCompare(b.name)));
}
