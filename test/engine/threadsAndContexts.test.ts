// The engine fitted to the machine and to the work: the thread count chosen by measurement at
// load (or by the setting), a context per role sized to its work with its KV memory reported, and
// prompt chunks sized by the measured speed.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { COMPLETION_CONTEXT_TOKENS, type PromptSegment, type ThreadsInfo } from '../../src/core/engine/protocol';
import { chooseThreads, threadCandidates } from '../../src/core/engine/threadChoice';
import { FIM_ANSWER } from '../fixtures/makeTestModel';
import { startEngine } from '../helpers/engineHarness';

const fim = (prefix: string): PromptSegment[] => [
  { special: '<|fim_prefix|>' },
  { text: prefix },
  { special: '<|fim_suffix|>' },
  { special: '<|fim_middle|>' },
];
const quick = { segments: fim('let total = '), maxTokens: 16, timeoutMs: 10_000 };
/** The test model's KV cache per token: 1 layer × 8 KV heads × (64 + 64) × 2 bytes. */
const KV_PER_TOKEN = 1 * 8 * 128 * 2;

describe('threads that fit the machine', () => {
  test('with the setting at 0 the engine measures each candidate count at load and keeps the fastest', async (t) => {
    const { client } = startEngine({}, { threads: 0 });
    try {
      const { threads } = await client.load();
      assert.ok(threads, 'the load reports the thread choice');
      assert.equal(threads.source, 'measured');
      assert.equal(threads.measuredBecause, 'load');
      assert.deepEqual(
        threads.measured.map((m) => m.threads),
        threadCandidates(threads.cpuMathCores),
      );
      assert.equal(threads.count, chooseThreads(threads.measured)?.threads);
      t.diagnostic(
        `measured ${JSON.stringify(threads.measured)} in ${threads.measureMs} ms: ${threads.count} thread(s)`,
      );
      const status = await client.status();
      assert.deepEqual(status.threads, threads);
      assert.equal((await client.complete(quick)).text, FIM_ANSWER, 'the measurement left the KV cache consistent');
    } finally {
      await client.dispose();
    }
  });

  test('the setting overrides the measurement', async () => {
    const { client } = startEngine({}, { threads: 1 });
    try {
      const { threads } = await client.load();
      assert.deepEqual(threads && { count: threads.count, source: threads.source, measured: threads.measured }, {
        count: 1,
        source: 'setting',
        measured: [],
      });
    } finally {
      await client.dispose();
    }
  });

  test('when the prompt speed falls far below the measured figure, the engine measures the thread count again', async (t) => {
    // A real slowdown: the engine process is stopped for 80 ms of every 90 (SIGSTOP/SIGCONT), as if
    // other programs took its cores, so its prompt chunks run several times slower than at load.
    const { client } = startEngine({ env: { ALEMBIC_ENGINE_RETUNE_INTERVAL_MS: '1' } }, { threads: 0 });
    let throttling = false;
    let throttled: Promise<void> = Promise.resolve();
    try {
      const loaded = await client.load();
      assert.equal(loaded.threads?.measuredBecause, 'load');
      const pid = client.pid!;
      const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
      throttling = true;
      throttled = (async () => {
        while (throttling) {
          process.kill(pid, 'SIGSTOP');
          await sleep(80);
          process.kill(pid, 'SIGCONT');
          await sleep(10);
        }
      })();
      const lines = Array.from({ length: 60 }, (_, i) => `// line ${i}: the cores are taken`).join('\n');
      let threads: ThreadsInfo | undefined = loaded.threads;
      for (let run = 0; run < 20 && threads?.measuredBecause === 'load'; run++) {
        // A different first line each time: the whole prompt is evaluated again.
        await client.complete({
          ...quick,
          segments: fim(`/* run ${run} */\n${lines}\nlet total = `),
          timeoutMs: 60_000,
        });
        // The re-measurement runs after the completion, as background work: give it time to end.
        const end = Date.now() + 3000;
        do {
          await sleep(100);
          threads = (await client.status()).threads;
        } while (threads?.measuredBecause === 'load' && Date.now() < end);
      }
      throttling = false;
      await throttled;
      assert.match(threads?.measuredBecause ?? '', /^the prompt speed fell to \d+% of the measured figure$/);
      assert.equal(threads?.source, 'measured');
      t.diagnostic(`at load ${JSON.stringify(loaded.threads?.measured)}; again: ${JSON.stringify(threads)}`);
      assert.equal((await client.complete(quick)).text, FIM_ANSWER, 'the measurement left the KV cache consistent');
    } finally {
      throttling = false;
      await throttled;
      await client.dispose();
    }
  });
});

describe('contexts sized to the work', () => {
  test('completion and chat each get their own context, and each reports its KV memory', async () => {
    const { client } = startEngine({}, { contextSize: 'auto', maxContextSize: 8192 });
    try {
      const { models } = await client.load();
      const completion = models.completion!;
      const chat = models.chat!;
      assert.equal(completion.path, chat.path, 'one file, loaded once');
      assert.equal(completion.contextSize, COMPLETION_CONTEXT_TOKENS);
      assert.equal(chat.contextSize, 8192, 'chat takes what the settings and memory allow');
      assert.equal(completion.kvCacheBytes, COMPLETION_CONTEXT_TOKENS * KV_PER_TOKEN);
      assert.equal(chat.kvCacheBytes, 8192 * KV_PER_TOKEN);
      assert.equal((await client.complete(quick)).text, FIM_ANSWER);
    } finally {
      await client.dispose();
    }
  });
});

describe('prompt chunks sized by time', () => {
  test('after a long prompt, the chunk size is about 40 ms of work at the measured prompt speed', async (t) => {
    const { client } = startEngine();
    try {
      const before = await client.status();
      assert.equal(
        before.speeds.promptTokensPerSecond,
        undefined,
        'nothing measured yet (the setting chose the threads)',
      );
      const context = Array.from({ length: 60 }, (_, i) => `// line ${i}: the chunks are timed`).join('\n');
      const prefill = await client.prefill({ segments: fim(context).slice(0, 2), timeoutMs: 30_000 });
      assert.ok(prefill.accounting.evaluatedTokens > 1000, `${prefill.accounting.evaluatedTokens} tokens`);
      const { speeds } = await client.status();
      const speed = speeds.promptTokensPerSecond!;
      assert.ok(speed > 0);
      const expected = Math.max(8, Math.min(512, (speed * 40) / 1000));
      assert.ok(Math.abs(speeds.promptChunkTokens - expected) <= 1, `${speeds.promptChunkTokens} vs ${expected}`);
      t.diagnostic(`prompt speed ${speed} tok/s → ${speeds.promptChunkTokens}-token chunks`);

      // The figure the chunks are for: how soon an aborted long prompt frees the engine.
      const abort = new AbortController();
      const other = fim(`/* another file */\n${context}`).slice(0, 2); // nothing in common: all evaluated
      const running = client.prefill({ segments: other, timeoutMs: 30_000 }, abort.signal);
      await new Promise((r) => setTimeout(r, 5));
      const abortedAt = performance.now();
      abort.abort();
      const result = await running;
      t.diagnostic(
        `abort of a ${result.accounting.promptTokens}-token prefill answered after ` +
          `${Math.round(performance.now() - abortedAt)} ms (${result.accounting.evaluatedTokens} tokens ` +
          `evaluated)`,
      );
    } finally {
      await client.dispose();
    }
  });
});
