import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../src/core/completion/clock';
import { CompletionPipeline } from '../../src/core/completion/completionPipeline';
import type { CompletionSettings } from '../../src/core/completion/completionSettings';
import { LinesDocument } from '../../src/core/completion/documentWindow';
import { QWEN_MODEL } from '../helpers/completionFixtures';
import { FakeCompletionEngine } from '../helpers/fakeCompletionEngine';

const TARGET = [
  'export function clamp(value: number, min: number, max: number): number {',
  '  if (value < min) {',
  '    return min;',
  '  }',
  '  return Math.min(value, max);',
  '}',
];
const CLOSERS: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

function fileAround(n: number): string[] {
  const lines: string[] = [];
  for (let i = 0; lines.length < n; i++) {
    lines.push(
      `export function scale${i}(value: number): number {`,
      `  const factor = ${i % 9} + 1;`,
      `  return value * factor;`,
      `}`,
      '',
    );
  }
  return lines.slice(0, n);
}

/** A simulated typist: writes TARGET into the middle of a large file one keystroke at a time, as
 * VS Code would present it (auto-indent on Enter, auto-closed brackets, typing over a closer),
 * with a pause after each word; every keystroke is a provide() that cancels the previous one.
 * The engine is an oracle that answers the true rest of the line. */
async function typeTarget(settings: Partial<CompletionSettings> = {}, model: 'oracle' | 'wrong' = 'oracle') {
  const engine = new FakeCompletionEngine();
  const oracle = (prompt: string) => {
    const before = prompt.slice(0, prompt.indexOf('<|fim_suffix|>'));
    const linePrefix = before.slice(before.lastIndexOf('\n') + 1).replace('<|fim_prefix|>', '');
    const line = TARGET.find((t) => t.startsWith(linePrefix) && t.length > linePrefix.length);
    return line ? line.slice(linePrefix.length) : '';
  };
  const answer = model === 'oracle' ? oracle : () => 'unrelated(42);';
  const clock = new ManualClock();
  const pipeline = new CompletionPipeline({ engine, clock, settings });
  pipeline.setModel({ ...QWEN_MODEL, contextSize: 8192 });
  const lines = fileAround(3000);
  const at = 1500;
  // The user arrives at the insertion point: the first prompt is evaluated cold, once per file,
  // whatever the layout. What is measured is the typing that follows.
  lines.splice(at, 0, '');
  engine.reply = () => '';
  await pipeline.provide({
    doc: new LinesDocument('file:///repo/src/scale.ts', 'typescript', [...lines], 1),
    position: { line: at, character: 0 },
    triggerKind: 'invoke',
  });
  lines.splice(at, 1);
  engine.reply = answer;
  pipeline.stats.reset();
  let version = 1;
  let keystrokes = 0;
  let previous: AbortController | undefined;
  const pending: Array<Promise<unknown>> = [];
  const press = async (before: string, after: string, row: number, pause: number) => {
    lines[row] = before + after;
    previous?.abort();
    previous = new AbortController();
    keystrokes++;
    const doc = new LinesDocument('file:///repo/src/scale.ts', 'typescript', [...lines], ++version);
    pending.push(pipeline.provide({ doc, position: { line: row, character: before.length }, signal: previous.signal }));
    await clock.advance(pause);
  };
  for (let r = 0; r < TARGET.length; r++) {
    const target = TARGET[r]!;
    const row = at + r;
    lines.splice(row, 0, '');
    const indent = target.length - target.trimStart().length;
    let before = target.slice(0, indent);
    let after = '';
    await press(before, after, row, 150); // Enter, with the editor's auto-indent
    for (const c of target.slice(indent)) {
      if (after.startsWith(c) && ')]}'.includes(c)) after = after.slice(1);
      else if (CLOSERS[c]) after = CLOSERS[c] + after;
      before += c;
      await press(before, after, row, c === ' ' ? 400 : 90);
    }
  }
  await clock.advance(2000);
  await Promise.all(pending);
  return { stats: pipeline.stats.snapshot(), keystrokes };
}

describe('a simulated typist', () => {
  test('needs a model call for at most a quarter of the keystrokes', async () => {
    const { stats, keystrokes } = await typeTarget();
    const requestCalls = stats.modelCalls - stats.prefetches;
    assert.ok(
      stats.modelCalls <= keystrokes * 0.25,
      `${stats.modelCalls} model calls (${requestCalls} for requests, ${stats.prefetches} prefetches) for ${keystrokes} keystrokes`,
    );
    assert.ok(stats.typedAheadHits + stats.cacheHits + stats.inFlightReuses > 0);
  });

  test('needs a model call for at most a quarter of the keystrokes even when every suggestion is wrong', async () => {
    const { stats, keystrokes } = await typeTarget({}, 'wrong');
    assert.equal(stats.typedAheadHits, 0);
    assert.ok(
      stats.modelCalls <= keystrokes * 0.25,
      `${stats.modelCalls} model calls (${stats.prefetches} prefetches) for ${keystrokes} keystrokes`,
    );
  });

  test('re-evaluates at most a tenth of the prompt tokens it sends', async () => {
    const { stats } = await typeTarget();
    assert.ok(
      stats.evaluatedTokens <= stats.promptTokens * 0.1,
      `${stats.evaluatedTokens} of ${stats.promptTokens} prompt tokens evaluated`,
    );
  });
});
