// A CompletionEngine wrapper that counts what goes through it: calls, the engine's own token
// accounting (prompt, evaluated, reused, generated) and engine time, and keeps the last result.
// `alembic complete` reads the last result's accounting from it; the benchmark reads the totals,
// so every strategy is measured by the same meter. With a VirtualClock, engine calls run in the
// clock's real-time mode (see virtualClock.ts); with `simulatedMs` instead, each call takes that
// much simulated time (deterministic replays in tests, with a scripted engine).
import type { CompletionEngine } from '../completion/engineContract';
import type { CompleteParams, CompleteResult, PrefillParams, PrefillResult, TokenAccounting } from '../engine/protocol';
import type { VirtualClock } from './virtualClock';

export interface EngineTotals {
  /** Completion calls the engine answered (aborted ones included; calls it refused, e.g. a prompt
   * too long for the context, are not model calls: nothing was evaluated). */
  completeCalls: number;
  /** Calls the engine refused with an error. */
  refusedCalls: number;
  prefills: number;
  /** Complete calls that ended with stopReason "abort". */
  abortedCalls: number;
  promptTokens: number;
  evaluatedTokens: number;
  reusedTokens: number;
  generatedTokens: number;
  /** Sum of the engine's own totalMs. */
  engineMs: number;
}

export interface MeteredEngineOptions {
  clock?: VirtualClock;
  /** Simulated duration of a call, instead of real-time mode. */
  simulatedMs?: (result: CompleteResult) => number;
}

export function emptyTotals(): EngineTotals {
  return {
    completeCalls: 0,
    refusedCalls: 0,
    prefills: 0,
    abortedCalls: 0,
    promptTokens: 0,
    evaluatedTokens: 0,
    reusedTokens: 0,
    generatedTokens: 0,
    engineMs: 0,
  };
}

export class MeteredEngine implements CompletionEngine {
  readonly totals: EngineTotals = emptyTotals();
  lastResult?: CompleteResult;
  readonly prefill?: (params: PrefillParams, signal: AbortSignal) => Promise<PrefillResult>;
  private running = 0;
  private idle: Array<() => void> = [];

  constructor(
    private readonly inner: CompletionEngine,
    private readonly options: MeteredEngineOptions = {},
  ) {
    const prefill = inner.prefill?.bind(inner);
    // Only an engine that can prefill offers it: the pipeline schedules warm-ups when it exists.
    if (prefill) {
      this.prefill = (params, signal) =>
        this.timed(async () => {
          this.totals.prefills++;
          const result = await prefill(params, signal);
          this.add(result.accounting);
          return result;
        });
    }
  }

  complete(params: CompleteParams, signal: AbortSignal): Promise<CompleteResult> {
    return this.timed(async () => {
      let result: CompleteResult;
      try {
        result = await this.inner.complete(params, signal);
      } catch (e) {
        if (!signal.aborted) this.totals.refusedCalls++;
        throw e;
      }
      this.totals.completeCalls++;
      this.add(result.accounting);
      this.lastResult = result;
      if (result.stopReason === 'abort') this.totals.abortedCalls++;
      const simulated = this.options.simulatedMs?.(result);
      if (simulated && this.options.clock && result.stopReason !== 'abort') {
        const finished = await this.options.clock.sleep(simulated, signal);
        if (!finished) {
          this.totals.abortedCalls++;
          return { ...result, text: '', stopReason: 'abort' };
        }
      }
      return result;
    });
  }

  /** True while a call runs in real time (never with simulated durations). */
  get busy(): boolean {
    return this.running > 0;
  }

  /** Resolves when no call runs. */
  whenIdle(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private async timed<T>(job: () => Promise<T>): Promise<T> {
    const realTime = !this.options.simulatedMs && this.options.clock;
    if (!realTime) return job();
    // Marked before the first await, so whoever drives the clock sees the call at once.
    this.running++;
    realTime.beginRealTime();
    try {
      return await job();
    } finally {
      realTime.endRealTime();
      if (--this.running === 0) this.idle.splice(0).forEach((resolve) => resolve());
    }
  }

  private add(a: TokenAccounting): void {
    this.totals.promptTokens += a.promptTokens;
    this.totals.evaluatedTokens += a.evaluatedTokens;
    this.totals.reusedTokens += a.reusedTokens;
    this.totals.generatedTokens += a.generatedTokens;
    this.totals.engineMs += a.totalMs;
  }
}
