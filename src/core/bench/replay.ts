// The replay: a simulated typist types each file while a strategy answers its requests on the
// engine, in simulated time (virtualClock.ts) with real engine durations.
//
// Every keystroke changes the document with the cursor at the end of what was typed, which is when
// VS Code asks the inline completion provider: each one is a request, and it cancels the request
// before it (VS Code cancels the previous provider call's token). A suggestion that arrives before
// the next keystroke is shown; when it is exactly what the typist is about to type and the typist
// would notice it before their next key, they press Tab after a reaction time, and the provider is
// asked again at the new position. Latency is from the keystroke to the suggestion, in simulated
// milliseconds (debounce, engine time and waiting on other generations included).
import { settle } from '../completion/clock';
import type { MeteredEngine } from './meteredEngine';
import type { BenchStrategy } from './strategies';
import { Typist, type TypistFile } from './typist';
import type { VirtualClock } from './virtualClock';

export interface ReplayOptions {
  files: TypistFile[];
  /** First line typed in each file (0-based). */
  fromLine: number;
  /** Characters typed per file (rounded up to whole lines). */
  chars: number;
  seed: number;
  strategy: BenchStrategy;
  engine: MeteredEngine;
  clock: VirtualClock;
  /** Simulated time after a file's last keystroke before the next file starts (default 2000). */
  tailMs?: number;
}

export interface FileReplay {
  path: string;
  /** First and last line typed, 1-based. */
  firstLine: number;
  lastLine: number;
  typedChars: number;
  keystrokes: number;
  requests: number;
  modelCalls: number;
  promptTokens: number;
  evaluatedTokens: number;
}

export interface ReplayResult {
  keystrokes: number;
  requests: number;
  /** Suggestions that arrived while still current. */
  shown: number;
  acceptances: number;
  acceptedChars: number;
  /** Requests that failed with an error (not a cancellation). */
  errors: number;
  firstError?: string;
  /** Keystroke-to-suggestion times of the shown suggestions, simulated ms. */
  latencyMs: number[];
  /** Whether each file ended equal to the original (it must: a check on the typist). */
  intact: boolean;
  simulatedMs: number;
  wallMs: number;
  files: FileReplay[];
}

export async function replay(options: ReplayOptions): Promise<ReplayResult> {
  const wallStart = performance.now();
  const simStart = options.clock.now();
  const result: ReplayResult = {
    keystrokes: 0,
    requests: 0,
    shown: 0,
    acceptances: 0,
    acceptedChars: 0,
    errors: 0,
    latencyMs: [],
    intact: true,
    simulatedMs: 0,
    wallMs: 0,
    files: [],
  };
  for (const [i, file] of options.files.entries()) {
    const before = { ...options.engine.totals };
    const requestsBefore = result.requests;
    const typist = new Typist(file, options.fromLine, options.chars, options.seed + i * 7919);
    await typeFile(typist, options, result);
    const after = options.engine.totals;
    result.keystrokes += typist.keystrokes;
    result.acceptances += typist.acceptances;
    result.acceptedChars += typist.acceptedChars;
    result.intact &&= documentText(typist) === file.text.replace(/\r\n?/g, '\n');
    result.files.push({
      path: file.relativePath ?? file.uri,
      firstLine: typist.region.startLine + 1,
      lastLine: typist.region.endLine,
      typedChars: typist.region.text.length,
      keystrokes: typist.keystrokes,
      requests: result.requests - requestsBefore,
      modelCalls: after.completeCalls - before.completeCalls,
      promptTokens: after.promptTokens - before.promptTokens,
      evaluatedTokens: after.evaluatedTokens - before.evaluatedTokens,
    });
  }
  result.simulatedMs = Math.round(options.clock.now() - simStart);
  result.wallMs = Math.round(performance.now() - wallStart);
  return result;
}

async function typeFile(typist: Typist, options: ReplayOptions, result: ReplayResult): Promise<void> {
  const { clock, strategy, engine } = options;
  let latest: AbortController | undefined;
  let keyTimer: AbortController | undefined;
  let nextKeyAt = Infinity;
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

  const request = () => {
    latest?.abort();
    const controller = new AbortController();
    latest = controller;
    const askedAt = clock.now();
    result.requests++;
    const done = strategy.request({ doc: typist.doc, position: typist.cursor, signal: controller.signal }).then(
      (suggestion) => {
        if (!suggestion || controller.signal.aborted || latest !== controller) return;
        result.shown++;
        result.latencyMs.push(clock.now() - askedAt);
        const text = suggestion.insertText;
        if (!typist.canAccept(text)) return;
        const reaction = typist.reactionDelay();
        if (clock.now() + reaction >= nextKeyAt) return; // the next key comes first
        schedule(reaction, () => {
          typist.accept(text);
          strategy.accepted();
          request();
          typeNext();
        });
      },
      (e: unknown) => {
        result.errors++;
        result.firstError ??= e instanceof Error ? e.message : String(e);
      },
    );
    pending.add(done);
    void done.finally(() => pending.delete(done));
  };

  let typed = false;
  const typeNext = () => {
    if (typist.done) {
      typed = true;
      return;
    }
    schedule(typist.delayBeforeNext(), () => {
      typist.press();
      request();
      typeNext();
    });
  };

  typeNext();
  await pump(clock, engine, () => typed);
  // Let the last request finish and the background work it starts run, then cancel what is left.
  let tailOver = false;
  void clock.sleep(options.tailMs ?? 2000).then(() => (tailOver = true));
  await pump(clock, engine, () => tailOver);
  latest?.abort();
  keyTimer?.abort();
  await pump(clock, engine, () => pending.size === 0);
}

/** Runs simulated time until `stop()` holds: jumps from sleep to sleep while the engine is idle,
 * and waits in real time (waking sleeps as they fall due) while it works. */
async function pump(clock: VirtualClock, engine: MeteredEngine, stop: () => boolean): Promise<void> {
  for (;;) {
    await settle();
    if (stop()) return;
    if (engine.busy) {
      const due = clock.nextDueAt();
      await idleOrTimeout(engine.whenIdle(), due === undefined ? 60_000 : Math.max(0, due - clock.now()));
      clock.fireDue();
    } else if (!clock.jumpToNext()) {
      return; // nothing runs and nothing is scheduled
    }
  }
}

function idleOrTimeout(idle: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void idle.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function documentText(typist: Typist): string {
  const doc = typist.doc;
  const lines: string[] = [];
  for (let i = 0; i < doc.lineCount; i++) lines.push(doc.lineAt(i));
  return lines.join('\n');
}
