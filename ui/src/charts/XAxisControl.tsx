import { useCallback } from "react";
import { useSearchParams } from "react-router-dom";
import { withParams } from "../lib/urlState";

/** "defined": each metric against the step metric its run defined for it (else the step). */
export type XAxisMode = "defined" | "step";

/** The charts' x-axis choice, kept in the URL (`x=step`) like the other chart controls. */
export function useXAxis(): [XAxisMode, (mode: XAxisMode) => void] {
  const [params, setParams] = useSearchParams();
  const mode: XAxisMode = params.get("x") === "step" ? "step" : "defined";
  const setMode = useCallback(
    (next: XAxisMode) =>
      setParams((current) => withParams(current, { x: next === "step" ? "step" : null }), { replace: true }),
    [setParams],
  );
  return [mode, setMode];
}

/** Chooses between the step metrics runs defined (`define_metric(..., step_metric=...)`) and the step. */
export function XAxisControl() {
  const [mode, setMode] = useXAxis();
  return (
    <label
      className="control"
      title="define_metric(key, step_metric=...) sets a metric's x-axis; runs without one use the step"
    >
      <span>X-axis</span>
      <select
        aria-label="X-axis"
        value={mode}
        onChange={(event) => setMode(event.target.value === "step" ? "step" : "defined")}
      >
        <option value="defined">step metric</option>
        <option value="step">step</option>
      </select>
    </label>
  );
}
