// The explorer's state kept in the page URL, so reloading or sharing a link shows the same view.
import { useCallback, useMemo } from "react";
import { useSearchParams } from "react-router-dom";
import type { ExplorerState } from "./state";
import { stateFromParams, stateToParams } from "./state";

/** [state, setState] backed by the URL's search params (under `prefix`, other params kept). */
export function useUrlExplorerState(prefix = ""): [ExplorerState, (next: ExplorerState) => void] {
  const [params, setParams] = useSearchParams();
  const state = useMemo(() => stateFromParams(params, prefix), [params, prefix]);
  const setState = useCallback(
    (next: ExplorerState) => setParams((current) => stateToParams(next, current, prefix)),
    [setParams, prefix],
  );
  return [state, setState];
}
