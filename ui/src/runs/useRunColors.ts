// One color per run of a project, the same in the workspace, the charts and the run page.
import { useCallback, useMemo } from "react";
import { colorsByCreation, runColor } from "../lib/colors";
import { useRuns } from "./api";

export type ColorOf = (runId: string) => string;

export function useRunColors(project: string): ColorOf {
  const runs = useRuns(project);
  const colors = useMemo(() => colorsByCreation(runs.data?.runs ?? []), [runs.data]);
  return useCallback((runId: string) => colors.get(runId) ?? runColor(runId), [colors]);
}
