// The real engine (node-llama-cpp in its own process) on the generated test model.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PromptSegment } from '../../src/core/engine/protocol';
import type { EngineClient } from '../../src/engine/client/engineClient';
import { CHAT_TEXT, CHAT_THOUGHT, FIM_ANSWER, LOOP_TRIGGER } from '../fixtures/makeTestModel';
import { startEngine } from '../helpers/engineHarness';

const fim = (prefix: string, suffix: string): PromptSegment[] => [
  { special: '<|fim_prefix|>' },
  { text: prefix },
  { special: '<|fim_suffix|>' },
  { text: suffix },
  { special: '<|fim_middle|>' },
];

const longPrefix = Array.from({ length: 40 }, (_, i) => `const value${i} = compute(${i}, "item ${i}");`).join('\n');

describe('engine generation on the test model', () => {
  let client: EngineClient;

  before(async () => {
    ({ client } = startEngine());
    await client.load();
  });
  after(() => client.dispose());

  test('loads the model and reports the backend, context size, layers and FIM tokens', () => {
    const { models, gpu } = client.state;
    assert.equal(gpu?.backend, 'cpu');
    assert.equal(models.completion?.path, models.chat?.path, 'one file serves both roles');
    assert.equal(models.completion?.contextSize, 2048);
    assert.equal(models.completion?.totalLayers, 2); // one block + the output layer
    assert.deepEqual(
      models.completion?.fim && [
        models.completion.fim.prefix,
        models.completion.fim.suffix,
        models.completion.fim.middle,
      ],
      ['<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>'],
    );
    assert.equal(models.chat?.chatWrapper, 'ChatML');
    assert.equal(client.state.phase, 'ready');
  });

  test('a streamed FIM completion reports the answer so far after each token, and ends in the whole answer', async () => {
    const partials: Array<{ text: string; generatedTokens: number }> = [];
    const result = await client.complete(
      { segments: fim('function sum(items) {\n  return ', '\n}\n'), maxTokens: 64, timeoutMs: 10_000 },
      undefined,
      (p) => partials.push(p),
    );
    assert.equal(result.text, FIM_ANSWER);
    assert.deepEqual(
      partials.map((p) => p.generatedTokens),
      Array.from({ length: result.accounting.generatedTokens }, (_, i) => i + 1),
      'one after each generated token',
    );
    for (const p of partials) assert.ok(result.text.startsWith(p.text), `"${p.text}" begins the answer`);
    assert.equal(partials.at(-1)?.text, result.text);
  });

  test('a FIM completion returns the model text with token accounting', async () => {
    const result = await client.complete({
      segments: fim('function total(items) {\n  return ', '\n}\n'),
      maxTokens: 64,
      timeoutMs: 10_000,
    });
    assert.equal(result.text, FIM_ANSWER);
    assert.equal(result.stopReason, 'eos');
    const a = result.accounting;
    assert.ok(a.promptTokens > 30, `prompt tokens ${a.promptTokens}`);
    assert.equal(a.evaluatedTokens + a.reusedTokens, a.promptTokens);
    assert.equal(a.generatedTokens, 3);
    assert.ok(a.timeToFirstTokenMs > 0 && a.totalMs >= a.timeToFirstTokenMs);
    assert.ok(a.tokensPerSecond > 0);
  });

  test('a second completion sharing a long prefix evaluates only what differs', async () => {
    const first = await client.complete({
      segments: fim(`${longPrefix}\nconst a = `, ';\n'),
      maxTokens: 16,
      timeoutMs: 10_000,
    });
    const second = await client.complete({
      segments: fim(`${longPrefix}\nconst ab = `, ';\n'),
      maxTokens: 16,
      timeoutMs: 10_000,
    });
    assert.ok(first.accounting.promptTokens > 1000);
    assert.ok(second.accounting.reusedTokens > 1000, `reused ${second.accounting.reusedTokens}`);
    assert.ok(second.accounting.evaluatedTokens < 20, `evaluated ${second.accounting.evaluatedTokens}`);
  });

  test('a repeated greedy request is replayed with zero tokens evaluated', async () => {
    const segments = fim('let x = ', ';\n');
    const first = await client.complete({ segments, maxTokens: 16, timeoutMs: 10_000 });
    const again = await client.complete({ segments, maxTokens: 16, timeoutMs: 10_000 });
    assert.equal(first.replayed, false);
    assert.equal(again.replayed, true);
    assert.equal(again.text, first.text);
    assert.equal(again.accounting.evaluatedTokens, 0);
    assert.equal(again.accounting.reusedTokens, again.accounting.promptTokens);
  });

  test('the token cap ends a runaway completion', async () => {
    const result = await client.complete({
      segments: fim(`// ${LOOP_TRIGGER}\nlet x = `, ''),
      maxTokens: 12,
      timeoutMs: 10_000,
    });
    assert.equal(result.stopReason, 'maxTokens');
    assert.equal(result.accounting.generatedTokens, 12);
    assert.equal(result.text, ' and on'.repeat(12));
  });

  test('the wall-clock cap ends a runaway completion', async () => {
    const result = await client.complete({
      segments: fim(`// ${LOOP_TRIGGER} 1\n`, ''),
      maxTokens: 100_000,
      timeoutMs: 300,
    });
    assert.equal(result.stopReason, 'timeout');
    assert.ok(result.accounting.totalMs < 2000, `took ${result.accounting.totalMs} ms`);
  });

  test('stop strings end a completion before the stop text', async () => {
    const result = await client.complete({
      segments: fim('x = ', ''),
      maxTokens: 64,
      timeoutMs: 10_000,
      stop: ['item'],
    });
    assert.equal(result.stopReason, 'stop');
    assert.equal(result.text, FIM_ANSWER.slice(0, FIM_ANSWER.indexOf('item')));
  });

  test('abort ends a running completion early with stop reason abort', async () => {
    const controller = new AbortController();
    const pending = client.complete(
      { segments: fim(`/* ${LOOP_TRIGGER} 2 */\n`, ''), maxTokens: 100_000, timeoutMs: 60_000 },
      controller.signal,
    );
    setTimeout(() => controller.abort(), 150);
    const result = await pending;
    assert.equal(result.stopReason, 'abort');
    assert.ok(result.accounting.generatedTokens < 5000, `generated ${result.accounting.generatedTokens}`);
  });

  test('chat streams the reasoning and the answer as separate chunks', async () => {
    const chunks: { segment: string; text: string }[] = [];
    const result = await client.chat(
      { messages: [{ role: 'user', content: 'Write an add function' }], maxTokens: 256, timeoutMs: 10_000 },
      { onChunk: (c) => chunks.push({ segment: c.segment, text: c.text }) },
    );
    assert.equal(result.text, CHAT_TEXT);
    assert.equal(result.thought, CHAT_THOUGHT);
    assert.equal(result.stopReason, 'eos');
    assert.ok(chunks.length >= 3, `only ${chunks.length} chunks`);
    assert.equal(chunks[0]!.segment, 'thought');
    assert.equal(
      chunks
        .filter((c) => c.segment === 'text')
        .map((c) => c.text)
        .join('')
        .trim(),
      CHAT_TEXT,
    );
    assert.ok(result.accounting.generatedTokens > 5 && result.accounting.promptTokens > 10);
  });

  test('a follow-up chat turn reuses the conversation already in the KV cache', async () => {
    const first = [{ role: 'user' as const, content: 'Tell me about arrays in JavaScript please' }];
    const answer = await client.chat({ messages: first, maxTokens: 256, timeoutMs: 10_000 });
    const second = await client.chat({
      messages: [...first, { role: 'assistant', content: answer.text }, { role: 'user', content: 'And maps?' }],
      maxTokens: 256,
      timeoutMs: 10_000,
    });
    // The first turn's prompt is reused; its answer is re-evaluated because only the answer, not
    // the reasoning the model generated, goes back into the context.
    assert.ok(
      second.accounting.reusedTokens >= answer.accounting.promptTokens,
      `reused ${second.accounting.reusedTokens}`,
    );
    assert.equal(second.accounting.reusedTokens + second.accounting.evaluatedTokens, second.accounting.promptTokens);
  });

  test('abort ends a streaming chat early', async () => {
    const controller = new AbortController();
    let chunks = 0;
    const result = await client.chat(
      { messages: [{ role: 'user', content: `Count ${LOOP_TRIGGER}` }], maxTokens: 100_000, timeoutMs: 60_000 },
      {
        signal: controller.signal,
        onChunk: () => {
          if (++chunks === 3) controller.abort();
        },
      },
    );
    assert.equal(result.stopReason, 'abort');
    assert.ok(result.accounting.generatedTokens < 1000, `generated ${result.accounting.generatedTokens}`);
  });

  test('a completion finishes while a long chat is still streaming', async () => {
    const chatController = new AbortController();
    let chatDone = false;
    const chat = client
      .chat(
        { messages: [{ role: 'user', content: `Go on ${LOOP_TRIGGER}` }], maxTokens: 100_000, timeoutMs: 30_000 },
        { signal: chatController.signal },
      )
      .finally(() => (chatDone = true));
    await new Promise((r) => setTimeout(r, 100));
    const completion = await client.complete({ segments: fim('const y = ', ';\n'), maxTokens: 16, timeoutMs: 10_000 });
    assert.equal(completion.text, FIM_ANSWER);
    assert.equal(chatDone, false, 'the chat was still running');
    chatController.abort();
    assert.equal((await chat).stopReason, 'abort');
  });

  test('tokenize uses the model vocabulary', async () => {
    const tokens = await client.tokenize('completion', `say ${LOOP_TRIGGER}`);
    assert.equal(tokens.length, 4); // s, a, y, ▁FOREVER
  });
});
