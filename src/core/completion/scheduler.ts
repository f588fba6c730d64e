// Scheduling parts of the completion pipeline: the adaptive debounce and the single generation slot.
//
// Debounce: a model call per keystroke is what overwhelms local models, so automatic requests wait
// a little longer than the user's usual pause between keystrokes (an average of recent intervals,
// times 1.5, within bounds): while the user types steadily nothing fires, and the request fires
// soon after they stop. There is no wait at the start of a line (the user just pressed Enter and is
// likely waiting), right after accepting a suggestion, or for an explicit request.
//
// Generation slot: at most one generation (request, prefetch or prefill) runs at a time. Starting
// one aborts the running one and waits for it to settle before the new job begins, so the engine
// never sees two. A generation's `done` never rejects: jobs deliver their results through the
// cache, and failures go to the slot's error callback.
import type { Clock } from './clock';

/** Intervals longer than this are pauses, not part of the typing rhythm. */
const PAUSE_MS = 2000;

export class TypingRhythm {
  private lastKeyAt?: number;
  private averageMs?: number;
  private justAccepted = false;

  constructor(
    private readonly clock: Clock,
    private bounds: { minMs: number; maxMs: number },
  ) {}

  /** New bounds apply from the next request (the setting is live). */
  setBounds(bounds: { minMs: number; maxMs: number }): void {
    this.bounds = bounds;
  }

  /** A keystroke (a new document version) happened now. */
  noteKeystroke(): void {
    const now = this.clock.now();
    if (this.lastKeyAt !== undefined) {
      const interval = now - this.lastKeyAt;
      if (interval > 0 && interval < PAUSE_MS)
        this.averageMs = this.averageMs === undefined ? interval : this.averageMs * 0.7 + interval * 0.3;
    }
    this.lastKeyAt = now;
  }

  /** The user switched documents: the rhythm so far says nothing about the next interval. */
  reset(): void {
    this.lastKeyAt = undefined;
  }

  noteAccepted(): void {
    this.justAccepted = true;
  }

  /** The average interval between keystrokes, when known. */
  get typicalIntervalMs(): number | undefined {
    return this.averageMs;
  }

  /** How long a request should wait before calling the model. Consumes the "just accepted" mark. */
  delayFor(request: { linePrefix: string; explicit: boolean }): number {
    const accepted = this.justAccepted;
    this.justAccepted = false;
    if (request.explicit || accepted || request.linePrefix.trim() === '') return 0;
    return this.pauseMs();
  }

  /** A silence this long means the user stopped typing: 1.5 times the usual interval, within bounds. */
  pauseMs(): number {
    const typical = this.averageMs ?? (this.bounds.minMs + this.bounds.maxMs) / 2;
    return Math.round(Math.min(this.bounds.maxMs, Math.max(this.bounds.minMs, typical * 1.5)));
  }
}

/** Whether prefetching pays: a prefetch costs a model call and only helps when the user takes the
 * suggestion. A suggestion counts as taken when it is accepted or the user types into it
 * (typed-ahead). The rate decays, so it follows the model and the kind of code being written;
 * until a few suggestions have been seen, prefetching is on. */
export class SuggestionUsefulness {
  private shown = 0;
  private taken = 0;
  private open = false;

  constructor(private readonly minRate = 0.2) {}

  noteShown(): void {
    this.shown = this.shown * 0.9 + 1;
    this.taken *= 0.9;
    this.open = true;
  }

  noteTaken(): void {
    if (!this.open) return;
    this.taken += 1;
    this.open = false;
  }

  get worthPrefetching(): boolean {
    return this.shown < 3 || this.taken / this.shown >= this.minRate;
  }
}

export type GenerationKind = 'request' | 'prefetch' | 'prefill';

export interface Generation<C> {
  readonly kind: GenerationKind;
  readonly context: C;
  readonly signal: AbortSignal;
  /** Resolves when the job is over, whether it finished, failed or was aborted (never rejects). */
  readonly done: Promise<void>;
  readonly settled: boolean;
  abort(): void;
}

class RunningGeneration<C> implements Generation<C> {
  private readonly controller = new AbortController();
  settled = false;
  done: Promise<void> = Promise.resolve();

  constructor(
    readonly kind: GenerationKind,
    readonly context: C,
  ) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  abort(): void {
    this.controller.abort();
  }
}

export class GenerationSlot<C> {
  private active?: RunningGeneration<C>;

  constructor(private readonly onError: (error: unknown) => void = () => undefined) {}

  /** The generation running or waiting to run, if any. */
  get current(): Generation<C> | undefined {
    return this.active && !this.active.settled ? this.active : undefined;
  }

  /** Starts `job` once the previous generation (aborted here) has settled. */
  start(kind: GenerationKind, context: C, job: (signal: AbortSignal) => Promise<void>): Generation<C> {
    const previous = this.active;
    if (previous && !previous.settled) previous.abort();
    const gen = new RunningGeneration(kind, context);
    this.active = gen;
    gen.done = (async () => {
      try {
        if (previous) await previous.done;
        if (!gen.signal.aborted) await job(gen.signal);
      } catch (error) {
        if (!gen.signal.aborted) this.onError(error);
      } finally {
        gen.settled = true;
      }
    })();
    return gen;
  }

  /** Aborts the running generation; returns it when there was one. */
  abortCurrent(): Generation<C> | undefined {
    const gen = this.current;
    gen?.abort();
    return gen;
  }
}

/** Waits for `promise` unless `signal` aborts first; returns whether the promise won. */
export function waitUnlessAborted(promise: Promise<unknown>, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => resolve(false);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      },
      () => resolve(true),
    );
  });
}
