// What the engine client tells its users: "busy" as its own cheap signal apart from the lifecycle
// state, and one abort rule for every generation, on the real engine.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PromptSegment } from '../../src/core/engine/protocol';
import type { EngineState } from '../../src/engine/client/engineClient';
import { FIM_ANSWER, LOOP_TRIGGER } from '../fixtures/makeTestModel';
import { startEngine } from '../helpers/engineHarness';

const fim = (prefix: string): PromptSegment[] => [
  { special: '<|fim_prefix|>' },
  { text: prefix },
  { special: '<|fim_suffix|>' },
  { special: '<|fim_middle|>' },
];
const quick = { segments: fim('let total = '), maxTokens: 16, timeoutMs: 10_000 };
const runaway = { segments: fim(`// ${LOOP_TRIGGER}\n`), maxTokens: 1_000_000, timeoutMs: 60_000 };

describe('busy apart from the lifecycle', () => {
  test('a completion flips busy on and off once and leaves the lifecycle state alone', async () => {
    const { client } = startEngine();
    try {
      await client.load();
      const states: EngineState[] = [];
      const busy: boolean[] = [];
      const s1 = client.onDidChangeState((s) => states.push(s));
      const s2 = client.onDidChangeBusy((b) => busy.push(b));
      assert.equal((await client.complete(quick)).text, FIM_ANSWER);
      await client.chat({ messages: [{ role: 'user', content: 'hello' }], maxTokens: 32, timeoutMs: 20_000 });
      s1.dispose();
      s2.dispose();
      assert.deepEqual(busy, [true, false, true, false]);
      assert.equal(states.length, 0, `lifecycle changes: ${states.map((s) => s.phase).join(', ')}`);
      assert.equal(client.state.phase, 'ready');
      assert.equal(client.busy, false);
    } finally {
      await client.dispose();
    }
  });
});

describe('one abort rule', () => {
  test('a generation aborted before it is sent resolves with stopReason "abort" and no work, like one aborted while it runs', async () => {
    const { client } = startEngine();
    try {
      await client.load();
      const early = new AbortController();
      early.abort();
      const before = await client.complete(runaway, early.signal);
      assert.equal(before.stopReason, 'abort');
      assert.equal(before.text, '');
      assert.equal(before.accounting.evaluatedTokens, 0);
      const chat = await client.chat(
        { messages: [{ role: 'user', content: 'hello' }], maxTokens: 32, timeoutMs: 20_000 },
        { signal: early.signal },
      );
      assert.equal(chat.stopReason, 'abort');
      const prefill = await client.prefill({ segments: fim('let a = 1;'), timeoutMs: 10_000 }, early.signal);
      assert.equal(prefill.accounting.evaluatedTokens, 0);

      const late = new AbortController();
      const running = client.complete(runaway, late.signal);
      setTimeout(() => late.abort(), 200);
      const during = await running;
      assert.equal(during.stopReason, 'abort');
      assert.ok(during.accounting.generatedTokens > 0, 'it had started generating');
    } finally {
      await client.dispose();
    }
  });
});
