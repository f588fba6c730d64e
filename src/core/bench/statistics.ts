// Summary statistics for the benchmark's samples (overhead and latency per request).

/** The nearest-rank percentile: the smallest sample with at least p% of the samples at or below
 * it. 0 for no samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((Math.min(100, Math.max(0, p)) / 100) * sorted.length);
  return sorted[Math.max(0, rank - 1)]!;
}

export interface Summary {
  count: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/** Percentiles, maximum and mean, rounded to 0.01 (they are milliseconds). */
export function summarize(samples: readonly number[]): Summary {
  const round = (n: number) => Math.round(n * 100) / 100;
  if (samples.length === 0) return { count: 0, p50: 0, p99: 0, max: 0, mean: 0 };
  let sum = 0;
  let max = -Infinity;
  for (const s of samples) {
    sum += s;
    if (s > max) max = s;
  }
  return { count: samples.length, p50: round(percentile(samples, 50)), p99: round(percentile(samples, 99)), max: round(max), mean: round(sum / samples.length) };
}

/** a / b, rounded to 0.001; 0 when b is 0. */
export function ratio(a: number, b: number): number {
  return b === 0 ? 0 : Math.round((a / b) * 1000) / 1000;
}
