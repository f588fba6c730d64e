// The replay: a simulated typist types each file while a strategy answers its requests, in
// simulated time (virtualClock.ts) with the device's real or projected durations (deviceMeter.ts).
//
// Every keystroke changes the document with the cursor at the end of what was typed, which is when
// VS Code asks the inline completion provider: each one is a request, and it cancels the request
// before it (VS Code cancels the previous provider call's token). A suggestion that arrives before
// the next keystroke is shown; when it is exactly what the typist is about to type and the typist
// would notice it before their next key, they press Tab after a reaction time, and the provider is
// asked again at the new position. Latency is from the keystroke to the suggestion, in simulated
// milliseconds (debounce, device time and waiting on other work included).
//
// The editor around the typing (editorEvents.ts): each key is an edit and a cursor move, autosave
// saves 1 s after the last key, and once per file, past the middle of the region, the typist
// switches to the next file, scrolls to its middle, clicks a line, reads, and comes back.
import { settle } from '../completion/clock';
import type { CompletionDocument } from '../completion/documentWindow';
import { LinesDocument } from '../completion/documentWindow';
import type { DeviceMeter } from './deviceMeter';
import { AUTOSAVE_DELAY_MS, type EditorEvent, type EditorView, type Workspace } from './editorEvents';
import { emptyPauses, pauseFigures, type KeyRecord, type PauseFigures } from './figures';
import type { Metered } from './meteredEngine';
import type { Oracle } from './oracle';
import type { BenchStrategy } from './strategies';
import { splitLines, Typist, type TypistFile } from './typist';
import type { VirtualClock } from './virtualClock';

