import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../src/core/completion/clock';
import { LinesDocument } from '../../src/core/completion/documentWindow';
import type { NextEditParams, NextEditResult, StopReason } from '../../src/core/engine/protocol';
import { EditHistory } from '../../src/core/nes/editHistory';
import { promptText } from '../../src/core/nes/nesPrompt';
import { NextEditPipeline, type NesSuggestion, type NextEditEngine } from '../../src/core/nes/nextEditPipeline';
import { NextEditScheduler, type ForegroundWork } from '../../src/core/nes/nextEditScheduler';
import { Emitter } from '../../src/core/util/emitter';
import { createLogger, type Logger } from '../../src/core/util/logger';

/** A scripted next-edit model: it answers Sweep prompts with the current window rewritten. */
class FakeNesEngine implements NextEditEngine {
  calls: NextEditParams[] = [];
  stopReason: StopReason = 'stop';
  /** Answers this many requests with "abort" as the engine does when an inline completion pre-empts it. */
  preempt = 0;
  /** Called as a request is pre-empted (the completion that took the engine starts). */
  onPreempt = () => {};
  constructor(private readonly rewrite: (window: string) => string) {}
  async nextEdit(params: NextEditParams, signal: AbortSignal): Promise<NextEditResult> {
    this.calls.push(params);
    const text = promptText(params.segments);
    const window = /<\|file_sep\|>current\/[^\n]*\n([\s\S]*?)\n<\|file_sep\|>updated\//.exec(text)![1]!;
    await Promise.resolve();
    const preempted = this.preempt > 0;
    if (preempted) this.preempt--;
    if (preempted) this.onPreempt();
    if (preempted) return { ...this.answer(text, ''), stopReason: 'abort' };
    return this.answer(
      text,
      signal.aborted ? '' : `${this.rewrite(window)}\n`,
      signal.aborted ? 'abort' : this.stopReason,
    );
  }
  private answer(text: string, answer: string, stopReason: StopReason = 'abort'): NextEditResult {
    return {
      text: answer,
      stopReason,
      accounting: {
        promptTokens: text.length,
        evaluatedTokens: text.length,
        reusedTokens: 0,
        generatedTokens: 10,
        timeToFirstTokenMs: 1,
        tokensPerSecond: 100,
        totalMs: 5,
      },
      draftTokens: 8,
      acceptedDraftTokens: 6,
    };
  }
}

const SOURCE = [
  'function total(cart) {',
  '  let sum = 0;',
  '  for (const item of cart.items) {',
  '    sum += item.price * item.count;',
  '  }',
  '  return sum;',
  '}',
];

/** The document after the user renamed `item` to `entry` in the loop header, with its history. */
function renamed(): { doc: LinesDocument; history: EditHistory } {
  const history = new EditHistory();
  const before = new LinesDocument('file:///w/cart.js', 'javascript', SOURCE, 1, 'cart.js');
  history.observe({ ...before, path: 'cart.js', lineCount: before.lineCount, lineAt: (i) => before.lineAt(i) });
  const lines = SOURCE.slice();
  lines[2] = '  for (const entry of cart.items) {';
  const doc = new LinesDocument('file:///w/cart.js', 'javascript', lines, 2, 'cart.js');
  history.onUserChange({ uri: doc.uri, path: 'cart.js', lineCount: doc.lineCount, lineAt: (i) => doc.lineAt(i) }, [
    { range: { start: { line: 2, character: 13 }, end: { line: 2, character: 17 } }, text: 'entry' },
  ]);
  return { doc, history };
}

const renameAll = (w: string) => w.replaceAll('item.', 'entry.');

function pipeline(engine: NextEditEngine, history: EditHistory, log?: Logger): NextEditPipeline {
  const p = new NextEditPipeline({ engine, history, log });
  p.setModel({ id: 'sweep-test', family: 'sweep' });
  return p;
}

/** Applies a suggestion's shown edit to a LinesDocument. */
function apply(doc: LinesDocument, s: NesSuggestion): LinesDocument {
  const { start, end } = s.edit.range;
  const lines = Array.from({ length: doc.lineCount }, (_, i) => doc.lineAt(i));
  const text = `${lines[start.line]!.slice(0, start.character)}${s.edit.text}${lines[end.line]!.slice(end.character)}`;
  lines.splice(start.line, end.line - start.line + 1, ...text.split('\n'));
  return new LinesDocument(doc.uri, doc.languageId, lines, doc.version + 1, doc.relativePath);
}

