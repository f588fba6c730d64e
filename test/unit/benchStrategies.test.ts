import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  cursorWindow,
  LLAMA_VSCODE,
  naiveLimits,
  slidingLimits,
  windowPrompt,
} from '../../src/core/bench/baselinePrompts';
import { createStrategy } from '../../src/core/bench/strategies';
import { ManualClock } from '../../src/core/completion/clock';
import { DEFAULT_COMPLETION_SETTINGS } from '../../src/core/completion/completionSettings';
import { LinesDocument } from '../../src/core/completion/documentWindow';
import { selectFimTemplate } from '../../src/core/completion/fimTemplates';
import { fitBudgets, TEMPLATE_OVERHEAD_TOKENS } from '../../src/core/completion/promptLayout';
import { TokenEstimator } from '../../src/core/completion/tokenEstimate';
import { QWEN_MODEL } from '../helpers/completionFixtures';
import { FakeCompletionEngine, promptText } from '../helpers/fakeCompletionEngine';

/** `n` numbered lines of code; `width` pads them to a length. */
function docOf(n: number, width = 0): LinesDocument {
  const lines = Array.from({ length: n }, (_, i) => `  value${i} = compute(${i});`.padEnd(width, ' '));
  return new LinesDocument('file:///repo/src/values.ts', 'typescript', lines, 1, 'src/values.ts');
}

const qwen = selectFimTemplate(QWEN_MODEL);

describe('the benchmark baselines', () => {
  test('the sliding window moves with the cursor: a line further down, its first line is one further down', () => {
    const estimator = new TokenEstimator();
    const limits = slidingLimits(8192, 128);
    const doc = docOf(3000);
    const a = cursorWindow(doc, { line: 2000, character: 4 }, limits, estimator);
    const b = cursorWindow(doc, { line: 2001, character: 4 }, limits, estimator);
    assert.equal(b.firstLine, a.firstLine + 1);
    assert.equal(b.lastLine, a.lastLine + 1);
    assert.ok(!b.above.startsWith(a.above.slice(0, 40)), 'so the prompt changes from its first line');
  });

  test('the sliding window is 256 lines above and the rest of the line and 64 lines below when they fit', () => {
    const estimator = new TokenEstimator();
    const doc = new LinesDocument(
      'file:///x.ts',
      'typescript',
      Array.from({ length: 1000 }, () => 'x;'),
    );
    const w = cursorWindow(doc, { line: 500, character: 1 }, slidingLimits(8192, 128), estimator);
    assert.equal(500 - w.firstLine, LLAMA_VSCODE.prefixLines);
    assert.equal(w.below.length, LLAMA_VSCODE.suffixLines);
    assert.equal(w.linePrefix, 'x');
    assert.equal(w.lineSuffix, ';');
  });

  test("the sliding budgets are llama-server's batch split, shrunk to fit a small context", () => {
    assert.deepEqual(slidingLimits(8192, 128), {
      maxPrefixLines: 256,
      maxSuffixLines: 64,
      prefixTokens: 1536,
      suffixTokens: 512,
    });
    const small = slidingLimits(2048, 128);
    assert.ok(small.prefixTokens + small.suffixTokens + 128 + TEMPLATE_OVERHEAD_TOKENS <= 2048);
    assert.ok(small.suffixTokens <= small.prefixTokens / 3);
  });

  test("the naive window uses Alembic's budgets and ends at the cursor", () => {
    const budgets = fitBudgets(DEFAULT_COMPLETION_SETTINGS, 4096);
    const limits = naiveLimits(budgets, DEFAULT_COMPLETION_SETTINGS);
    assert.equal(limits.prefixTokens, budgets.prefixTokens);
    assert.equal(limits.suffixTokens, budgets.suffixTokens);
    assert.equal(limits.maxSuffixLines, DEFAULT_COMPLETION_SETTINGS.maxSuffixLines);
    const estimator = new TokenEstimator();
    const doc = docOf(3000);
    const w = cursorWindow(doc, { line: 1500, character: 9 }, limits, estimator);
    assert.ok(w.above.endsWith(`${doc.lineAt(1499)}\n`), 'the line right above the cursor is last');
    assert.ok(estimator.estimate(w.above + w.linePrefix) <= limits.prefixTokens);
    assert.ok(estimator.estimate(w.lineSuffix + w.below.join('\n')) <= limits.suffixTokens + w.below.length);
  });

  test('the baseline prompt puts the current line at the end of the prefix, before the suffix (PSM)', () => {
    const doc = docOf(100);
    const w = cursorWindow(doc, { line: 50, character: 9 }, slidingLimits(8192, 128), new TokenEstimator());
    const prompt = promptText(windowPrompt(qwen, w, doc));
    const line = doc.lineAt(50);
    assert.ok(
      prompt.includes(`${doc.lineAt(49)}\n${line.slice(0, 9)}<|fim_suffix|>${line.slice(9)}\n${doc.lineAt(51)}`),
      prompt.slice(-400),
    );
    assert.ok(prompt.endsWith('<|fim_middle|>'));
  });

  test('naive starts every other prompt with an extra token, so no call can reuse the one before it', async () => {
    const engine = new FakeCompletionEngine();
    engine.reply = () => 'next();';
    const naive = createStrategy('naive', {
      engine,
      model: QWEN_MODEL,
      clock: new ManualClock(),
      bustToken: '<|endoftext|>',
    });
    const doc = docOf(200);
    for (const character of [3, 4, 5])
      await naive.request({ doc, position: { line: 100, character }, signal: new AbortController().signal });
    const [a, b, c] = engine.calls.map((call) => call.params.segments);
    assert.deepEqual(b![0], { special: '<|endoftext|>' });
    assert.notDeepEqual(a![0], b![0]);
    assert.notDeepEqual(c![0], b![0]);
    assert.deepEqual(b!.slice(1, 4), a!.slice(0, 3), 'the rest of the prompt is the same');
    assert.equal(naive.evaluatesWholePrompt, true);
    assert.equal(naive.overheadMs.length, 3);
  });

  test('sliding and naive call the engine on every request, alembic answers a repeat from its cache', async () => {
    const doc = docOf(200);
    const position = { line: 100, character: doc.lineAt(100).length };
    for (const name of ['naive', 'sliding', 'alembic'] as const) {
      const engine = new FakeCompletionEngine();
      engine.reply = () => 'next();';
      const strategy = createStrategy(name, {
        engine,
        model: QWEN_MODEL,
        clock: new ManualClock(),
        settings: { prefetch: false, debounceMinMs: 0, debounceMaxMs: 0 },
      });
      const first = await strategy.request({ doc, position, signal: new AbortController().signal });
      const second = await strategy.request({ doc, position, signal: new AbortController().signal });
      assert.equal(first?.insertText, 'next();', name);
      assert.equal(second?.insertText, 'next();', name);
      assert.equal(engine.calls.length, name === 'alembic' ? 1 : 2, name);
      assert.equal(strategy.counters().cacheHits, name === 'alembic' ? 1 : 0, name);
      strategy.dispose();
    }
  });
});
