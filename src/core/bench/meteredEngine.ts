// A CompletionEngine wrapper that counts what goes through it: calls, the engine's own token
// accounting (prompt, evaluated, reused, generated) and engine time, and keeps the last result.
// `alembic complete` reads the last result's accounting from it; the benchmark reads the totals,
// so every strategy is measured by the same meter. With a DeviceMeter, calls are device work on
// the replay's simulated clock (wall or projected timing, see deviceMeter.ts).
import type { CompletionEngine, PartialAnswer } from '../completion/engineContract';
import type { CompleteParams, CompleteResult, PrefillParams, PrefillResult, TokenAccounting } from '../engine/protocol';
import type { DeviceMeter, DeviceWork } from './deviceMeter';

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
  /** Prompt tokens evaluated by prefills (background evaluations without generation). */
  prefillEvaluatedTokens: number;
  /** Prompt tokens each model call evaluated, in order (for the distribution). */
  callEvaluated: number[];
}

/** What the replay reads its per-file figures from: an engine's meter or llama-server's. */
export interface Metered {
  readonly totals: EngineTotals;
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
    prefillEvaluatedTokens: 0,
    callEvaluated: [],
  };
}

function workOf(a: TokenAccounting): DeviceWork {
  return { evaluated: a.evaluatedTokens, generated: a.generatedTokens };
}

export class MeteredEngine implements CompletionEngine, Metered {
  readonly totals: EngineTotals = emptyTotals();
  lastResult?: CompleteResult;
  readonly prefill?: (params: PrefillParams, signal: AbortSignal) => Promise<PrefillResult>;

  constructor(
    private readonly inner: CompletionEngine,
    private readonly device?: DeviceMeter,
  ) {
    const prefill = inner.prefill?.bind(inner);
    // Only an engine that can prefill offers it: the pipeline schedules warm-ups when it exists.
    if (prefill) {
      this.prefill = async (params, signal) => {
        const run = async () => {
          this.totals.prefills++;
          const result = await prefill(params, signal);
          this.add(result.accounting);
          this.totals.prefillEvaluatedTokens += result.accounting.evaluatedTokens;
          return result;
        };
        if (!this.device) return run();
        const { result } = await this.device.run(run, (r) => workOf(r.accounting), signal);
        const timing = this.device.timing;
        if (timing.kind !== 'projected') return result;
        return { accounting: { ...result.accounting, totalMs: timing.durationMs(workOf(result.accounting)) } };
      };
    }
  }

  /** A streamed answer's partial texts reach `onPartial` as they are written: at once with wall
   * timing; with projected timing, each at the projected time of the tokens written by then. */
  async complete(
    params: CompleteParams,
    signal: AbortSignal,
    onPartial?: (partial: PartialAnswer) => void,
  ): Promise<CompleteResult> {
    const projected = this.device?.timing.kind === 'projected';
    const partials: PartialAnswer[] = [];
    const listen = onPartial && (projected ? (p: PartialAnswer) => void partials.push(p) : onPartial);
    const run = async () => {
      let result: CompleteResult;
      try {
        result = await this.inner.complete(params, signal, listen);
      } catch (e) {
        if (!signal.aborted) this.totals.refusedCalls++;
        throw e;
      }
      this.totals.completeCalls++;
      this.add(result.accounting);
      this.totals.callEvaluated.push(result.accounting.evaluatedTokens);
      this.lastResult = result;
      if (result.stopReason === 'abort') this.totals.abortedCalls++;
      return result;
    };
    if (!this.device) return run();
    const { result, finished } = await this.device.run(
      run,
      (r) => (r.stopReason === 'abort' ? undefined : workOf(r.accounting)),
      signal,
      // The call's whole prompt evaluation precedes its first token.
      (r) =>
        partials.map((p) => ({
          work: { evaluated: r.accounting.evaluatedTokens, generated: p.generatedTokens },
          deliver: () => onPartial?.(p),
        })),
    );
    if (finished) return this.projected(result);
    // Aborted during its projected time: to the caller it is an aborted call like any other.
    this.totals.abortedCalls++;
    return { ...result, text: '', stopReason: 'abort' };
  }

  /** With projected timing, the engine's timings in the answer are the projection's: what the
   * strategy learns the device's speed from (Alembic's eager-when-cheap rule) is the simulated
   * device, not this machine. */
  private projected(result: CompleteResult): CompleteResult {
    const timing = this.device?.timing;
    if (timing?.kind !== 'projected' || result.stopReason === 'abort') return result;
    const a = result.accounting;
    const totalMs = timing.durationMs(workOf(a));
    const firstMs = a.generatedTokens > 0 ? timing.durationMs({ evaluated: a.evaluatedTokens, generated: 1 }) : 0;
    const tokensPerSecond =
      a.generatedTokens > 1 && totalMs > firstMs ? ((a.generatedTokens - 1) * 1000) / (totalMs - firstMs) : 0;
    return { ...result, accounting: { ...a, timeToFirstTokenMs: firstMs, tokensPerSecond, totalMs } };
  }

  private add(a: TokenAccounting): void {
    this.totals.promptTokens += a.promptTokens;
    this.totals.evaluatedTokens += a.evaluatedTokens;
    this.totals.reusedTokens += a.reusedTokens;
    this.totals.generatedTokens += a.generatedTokens;
    this.totals.engineMs += a.totalMs;
  }
}
