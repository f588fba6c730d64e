import type { StopReason, TokenAccounting } from '../../core/engine/protocol';

/** Times one generation: the wall-clock cap, the abort signal, and the timing half of the accounting. */
export class Stopwatch {
  private readonly started = performance.now();
  private firstTokenAt = 0;
  private lastTokenAt = 0;
  private tokens = 0;

  constructor(
    private readonly timeoutMs: number,
    private readonly signal: AbortSignal,
  ) {}

  markToken(): void {
    const now = performance.now();
    if (this.tokens === 0) this.firstTokenAt = now;
    this.lastTokenAt = now;
    this.tokens++;
  }

  /** Why the generation must end now, if it must. */
  stopReason(): StopReason | undefined {
    if (this.signal.aborted) return 'abort';
    if (this.timeoutMs > 0 && performance.now() - this.started > this.timeoutMs) return 'timeout';
    return undefined;
  }

  accounting(
    promptTokens: number,
    reusedTokens: number,
    evaluatedTokens: number,
    generatedTokens: number,
  ): TokenAccounting {
    const genSeconds = (this.lastTokenAt - this.firstTokenAt) / 1000;
    return {
      promptTokens,
      evaluatedTokens,
      reusedTokens,
      generatedTokens,
      timeToFirstTokenMs: this.tokens ? round(this.firstTokenAt - this.started) : 0,
      tokensPerSecond: this.tokens > 1 && genSeconds > 0 ? round((this.tokens - 1) / genSeconds) : 0,
      totalMs: round(performance.now() - this.started),
    };
  }
}

const round = (n: number) => Math.round(n * 10) / 10;