export interface ReplayOptions {
  files: TypistFile[];
  /** First line typed in each file (0-based). */
  fromLine: number;
  /** Characters typed per file (rounded up to whole lines). */
  chars: number;
  seed: number;
  strategy: BenchStrategy;
  /** The token meter the strategy's calls go through. */
  meter: Metered;
  /** The device the calls run on: drives the clock while it works, and knows when it was busy. */
  device: DeviceMeter;
  clock: VirtualClock;
  /** Replaces model answers by the true continuation (--accept oracle:<p>). */
  oracle?: Oracle;
  /** Only the typing's own events (edits, cursor moves) reach the strategy, no saves, file
   * switches or scrolls: the figure without extra-context traffic (--quiet-editor). */
  quietEditor?: boolean;
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

export interface EditorEventCounts {
  edit: number;
  cursor: number;
  save: number;
  switch: number;
  scroll: number;
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
  pauses: PauseFigures;
  /** The same pauses, covered only when the whole suggestion showed before they ended. */
  wholePauses: PauseFigures;
  /** Simulated time from each file's first key to its last, summed, and the device's busy time in it. */
  typingMs: number;
  busyMs: number;
  events: EditorEventCounts;
  /** Whether each file ended equal to the original (it must: a check on the typist). */
  intact: boolean;
  simulatedMs: number;
  wallMs: number;
  files: FileReplay[];
}

/** The pause before switching to the other file, the scroll steps there, and the reading time. */
const SWITCH_AFTER_MS = 1200;
const SCROLL_STEPS = 3;
const SCROLL_STEP_MS = 400;
const CLICK_AFTER_MS = 300;
const READ_MS = 2000;
const VISIBLE_LINES = 40;

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
    pauses: emptyPauses(),
    wholePauses: emptyPauses(),
    typingMs: 0,
    busyMs: 0,
    events: { edit: 0, cursor: 0, save: 0, switch: 0, scroll: 0 },
    intact: true,
    simulatedMs: 0,
    wallMs: 0,
    files: [],
  };
  const { files } = options;
  for (const [i, file] of files.entries()) {
    const before = { ...options.meter.totals };
    const requestsBefore = result.requests;
    const typist = new Typist(file, options.fromLine, options.chars, options.seed + i * 7919);
    const other = files.length > 1 ? otherDocument(files[(i + 1) % files.length]!) : undefined;
    options.oracle?.follow({
      text: typist.fileText,
      start: typist.regionOffset,
      end: typist.regionOffset + typist.region.text.length,
      cursor: () => typist.offset,
    });
    await typeFile(typist, other, options, result);
    const after = options.meter.totals;
    result.keystrokes += typist.keystrokes;
    result.acceptances += typist.acceptances;
    result.acceptedChars += typist.acceptedChars;
    result.intact &&= documentText(typist) === typist.fileText;
    result.files.push({
      path: file.relativePath ?? filePath(file.uri),
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
  await options.device.whenIdle(); // background work still in flight belongs to this replay
  result.simulatedMs = Math.round(options.clock.now() - simStart);
  result.wallMs = Math.round(performance.now() - wallStart);
  return result;
}

/** The path of a file: URI (for the report), or the URI itself. */
function filePath(uri: string): string {
  try {
    return uri.startsWith('file:') ? decodeURIComponent(new URL(uri).pathname) : uri;
  } catch {
    return uri;
  }
}

function otherDocument(file: TypistFile): LinesDocument {
  return new LinesDocument(file.uri, file.languageId, splitLines(file.text), 1, file.relativePath);
}

async function typeFile(
  typist: Typist,
  other: CompletionDocument | undefined,
  options: ReplayOptions,
  result: ReplayResult,
): Promise<void> {
  const { clock, strategy, device } = options;
  let latest: AbortController | undefined;
  let keyTimer: AbortController | undefined;
  let saveTimer: AbortController | undefined;
  let nextKeyAt = Infinity;
  const pending = new Set<Promise<void>>();
  const keys: KeyRecord[] = [];
  /** Times of what ends a pause: keys, and switching to the other file. */
  const actions: number[] = [];
  let dirty = false;
  let switching = false;
  let switched = other === undefined;
  let away = false;
  let otherLine = 0;

  const mainView = (): EditorView => ({ doc: typist.doc, line: typist.cursor.line, dirty });
  const otherView = (): EditorView => ({ doc: other!, line: otherLine, dirty: false });
  const workspace: Workspace = { active: () => (away ? otherView() : mainView()) };
  const emit = (event: EditorEvent) => {
    if (options.quietEditor && event.kind !== 'edit' && event.kind !== 'cursor') return;
    result.events[event.kind]++;
    strategy.onEditor(event, workspace);
  };

  const schedule = (delay: number, action: () => void) => {
    keyTimer?.abort();
    const timer = new AbortController();
    keyTimer = timer;
    nextKeyAt = clock.now() + delay;
    void clock.sleep(delay, timer.signal).then((fired) => {
      if (fired) action();
    });
  };

  const edited = (line: number) => {
    dirty = true;
    emit({ kind: 'edit', doc: typist.doc, line });
    emit({ kind: 'cursor', doc: typist.doc, line: typist.cursor.line });
    saveTimer?.abort();
    const timer = new AbortController();
    saveTimer = timer;
    void clock.sleep(AUTOSAVE_DELAY_MS, timer.signal).then((fired) => {
      if (!fired) return;
      dirty = false;
      emit({ kind: 'save', doc: typist.doc, line: typist.cursor.line });
    });
  };

  const request = () => {
    latest?.abort();
    const controller = new AbortController();
    latest = controller;
    const key: KeyRecord = { at: clock.now() };
    keys.push(key);
    actions.push(key.at);
    result.requests++;
    const onWhole = () => {
      if (!controller.signal.aborted && latest === controller) key.wholeAt ??= clock.now();
    };
    const done = strategy
      .request({ doc: typist.doc, position: typist.cursor, signal: controller.signal, onWhole })
      .then(
        (suggestion) => {
          if (!suggestion || controller.signal.aborted || latest !== controller) return;
          result.shown++;
          key.shownAt = clock.now();
          if (!suggestion.firstWords) key.wholeAt = key.shownAt;
          result.latencyMs.push(key.shownAt - key.at);
          const text = suggestion.insertText;
          if (switching || !typist.canAccept(text)) return;
          const reaction = typist.reactionDelay();
          if (clock.now() + reaction >= nextKeyAt) return; // the next key comes first
          schedule(reaction, () => {
            const line = typist.cursor.line;
            typist.accept(text);
            strategy.accepted();
            edited(line);
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

  /** Over to the other file: scroll to its middle, click a line, read, come back. */
  const visitOther = () => {
    switching = true;
    const doc = other!;
    const middle = Math.floor(doc.lineCount / 2);
    const steps: Array<[number, () => void]> = [
      [
        SWITCH_AFTER_MS,
        () => {
          actions.push(clock.now());
          away = true;
          emit({ kind: 'switch', from: mainView(), to: otherView() });
        },
      ],
    ];
    for (let s = 1; s <= SCROLL_STEPS; s++) {
      const first = Math.max(0, Math.round((middle * s) / SCROLL_STEPS) - VISIBLE_LINES / 2);
      steps.push([
        SCROLL_STEP_MS,
        () => emit({ kind: 'scroll', doc, firstLine: first, lastLine: first + VISIBLE_LINES - 1, active: true }),
      ]);
    }
    steps.push([
      CLICK_AFTER_MS,
      () => {
        otherLine = middle;
        emit({ kind: 'cursor', doc, line: middle });
      },
    ]);
    steps.push([
      READ_MS,
      () => {
        away = false;
        emit({ kind: 'switch', from: otherView(), to: mainView() });
        emit({ kind: 'cursor', doc: typist.doc, line: typist.cursor.line });
        switching = false;
        typeNext();
      },
    ]);
    const run = (i: number) => {
      const step = steps[i];
      if (!step) return;
      schedule(step[0], () => {
        step[1]();
        run(i + 1);
      });
    };
    run(0);
  };

  let typed = false;
  const typeNext = () => {
    // The visit to the other file: at a line start past the middle (after Enter, or Tab on a
    // suggestion), or at the end when the rest was taken in one suggestion.
    const lineStart = typist.lastKey === 'enter' || typist.lastKey === 'accept';
    if (!switched && (typist.done || (lineStart && typist.typedShare >= 0.5))) {
      switched = true;
      visitOther();
      return;
    }
    if (typist.done) {
      typed = true;
      return;
    }
    schedule(typist.delayBeforeNext(), () => {
      const line = typist.cursor.line;
      typist.press();
      edited(line);
      request();
      typeNext();
    });
  };

  typeNext();
  await pump(clock, device, () => typed);
  // Let the last request finish and the background work it starts run, then cancel what is left.
  let tailOver = false;
  void clock.sleep(options.tailMs ?? 2000).then(() => (tailOver = true));
  await pump(clock, device, () => tailOver);
  latest?.abort();
  keyTimer?.abort();
  saveTimer?.abort();
  await pump(clock, device, () => pending.size === 0);

  pauseFigures(keys, actions, result.pauses);
  pauseFigures(
    keys.map((k) => ({ at: k.at, shownAt: k.wholeAt })),
    actions,
    result.wholePauses,
  );
  const first = keys[0];
  const last = keys[keys.length - 1];
  if (first && last) {
    result.typingMs += last.at - first.at;
    result.busyMs += device.busyWithin(first.at, last.at);
  }
}

/** Runs simulated time until `stop()` holds: jumps from sleep to sleep while the device is idle;
 * while it works, waits for it (wall timing: waking sleeps as they fall due in real time). */
async function pump(clock: VirtualClock, device: DeviceMeter, stop: () => boolean): Promise<void> {
  for (;;) {
    await settle();
    if (stop()) return;
    if (device.busy) {
      if (!device.wallTime) {
        await device.whenIdle(); // projected timing: time stands still while the real work runs
        continue;
      }
      const due = clock.nextDueAt();
      await idleOrTimeout(device.whenIdle(), due === undefined ? 60_000 : Math.max(0, due - clock.now()));
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
