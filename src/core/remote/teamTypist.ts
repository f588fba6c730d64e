// One simulated editor of the team benchmark: the benchmark's typist (src/core/bench/typist.ts)
// types a region of a file in real time, through the user's own completion pipeline, while the
// other users type at the same time against the same server. As in the replay, every keystroke is
// a request that cancels the one before, and a suggestion that is exactly what comes next is taken
// with Tab after a reaction time. It records, per keystroke, when the answer (a suggestion or
// none) came, and marks the keystrokes after which the typist pauses: at a pause the user waits
// for a suggestion, so the latency of that answer is what they feel.
import type { Clock } from '../completion/clock';
import type { CompletionPipeline } from '../completion/completionPipeline';
import { Typist } from '../bench/typist';

export interface PauseSample {
  /** Key to answer, ms (the pause's length when no answer came within it). */
  latencyMs: number;
  /** No answer within the pause. */
  late: boolean;
  shown: boolean;
}

export interface TypingRecord {
  keystrokes: number;
  requests: number;
  shown: number;
  acceptances: number;
  /** Key to suggestion, for every suggestion shown. */
  latencyMs: number[];
  pauses: PauseSample[];
  errors: number;
  firstError?: string;
}

/** How long the last answer of a region may take before the typist moves on. */
const TAIL_MS = 2000;

export function emptyRecord(): TypingRecord {
  return { keystrokes: 0, requests: 0, shown: 0, acceptances: 0, latencyMs: [], pauses: [], errors: 0 };
}

/** Types until the region is done or `deadline` (clock time) passes. */
export async function typeInRealTime(
  typist: Typist,
  pipeline: CompletionPipeline,
  clock: Clock,
  deadline: number,
  pauseMs: number,
  record: TypingRecord,
): Promise<void> {
  let latest: AbortController | undefined;
  let keyTimer: AbortController | undefined;
  let nextKeyAt = Infinity;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const pending = new Set<Promise<void>>();

  const schedule = (delay: number, action: () => void) => {
    keyTimer?.abort();
    const timer = new AbortController();
    keyTimer = timer;
    nextKeyAt = clock.now() + delay;
    void clock.sleep(delay, timer.signal).then((fired) => {
      if (fired) action();
    });
  };

  const request = (pauseAfter: number) => {
    latest?.abort();
    const controller = new AbortController();
    latest = controller;
    const askedAt = clock.now();
    record.requests++;
    const pause: PauseSample | undefined =
      pauseAfter >= pauseMs ? { latencyMs: pauseAfter, late: true, shown: false } : undefined;
    if (pause) record.pauses.push(pause);
    const done = pipeline.provide({ doc: typist.doc, position: typist.cursor, signal: controller.signal }).then(
      (suggestion) => {
        if (controller.signal.aborted || latest !== controller) return;
        const latency = clock.now() - askedAt;
        if (pause && latency <= pause.latencyMs) {
          pause.latencyMs = latency;
          pause.late = false;
          pause.shown = Boolean(suggestion);
        }
        if (!suggestion) return;
        record.shown++;
        record.latencyMs.push(latency);
        const text = suggestion.insertText;
        if (!typist.canAccept(text)) return;
        const reaction = typist.reactionDelay();
        if (clock.now() + reaction >= nextKeyAt) return; // the next key comes first
        schedule(reaction, () => {
          typist.accept(text);
          pipeline.onAccepted();
          record.acceptances++;
          next(true);
        });
      },
      (e: unknown) => {
        record.errors++;
        record.firstError ??= e instanceof Error ? e.message : String(e);
      },
    );
    pending.add(done);
    void done.finally(() => pending.delete(done));
  };

  /** Schedules the next key; `request` first when a key (or Tab) just changed the document. */
  const next = (changed: boolean) => {
    if (typist.done || clock.now() >= deadline) {
      if (changed) request(Math.max(pauseMs, TAIL_MS));
      finish();
      return;
    }
    const delay = typist.delayBeforeNext();
    if (changed) request(delay);
    schedule(delay, () => {
      typist.press();
      record.keystrokes++;
      next(true);
    });
  };

  next(false);
  await finished;
  // The last answer may still come (the user stopped typing); then nothing is left running.
  await Promise.race([Promise.all(pending), clock.sleep(Math.max(pauseMs, TAIL_MS))]);
  latest?.abort();
  keyTimer?.abort();
  await Promise.all(pending);
}
