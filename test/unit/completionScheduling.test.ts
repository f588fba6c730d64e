import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock, settle } from '../../src/core/completion/clock';
import { CompletionPipeline } from '../../src/core/completion/completionPipeline';
import { LinesDocument } from '../../src/core/completion/documentWindow';
import { TypingRhythm } from '../../src/core/completion/scheduler';
import { TokenEstimator } from '../../src/core/completion/tokenEstimate';
import { EngineSpeed } from '../../src/core/completion/engineSpeed';
import { createLogger } from '../../src/core/util/logger';
import { GEO, QWEN_MODEL, setup, typed } from '../helpers/completionFixtures';
import { FakeCompletionEngine, promptText } from '../helpers/fakeCompletionEngine';

describe('completion scheduling', () => {
  test('the debounce follows the typing rhythm: 1.5 times the usual interval, within bounds', async () => {
    const clock = new ManualClock();
    const rhythm = new TypingRhythm(clock, { minMs: 40, maxMs: 350 });
    const ask = () => rhythm.delayFor({ linePrefix: 'x = fo', explicit: false });
    assert.equal(ask(), 293, 'before any rhythm is known: the middle of the bounds, times 1.5');
    for (let i = 0; i < 6; i++) {
      rhythm.noteKeystroke();
      await clock.advance(100);
    }
    assert.equal(ask(), 150);
    for (let i = 0; i < 20; i++) {
      rhythm.noteKeystroke();
      await clock.advance(10);
    }
    assert.equal(ask(), 40);
    rhythm.noteKeystroke();
    await clock.advance(5000);
    rhythm.noteKeystroke();
    assert.equal(ask(), 40, 'a long pause is not part of the rhythm');
  });

  test('no debounce at the start of a line, right after an accept, or for an explicit request', () => {
    const rhythm = new TypingRhythm(new ManualClock(), { minMs: 40, maxMs: 350 });
    assert.equal(rhythm.delayFor({ linePrefix: '    ', explicit: false }), 0);
    assert.equal(rhythm.delayFor({ linePrefix: 'x = fo', explicit: true }), 0);
    rhythm.noteAccepted();
    assert.equal(rhythm.delayFor({ linePrefix: 'x = fo', explicit: false }), 0);
    assert.ok(rhythm.delayFor({ linePrefix: 'x = fo', explicit: false }) > 0, 'the accept mark is used once');
  });

  test('an automatic request waits out the debounce on the injected clock before calling the model', async () => {
    const { engine, pipeline, clock } = setup();
    const pending = pipeline.provide(typed('ma'));
    await clock.advance(200);
    assert.equal(engine.calls.length, 0);
    await clock.advance(100);
    assert.equal(engine.calls.length, 1);
    engine.last.respond('th.pi');
    assert.equal((await pending)?.insertText, 'th.pi');
  });

  test('a new debounceMaxMs applies to the next request, without a new pipeline and without dropping the cache', async () => {
    const { engine, pipeline, clock } = setup();
    engine.reply = () => 'r * r';
    await pipeline.provide({ ...typed('x'), triggerKind: 'invoke' });
    pipeline.updateSettings({ debounceMaxMs: 100 }, { rebuild: false });
    const pending = pipeline.provide(typed('ma'));
    await clock.advance(99);
    assert.equal(engine.calls.length, 1, 'still waiting for the pause');
    await clock.advance(1);
    assert.equal(engine.calls.length, 2, 'the model is asked after the new, shorter debounce (it was 293 ms)');
    await pending;
    assert.equal((await pipeline.provide({ ...typed('x'), triggerKind: 'invoke' }))?.source, 'cache');
  });

  test('a change that rebuilds the pipeline (a prompt budget) drops the suggestions the old budget shaped', async () => {
    const { engine, pipeline } = setup();
    engine.reply = () => 'r * r';
    await pipeline.provide({ ...typed(''), triggerKind: 'invoke' });
    pipeline.updateSettings({ prefixTokens: 512 }, { rebuild: true });
    assert.equal((await pipeline.provide({ ...typed(''), triggerKind: 'invoke' }))?.source, 'model');
    assert.equal(engine.calls.length, 2);
  });

  test('a request at the start of a line goes to the model at once', async () => {
    const { engine, pipeline } = setup();
    const doc = new LinesDocument('file:///a.py', 'python', ['def f(x):', '    ']);
    void pipeline.provide({ doc, position: { line: 1, character: 4 } });
    await settle();
    assert.equal(engine.calls.length, 1);
  });

  test('steady typing with cancelled requests makes one model call when the user pauses', async () => {
    const { engine, pipeline, clock } = setup();
    engine.reply = () => 'r * r';
    const word = 'math.pi * ';
    let previous: AbortController | undefined;
    const results: Array<Promise<unknown>> = [];
    for (let i = 1; i <= word.length; i++) {
      previous?.abort();
      previous = new AbortController();
      results.push(pipeline.provide({ ...typed(word.slice(0, i), i), signal: previous.signal }));
      await clock.advance(100);
    }
    await clock.advance(1000);
    await Promise.all(results);
    assert.equal(engine.calls.length, 1);
    assert.ok(engine.last.prompt.endsWith('<|fim_middle|>    return math.pi * '), engine.last.prompt);
  });

  test('the newest request wins: an older one still waiting when a newer arrives never calls the model', async () => {
    const { engine, pipeline, clock } = setup();
    engine.reply = () => 'pi';
    const older = pipeline.provide(typed('math.', 1)); // not cancelled, as a driver without tokens would
    await clock.advance(50);
    const newer = pipeline.provide(typed('math.p', 2));
    await clock.advance(1000);
    assert.equal(await older, null);
    assert.equal((await newer)?.insertText, 'pi');
    assert.equal(engine.calls.length, 1);
  });

  test('an older request never stops the generation a newer request started', async () => {
    const { engine, pipeline, clock } = setup();
    const older = pipeline.provide({ ...typed('', 1), triggerKind: 'invoke' });
    await settle();
    const elsewhere = new LinesDocument('file:///geo.py', 'python', ['total = '], 2);
    const newer = pipeline.provide({ doc: elsewhere, position: { line: 0, character: 8 }, triggerKind: 'invoke' });
    await settle();
    assert.equal(engine.calls[0]!.signal.aborted, true);
    assert.equal(engine.calls.length, 2);
    assert.equal(await older, null);
    assert.equal(engine.calls[1]!.signal.aborted, false);
    engine.calls[1]!.respond('0');
    assert.equal((await newer)?.insertText, '0');
    await clock.advance(1000);
  });

  test(
    'prefetches the completion that follows acceptance once the suggestion stays on screen, so the ' +
      'request after an accept needs no model call',
    async () => {
      const { engine, pipeline, clock } = setup({ prefetch: true });
      engine.reply = (prompt) =>
        prompt.endsWith('<|fim_middle|>    return math.pi * r * r') ? '  # area' : 'math.pi * r * r';
      const shown = await pipeline.provide({ ...typed(''), triggerKind: 'invoke' });
      assert.equal(shown?.insertText, 'math.pi * r * r');
      await settle();
      assert.equal(engine.calls.length, 1, 'no prefetch before the user pauses on the suggestion');
      await clock.advance(400);
      assert.equal(engine.calls.length, 2, 'the prefetch ran in the background');
      assert.equal(pipeline.stats.snapshot().prefetches, 1);
      pipeline.onAccepted();
      const next = await pipeline.provide(typed('math.pi * r * r'));
      assert.equal(next?.insertText, '  # area');
      assert.equal(next?.source, 'cache');
      assert.equal(engine.calls.length, 2);
    },
  );

  test('after dispose nothing more starts in the background', async () => {
    const { engine, pipeline, clock } = setup({ prefetch: true });
    engine.reply = () => 'math.pi * r * r';
    await pipeline.provide({ ...typed(''), triggerKind: 'invoke' });
    pipeline.dispose();
    await clock.advance(5000);
    assert.equal(engine.calls.length, 1);
    assert.equal(engine.prefills.length, 0);
  });

  test('no prefetch while the user keeps typing past the suggestion', async () => {
    const { engine, pipeline, clock } = setup({ prefetch: true });
    engine.reply = () => 'math.pi * r * r';
    await pipeline.provide({ ...typed(''), triggerKind: 'invoke' });
    for (const text of ['x', 'xy', 'xyz', 'xyz ', 'xyz =']) {
      await clock.advance(100);
      void pipeline.provide(typed(text));
    }
    assert.equal(pipeline.stats.snapshot().prefetches, 0);
    assert.equal(engine.calls.length, 1);
    await clock.advance(2000);
  });

  test('prefetching stops while suggestions are neither accepted nor typed', async () => {
    const { engine, pipeline, clock } = setup({ prefetch: true });
    engine.reply = (prompt) => `unused_${prompt.length}`;
    for (let i = 0; i < 12; i++) {
      await pipeline.provide({ ...typed('v'.repeat(i + 1)), triggerKind: 'invoke' });
      await clock.advance(1000);
    }
    const { prefetches } = pipeline.stats.snapshot();
    assert.ok(prefetches >= 1 && prefetches <= 3, `${prefetches} prefetches for 12 ignored suggestions`);
  });

  test('a prefetch gives way: a real request it cannot serve aborts it, a cache hit leaves it running', async () => {
    const { engine, pipeline, clock } = setup({ prefetch: true });
    const first = pipeline.provide({ ...typed(''), triggerKind: 'invoke' });
    await settle();
    engine.calls[0]!.respond('math.pi * r * r');
    await first;
    await clock.advance(400);
    assert.equal(engine.calls.length, 2);
    const prefetch = engine.last;
    const served = await pipeline.provide({ ...typed(''), triggerKind: 'invoke' });
    assert.equal(served?.source, 'cache');
    await settle();
    assert.equal(prefetch.signal.aborted, false, 'a cache hit needs no model, so the prefetch goes on');
    const elsewhere = new LinesDocument('file:///geo.py', 'python', ['x = '], 9);
    void pipeline.provide({ doc: elsewhere, position: { line: 0, character: 4 } });
    await settle();
    assert.equal(prefetch.signal.aborted, true);
    await clock.advance(1000);
  });

  test('after the extra context changes and the user pauses, the prompt is evaluated in the background', async () => {
    const { engine, pipeline, clock } = setup({ idlePrefillMs: 1000 });
    engine.reply = () => 'math.pi * r * r';
    await pipeline.provide({ ...typed(''), triggerKind: 'invoke' });
    await clock.advance(2000);
    assert.equal(engine.prefills.length, 0, 'nothing changed since the last prompt');
    const other = new LinesDocument('file:///repo/shapes.py', 'python', [
      'class Circle:',
      '    def __init__(self, r):',
      '        self.r = r',
    ]);
    pipeline.extraContext.onSave(other, 1);
    await clock.advance(500);
    assert.equal(engine.prefills.length, 0);
    await clock.advance(600);
    assert.equal(engine.prefills.length, 1);
    const text = engine.prefills[0]!.segments.map((s) => ('special' in s ? s.special : s.text)).join('');
    assert.ok(text.includes('<|file_sep|>repo/shapes.py\nclass Circle:'), text);
  });

  test('a ring change reaches prompts only at a quiet moment, prefilled then, so the keys before it pay nothing for it', async () => {
    const { engine, pipeline, clock } = setup({ idlePrefillMs: 1000 });
    engine.reply = () => 'math.pi * r * r';
    await pipeline.provide({ ...typed(''), triggerKind: 'invoke' });
    const other = new LinesDocument('file:///repo/shapes.py', 'python', [
      'class Circle:',
      '    def __init__(self, r):',
      '        self.r = r',
    ]);
    pipeline.extraContext.onSave(other, 1);
    engine.reply = () => '(r)';
    await clock.advance(100);
    await pipeline.provide({ ...typed('x', 2), triggerKind: 'invoke' });
    assert.ok(!engine.last.prompt.includes('class Circle:'), 'a keystroke right after the change: the old front');
    assert.ok(engine.last.params.segments.length > 0);
    await clock.advance(1000);
    assert.equal(engine.prefills.length, 1, 'the quiet moment: committed and prefilled');
    assert.ok(promptText(engine.prefills[0]!.segments).includes('class Circle:'));
    const evaluatedBefore = pipeline.stats.snapshot().evaluatedTokens;
    await pipeline.provide({ ...typed('xy', 3), triggerKind: 'invoke' });
    assert.ok(engine.last.prompt.includes('class Circle:'), engine.last.prompt);
    const evaluated = pipeline.stats.snapshot().evaluatedTokens - evaluatedBefore;
    assert.ok(evaluated <= 4, `the next key evaluates only the end of its line: ${evaluated} tokens`);
  });

  test('the lines read per request do not grow with the document', async () => {
    const body = (n: number) => Array.from({ length: n }, (_, i) => `    total += values[${i % 10}] * ${i % 7}`);
    const reads = [];
    for (const n of [1_000, 100_000]) {
      const { engine, pipeline } = setup();
      engine.reply = () => ' + 1';
      const doc = new LinesDocument('file:///big.py', 'python', ['def f(values):', '    total = 0', ...body(n)]);
      await pipeline.provide({ doc, position: { line: Math.floor(n / 2), character: 10 }, triggerKind: 'invoke' });
      reads.push(doc.lineReads);
    }
    assert.equal(reads[0], reads[1]);
  });

  test('the prompt fits a small context even with a 10,000-line file and a full extra context', async () => {
    const engine = new FakeCompletionEngine();
    engine.reply = () => 'x';
    const pipeline = new CompletionPipeline({
      engine,
      clock: new ManualClock(),
      settings: { prefetch: false, extraContextTokens: 4000 },
    });
    pipeline.setModel({ ...QWEN_MODEL, contextSize: 1024 });
    for (let f = 0; f < 20; f++)
      pipeline.extraContext.add(
        new LinesDocument(
          `file:///m${f}.ts`,
          'typescript',
          Array.from({ length: 64 }, (_, i) => `export const v${f}_${i} = compute(${i}, '${f}');`),
        ),
        0,
        64,
      );
    const doc = new LinesDocument(
      'file:///big.ts',
      'typescript',
      Array.from({ length: 10_000 }, (_, i) => `const value${i} = compute(${i}, "some text here");`),
    );
    await pipeline.provide({ doc, position: { line: 9000, character: 12 }, triggerKind: 'invoke' });
    const params = engine.last.params;
    const estimator = new TokenEstimator();
    const estimate = params.segments.reduce((t, s) => t + ('special' in s ? 1 : estimator.estimate(s.text) + 1), 0);
    assert.ok(estimate + params.maxTokens <= 1024, `${estimate} + ${params.maxTokens}`);
  });
});

