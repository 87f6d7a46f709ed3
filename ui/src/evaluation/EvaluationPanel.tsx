// The model evaluation panel: accuracy, a confusion matrix (counts or normalised) whose cells filter
// the rows below, per-class precision/recall/F1 and score histograms, and a minimum score threshold
// with what it keeps and abstains and per-class PR and ROC curves; several runs side by side.
import { useState } from "react";
import type { SourceRef } from "../explorer/api";
import { RowsPreview } from "../explorer/RowsPreview";
import { plural } from "../lib/format";
import type { EvaluationResult, ScoreHistogram, TableEvaluation } from "./api";
import { useEvaluation } from "./api";
import { cellColor, cellFilter, combineFilters, formatRate, normaliseRows } from "./matrix";
import { ThresholdCurves, ThresholdSlider, ThresholdSummary } from "./ThresholdParts";
import { thresholdIndex } from "./threshold";
import { useDraft } from "./useDraft";
import "./evaluation.css";

export interface EvaluationRun {
  id: string;
  name: string;
  color: string;
}

export interface EvaluationConfig {
  key: string;
  step?: number | null;
  truth: string;
  guess: string;
  filter?: string;
  normalize?: boolean;
  /** The minimum top score, 0 to 1 in steps of 0.01; 0 keeps every row. */
  threshold?: number;
  /** The class whose PR and ROC curves are shown. */
  curveClass?: string;
}

interface Cell {
  runId: string;
  truth: string;
  guess: string;
}

export function EvaluationPanel({
  project,
  runs,
  config,
  onConfig,
}: {
  project: string;
  runs: EvaluationRun[];
  config: EvaluationConfig;
  onConfig?: (config: EvaluationConfig) => void;
}) {
  const sources: SourceRef[] = runs.map((run) => ({ run_id: run.id, key: config.key, step: config.step ?? null }));
  const evaluation = useEvaluation(project, sources, config.truth, config.guess, config.filter ?? "");
  const [cell, setCell] = useState<Cell | null>(null);
  const cellRun = cell ? runs.findIndex((run) => run.id === cell.runId) : -1;
  const normalize = Boolean(config.normalize);
  // The slider moves in local state and reaches the config (the page's URL, a report being edited)
  // once it rests; a reader of a report moves it without saving.
  const [threshold, moveThreshold, flushThreshold] = useDraft(config.threshold ?? 0, (value) =>
    onConfig?.({ ...config, threshold: value }),
  );
  const [localCurve, setLocalCurve] = useState(config.curveClass ?? "");
  const curveClass = onConfig ? (config.curveClass ?? "") : localCurve;
  const chooseCurve = (name: string) => (onConfig ? onConfig({ ...config, curveClass: name }) : setLocalCurve(name));
  if (runs.length === 0)
    return (
      <p className="problem" role="alert">
        No visible run in this panel's run set.
      </p>
    );
  return (
    <div className="evaluation">
      <div className="evaluation-controls">
        <label>
          Truth{" "}
          <input
            className="search narrow"
            value={config.truth}
            onChange={(e) => onConfig?.({ ...config, truth: e.target.value })}
            aria-label="Truth column"
            readOnly={!onConfig}
          />
        </label>
        <label>
          Guess{" "}
          <input
            className="search narrow"
            value={config.guess}
            onChange={(e) => onConfig?.({ ...config, guess: e.target.value })}
            aria-label="Guess column"
            readOnly={!onConfig}
          />
        </label>
        <label className="grow">
          Filter{" "}
          <input
            className="search"
            value={config.filter ?? ""}
            placeholder='e.g. row["truth"] != row["guess"]'
            onChange={(e) => onConfig?.({ ...config, filter: e.target.value })}
            aria-label="Evaluation filter"
            readOnly={!onConfig}
          />
        </label>
        <div className="tabs" role="group" aria-label="Matrix values">
          <button
            type="button"
            className={`tab${!normalize ? " active" : ""}`}
            onClick={() => onConfig?.({ ...config, normalize: false })}
          >
            Counts
          </button>
          <button
            type="button"
            className={`tab${normalize ? " active" : ""}`}
            onClick={() => onConfig?.({ ...config, normalize: true })}
          >
            Normalised
          </button>
        </div>
      </div>
      {evaluation.isError && (
        <p className="problem" role="alert">
          {evaluation.error.message}
        </p>
      )}
      {evaluation.isPending && !evaluation.isError && <p className="muted">Evaluating…</p>}
      {evaluation.data && (
        <>
          <ThresholdSlider
            value={threshold}
            onChange={moveThreshold}
            available={evaluation.data.results.some((result) => result.threshold)}
          />
          <div className="evaluation-runs">
            {evaluation.data.results.map((result, index) => (
              <RunEvaluation
                key={result.table_id + index}
                project={project}
                config={config}
                threshold={threshold}
                onFollow={flushThreshold}
                data={evaluation.data}
                result={result}
                run={runs[index]}
                normalize={normalize}
                cell={cell}
                onCell={setCell}
              />
            ))}
          </div>
          <ThresholdCurves
            classes={evaluation.data.classes}
            results={evaluation.data.results}
            runs={runs}
            threshold={threshold}
            chosen={curveClass}
            onChoose={chooseCurve}
          />
          {cell && cellRun >= 0 && (
            <div className="cell-rows">
              <div className="cell-rows-head">
                <span>
                  Rows of <b>{runs[cellRun]?.name}</b> with truth <b>{cell.truth}</b> and guess <b>{cell.guess}</b>
                </span>
                <button type="button" className="button ghost" onClick={() => setCell(null)}>
                  Clear
                </button>
              </div>
              <RowsPreview
                project={project}
                sources={[sources[cellRun] as SourceRef]}
                filter={combineFilters(
                  config.filter ?? "",
                  cellFilter(config.truth, config.guess, cell.truth, cell.guess),
                )}
              />
            </div>
          )}
        </>
      )}
    </div>
  );
}