describe('next-edit pipeline', () => {
  test('after a rename, the next occurrence is offered as an edit of just the name', async () => {
    const { doc, history } = renamed();
    const engine = new FakeNesEngine(renameAll);
    const nes = pipeline(engine, history);
    const s = await nes.provide({ doc, cursor: { line: 2, character: 18 } });
    assert.ok(s);
    assert.equal(s.source, 'model');
    // Both occurrences on line 3 form one edit (one Tab, one undo step), shown as two changed words.
    assert.deepEqual(
      [s.edit.range, s.edit.oldText, s.edit.text],
      [
        { start: { line: 3, character: 11 }, end: { line: 3, character: 28 } },
        'item.price * item',
        'entry.price * entry',
      ],
    );
    assert.deepEqual(
      s.edit.parts!.map((p) => [p.range.start.character, p.range.end.character, p.oldText, p.text]),
      [
        [11, 15, 'item', 'entry'],
        [24, 28, 'item', 'entry'],
      ],
    );
    assert.equal(s.edits.length, 1);
    assert.equal(engine.calls.length, 1);
    assert.equal(engine.calls[0]!.inputLookup, true);
    assert.deepEqual(engine.calls[0]!.stop, ['<|file_sep|>', '</s>']);
  });

  test('accepting one edit offers the rewrite’s other edits without asking the model again', async () => {
    const { doc, history } = renamed();
    const lines = SOURCE.slice();
    lines[2] = '  for (const entry of cart.items) {';
    lines[5] = '  return item;'; // a second, separate occurrence
    const two = new LinesDocument(doc.uri, 'javascript', lines, 2, 'cart.js');
    const engine = new FakeNesEngine((w) => w.replaceAll('item.', 'entry.').replace('return item', 'return entry'));
    const nes = pipeline(engine, history);
    const first = await nes.provide({ doc: two, cursor: { line: 2, character: 18 } });
    assert.equal(first!.edits.length, 2);
    nes.onAccepted(first!);
    const after = apply(two, first!);
    const second = await nes.provide({ doc: after, cursor: { line: 3, character: 0 } });
    assert.equal(second!.source, 'rest');
    assert.equal(engine.calls.length, 1);
    assert.deepEqual(second!.edit.range, { start: { line: 5, character: 9 }, end: { line: 5, character: 13 } });
    assert.equal(apply(after, second!).lineAt(5), '  return entry;');
  });

  test('the same excerpt after the same edits is answered from the cache', async () => {
    const { doc, history } = renamed();
    const engine = new FakeNesEngine(renameAll);
    const nes = pipeline(engine, history);
    await nes.provide({ doc, cursor: { line: 2, character: 18 } });
    const again = await nes.provide({ doc, cursor: { line: 2, character: 18 } });
    assert.equal(again!.source, 'cache');
    assert.equal(engine.calls.length, 1);
    assert.equal(nes.stats.snapshot().cacheHits, 1);
  });

  test('an answer that would undo the user’s rename is not offered', async () => {
    const { doc, history } = renamed();
    const nes = pipeline(new FakeNesEngine((w) => w.replace('const entry', 'const item')), history);
    assert.equal(await nes.provide({ doc, cursor: { line: 2, character: 18 } }), null);
  });

  test('a rewrite cut by the token cap is not offered (its missing tail is not a deletion)', async () => {
    const { doc, history } = renamed();
    const engine = new FakeNesEngine((w) => renameAll(w).split('\n').slice(0, 3).join('\n'));
    engine.stopReason = 'maxTokens';
    assert.equal(await pipeline(engine, history).provide({ doc, cursor: { line: 2, character: 18 } }), null);
  });

  test("a next edit past its time is not offered, and the caller's log says so once, with the caller's one tag", async () => {
    const { doc, history } = renamed();
    const engine = new FakeNesEngine(renameAll);
    engine.stopReason = 'timeout';
    const lines: string[] = [];
    const log = createLogger((level, line) => lines.push(`${level} ${line}`)).child('nextEdit');
    assert.equal(await pipeline(engine, history, log).provide({ doc, cursor: { line: 2, character: 18 } }), null);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^warn \[nextEdit\] the next edit took longer than \d+ ms and was dropped$/);
  });

  test('a dismissed answer is not offered again for the same text', async () => {
    const { doc, history } = renamed();
    const nes = pipeline(new FakeNesEngine(renameAll), history);
    assert.ok(await nes.provide({ doc, cursor: { line: 2, character: 18 } }));
    nes.onDismissed();
    assert.equal(await nes.provide({ doc, cursor: { line: 2, character: 18 } }), null);
  });
});

