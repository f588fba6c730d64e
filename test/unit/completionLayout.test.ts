import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_COMPLETION_SETTINGS } from '../../src/core/completion/completionSettings';
import { LinesDocument } from '../../src/core/completion/documentWindow';
import { selectFimTemplate } from '../../src/core/completion/fimTemplates';
import {
  buildCompletionContext,
  fitBudgets,
  prefixPieces,
  suffixText,
  TEMPLATE_OVERHEAD_TOKENS,
  type CompletionContext,
  type LayoutBudgets,
} from '../../src/core/completion/promptLayout';
import { TokenEstimator } from '../../src/core/completion/tokenEstimate';

const BUDGETS: LayoutBudgets = { prefixTokens: 1024, suffixTokens: 128, extraContextTokens: 512, maxTokens: 128 };

/** A TypeScript file of `n` lines: small functions, each 6 lines long. */
function tsLines(n: number): string[] {
  const lines: string[] = [];
  for (let n7 = 0; lines.length < n; n7++) {
    const i = n7 % 7; // same text everywhere, so files of any length look alike around the cursor
    lines.push(
      `export function handler${i}(input: number): number {`,
      `  const doubled = input * 2;`,
      `  if (doubled > ${i}) {`,
      `    return doubled - ${i};`,
      `  }`,
      `}`,
    );
  }
  return lines.slice(0, n);
}

function docOf(lines: string[]): LinesDocument {
  return new LinesDocument('file:///repo/src/main.ts', 'typescript', lines);
}

const qwen = selectFimTemplate({
  name: 'qwen2.5-coder',
  fim: {
    prefix: '<|fim_prefix|>',
    suffix: '<|fim_suffix|>',
    middle: '<|fim_middle|>',
    repoName: '<|repo_name|>',
    fileSeparator: '<|file_sep|>',
  },
});

