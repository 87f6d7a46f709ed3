// The minimum score threshold of the evaluation panel: the slider, each run's kept / abstained
// summary with a link to the rows below the threshold, and per-class PR and ROC curves of every run
// with the threshold marked. The server sends every grid threshold at once, so moving the slider
// asks nothing of it.
import { Link } from "react-router-dom";
import type { TableEvaluation } from "./api";
import type { CurveLine } from "./CurvePlot";
import { CurvePlot } from "./CurvePlot";
import type { EvaluationRun } from "./EvaluationPanel";
import { belowFilter, classCurves, explorerLink, percent, thresholdIndex } from "./threshold";

export function ThresholdSlider({
  value,
  onChange,
  available,
}: {
  value: number;
  onChange: (value: number) => void;
  available: boolean;
}) {
  return (
    <div className="threshold-bar">
      <label className="threshold-slider">
        <span className="strong">Minimum score</span>
        <input
          type="range"
          min={0}
          max={1}
          step={0.01}
          value={value}
          disabled={!available}
          onChange={(e) => onChange(Number(e.target.value))}
          aria-label="Minimum score"
        />
        <output className="threshold-value" data-testid="threshold-value">
          {value.toFixed(2)}
        </output>
      </label>
      <span className="muted">
        A row whose top score (its highest <code>score_&lt;class&gt;</code>) is below the minimum is abstained:
        precision and accuracy count only the rows kept, recall counts an abstained row as missed.
      </span>
    </div>
  );
}

/** One run's rows kept and abstained at the threshold, and the link to the abstained rows. */
export function ThresholdSummary({
  project,
  result,
  tableKey,
  threshold,
  panelFilter,
  onFollow,
}: {
  project: string;
  result: TableEvaluation;
  tableKey: string;
  threshold: number;
  panelFilter: string;
  /** Called as the link to the abstained rows is followed, before the navigation starts. */
  onFollow?: () => void;
}) {
  const sweep = result.threshold;
  if (!sweep)
    return (
      <p className="threshold-summary muted" data-testid="threshold-problem">
        No score threshold: {result.threshold_problem}
      </p>
    );
  const k = thresholdIndex(sweep.thresholds, threshold);
  const at = sweep.thresholds[k] ?? 0;
  const abstained = sweep.abstained[k] ?? 0;
  const below = belowFilter(sweep, at);
  return (
    <div className="threshold-summary">
      <span className="metric">
        kept <b data-testid="threshold-kept">{sweep.kept[k]}</b>
      </span>
      <span className="metric">
        abstained <b data-testid="threshold-abstained">{abstained}</b>{" "}
        <span className="muted">({percent(sweep.evaluated ? abstained / sweep.evaluated : null)})</span>
      </span>
      <span className="metric">
        accuracy on kept <b data-testid="threshold-accuracy">{percent(sweep.accuracy[k])}</b>
      </span>
      <span className="metric" title="mean over the classes">
        macro precision <b data-testid="threshold-precision">{rate(sweep.macro_precision[k])}</b>
      </span>
      <span className="metric" title="mean over the classes; an abstained row counts as missed">
        macro recall <b data-testid="threshold-recall">{rate(sweep.macro_recall[k])}</b>
      </span>
      {abstained === 0 ? (
        <span className="muted">no row below {at.toFixed(2)}</span>
      ) : result.run_id ? (
        <Link
          className="threshold-link"
          to={explorerLink(project, result.run_id, tableKey, result.step, below, panelFilter)}
          title={below}
          onClick={onFollow}
        >
          Open the {abstained} {abstained === 1 ? "row" : "rows"} below {at.toFixed(2)} in the table →
        </Link>
      ) : (
        <code className="threshold-filter" title="the filter of the rows below the threshold">
          {below}
        </code>
      )}
    </div>
  );
}

/** PR and ROC curves of one class, a line per run, each with its point at the threshold. */
export function ThresholdCurves({
  classes,
  results,
  runs,
  threshold,
  chosen,
  onChoose,
}: {
  classes: string[];
  results: TableEvaluation[];
  runs: EvaluationRun[];
  threshold: number;
  chosen: string;
  onChoose: (name: string) => void;
}) {
  const scored = results.flatMap((result, index) => (result.threshold ? [{ result, run: runs[index], index }] : []));
  if (scored.length === 0) return null;
  const name = classes.includes(chosen) ? chosen : (classes[0] ?? "");
  const entries = scored.flatMap(({ result, run, index }) => {
    const sweep = result.threshold;
    const perClass = sweep?.per_class.find((c) => c.name === name);
    if (!sweep || !perClass) return [];
    const k = thresholdIndex(sweep.thresholds, threshold);
    const curve = perClass.curve;
    const { pr, roc } = classCurves(curve);
    const at = (x: number | null | undefined, y: number | null | undefined) =>
      x === null || x === undefined || y === null || y === undefined ? null : { x, y };
    const label = run?.name ?? result.label;
    const color = run?.color ?? "#315efb";
    return [
      {
        key: `${result.table_id}-${index}`,
        label,
        color,
        curve,
        k,
        pr: { name: label, color, points: pr, marker: at(curve.recall[k], curve.precision[k]) } as CurveLine,
        roc: {
          name: label,
          color,
          points: roc,
          marker: at(curve.false_positive_rate[k], curve.recall[k]),
        } as CurveLine,
      },
    ];
  });
  return (
    <section className="threshold-curves" aria-label="PR and ROC curves">
      <header className="threshold-curves-head">
        <span className="strong">Curves of one class against the rest</span>
        <div className="tabs class-tabs" role="group" aria-label="Curve class">
          {classes.map((c) => (
            <button
              key={c}
              type="button"
              className={`tab${c === name ? " active" : ""}`}
              aria-pressed={c === name}
              onClick={() => onChoose(c)}
            >
              {c}
            </button>
          ))}
        </div>
      </header>
      <p className="muted small">
        Over <code>score_{name}</code>: a row counts as {name} when that score reaches the threshold. The dot is where{" "}
        {threshold.toFixed(2)} puts each run.
      </p>
      <div className="curve-grid">
        <CurvePlot label={`PR curve of ${name}`} lines={entries.map((e) => e.pr)} xLabel="recall" yLabel="precision" />
        <CurvePlot
          label={`ROC curve of ${name}`}
          lines={entries.map((e) => e.roc)}
          xLabel="false positive rate"
          yLabel="true positive rate"
          diagonal
        />
      </div>
      <table className="ax-table compact curve-legend">
        <thead>
          <tr>
            <th>Run</th>
            <th className="num">Average precision</th>
            <th className="num">ROC AUC</th>
            <th className="num">Precision at {threshold.toFixed(2)}</th>
            <th className="num">Recall at {threshold.toFixed(2)}</th>
            <th className="num">FPR at {threshold.toFixed(2)}</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.key} data-run={e.label}>
              <th scope="row">
                <span className="run-swatch" style={{ background: e.color }} /> {e.label}
              </th>
              <td className="num">{rate(e.curve.average_precision)}</td>
              <td className="num" data-testid="roc-auc">
                {rate(e.curve.roc_auc)}
              </td>
              <td className="num">{rate(e.curve.precision[e.k])}</td>
              <td className="num">{rate(e.curve.recall[e.k])}</td>
              <td className="num">{rate(e.curve.false_positive_rate[e.k])}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function rate(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : value.toFixed(3);
}