class Foreground implements ForegroundWork {
  busy = false;
  private readonly idle = new Emitter<void>();
  onIdle(listener: () => void) {
    return this.idle.event(listener);
  }
  finish() {
    this.busy = false;
    this.idle.fire();
  }
}

describe('next-edit scheduling', () => {
  function setup(enabled = true) {
    const { doc, history } = renamed();
    const engine = new FakeNesEngine(renameAll);
    const clock = new ManualClock();
    const foreground = new Foreground();
    const shown: (NesSuggestion | null)[] = [];
    const scheduler = new NextEditScheduler({
      pipeline: pipeline(engine, history),
      clock,
      pauseMs: () => 500,
      foreground,
      enabled: () => enabled,
      onSuggestion: (s) => shown.push(s),
    });
    return { doc, engine, clock, foreground, shown, scheduler };
  }

  test('asks after the typing pause that follows an edit, and a new edit restarts the pause', async () => {
    const { doc, engine, clock, shown, scheduler } = setup();
    scheduler.noteEdit(doc, { line: 2, character: 17 });
    await clock.advance(400);
    scheduler.noteEdit(doc, { line: 2, character: 18 });
    await clock.advance(400);
    assert.equal(engine.calls.length, 0, 'still typing');
    await clock.advance(200);
    assert.equal(engine.calls.length, 1);
    assert.equal(shown.filter(Boolean).length, 1);
    assert.equal(shown.at(-1)!.edit.text, 'entry.price * entry');
  });

  test('waits while an inline completion uses the engine, then asks', async () => {
    const { doc, engine, clock, foreground, shown, scheduler } = setup();
    foreground.busy = true;
    scheduler.noteEdit(doc, { line: 2, character: 18 });
    await clock.advance(2000);
    assert.equal(engine.calls.length, 0);
    foreground.finish();
    await clock.advance(0);
    assert.equal(engine.calls.length, 1);
    assert.ok(shown.at(-1));
  });

  test('a next edit the engine stopped for an inline completion is asked again once the completion is done', async () => {
    const { doc, engine, clock, foreground, shown, scheduler } = setup();
    engine.preempt = 1;
    engine.onPreempt = () => (foreground.busy = true);
    scheduler.noteEdit(doc, { line: 2, character: 18 });
    await clock.advance(500);
    assert.equal(engine.calls.length, 1);
    assert.equal(shown.filter(Boolean).length, 0, 'nothing shown while the completion runs');
    foreground.finish();
    await clock.advance(0);
    assert.equal(engine.calls.length, 2);
    assert.equal(shown.at(-1)?.edit.text, 'entry.price * entry');
  });

  test('a next edit pre-empted again and again gives up after three tries', async () => {
    const errors: unknown[] = [];
    const { doc, history } = renamed();
    const engine = new FakeNesEngine(renameAll);
    engine.preempt = 5;
    const clock = new ManualClock();
    const scheduler = new NextEditScheduler({
      pipeline: pipeline(engine, history),
      clock,
      pauseMs: () => 500,
      foreground: new Foreground(),
      enabled: () => true,
      onSuggestion: () => undefined,
      onError: (e) => errors.push(e),
    });
    scheduler.noteEdit(doc, { line: 2, character: 18 });
    await clock.advance(500);
    assert.equal(engine.calls.length, 3);
    assert.equal(errors.length, 1);
  });

  test('moving the cursor alone asks nothing, and nothing is asked where next edits are off', async () => {
    const on = setup();
    on.scheduler.noteCursor(on.doc, { line: 0, character: 0 });
    await on.clock.advance(2000);
    assert.equal(on.engine.calls.length, 0);
    const off = setup(false);
    off.scheduler.noteEdit(off.doc, { line: 2, character: 18 });
    await off.clock.advance(2000);
    assert.equal(off.engine.calls.length, 0);
  });
});