describe('eager when cheap', () => {
  test('the engine speeds are learned from its own timings: prompt and generation apart', async () => {
    const speed = new EngineSpeed();
    for (let i = 0; i < 10; i++) {
      speed.observe(
        {
          promptTokens: 500,
          evaluatedTokens: 400,
          reusedTokens: 100,
          generatedTokens: 20,
          timeToFirstTokenMs: (400 / 300 + 1 / 25) * 1000,
          tokensPerSecond: 25,
          totalMs: 0,
        },
        true,
      );
    }
    const { promptTokensPerSecond, generatedTokensPerSecond, answerTokens } = speed.figures;
    assert.ok(Math.abs(promptTokensPerSecond! - 300) < 1, `prompt ${promptTokensPerSecond}`);
    assert.ok(Math.abs(generatedTokensPerSecond! - 25) < 0.1, `generated ${generatedTokensPerSecond}`);
    assert.ok(Math.abs(answerTokens! - 20) < 0.1);
    assert.ok(Math.abs(speed.projectMs(10)! - (10 / 300 + 20 / 25) * 1000) < 5);
  });

  test('with nothing measured yet, a request waits for the pause', () => {
    assert.equal(new EngineSpeed().projectMs(10), undefined);
  });

  test('on a fast engine, a key that only changes the cursor line calls the model at once', async () => {
    const { engine, pipeline, clock } = setup();
    engine.speeds = { prompt: 6000, generated: 150 }; // the GPU profile: a 3-token answer in about 20 ms
    engine.reply = () => '(r)'; // never what is typed next: every key needs the model
    await pipeline.provide({ ...typed(''), triggerKind: 'invoke' });
    for (const [i, text] of ['m', 'ma', 'mat'].entries()) {
      await clock.advance(100);
      const before = engine.calls.length;
      const pending = pipeline.provide(typed(text, i + 2));
      await settle();
      assert.equal(engine.calls.length, before + 1, `"${text}" went to the model with no wait`);
      await pending;
    }
    assert.equal(pipeline.stats.snapshot().eagerCalls, 3);
  });

  test('on a slow engine the same keys wait for the typing pause', async () => {
    const { engine, pipeline, clock } = setup();
    engine.speeds = { prompt: 300, generated: 25 }; // the laptop CPU profile: 'th.pi' in about 200 ms
    engine.reply = () => 'th.pi';
    await pipeline.provide({ ...typed(''), triggerKind: 'invoke' });
    for (const [i, text] of ['m', 'ma', 'mat'].entries()) {
      await clock.advance(100);
      void pipeline.provide(typed(text, i + 2));
      await settle();
    }
    assert.equal(engine.calls.length, 1, 'no call while typing');
    await clock.advance(pipeline.pauseMs());
    assert.equal(engine.calls.length, 2);
    assert.equal(pipeline.stats.snapshot().eagerCalls, 0);
  });

  test('on a fast engine an edit above the cursor line is prefilled at once, and the call after it evaluates only the cursor line', async () => {
    const { engine, pipeline, clock } = setup();
    engine.speeds = { prompt: 6000, generated: 150 };
    engine.reply = () => 'th.pi';
    await pipeline.provide({ ...typed(''), triggerKind: 'invoke' });
    await clock.advance(100);
    await pipeline.provide(typed('m', 2)); // the rhythm: keys 100 ms apart
    await clock.advance(100);
    const { doc, position } = typed('ma', 3);
    const edited = new LinesDocument(
      doc.uri,
      doc.languageId,
      ['import math, cmath', ...GEO.slice(1, 3), doc.lineAt(3), ...GEO.slice(4)],
      3,
    );
    const [prefillsBefore, callsBefore] = [engine.prefills.length, engine.calls.length];
    const evaluatedByCall: number[] = [];
    const kv = engine.evaluated;
    engine.evaluated = (params) => {
      const n = kv(params);
      evaluatedByCall.push(n);
      return n;
    };
    const pending = pipeline.provide({ doc: edited, position });
    await settle();
    assert.equal(engine.prefills.length, prefillsBefore + 1, 'the KV cache lacks the edit: prefilled at once');
    assert.ok(promptText(engine.prefills.at(-1)!.segments).includes('import math, cmath'));
    assert.equal(engine.calls.length, callsBefore + 1, 'then the call, with no wait: only the cursor line is left');
    assert.equal((await pending)?.insertText, 'th.pi');
    assert.equal(pipeline.stats.snapshot().windowWarmUps, 1);
    assert.ok(evaluatedByCall[0]! <= 4, `the call evaluates the end of the cursor line: ${evaluatedByCall[0]} tokens`);
  });

  test('the first key in a window the engine does not hold starts its prefill; keys typed meanwhile leave it running and the call at the pause waits for it', async () => {
    const { engine, pipeline, clock } = setup(); // a laptop CPU's speeds: calls wait for the pause
    engine.reply = () => 'th.pi';
    let open!: () => void;
    engine.prefillGate = new Promise<void>((resolve) => (open = resolve));
    const first = pipeline.provide(typed('m', 2));
    await settle();
    assert.equal(engine.prefills.length, 1, 'the first key of the file: its prompt is evaluated at once');
    assert.equal(engine.calls.length, 0);
    for (const [i, text] of ['ma', 'mat'].entries()) {
      await clock.advance(100);
      void pipeline.provide(typed(text, i + 3));
      await settle();
    }
    const last = pipeline.provide(typed('math', 5));
    await clock.advance(pipeline.pauseMs() + 10);
    assert.equal(engine.abortedPrefills, 0, 'the keys after it did not stop the prefill of their own window');
    assert.equal(engine.calls.length, 0, 'the pause came: the call waits for the prefill instead of stopping it');
    open();
    await settle();
    assert.equal(engine.calls.length, 1);
    assert.equal((await last)?.insertText, 'th.pi');
    assert.equal(await first, null, 'an older key gives way to the newer ones: no suggestion of its own');
    assert.ok(engine.last.prompt.includes('return math'), 'the call is for the key the user paused on');
    assert.equal(engine.prefills.length, 1, 'one prefill for the window');
    assert.equal(pipeline.stats.snapshot().windowWarmUps, 1);
  });

  test('a key in the window a quiet-moment prefill evaluates waits for it instead of stopping it', async () => {
    const { engine, pipeline, clock } = setup({ idlePrefillMs: 1000 });
    engine.reply = () => 'math.pi * r * r';
    await pipeline.provide({ ...typed(''), triggerKind: 'invoke' });
    let open!: () => void;
    engine.prefillGate = new Promise<void>((resolve) => (open = resolve));
    const other = new LinesDocument('file:///repo/shapes.py', 'python', [
      'class Circle:',
      '    def __init__(self, r):',
      '        self.r = r',
    ]);
    pipeline.extraContext.onSave(other, 1);
    await clock.advance(1100);
    assert.equal(engine.prefills.length, 1, 'the quiet moment: the new ring is being evaluated');
    const pending = pipeline.provide({ ...typed('x', 2), triggerKind: 'invoke' });
    await settle();
    assert.equal(engine.abortedPrefills, 0, "the key's own prompt starts with what the prefill evaluates");
    assert.equal(engine.calls.length, 1, 'the call waits for the prefill');
    open();
    assert.equal((await pending)?.insertText, 'math.pi * r * r');
    assert.equal(engine.calls.length, 2);
    assert.ok(engine.last.prompt.includes('class Circle:'));
  });

  test('a prefill the engine finds too long logs no warning and makes the next prompt smaller', async () => {
    const warnings: string[] = [];
    const engine = new FakeCompletionEngine();
    const clock = new ManualClock();
    const log = createLogger((level, line) => void (level === 'warn' && warnings.push(line)));
    const pipeline = new CompletionPipeline({ engine, clock, log, settings: { prefetch: false } });
    pipeline.setModel(QWEN_MODEL);
    engine.reply = () => 'x';
    engine.prefillError = () =>
      Object.assign(new Error('The prompt has 5000 tokens but the context holds 4096.'), {
        code: 'promptTooLong',
        details: { promptTokens: 5000 },
      });
    const big = new LinesDocument(
      'file:///big.py',
      'python',
      Array.from({ length: 3000 }, (_, i) => `value_${i} = compute(${i})`),
      1,
    );
    const end = { line: 2999, character: big.lineAt(2999).length }; // nothing right of the cursor
    const pending = pipeline.provide({ doc: big, position: end });
    await settle();
    assert.equal(engine.prefills.length, 1, 'the new window is prefilled at its first key');
    const prefilled = promptText(engine.prefills[0]!.segments).length;
    await clock.advance(1000);
    await pending;
    assert.deepEqual(warnings, [], 'a background evaluation is not a failure the user needs to read about');
    const lines = Array.from({ length: 3000 }, (_, i) => big.lineAt(i));
    lines[2999] += ' + 1';
    const next = new LinesDocument(big.uri, 'python', lines, 2);
    await pipeline.provide({
      doc: next,
      position: { line: 2999, character: lines[2999]!.length },
      triggerKind: 'invoke',
    });
    assert.ok(engine.last.prompt.length < prefilled * 0.9, `${engine.last.prompt.length} vs ${prefilled} characters`);
  });

  test('a key in another window stops the prefill of the window the user left', async () => {
    const { engine, pipeline } = setup();
    engine.prefillGate = new Promise<void>(() => undefined); // never finishes by itself
    void pipeline.provide(typed('m', 2));
    await settle();
    assert.equal(engine.prefills.length, 1);
    const elsewhere = new LinesDocument(
      'file:///shapes.py',
      'python',
      ['class Circle:', '    def area(self):', '        return '],
      1,
    );
    void pipeline.provide({ doc: elsewhere, position: { line: 2, character: 15 } });
    await settle();
    assert.equal(engine.abortedPrefills, 1, 'the first window is not where the user types any more');
    assert.equal(engine.prefills.length, 2, "and the new window's prompt is evaluated at once instead");
    assert.ok(promptText(engine.prefills[1]!.segments).includes('class Circle:'));
  });
});
