import { XAxisControl } from "./XAxisControl";

interface Props {
  smoothing: number;
  logScale: boolean;
  onSmoothing: (value: number) => void;
  onLogScale: (value: boolean) => void;
}

/** Smoothing slider, log-scale switch and x-axis choice shared by all charts of a view. */
export function ChartControls({ smoothing, logScale, onSmoothing, onLogScale }: Props) {
  return (
    <div className="chart-controls">
      <label className="control">
        <span>Smoothing</span>
        <input
          type="range"
          min={0}
          max={0.99}
          step={0.01}
          value={smoothing}
          aria-label="Smoothing"
          onChange={(event) => onSmoothing(Number(event.target.value))}
        />
        <span className="control-value">{smoothing.toFixed(2)}</span>
      </label>
      <label className="control switch">
        <input type="checkbox" checked={logScale} onChange={(event) => onLogScale(event.target.checked)} />
        <span>Log scale</span>
      </label>
      <XAxisControl />
    </div>
  );
}
