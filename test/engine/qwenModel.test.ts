// The real engine on the Qwen-vocabulary test model (Qwen2.5-Coder's real BPE, metadata and chat
// template): what is template-sensitive must work as it does for a user's Qwen2.5-Coder file.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CompletionPipeline } from '../../src/core/completion/completionPipeline';
import { LinesDocument } from '../../src/core/completion/documentWindow';
import { selectFimTemplate } from '../../src/core/completion/fimTemplates';
import type { CompleteResult } from '../../src/core/engine/protocol';
import type { EngineClient } from '../../src/engine/client/engineClient';
import {
  CHAT_ANSWER,
  CHAT_TEXT,
  CHAT_THOUGHT,
  FIM_ANSWER,
  HOSTILE_ANSWER,
  HOSTILE_TRIGGER,
  LOOP_TEXT,
  LOOP_TRIGGER,
} from '../fixtures/makeTestModel';
import { startEngine } from '../helpers/engineHarness';
import { testModelPath } from '../helpers/testModel';

const source = [
  ...Array.from(
    { length: 30 },
    (_, i) => `export function helper${i}(value: number): number {\n  return value * ${i};\n}`,
  ),
  'export function total(items: { price: number }[]): number {',
  '  const sum = ',
  '}',
]
  .join('\n')
  .split('\n');

describe('the engine on the Qwen-vocabulary test model', () => {
  let client: EngineClient;
  let pipeline: CompletionPipeline;
  const results: CompleteResult[] = [];
  const cursorLine = source.length - 2;
  let doc = new LinesDocument('file:///w/total.ts', 'typescript', source, 1, 'total.ts');
  const at = () => ({ line: cursorLine, character: doc.lineAt(cursorLine).length });

  before(async () => {
    const model = testModelPath('qwen');
    ({ client } = startEngine({}, { completionModel: model, chatModel: model }));
    await client.load();
    const info = client.state.models.completion!;
    pipeline = new CompletionPipeline({
      engine: {
        complete: async (params, signal) => {
          const result = await client.complete(params, signal);
          results.push(result);
          return result;
        },
      },
      settings: { prefetch: false },
    });
    pipeline.setModel({
      id: info.path,
      name: info.name,
      architecture: info.architecture,
      fim: info.fim,
      contextSize: info.contextSize,
    });
  });
  after(async () => {
    pipeline.dispose();
    await client.dispose();
  });

  test('is recognised as Qwen2.5-Coder from its metadata: repository-level FIM and the Qwen chat wrapper', () => {
    const info = client.state.models.completion!;
    assert.equal(info.architecture, 'qwen2');
    assert.match(info.name, /^Qwen2\.5 Coder/);
    assert.deepEqual(info.fim, {
      prefix: '<|fim_prefix|>',
      suffix: '<|fim_suffix|>',
      middle: '<|fim_middle|>',
      pad: '<|fim_pad|>',
      repoName: '<|repo_name|>',
      fileSeparator: '<|file_sep|>',
    });
    const template = selectFimTemplate({ name: info.name, architecture: info.architecture, fim: info.fim });
    assert.equal(template.family, 'qwen');
    for (const stop of ['<|endoftext|>', '<|file_sep|>', '<|im_end|>']) assert.ok(template.stop.includes(stop), stop);
    assert.equal(client.state.models.chat?.chatWrapper, 'Qwen');
    assert.ok(info.endTokens.includes('<|im_end|>'), `end tokens ${info.endTokens.join(' ')}`);
  });

  test('a completion in the repository-level form shows the scripted answer, ended by <|endoftext|>', async () => {
    const shown = await pipeline.provide({ doc, position: at(), triggerKind: 'invoke' });
    assert.equal(shown?.insertText, FIM_ANSWER);
    const last = results.at(-1)!;
    assert.equal(last.stopReason, 'eos');
    // One token per BPE piece of the answer, not one per character.
    assert.ok(last.accounting.generatedTokens < FIM_ANSWER.length / 2, `generated ${last.accounting.generatedTokens}`);
  });

  test('typing a character re-evaluates only the end of the current line, in BPE tokens', async () => {
    doc = doc.insert(at(), 'x');
    const before = results.length;
    const shown = await pipeline.provide({ doc, position: at(), triggerKind: 'invoke' });
    assert.equal(results.length, before + 1, 'one model call');
    assert.equal(shown?.insertText, FIM_ANSWER);
    const a = results.at(-1)!.accounting;
    // The line's last word may re-merge with the new character; the suffix and FIM tokens follow.
    assert.ok(a.evaluatedTokens <= 12, `evaluated ${a.evaluatedTokens} of ${a.promptTokens}`);
    assert.equal(a.reusedTokens + a.evaluatedTokens, a.promptTokens);
  });

  test('a chat answer streams its <think> block as folded reasoning, then the answer, and ends at <|im_end|>', async () => {
    const chunks: { segment: string; text: string }[] = [];
    const result = await client.chat(
      {
        messages: [
          { role: 'system', content: 'You are a coding assistant.' },
          { role: 'user', content: 'Write an add function' },
        ],
        maxTokens: 256,
        timeoutMs: 20_000,
      },
      { onChunk: (c) => chunks.push(c) },
    );
    assert.equal(result.thought, CHAT_THOUGHT);
    assert.equal(result.text, CHAT_TEXT);
    assert.equal(result.stopReason, 'eos');
    assert.equal(chunks[0]!.segment, 'thought');
    assert.ok(!chunks.some((c) => c.segment === 'text' && /<\/?think>/.test(c.text)), 'no think tag in the answer');
  });

  test('a second chat turn gets the scripted answer again', async () => {
    const first = [{ role: 'user' as const, content: 'Write an add function' }];
    const answer = await client.chat({ messages: first, maxTokens: 256, timeoutMs: 20_000 });
    const second = await client.chat({
      messages: [...first, { role: 'assistant', content: answer.text }, { role: 'user', content: 'Once more?' }],
      maxTokens: 256,
      timeoutMs: 20_000,
    });
    assert.equal(second.text, CHAT_TEXT);
    assert.ok(second.accounting.reusedTokens > 0, 'the first turn stays in the KV cache');
  });

  test('the hostile trigger in a chat gets the hostile answer, through real BPE tokens', async () => {
    const result = await client.chat({
      messages: [{ role: 'user', content: `Please ${HOSTILE_TRIGGER} the data` }],
      maxTokens: 512,
      timeoutMs: 30_000,
    });
    assert.equal(result.text, HOSTILE_ANSWER);
  });

  test('a completion that reaches the chat turn ends at <|im_end|> with the whole answer as text', async () => {
    const result = await client.complete({
      segments: [{ special: '<|im_start|>' }, { text: 'user\nHi' }, { special: '<|im_end|>' }, { text: '\n' }].concat([
        { special: '<|im_start|>' },
        { text: 'assistant\n' },
      ]),
      maxTokens: 256,
      timeoutMs: 20_000,
    });
    assert.equal(result.stopReason, 'eos');
    assert.equal(result.text, CHAT_ANSWER);
  });

  test('the loop trigger makes a runaway completion that the token cap ends', async () => {
    const result = await client.complete({
      segments: [
        { special: '<|fim_prefix|>' },
        { text: `// ${LOOP_TRIGGER}\nlet x = ` },
        { special: '<|fim_suffix|>' },
        { text: ';\n' },
        { special: '<|fim_middle|>' },
      ],
      maxTokens: 40,
      timeoutMs: 20_000,
    });
    assert.equal(result.stopReason, 'maxTokens');
    assert.equal(result.text, LOOP_TEXT.repeat(20));
  });
});
