import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DeviceMeter } from '../../src/core/bench/deviceMeter';
import { MeteredEngine } from '../../src/core/bench/meteredEngine';
import { Oracle, OracleEngine, textBeforeCursor } from '../../src/core/bench/oracle';
import { replay } from '../../src/core/bench/replay';
import { createStrategy } from '../../src/core/bench/strategies';
import type { TypistFile } from '../../src/core/bench/typist';
import { VirtualClock } from '../../src/core/bench/virtualClock';
import { selectFimTemplate } from '../../src/core/completion/fimTemplates';
import { QWEN_MODEL } from '../helpers/completionFixtures';
import { FakeCompletionEngine } from '../helpers/fakeCompletionEngine';

const TEXT = ['def area(r):', '    return 3.14 * r * r', '', 'def perimeter(r):', '    return 2 * 3.14 * r', ''].join(
  '\n',
);

/** An oracle following a typist at `cursor` in TEXT, typing lines 3–4 (offsets of "def perimeter…"). */
function oracleAt(cursor: number, p = 1): Oracle {
  const oracle = new Oracle(p, 1);
  const start = TEXT.indexOf('def perimeter');
  oracle.follow({ text: TEXT, start, end: TEXT.length - 1, cursor: () => cursor });
  return oracle;
}

/** A FIM prompt whose cursor is after "def perimeter" (where the truth is "(r):"). */
function promptAtPerimeter() {
  return selectFimTemplate(QWEN_MODEL).render({
    prefix: [TEXT.slice(0, TEXT.indexOf('def perimeter'))],
    middleStart: 'def perimeter',
    suffix: '\n',
    path: 'a.py',
    languageId: 'python',
    repoName: 'workspace',
    snippets: [],
  });
}