describe('prompt layout', () => {
  test('typing on the current line changes only the current-line segment of the prompt', () => {
    const lines = tsLines(3000);
    const at = 2000;
    lines[at] = '  const total = ';
    const estimator = new TokenEstimator();
    const before = buildCompletionContext(docOf(lines), { line: at, character: lines[at]!.length }, BUDGETS, estimator);
    lines[at] = '  const total = doubled + comp';
    const after = buildCompletionContext(docOf(lines), { line: at, character: lines[at]!.length }, BUDGETS, estimator);
    assert.equal(after.windowStartLine, before.windowStartLine);
    assert.equal(after.windowStartLine % 32, 0, 'the window starts on a chunk boundary');
    assert.equal(after.stablePrefix, before.stablePrefix);
    assert.equal(after.recentPrefix, before.recentPrefix);
    assert.equal(suffixText(after), suffixText(before));
    const render = (ctx: typeof before) =>
      qwen.render({
        prefix: prefixPieces(ctx),
        middleStart: ctx.linePrefix,
        suffix: suffixText(ctx),
        path: 'src/main.ts',
        languageId: 'typescript',
        repoName: 'r',
        snippets: [],
      });
    const a = render(before);
    const b = render(after);
    const volatile = a.findIndex((s) => 'text' in s && s.text === '  const total = ');
    assert.equal(volatile, a.length - 1, 'the current line is the last segment, after the middle token');
    assert.deepEqual(
      b.slice(0, volatile),
      a.slice(0, volatile),
      'every segment before the current line, the suffix included, is identical',
    );
    assert.deepEqual(b[volatile], { text: '  const total = doubled + comp' });
  });

  test('adding lines keeps the stable prefix identical until the cursor crosses a chunk boundary', () => {
    const estimator = new TokenEstimator();
    const lines = tsLines(1000);
    const start = 704; // a chunk boundary (22 * 32)
    const ctxs: CompletionContext[] = [];
    for (let k = 0; k < 40; k++) {
      const doc = docOf([
        ...lines.slice(0, start + 1),
        ...Array.from({ length: k }, (_, j) => `  step${j}();`),
        ...lines.slice(start + 1),
      ]);
      ctxs.push(buildCompletionContext(doc, { line: start + 1 + k, character: 0 }, BUDGETS, estimator));
    }
    const windowStarts = new Set(ctxs.map((c) => c.windowStartLine));
    for (const s of windowStarts) assert.equal(s % 32, 0);
    for (let k = 1; k < ctxs.length; k++) {
      const [prev, cur] = [ctxs[k - 1]!, ctxs[k]!];
      const crossed = Math.floor(cur.position.line / 32) !== Math.floor(prev.position.line / 32);
      if (!crossed && cur.windowStartLine === prev.windowStartLine) {
        assert.equal(cur.stablePrefix, prev.stablePrefix, `line ${cur.position.line}`);
        assert.ok(cur.recentPrefix.startsWith(prev.recentPrefix), 'the recent piece only grows at its end');
      }
    }
    const crossings = ctxs.filter((c, k) => k > 0 && c.stablePrefix !== ctxs[k - 1]!.stablePrefix).length;
    assert.ok(crossings <= 2, `stable prefix changed ${crossings} times over 40 new lines`);
  });

  test('the window start moves by a whole chunk only when the prefix outgrows its budget', () => {
    const estimator = new TokenEstimator();
    const lines = tsLines(2000);
    const starts: number[] = [];
    for (let line = 1000; line < 1200; line++)
      starts.push(buildCompletionContext(docOf(lines), { line, character: 0 }, BUDGETS, estimator).windowStartLine);
    const moves = starts.filter((s, i) => i > 0 && s !== starts[i - 1]);
    assert.ok(moves.length <= 200 / 32 + 1, `${moves.length} moves`);
    for (let i = 1; i < starts.length; i++)
      if (starts[i] !== starts[i - 1]) assert.equal(starts[i]! - starts[i - 1]!, 32);
  });

  test('a budget that holds fewer lines than a chunk still keeps at least half of them in the window', () => {
    // ~30 lines fit: with 32-line chunks the window used to shrink to a line or two after each jump.
    const small: LayoutBudgets = { ...BUDGETS, prefixTokens: 360 };
    const estimator = new TokenEstimator();
    const lines = tsLines(2000);
    const sizes: number[] = [];
    const starts: number[] = [];
    for (let line = 1000; line < 1100; line++) {
      const ctx = buildCompletionContext(docOf(lines), { line, character: 0 }, small, estimator);
      sizes.push(line - ctx.windowStartLine);
      starts.push(ctx.windowStartLine);
    }
    const most = Math.max(...sizes);
    assert.ok(most < 32, `the budget holds ${most} lines`);
    assert.ok(Math.min(...sizes) >= most / 2, `window sizes ${Math.min(...sizes)}..${most}`);
    // The start still jumps by whole chunks of one size, and only a few times.
    const moves = starts.map((s, i) => s - (starts[i - 1] ?? s)).filter((d) => d !== 0);
    const chunk = moves[0]!;
    assert.ok(
      moves.every((d) => d === chunk),
      `moves ${moves.join(',')}`,
    );
    assert.ok(starts.every((s) => s % chunk === 0));
    assert.ok(moves.length <= 100 / chunk + 1, `${moves.length} moves of ${chunk} lines`);
  });

  test('the prefix and suffix stay within their token budgets in a 10,000-line file', () => {
    const estimator = new TokenEstimator();
    const doc = docOf(tsLines(10_000));
    for (const line of [0, 5, 999, 5000, 9999]) {
      const ctx = buildCompletionContext(doc, { line, character: 10 }, BUDGETS, estimator);
      assert.ok(ctx.prefixTokens <= BUDGETS.prefixTokens, `prefix ${ctx.prefixTokens}`);
      assert.ok(ctx.suffixTokens <= BUDGETS.suffixTokens, `suffix ${ctx.suffixTokens}`);
      const text = ctx.stablePrefix + ctx.recentPrefix + ctx.linePrefix;
      assert.ok(estimator.estimate(text) <= BUDGETS.prefixTokens + 2);
    }
  });

  test('the work per request does not grow with the document: the same lines are read in a 1,000 and a 100,000-line file', () => {
    const estimator = new TokenEstimator();
    const small = docOf(tsLines(1_000));
    const big = docOf(tsLines(100_000));
    buildCompletionContext(small, { line: 600, character: 4 }, BUDGETS, estimator);
    buildCompletionContext(big, { line: 60_000, character: 4 }, BUDGETS, estimator);
    assert.equal(big.lineReads, small.lineReads);
    assert.ok(big.lineReads < 400, `${big.lineReads} lines read`);
  });

  test('a 50 MB single-line file is handled with bounded work and a bounded prompt', () => {
    const estimator = new TokenEstimator();
    const huge = 'x = 1; '.repeat(7_500_000);
    assert.equal(huge.indexOf('z'), -1); // flattens the string here, as an editor's line would be, outside the timing
    const doc = new LinesDocument('file:///big.js', 'javascript', [huge, 'y();']);
    const t0 = performance.now();
    const ctx = buildCompletionContext(doc, { line: 0, character: 25_000_000 }, BUDGETS, estimator);
    const below = buildCompletionContext(doc, { line: 1, character: 2 }, BUDGETS, estimator);
    const ms = performance.now() - t0;
    assert.ok(doc.lineReads <= 4, `${doc.lineReads} lines read`);
    assert.ok(ms < 50, `${ms.toFixed(1)} ms: no scan of the 50 MB line`);
    assert.ok(ctx.linePrefix.length <= 400 && ctx.lineSuffix.length <= 200);
    assert.equal(
      below.stablePrefix + below.recentPrefix,
      '',
      'a line too long for the budget is left out, not cut mid-line',
    );
    assert.ok(below.prefixTokens <= BUDGETS.prefixTokens && ctx.suffixTokens <= BUDGETS.suffixTokens);
  });

  test('non-ASCII text is estimated high so the budget still holds', () => {
    const estimator = new TokenEstimator();
    assert.equal(estimator.estimate('abcdefghij'), 4);
    assert.equal(estimator.estimate('日本語'), 6);
    const lines = Array.from({ length: 400 }, (_, i) => `// 注释 ${i}: 计算结果并返回`);
    const ctx = buildCompletionContext(docOf(lines), { line: 399, character: 3 }, BUDGETS, estimator);
    assert.ok(estimator.estimate(ctx.stablePrefix + ctx.recentPrefix) <= BUDGETS.prefixTokens);
  });

  test('the suffix is the rest of the line and of the block, ending with the line that closes it', () => {
    const lines = [
      'function area(r) {',
      '  const pi = 3.14;',
      '  return ',
      '',
      '  // done',
      '}',
      '',
      'function other() {',
      '  return 1;',
      '}',
    ];
    const ctx = buildCompletionContext(docOf(lines), { line: 2, character: 9 }, BUDGETS, new TokenEstimator());
    assert.equal(ctx.linePrefix, '  return ');
    assert.deepEqual(ctx.nextLines, ['', '  // done', '}']);
    assert.equal(suffixText(ctx), '\n\n  // done\n}');
    assert.deepEqual(ctx.previousLines, ['function area(r) {', '  const pi = 3.14;']);
  });

  test('the suffix is capped in lines even when the block goes on', () => {
    const lines = ['def f():', ...Array.from({ length: 100 }, (_, i) => `    x${i} = ${i}`)];
    const ctx = buildCompletionContext(docOf(lines), { line: 1, character: 4 }, BUDGETS, new TokenEstimator());
    assert.equal(ctx.nextLines.length, DEFAULT_COMPLETION_SETTINGS.maxSuffixLines);
  });

  test('budgets are fitted to the context size with room for the generation and the template', () => {
    for (const contextSize of [512, 2048, 4096, 32768]) {
      const b = fitBudgets(DEFAULT_COMPLETION_SETTINGS, contextSize);
      assert.ok(
        b.prefixTokens + b.suffixTokens + b.extraContextTokens + b.maxTokens + TEMPLATE_OVERHEAD_TOKENS <= contextSize,
        `context ${contextSize}`,
      );
      assert.ok(b.prefixTokens > 0 && b.maxTokens > 0);
    }
    assert.deepEqual(fitBudgets(DEFAULT_COMPLETION_SETTINGS, 32768), {
      prefixTokens: DEFAULT_COMPLETION_SETTINGS.prefixTokens,
      suffixTokens: DEFAULT_COMPLETION_SETTINGS.suffixTokens,
      extraContextTokens: DEFAULT_COMPLETION_SETTINGS.extraContextTokens,
      maxTokens: DEFAULT_COMPLETION_SETTINGS.maxTokens,
    });
    const d = DEFAULT_COMPLETION_SETTINGS;
    assert.equal(
      fitBudgets(d, 2048).extraContextTokens,
      2048 - d.maxTokens - TEMPLATE_OVERHEAD_TOKENS - d.suffixTokens - d.prefixTokens,
      'extra context gives way first',
    );
  });

  test('the estimator learns from an exact count that was higher than its estimate', () => {
    const estimator = new TokenEstimator();
    const text = 'a'.repeat(320);
    assert.equal(estimator.estimate(text), 100);
    estimator.observe(100, 150);
    assert.ok(estimator.estimate(text) >= 150);
    estimator.observe(100, 50);
    assert.ok(estimator.estimate(text) >= 150, 'it never grows optimistic again');
  });
});
