// Which CPU thread count to evaluate with, decided by measurement. llama.cpp's threads spin while
// they wait for each other, so on a machine whose cores are busy with other programs more threads
// can be 10-50x slower than one (measured on a busy 2-core machine: 3.5-7.6 s to the first token
// with the default count, 91 ms with one thread). The engine measures a short prompt evaluation
// with each candidate count and keeps the fastest; these are the candidates and the choice.

export interface ThreadMeasurement {
  threads: number;
  /** Prompt tokens per second with that many threads. */
  tokensPerSecond: number;
}

/** Counts worth measuring on a machine with `cores` math cores: one, two, half and all of them. */
export function threadCandidates(cores: number): number[] {
  const n = Math.max(1, Math.floor(cores));
  return [...new Set([1, 2, Math.ceil(n / 2), n].filter((c) => c <= n))].sort((a, b) => a - b);
}

/** Within this share of the best speed, the smaller count wins: it leaves cores to the editor. */
const TIE_MARGIN = 0.1;

/** The fastest count, preferring fewer threads when the difference is within the margin. */
export function chooseThreads(measurements: ThreadMeasurement[]): ThreadMeasurement | undefined {
  const valid = measurements.filter((m) => m.tokensPerSecond > 0);
  if (valid.length === 0) return undefined;
  const best = Math.max(...valid.map((m) => m.tokensPerSecond));
  return [...valid].sort((a, b) => a.threads - b.threads).find((m) => m.tokensPerSecond >= best * (1 - TIE_MARGIN));
}

/** Whether a drift of the measured speed (measured / calibrated) calls for measuring again. */
export function needsRecalibration(drift: number | undefined): boolean {
  return drift !== undefined && (drift < 0.5 || drift > 2);
}

/** How long each candidate count is measured, and the size of its timed chunks. */
export const MEASUREMENT = {
  /** Timed work per candidate, about. */
  budgetMs: 200,
  /** The first chunk of each candidate is a warm-up (its threads start): this many tokens, untimed. */
  warmUpTokens: 4,
  /** Each timed chunk is about this much work at the warm-up's speed. */
  chunkMs: 40,
  minChunk: 4,
  maxChunk: 64,
} as const;

/** Tokens per timed chunk, from the warm-up's speed (an underestimate: it includes the start of the
 * threads). A fixed chunk would make the measurement cost scale with the model: 32 tokens were
 * ~1.5 s each for a 1.5B model at 22 tokens/s, and the load took 9 s longer. */
export function measurementChunk(warmUpTokensPerSecond: number): number {
  if (!(warmUpTokensPerSecond > 0)) return MEASUREMENT.minChunk;
  const tokens = Math.round((warmUpTokensPerSecond * MEASUREMENT.chunkMs) / 1000);
  return Math.max(MEASUREMENT.minChunk, Math.min(MEASUREMENT.maxChunk, tokens));
}

/** Whether to time another chunk: always a first one, then while the next (as long as the last)
 * still ends within the budget. */
export function keepMeasuring(elapsedMs: number, lastChunkMs: number, timedChunks: number): boolean {
  return timedChunks === 0 || elapsedMs + lastChunkMs <= MEASUREMENT.budgetMs;
}
