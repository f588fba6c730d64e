// Counters for the status bar and the benchmark. The benchmark's targets are read from these:
// evaluatedTokens / promptTokens (KV-cache reuse), modelCalls / keystrokes (cache, typed-ahead,
// in-flight reuse, debounce), and the pipeline's own overhead per request (time spent outside the
// engine and outside waits, measured with the high-resolution timer, not the injectable clock).
import type { TokenAccounting } from '../engine/protocol';
import { Emitter, type Event } from '../util/emitter';
import { formatDuration } from '../util/format';
import { percentileOfSorted } from '../util/statistics';

export interface CompletionStatsSnapshot {
  requests: number;
  /** Generations sent to the engine (requests and prefetches). */
  modelCalls: number;
  prefetches: number;
  prefills: number;
  cacheHits: number;
  typedAheadHits: number;
  inFlightReuses: number;
  /** Requests that called the model at once, without the typing pause, because the call was cheap. */
  eagerCalls: number;
  /** Prefills started at the first key in a window the engine's KV cache did not hold. */
  windowWarmUps: number;
  /** Suggestions shown as their first words while the model was still writing them. */
  partialShows: number;
  /** Generations aborted because a newer request could not use them. */
  aborted: number;
  /** Requests answered with no suggestion (dropped, skipped or stale). */
  empty: number;
  accepted: number;
  promptTokens: number;
  evaluatedTokens: number;
  reusedTokens: number;
  generatedTokens: number;
  /** From request to suggestion, for the last suggestion that needed the model. */
  lastLatencyMs: number;
  /** The engine's own time for the last generation. */
  lastEngineMs: number;
  tokensPerSecond: number;
  overheadMs: { last: number; max: number; p50: number; p99: number };
  /** How the last few answers from the model ended, for the timeout warning. */
  timeouts: TimeoutRecord;
}

export interface TimeoutRecord {
  /** Answers in the window (at most TIMEOUT_WINDOW), newest included. */
  answers: number;
  /** Of those, the ones cut by the timeout. */
  timedOut: number;
  /** The timeout the last of them ran with. */
  timeoutMs: number;
}

/** How many recent answers the timeout warning looks at. */
export const TIMEOUT_WINDOW = 6;

/** What the status bar says when suggestions keep timing out (at least two, and at least half of
 * the recent answers), or undefined while they do not. */
export function timeoutWarning(t: TimeoutRecord): string | undefined {
  if (t.timedOut < 2 || t.timedOut * 2 < t.answers) return undefined;
  return `${t.timedOut} of the last ${t.answers} suggestions timed out after ${formatDuration(t.timeoutMs)}`;
}

const OVERHEAD_SAMPLES = 2048;

export class CompletionStats {
  private counters = zero();
  private samples: number[] = [];
  private answers: boolean[] = []; // true = timed out; newest last
  private lastTimeoutMs = 0;
  private readonly changes = new Emitter<CompletionStats>();
  /** Fires on every counted event (a keystroke's worth): listeners should coalesce. */
  readonly onDidChange: Event<CompletionStats> = this.changes.event;

  increment(
    name:
      | 'requests'
      | 'modelCalls'
      | 'prefetches'
      | 'prefills'
      | 'cacheHits'
      | 'typedAheadHits'
      | 'inFlightReuses'
      | 'aborted'
      | 'eagerCalls'
      | 'windowWarmUps'
      | 'partialShows'
      | 'empty'
      | 'accepted',
  ): void {
    this.counters[name]++;
    this.changed();
  }

  recordAccounting(a: TokenAccounting): void {
    this.counters.promptTokens += a.promptTokens;
    this.counters.evaluatedTokens += a.evaluatedTokens;
    this.counters.reusedTokens += a.reusedTokens;
    this.counters.generatedTokens += a.generatedTokens;
    this.counters.lastEngineMs = a.totalMs;
    if (a.tokensPerSecond > 0) this.counters.tokensPerSecond = a.tokensPerSecond;
    this.changed();
  }

  /** An answer from the model ended, by its timeout or not (aborted generations are no answer). */
  recordAnswer(timedOut: boolean, timeoutMs: number): void {
    this.answers.push(timedOut);
    if (this.answers.length > TIMEOUT_WINDOW) this.answers.shift();
    this.lastTimeoutMs = timeoutMs;
    this.changed();
  }

  /** The timeout, the model or the machine changed: earlier timeouts say nothing about the next. */
  forgetAnswers(): void {
    if (this.answers.length === 0) return;
    this.answers = [];
    this.changed();
  }

  recordLatency(ms: number): void {
    this.counters.lastLatencyMs = ms;
  }

  recordOverhead(ms: number): void {
    if (this.samples.length >= OVERHEAD_SAMPLES) this.samples.shift();
    this.samples.push(ms);
  }

  snapshot(): CompletionStatsSnapshot {
    const sorted = [...this.samples].sort((a, b) => a - b);
    return {
      ...this.counters,
      overheadMs: {
        last: this.samples[this.samples.length - 1] ?? 0,
        max: sorted[sorted.length - 1] ?? 0,
        p50: percentileOfSorted(sorted, 50),
        p99: percentileOfSorted(sorted, 99),
      },
      timeouts: {
        answers: this.answers.length,
        timedOut: this.answers.filter(Boolean).length,
        timeoutMs: this.lastTimeoutMs,
      },
    };
  }

  reset(): void {
    this.counters = zero();
    this.samples = [];
    this.answers = [];
    this.changed();
  }

  private changed(): void {
    this.changes.fire(this);
  }
}

function zero(): Omit<CompletionStatsSnapshot, 'overheadMs' | 'timeouts'> {
  return {
    requests: 0,
    modelCalls: 0,
    prefetches: 0,
    prefills: 0,
    cacheHits: 0,
    typedAheadHits: 0,
    inFlightReuses: 0,
    aborted: 0,
    eagerCalls: 0,
    windowWarmUps: 0,
    partialShows: 0,
    empty: 0,
    accepted: 0,
    promptTokens: 0,
    evaluatedTokens: 0,
    reusedTokens: 0,
    generatedTokens: 0,
    lastLatencyMs: 0,
    lastEngineMs: 0,
    tokensPerSecond: 0,
  };
}

/** Time spent in the pipeline itself: runs between `resume` and `pause`, i.e. not while awaiting
 * the engine, a debounce or another request's generation. */
export class OverheadTimer {
  private total = 0;
  private since: number | undefined = performance.now();

  pause(): void {
    if (this.since !== undefined) this.total += performance.now() - this.since;
    this.since = undefined;
  }

  resume(): void {
    this.since ??= performance.now();
  }

  /** Time measured elsewhere (a generation job's own work) that belongs to this request. */
  add(ms: number): void {
    this.total += ms;
  }

  stop(): number {
    this.pause();
    return this.total;
  }
}
