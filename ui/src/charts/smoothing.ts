// Exponential moving average with bias correction, as TensorBoard and W&B draw smoothed lines.
// Gaps (null) stay gaps and do not reset the average.

export function smooth(values: readonly (number | null)[], weight: number): (number | null)[] {
  if (weight <= 0) return values.slice();
  const w = Math.min(weight, 0.999);
  let average = 0;
  let count = 0;
  return values.map((value) => {
    if (value === null || !Number.isFinite(value)) return null;
    count += 1;
    average = average * w + (1 - w) * value;
    // Early points would be pulled towards 0 without dividing by the weights' sum.
    return average / (1 - w ** count);
  });
}
