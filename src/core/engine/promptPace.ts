// The engine's measured prompt-evaluation speed, and what it decides:
//   - how many prompt tokens to evaluate per chunk, so that each chunk is about `targetMs` of work:
//     an abort or a timeout is noticed between chunks, so a stale request frees the engine within
//     one chunk whatever the machine (128 tokens were ~430 ms on a 300 tok/s CPU, ~10 ms on a GPU);
//   - whether the speed has moved far from the figure measured when the thread count was chosen
//     (another program took the cores, or gave them back), so the count is measured again.
// Plain logic, no clock of its own: the engine reports each chunk's tokens and duration.

export interface PromptPaceOptions {
  /** Work per chunk, in milliseconds. */
  targetMs?: number;
  minChunk?: number;
  maxChunk?: number;
  /** Chunk size before anything was measured. */
  initialChunk?: number;
  /** Weight of the newest observation in the moving average. */
  smoothing?: number;
  /** Observations needed after a reference before a drift is reported. */
  driftSamples?: number;
}

/** Chunks shorter than this say more about per-call overhead than about speed. */
const MIN_OBSERVED_TOKENS = 4;

export class PromptPace {
  private readonly targetMs: number;
  private readonly minChunk: number;
  private readonly maxChunk: number;
  private readonly initialChunk: number;
  private readonly smoothing: number;
  private readonly driftSamples: number;
  private average?: number;
  private reference?: number;
  private samplesSinceReference = 0;

  constructor(options: PromptPaceOptions = {}) {
    this.targetMs = options.targetMs ?? 40;
    this.minChunk = options.minChunk ?? 8;
    this.maxChunk = options.maxChunk ?? 512;
    this.initialChunk = options.initialChunk ?? 32;
    this.smoothing = options.smoothing ?? 0.3;
    this.driftSamples = options.driftSamples ?? 5;
  }

  /** Prompt tokens per second, as measured so far (undefined before the first measurement). */
  get tokensPerSecond(): number | undefined {
    return this.average;
  }

  /** The speed a calibration measured: the new average and the reference for drift. */
  calibrated(tokensPerSecond: number): void {
    if (!(tokensPerSecond > 0)) return;
    this.average = tokensPerSecond;
    this.reference = tokensPerSecond;
    this.samplesSinceReference = 0;
  }

  /** One evaluated chunk: `tokens` in `ms` milliseconds. */
  observe(tokens: number, ms: number): void {
    if (tokens < MIN_OBSERVED_TOKENS || !(ms > 0)) return;
    const speed = (tokens * 1000) / ms;
    this.average = this.average === undefined ? speed : this.average + this.smoothing * (speed - this.average);
    this.samplesSinceReference++;
  }

  /** Tokens for the next chunk: about `targetMs` of work at the measured speed. */
  chunkTokens(): number {
    if (this.average === undefined) return this.initialChunk;
    const tokens = Math.round((this.average * this.targetMs) / 1000);
    return Math.max(this.minChunk, Math.min(this.maxChunk, tokens));
  }

  /** The measured speed over the calibrated one, once enough chunks were seen since; else undefined. */
  drift(): number | undefined {
    if (this.reference === undefined || this.average === undefined) return undefined;
    if (this.samplesSinceReference < this.driftSamples) return undefined;
    return this.average / this.reference;
  }
}
