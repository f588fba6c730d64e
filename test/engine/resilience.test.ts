// Crash isolation, the crash-loop brake, refused models, idle unload and the parent watch, on the
// real engine process.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { PromptSegment } from '../../src/core/engine/protocol';
import { EngineClientError, type EngineClient } from '../../src/engine/client/engineClient';
import { FIM_ANSWER, LOOP_TRIGGER } from '../fixtures/makeTestModel';
import { startEngine, TEST_LOAD } from '../helpers/engineHarness';
import { isAlive, waitFor } from '../helpers/processWatch';
import { cacheFile, REPO_ROOT, testModelPath } from '../helpers/testModel';

const fim = (prefix: string): PromptSegment[] => [
  { special: '<|fim_prefix|>' },
  { text: prefix },
  { special: '<|fim_suffix|>' },
  { special: '<|fim_middle|>' },
];
const quick = { segments: fim('let total = '), maxTokens: 16, timeoutMs: 10_000 };
const runaway = { segments: fim(`// ${LOOP_TRIGGER}\n`), maxTokens: 1_000_000, timeoutMs: 60_000 };

async function killEngine(client: EngineClient): Promise<void> {
  const pid = client.pid;
  assert.ok(pid, 'the engine is running');
  process.kill(pid, 'SIGKILL');
  await waitFor(() => client.state.phase === 'crashed' || client.state.phase === 'halted');
}

describe('engine resilience', () => {
  test('a killed engine fails the in-flight request clearly and the next request restarts it', async () => {
    const { client } = startEngine();
    try {
      await client.load();
      const inFlight = client.complete(runaway);
      await new Promise((r) => setTimeout(r, 200));
      const firstPid = client.pid;
      process.kill(firstPid!, 'SIGKILL');
      await assert.rejects(
        inFlight,
        (e: EngineClientError) =>
          e.code === 'crashed' &&
          /stopped unexpectedly \(killed by SIGKILL\)/.test(e.message) &&
          e.details.exit?.signal === 'SIGKILL', // the cause, structured: no one parses the message
      );
      assert.equal(client.state.phase, 'crashed');
      const next = await client.complete(quick);
      assert.equal(next.text, FIM_ANSWER);
      assert.notEqual(client.pid, firstPid);
    } finally {
      await client.dispose();
    }
  });

  test('three crashes within the window engage the brake until restart', async () => {
    const { client } = startEngine({ crashLimit: 3, crashWindowMs: 60_000 });
    try {
      for (let i = 0; i < 3; i++) {
        await client.load();
        await killEngine(client);
      }
      assert.equal(client.state.phase, 'halted');
      assert.match(client.state.error ?? '', /crashed 3 times/);
      await assert.rejects(
        client.complete(quick),
        (e: EngineClientError) => e.code === 'stopped' && /Restart Engine/.test(e.message),
      );
      await client.restart();
      assert.equal(client.state.phase, 'ready');
      assert.equal((await client.complete(quick)).text, FIM_ANSWER);
    } finally {
      await client.dispose();
    }
  });

  test('a file that fails the pre-check is refused and the previous model keeps serving', async () => {
    const { client } = startEngine();
    try {
      await client.load();
      const good = client.configuration;
      const bad = cacheFile('not-a-model.gguf', '<html>Not found</html>');
      client.configure({ ...good, completionModel: bad });
      await assert.rejects(
        client.load(),
        (e: EngineClientError) => e.code === 'precheckFailed' && /not a GGUF|magic/i.test(e.message),
      );
      assert.equal(client.state.phase, 'ready');
      assert.equal(client.state.models.completion?.path, good.completionModel);
      assert.equal((await client.complete(quick)).text, FIM_ANSWER);
    } finally {
      await client.dispose();
    }
  });

  test('a chat-only model explains that it cannot complete code', async () => {
    const { client } = startEngine({}, { completionModel: testModelPath('chatOnly') });
    try {
      await assert.rejects(
        client.complete(quick),
        (e: EngineClientError) => e.code === 'noFim' && /no fill-in-the-middle tokens/.test(e.message),
      );
    } finally {
      await client.dispose();
    }
  });

  test('idle unload frees the model and the next request loads it again', async () => {
    const { client } = startEngine({ idleUnloadMs: 300 });
    try {
      await client.complete(quick);
      await waitFor(() => client.state.phase === 'idle');
      assert.deepEqual(client.state.models, {});
      assert.equal((await client.complete(quick)).text, FIM_ANSWER);
      assert.equal(client.state.phase, 'ready');
    } finally {
      await client.dispose();
    }
  });

  test('a background prefill lets the next completion evaluate only its new tokens', async () => {
    const { client } = startEngine();
    try {
      const context = Array.from({ length: 30 }, (_, i) => `// note ${i}: keep the cache warm`).join('\n');
      const prefill = await client.prefill({
        segments: [{ special: '<|fim_prefix|>' }, { text: context }],
        timeoutMs: 10_000,
      });
      assert.equal(prefill.accounting.evaluatedTokens, prefill.accounting.promptTokens);
      const result = await client.complete({
        segments: [
          ...fim(context).slice(0, 2),
          { text: '\nlet z = ' },
          { special: '<|fim_suffix|>' },
          { special: '<|fim_middle|>' },
        ],
        maxTokens: 8,
        timeoutMs: 10_000,
      });
      assert.ok(
        result.accounting.reusedTokens >= prefill.accounting.promptTokens,
        `reused ${result.accounting.reusedTokens}`,
      );
    } finally {
      await client.dispose();
    }
  });

  test('the engine exits when its parent process dies', async () => {
    const script = `
      const { EngineClient } = require(${JSON.stringify(`${REPO_ROOT}/src/engine/client/engineClient.ts`)});
      const c = new EngineClient({ enginePath: ${JSON.stringify(`${REPO_ROOT}/dist/engine.js`)}, gpu: 'off' });
      c.configure({ completionModel: ${JSON.stringify(testModelPath())}, ...${JSON.stringify(TEST_LOAD)} });
      c.load().then(() => console.log('PID ' + c.pid));`;
    const parent = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    parent.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(() => /PID \d+/.test(out), 30_000);
    const enginePid = Number(/PID (\d+)/.exec(out)![1]);
    assert.ok(isAlive(enginePid));
    parent.kill('SIGKILL');
    await waitFor(() => !isAlive(enginePid), 8000);
  });
});

