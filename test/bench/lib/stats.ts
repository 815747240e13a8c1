/**
 * Statistics for benchmark cases: medians over repetitions, percentiles over distributions.
 * Percentiles use the nearest-rank method (no interpolation), so a p99 is always a measured value.
 */

/** The q-quantile (0 < q ≤ 1) by nearest rank; NaN for an empty list. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}

/** The median (the mean of the two middle values for an even count); NaN for an empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Rounds to `digits` significant digits (for tables and JSON that stay readable). */
export function round(value: number, digits = 3): number {
  if (!Number.isFinite(value) || value === 0) return value;
  return Number(value.toPrecision(digits));
}

/** Milliseconds on the system-wide monotonic clock: comparable between processes on one host. */
export function monoMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
