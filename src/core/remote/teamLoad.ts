// The team benchmark: N simulated editors type at the same time, in real time, each through its
// own completion pipeline and its own connection to one server (so each keeps a llama-server slot
// of its own), for a given duration. Per user: the latency of the answer at each typing pause
// (p50/p99: what a user feels when they stop and wait), every suggestion's latency, and the
// prompt tokens the server evaluated per keystroke; for the team: the share of the time the server
// had work (at least one request in flight) and the fairness between users (spread of their p99).
import { systemClock, type Clock } from '../completion/clock';
import { CompletionPipeline } from '../completion/completionPipeline';
import type { CompletionSettings } from '../completion/completionSettings';
import type { CompletionEngine } from '../completion/engineContract';
import type { CompletionModel } from '../completion/promptAssembler';
import { MeteredEngine } from '../bench/meteredEngine';
import { createRandom } from '../bench/random';
import { splitLines, Typist, type TypistFile } from '../bench/typist';
import { summarize, type Summary } from '../util/statistics';
import { emptyRecord, typeInRealTime, type TypingRecord } from './teamTypist';

export interface TeamLoadOptions {
  users: number;
  durationMs: number;
  files: TypistFile[];
  /** Characters per typed region (a user moves on to the next region when one is done). */
  chars: number;
  seed: number;
  /** A gap before the next key at least this long is a pause (default 600 ms). */
  pauseMs?: number;
  model: CompletionModel;
  /** User i's own engine (its own connection and server slot). */
  engineFor: (user: number) => CompletionEngine;
  settings?: Partial<CompletionSettings>;
  clock?: Clock;
}

export interface UserResult {
  user: number;
  file: string;
  keystrokes: number;
  requests: number;
  modelCalls: number;
  shown: number;
  acceptances: number;
  promptTokens: number;
  evaluatedTokens: number;
  evaluatedPerKeystroke: number;
  pauses: Summary & { late: number };
  latency: Summary;
  errors: number;
  firstError?: string;
}

export interface TeamLoadResult {
  users: UserResult[];
  durationMs: number;
  /** Time with at least one request in flight, ms. */
  busyMs: number;
  busyShare: number;
  keystrokes: number;
  evaluatedTokens: number;
  evaluatedPerKeystroke: number;
  /** Per-user pause-latency p99: lowest, highest, and highest ÷ lowest. */
  fairness: { p99Min: number; p99Max: number; spread: number };
  /** All users' pause samples together. */
  pauses: Summary & { late: number };
}

/** Counts the time during which any of the users' requests is in flight. */
export class BusyMeter {
  private inFlight = 0;
  private since = 0;
  busyMs = 0;

  constructor(private readonly clock: Clock) {}

  wrap(engine: CompletionEngine): CompletionEngine {
    const track = <T>(job: () => Promise<T>): Promise<T> => {
      if (this.inFlight++ === 0) this.since = this.clock.now();
      return job().finally(() => {
        if (--this.inFlight === 0) this.busyMs += this.clock.now() - this.since;
      });
    };
    const prefill = engine.prefill?.bind(engine);
    return {
      complete: (params, signal, onPartial) => track(() => engine.complete(params, signal, onPartial)),
      ...(prefill && { prefill: (params, signal) => track(() => prefill(params, signal)) }),
    };
  }
}

export async function runTeamLoad(o: TeamLoadOptions): Promise<TeamLoadResult> {
  const clock = o.clock ?? systemClock;
  const pauseMs = o.pauseMs ?? 600;
  const busy = new BusyMeter(clock);
  const started = clock.now();
  const deadline = started + o.durationMs;
  const stagger = createRandom(o.seed ^ 0x5eed);
  const results = await Promise.all(
    Array.from({ length: o.users }, async (_, user) => {
      const file = o.files[user % o.files.length]!;
      const metered = new MeteredEngine(busy.wrap(o.engineFor(user)));
      const pipeline = new CompletionPipeline({ engine: metered, settings: o.settings, clock });
      pipeline.setModel(o.model);
      const record = emptyRecord();
      // Users start at different moments and in different places of their file.
      await clock.sleep(Math.floor(stagger.next() * 1000));
      const lines = splitLines(file.text).length;
      const sharing = Math.ceil(o.users / o.files.length);
      let fromLine = Math.floor((lines * (Math.floor(user / o.files.length) + 0.5)) / sharing) % lines;
      let region = 0;
      try {
        while (clock.now() < deadline) {
          const typist = new Typist(file, fromLine, o.chars, o.seed + user * 7919 + region++ * 104729);
          await typeInRealTime(typist, pipeline, clock, deadline, pauseMs, record);
          fromLine = typist.region.endLine < lines - 1 ? typist.region.endLine : 0;
        }
      } finally {
        pipeline.dispose();
      }
      return userResult(user, file, record, metered);
    }),
  );
  const durationMs = Math.round(clock.now() - started);
  const keystrokes = results.reduce((a, u) => a + u.keystrokes, 0);
  const evaluatedTokens = results.reduce((a, u) => a + u.evaluatedTokens, 0);
  const p99s = results.map((u) => u.pauses.p99).filter((p) => p > 0);
  const p99Min = p99s.length ? Math.min(...p99s) : 0;
  const p99Max = p99s.length ? Math.max(...p99s) : 0;
  return {
    users: results.map(({ pausesRaw: _, ...u }) => u),
    durationMs,
    busyMs: Math.round(busy.busyMs),
    busyShare: round3(busy.busyMs / Math.max(1, durationMs)),
    keystrokes,
    evaluatedTokens,
    evaluatedPerKeystroke: round3(evaluatedTokens / Math.max(1, keystrokes)),
    fairness: { p99Min, p99Max, spread: p99Min > 0 ? round3(p99Max / p99Min) : 0 },
    pauses: pauseSummary(results.flatMap((u) => u.pausesRaw)),
  };
}

function userResult(
  user: number,
  file: TypistFile,
  record: TypingRecord,
  metered: MeteredEngine,
): UserResult & { pausesRaw: TypingRecord['pauses'] } {
  const t = metered.totals;
  return {
    user,
    file: file.relativePath ?? file.uri,
    keystrokes: record.keystrokes,
    requests: record.requests,
    modelCalls: t.completeCalls,
    shown: record.shown,
    acceptances: record.acceptances,
    promptTokens: t.promptTokens,
    evaluatedTokens: t.evaluatedTokens,
    evaluatedPerKeystroke: round3(t.evaluatedTokens / Math.max(1, record.keystrokes)),
    pauses: pauseSummary(record.pauses),
    latency: summarize(record.latencyMs),
    errors: record.errors,
    ...(record.firstError && { firstError: record.firstError }),
    pausesRaw: record.pauses,
  };
}

function pauseSummary(pauses: TypingRecord['pauses']): Summary & { late: number } {
  return { ...summarize(pauses.map((p) => p.latencyMs)), late: pauses.filter((p) => p.late).length };
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
