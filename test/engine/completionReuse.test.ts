// The completion pipeline on the real engine and tokenizer: the prompt layout keeps the KV cache
// valid while the user types, so a keystroke evaluates only what follows it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CompletionPipeline } from '../../src/core/completion/completionPipeline';
import { LinesDocument, type Position } from '../../src/core/completion/documentWindow';
import type { CompleteParams, CompleteResult } from '../../src/core/engine/protocol';
import type { EngineClient } from '../../src/engine/client/engineClient';
import { FIM_ANSWER } from '../fixtures/makeTestModel';
import { startEngine } from '../helpers/engineHarness';

const source = [
  ...Array.from(
    { length: 60 },
    (_, i) => `export function helper${i}(value: number): number {\n  return value * ${i} + ${i % 7};\n}\n`,
  ),
  'export function total(items: { price: number }[]): number {',
  '  const sum = ',
  '}',
]
  .join('\n')
  .split('\n');

describe('completion pipeline on the real engine', () => {
  let client: EngineClient;
  let pipeline: CompletionPipeline;
  const results: CompleteResult[] = [];

  before(async () => {
    ({ client } = startEngine());
    await client.load();
    const model = client.state.models.completion!;
    pipeline = new CompletionPipeline({
      engine: {
        complete: async (params: CompleteParams, signal: AbortSignal) => {
          const result = await client.complete(params, signal);
          results.push(result);
          return result;
        },
      },
      settings: { prefetch: false },
    });
    pipeline.setModel({
      id: model.path,
      name: model.name,
      architecture: model.architecture,
      fim: model.fim,
      contextSize: model.contextSize,
    });
  });
  after(async () => {
    pipeline.dispose();
    await client.dispose();
  });

  const cursorLine = source.length - 2;
  let doc = new LinesDocument('file:///w/total.ts', 'typescript', source, 1, 'total.ts');
  const at = (): Position => ({ line: cursorLine, character: doc.lineAt(cursorLine).length });

  test('the first request evaluates the whole prompt and shows the model text', async () => {
    const suggestion = await pipeline.provide({ doc, position: at(), triggerKind: 'invoke' });
    assert.equal(suggestion?.insertText, FIM_ANSWER);
    const first = results.at(-1)!;
    assert.ok(first.accounting.promptTokens > 1000, `prompt ${first.accounting.promptTokens}`);
    assert.equal(first.accounting.reusedTokens, 0);
  });

  test('typing a character evaluates only the tokens after it', async () => {
    doc = doc.insert(at(), 'c');
    const before = results.length;
    await pipeline.provide({ doc, position: at(), triggerKind: 'invoke' });
    assert.equal(results.length, before + 1, 'one model call');
    const a = results.at(-1)!.accounting;
    const tail = doc.lineAt(cursorLine).length + doc.lineAt(cursorLine + 1).length + 8; // current line, suffix, FIM tokens
    assert.ok(
      a.evaluatedTokens <= tail,
      `evaluated ${a.evaluatedTokens} of ${a.promptTokens}, expected at most ${tail}`,
    );
    assert.ok(a.reusedTokens >= a.promptTokens - tail);
  });

  test('a new line keeps the prompt prefix (the window start does not move)', async () => {
    doc = doc.insert(at(), ';');
    doc = doc.insert(at(), '\n  const more = ');
    const line = cursorLine + 1;
    const position = { line, character: doc.lineAt(line).length };
    await pipeline.provide({ doc, position, triggerKind: 'invoke' });
    const a = results.at(-1)!.accounting;
    assert.ok(a.evaluatedTokens < 80, `evaluated ${a.evaluatedTokens} of ${a.promptTokens}`);
  });

  test('repeating a request is answered from the cache without a model call', async () => {
    const before = results.length;
    const line = cursorLine + 1;
    const again = await pipeline.provide({
      doc,
      position: { line, character: doc.lineAt(line).length },
      triggerKind: 'invoke',
    });
    assert.equal(results.length, before, 'no model call');
    assert.equal(again?.source, 'cache');
    assert.equal(pipeline.stats.snapshot().cacheHits, 1);
  });
});