describe('models llama.cpp refuses', () => {
  test("a refusal after the pre-check reports llama.cpp's own reason, not a generic failure", async () => {
    const { buildTestModel } = await import('../fixtures/makeTestModel');
    const path = cacheFile('unknown-arch.gguf', buildTestModel({ architecture: 'frobnicator' }));
    const { client } = startEngine({}, { completionModel: path, chatModel: path });
    try {
      await assert.rejects(
        client.load(),
        (e: EngineClientError) =>
          e.code === 'loadFailed' && /unknown model architecture/i.test(e.message) && /frobnicator/.test(e.message),
      );
    } finally {
      await client.dispose();
    }
  });
});

describe('engine client re-entrancy', () => {
  test(
    'a state listener that sends requests while the engine starts does not start a second process',
    { timeout: 30_000 },
    async () => {
      const { client } = startEngine();
      const pids = new Set<number>();
      const sub = client.onDidChangeState(() => {
        void client
          .status()
          .then((s) => pids.add(s.pid))
          .catch(() => undefined);
      });
      try {
        await client.load();
        await client.restart();
        await new Promise((r) => setTimeout(r, 300));
        const { execFileSync } = await import('node:child_process');
        const engines = execFileSync('ps', ['-eo', 'pid,ppid,args'])
          .toString()
          .split('\n')
          .filter((l) => l.includes('dist/engine.js') && Number(l.trim().split(/\s+/)[1]) === process.pid);
        assert.equal(engines.length, 1, `engine processes: ${engines.join(' | ')}`);
        assert.ok(pids.size <= 2, `statuses came from ${pids.size} processes`);
      } finally {
        sub.dispose();
        await client.dispose();
      }
    },
  );
});

describe('a refused model and the way back', () => {
  test('the refusal is reported while the previous model serves, and cleared when the previous model is configured again', async () => {
    const { client } = startEngine();
    try {
      await client.load();
      const good = client.configuration;
      client.configure({ ...good, completionModel: cacheFile('refused.gguf', 'not a model at all, just text') });
      await assert.rejects(client.load());
      assert.equal(client.state.phase, 'ready');
      assert.match(client.state.error ?? '', /refused\.gguf/);
      client.configure(good);
      assert.equal(client.state.error, undefined);
      await client.load();
      assert.equal(client.state.models.completion?.path, good.completionModel);
    } finally {
      await client.dispose();
    }
  });
});