describe('the oracle', () => {
  test('finds the cursor from the text before it and answers the rest of the line', () => {
    const at = TEXT.indexOf('(r):', TEXT.indexOf('perimeter'));
    const oracle = oracleAt(at);
    assert.equal(oracle.continuation(TEXT.slice(0, at), 'junk'), '(r):');
  });

  test('at the end of a line answers the next line, and as many more lines as the model wrote', () => {
    const at = TEXT.indexOf('\n', TEXT.indexOf('perimeter'));
    const oracle = oracleAt(at);
    assert.equal(oracle.continuation(TEXT.slice(0, at), 'x'), '\n    return 2 * 3.14 * r');
    assert.equal(
      oracleAt(TEXT.indexOf('def perimeter')).continuation(TEXT.slice(0, TEXT.indexOf('def perimeter')), 'a\nb'),
      'def perimeter(r):\n    return 2 * 3.14 * r',
    );
  });

  test('never answers past the typed region, nor where the text before the cursor is not in it', () => {
    const end = TEXT.length - 1;
    assert.equal(oracleAt(end).continuation(TEXT.slice(0, end), 'x'), undefined, 'nothing left to type');
    const inArea = TEXT.indexOf('3.14');
    assert.equal(oracleAt(inArea).continuation(TEXT.slice(0, inArea), 'x'), undefined, 'before the region');
    assert.equal(oracleAt(40).continuation('text from elsewhere', 'x'), undefined);
  });

  test('replaces with probability p: never at 0, always at 1, and counts what it did', () => {
    const at = TEXT.indexOf('(r):', TEXT.indexOf('perimeter'));
    const never = oracleAt(at, 0);
    const always = oracleAt(at, 1);
    for (let i = 0; i < 20; i++) {
      assert.equal(never.answer(TEXT.slice(0, at), 'junk'), 'junk');
      assert.equal(always.answer(TEXT.slice(0, at), 'junk'), '(r):');
    }
    assert.deepEqual(never.stats, { draws: 20, replaced: 0, unlocated: 0 });
    assert.deepEqual(always.stats, { draws: 20, replaced: 20, unlocated: 0 });
    assert.throws(() => new Oracle(1.5, 1), RangeError);
  });

  test('reads the text before the cursor from a FIM prompt: the prefix and the start of the middle', () => {
    const qwen = selectFimTemplate(QWEN_MODEL);
    const segments = qwen.render({
      prefix: ['def a():\n', '    pass\n'],
      middleStart: 'def b',
      suffix: '():\n',
      path: 'a.py',
      languageId: 'python',
      repoName: 'workspace',
      snippets: [],
    });
    assert.equal(textBeforeCursor(segments, qwen.tokens), 'def a():\n    pass\ndef b');
    // Suffix first (Codestral): the prefix runs to the end.
    const spm = [{ special: '[SUFFIX]' }, { text: 'tail' }, { special: '[PREFIX]' }, { text: 'head' }];
    assert.equal(textBeforeCursor(spm, { prefix: '[PREFIX]', suffix: '[SUFFIX]', middle: '[MIDDLE]' }), 'head');
  });

  test("answers through the engine after the engine's real work, which stays in the accounting", async () => {
    const fake = new FakeCompletionEngine();
    fake.reply = () => 'junk';
    const at = TEXT.indexOf('(r):', TEXT.indexOf('perimeter'));
    const metered = new MeteredEngine(fake);
    const engine = new OracleEngine(metered, oracleAt(at), QWEN_MODEL.fim!);
    const segments = promptAtPerimeter();
    const result = await engine.complete({ segments, maxTokens: 16, timeoutMs: 1000 }, new AbortController().signal);
    assert.equal(result.text, '(r):');
    assert.equal(result.stopReason, 'eos');
    assert.equal(metered.totals.completeCalls, 1);
    assert.ok(metered.totals.promptTokens > 0 && metered.totals.generatedTokens > 0, 'the real cost is kept');
  });

  test("a replaced answer streams the truth at the model's pace, from one draw per call", async () => {
    const fake = new FakeCompletionEngine();
    const at = TEXT.indexOf('(r):', TEXT.indexOf('perimeter'));
    const oracle = oracleAt(at);
    const engine = new OracleEngine(fake, oracle, QWEN_MODEL.fim!);
    const segments = promptAtPerimeter();
    const heard: string[] = [];
    const call = engine.complete({ segments, maxTokens: 16, timeoutMs: 1000 }, new AbortController().signal, (p) =>
      heard.push(p.text),
    );
    fake.last.stream('j');
    fake.last.stream('jun');
    fake.last.stream('junk!!');
    fake.last.respond('junk!!!');
    assert.equal((await call).text, '(r):');
    assert.deepEqual(heard, ['(', '(r)', '(r):'], 'as many characters of the truth as the model wrote');
    assert.deepEqual(oracle.stats, { draws: 1, replaced: 1, unlocated: 0 });
  });
});

describe('a replay with the oracle', () => {
  const lines = Array.from({ length: 40 }, (_, i) => [`def f${i}(x):`, `    return x * ${i} + ${i % 7}`, '']).flat();
  const file: TypistFile = {
    uri: 'file:///repo/f.py',
    languageId: 'python',
    relativePath: 'f.py',
    text: lines.join('\n'),
  };

  test('exercises Tab, typed-ahead reuse and prefetch, and still ends on the original file', async () => {
    const fake = new FakeCompletionEngine();
    fake.reply = () => 'unrelated(42)';
    const clock = new VirtualClock();
    const device = new DeviceMeter(clock, { kind: 'projected', durationMs: () => 60, label: 'scripted' });
    const metered = new MeteredEngine(fake, device);
    const oracle = new Oracle(1, 3);
    const strategy = createStrategy('alembic', {
      engine: new OracleEngine(metered, oracle, QWEN_MODEL.fim!),
      model: QWEN_MODEL,
      clock,
    });
    try {
      const run = await replay({
        files: [file],
        fromLine: 30,
        chars: 300,
        seed: 2,
        strategy,
        meter: metered,
        device,
        clock,
        oracle,
      });
      const counters = strategy.counters();
      assert.equal(run.intact, true);
      assert.ok(run.acceptances > 0, `${run.acceptances} acceptances`);
      assert.ok(counters.typedAheadHits + counters.cacheHits > 0, 'suggestions reused');
      assert.ok(counters.prefetches > 0, 'prefetched after shown suggestions');
      assert.ok(oracle.stats.replaced > 0);
    } finally {
      strategy.dispose();
    }
  });
});