function RunEvaluation({
  project,
  config,
  threshold,
  onFollow,
  data,
  result,
  run,
  normalize,
  cell,
  onCell,
}: {
  project: string;
  config: EvaluationConfig;
  threshold: number;
  onFollow: () => void;
  data: EvaluationResult;
  result: TableEvaluation;
  run?: EvaluationRun;
  normalize: boolean;
  cell: Cell | null;
  onCell: (cell: Cell) => void;
}) {
  const shares = normaliseRows(result.matrix);
  const max = Math.max(1, ...result.matrix.flat());
  const sweep = result.threshold;
  const k = sweep ? thresholdIndex(sweep.thresholds, threshold) : 0;
  return (
    <section className="run-evaluation" data-run={run?.name}>
      <header className="run-evaluation-head">
        <span className="run-swatch" style={{ background: run?.color }} />
        <span className="strong">{run?.name ?? result.label}</span>
        <span className="metric">
          accuracy{" "}
          <b data-testid="accuracy">{result.accuracy === null ? "—" : `${(result.accuracy * 100).toFixed(1)}%`}</b>
        </span>
        <span className="metric">
          macro F1 <b>{formatRate(result.macro_f1)}</b>
        </span>
        <span className="muted">
          {plural(result.evaluated, "row")}
          {result.step !== null ? ` · step ${result.step}` : ""}
        </span>
      </header>
      <ThresholdSummary
        project={project}
        result={result}
        tableKey={config.key}
        threshold={threshold}
        panelFilter={config.filter ?? ""}
        onFollow={onFollow}
      />
      <div className="matrix-wrap">
        <table className="confusion" aria-label={`Confusion matrix of ${run?.name ?? result.label}`}>
          <thead>
            <tr>
              <th className="corner">truth ↓ guess →</th>
              {data.classes.map((c) => (
                <th key={c} className="col-head" title={c}>
                  <span>{c}</span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {data.classes.map((truth, i) => (
              <tr key={truth}>
                <th className="row-head">{truth}</th>
                {data.classes.map((guess, j) => {
                  const count = result.matrix[i]?.[j] ?? 0;
                  const rowShare = shares[i]?.[j] ?? 0;
                  const share = normalize ? rowShare : count / max;
                  const active =
                    cell !== null && cell.runId === run?.id && cell.truth === truth && cell.guess === guess;
                  return (
                    <td
                      key={guess}
                      className={`cell${active ? " active" : ""}${count === 0 ? " zero" : ""}`}
                      style={{ background: cellColor(share, i === j) }}
                    >
                      <button
                        type="button"
                        data-truth={truth}
                        data-guess={guess}
                        aria-label={`truth ${truth}, guess ${guess}: ${count}`}
                        onClick={() => run && onCell({ runId: run.id, truth, guess })}
                        className={share > 0.55 ? "dark" : ""}
                      >
                        {normalize ? rowShare.toFixed(2) : count}
                      </button>
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <table
        className="ax-table compact per-class"
        aria-label={`Per-class metrics of ${run?.name ?? result.label}${sweep ? ` at minimum score ${threshold.toFixed(2)}` : ""}`}
      >
        {sweep && threshold > 0 && (
          <caption className="per-class-caption">Kept at minimum score {threshold.toFixed(2)}</caption>
        )}
        <thead>
          <tr>
            <th>Class</th>
            <th className="num">Precision</th>
            <th className="num">Recall</th>
            <th className="num">F1</th>
            <th className="num">Support</th>
            {sweep && <th className="num">Abstained</th>}
          </tr>
        </thead>
        <tbody>
          {result.per_class.map((m, i) => {
            const at = sweep?.per_class[i];
            return (
              <tr key={m.name} data-class={m.name}>
                <th>{m.name}</th>
                <td className="num">{formatRate(at ? at.precision[k] : m.precision)}</td>
                <td className="num">{formatRate(at ? at.recall[k] : m.recall)}</td>
                <td className="num">{formatRate(at ? at.f1[k] : m.f1)}</td>
                <td className="num">{m.support}</td>
                {sweep && <td className="num abstained">{at?.abstained[k] ?? 0}</td>}
              </tr>
            );
          })}
        </tbody>
      </table>
      {result.histograms.length > 0 && (
        <div className="histograms">
          {result.histograms.map((h) => (
            <Histogram key={h.column} histogram={h} color={run?.color ?? "#315efb"} />
          ))}
        </div>
      )}
    </section>
  );
}

function Histogram({ histogram, color }: { histogram: ScoreHistogram; color: string }) {
  const width = 150;
  const height = 46;
  const bins = histogram.positive.length;
  const peak = Math.max(1, ...histogram.positive, ...histogram.negative);
  const bar = width / bins;
  return (
    <figure className="histogram" title={`${histogram.column}: ${histogram.class_name} rows (colour) vs others (grey)`}>
      <svg width={width} height={height} role="img" aria-label={`${histogram.column} histogram`}>
        {histogram.negative.map((n, i) => (
          <rect
            key={`n${i}`}
            x={i * bar + 1}
            y={height - (n / peak) * height}
            width={bar / 2 - 1}
            height={(n / peak) * height}
            fill="#cbd5e1"
          />
        ))}
        {histogram.positive.map((n, i) => (
          <rect
            key={`p${i}`}
            x={i * bar + bar / 2}
            y={height - (n / peak) * height}
            width={bar / 2 - 1}
            height={(n / peak) * height}
            fill={color}
          />
        ))}
      </svg>
      <figcaption>
        {histogram.class_name}{" "}
        <span className="muted">
          {(histogram.edges[0] ?? 0).toFixed(1)}–{(histogram.edges[histogram.edges.length - 1] ?? 1).toFixed(1)}
        </span>
      </figcaption>
    </figure>
  );
}
