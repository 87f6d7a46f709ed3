// A value the user moves quickly (a slider) kept in local state, written to its owner (the URL, a
// report) once it rests. Writing every step would let the owner's late echoes of earlier steps
// pull the slider back while it is still moving.
import { useEffect, useRef, useState } from "react";

/** `[value, change, flush]`: `value` follows `change` at once and `external` when it changes from
 * elsewhere (back navigation, a report reloaded); `commit` gets the value `delay` ms after the last
 * change, or at once on `flush`. Call `flush` before leaving the page (a link's click): a write
 * still pending would fire during the navigation and bring the user back. */
export function useDraft<T>(
  external: T,
  commit: ((value: T) => void) | undefined,
  delay = 200,
): [T, (value: T) => void, () => void] {
  const [value, setValue] = useState(external);
  const committed = useRef(external);
  const latestCommit = useRef(commit);
  latestCommit.current = commit;
  const timer = useRef<number | undefined>(undefined);
  const pending = useRef<{ value: T } | null>(null);
  useEffect(() => {
    if (external !== committed.current) {
      committed.current = external;
      setValue(external);
    }
  }, [external]);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  const flush = () => {
    window.clearTimeout(timer.current);
    const next = pending.current;
    pending.current = null;
    if (next === null) return;
    committed.current = next.value;
    latestCommit.current?.(next.value);
  };
  const change = (next: T) => {
    setValue(next);
    pending.current = { value: next };
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(flush, delay);
  };
  return [value, change, flush];
}
