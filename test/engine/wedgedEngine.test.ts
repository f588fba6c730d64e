// A chat template is a program the engine runs on its main thread, and a looping one used to wedge
// the engine for good: no cap fired, status went unanswered, and after `kill -9` of its parent the
// engine lived on at full CPU. These tests feed the real engine such templates (the suite's test
// model with its template rewritten, test/helpers/hostileModels.ts).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { PromptSegment } from '../../src/core/engine/protocol';
import { EngineClientError } from '../../src/engine/client/engineClient';
import { FIM_ANSWER } from '../fixtures/makeTestModel';
import { startEngine, TEST_LOAD } from '../helpers/engineHarness';
import {
  LONG_CONVERSATION,
  LOOPING_TEMPLATE,
  modelWithChatTemplate,
  TRIGGERED_LOOP_TEMPLATE,
} from '../helpers/hostileModels';
import { cpuTicks, isAlive, waitFor } from '../helpers/processWatch';
import { REPO_ROOT } from '../helpers/testModel';

const quick = {
  segments: [
    { special: '<|fim_prefix|>' },
    { text: 'let total = ' },
    { special: '<|fim_suffix|>' },
    { special: '<|fim_middle|>' },
  ] as PromptSegment[],
  maxTokens: 16,
  timeoutMs: 10_000,
};
const spin = { messages: LONG_CONVERSATION, maxTokens: 16 };

describe('a chat template that never finishes', () => {
  test(
    'is refused at load within its time box: the model loads, chat uses a format chosen without the template, and says why',
    { timeout: 90_000 },
    async () => {
      const path = modelWithChatTemplate('looping-template.gguf', LOOPING_TEMPLATE);
      const { client } = startEngine({}, { completionModel: path, chatModel: path });
      try {
        const loaded = await client.load();
        const chat = loaded.models.chat!;
        assert.match(
          chat.chatTemplateProblem ?? '',
          /looping-template\.gguf was not used: it did not finish rendering within 3 s/,
        );
        assert.equal(chat.chatWrapper, 'ChatML', 'recognised from the template text, without rendering it');
        const answer = await client.chat({
          ...spin,
          messages: [{ role: 'user', content: 'hello' }],
          timeoutMs: 30_000,
        });
        assert.ok(answer.text.length > 0, 'chat answers');
        assert.equal((await client.complete(quick)).text, FIM_ANSWER, 'completions are unaffected');
      } finally {
        await client.dispose();
      }
    },
  );

  test(
    'that blocks a chat request is given up at the stall cap: the engine is killed, the message ' +
      'names the model and the cause, and the next request gets a new engine',
    { timeout: 90_000 },
    async () => {
      const path = modelWithChatTemplate('spin-on-trigger.gguf', TRIGGERED_LOOP_TEMPLATE);
      // A short conversation renders: the template is used, not refused.
      const { client, logs } = startEngine({ stallTimeoutMs: 4000 }, { completionModel: path, chatModel: path });
      try {
        const loaded = await client.load();
        assert.equal(loaded.models.chat?.chatTemplateProblem, undefined, 'the template renders at load');
        assert.equal(loaded.models.chat?.chatWrapper, 'JinjaTemplate', 'and is the one chat renders');
        await client.chat({ messages: [{ role: 'user', content: 'hello' }], maxTokens: 16, timeoutMs: 30_000 });
        const pid = client.pid!;
        await assert.rejects(
          client.chat({ ...spin, timeoutMs: 600_000 }),
          (e: EngineClientError) =>
            e.code === 'unresponsive' &&
            /stopped responding for \d+ s during the chat request on Alembic Test Tiny \(spin-on-trigger\.gguf\)/.test(
              e.message,
            ) &&
            /rendering the chat template of spin-on-trigger\.gguf/.test(e.message),
        );
        await waitFor(() => !isAlive(pid), 10_000, 'the wedged engine to be gone');
        // The client's one Logger hears why, at its level: the watchdog's warning, then the kill.
        assert.ok(
          logs.some((l) => l.startsWith('warn: engine watchdog: ')),
          logs.join('\n'),
        );
        assert.ok(logs.some((l) => /^error: The engine stopped responding for \d+ s during the chat request/.test(l)));
        assert.equal((await client.complete(quick)).text, FIM_ANSWER);
        assert.notEqual(client.pid, pid);
      } finally {
        await client.dispose();
      }
    },
  );

  test(
    'a load past its cap is given up: the engine is killed and the message names the file and the cap',
    { timeout: 90_000 },
    async () => {
      const path = modelWithChatTemplate('slow-check.gguf', LOOPING_TEMPLATE);
      // The render time box set far beyond the load cap: the cap is what must end the load.
      const { client } = startEngine(
        { loadTimeoutMs: 6000, env: { ALEMBIC_ENGINE_TEMPLATE_RENDER_MS: '600000' } },
        { completionModel: path, chatModel: path },
      );
      try {
        await assert.rejects(
          client.load(),
          (e: EngineClientError) =>
            e.code === 'badModel' &&
            /Loading slow-check\.gguf broke the engine: The load request on slow-check\.gguf passed its cap of 6 s/.test(
              e.message,
            ),
        );
        assert.equal(client.state.phase, 'crashed');
        assert.match(client.state.error ?? '', /slow-check\.gguf/);
      } finally {
        await client.dispose();
      }
    },
  );
});

describe('the engine and its parent', () => {
  test(
    "the engine exits when its parent is killed while the engine's main thread is blocked",
    { timeout: 90_000 },
    async () => {
      const path = modelWithChatTemplate('spin-orphan.gguf', TRIGGERED_LOOP_TEMPLATE);
      // The parent gives the engine all the time in the world: only the engine's watchdog can end it.
      const script = `
      const { EngineClient } = require(${JSON.stringify(`${REPO_ROOT}/src/engine/client/engineClient.ts`)});
      const c = new EngineClient({ enginePath: ${JSON.stringify(`${REPO_ROOT}/dist/engine.js`)}, gpu: 'off', stallTimeoutMs: 600000 });
      c.configure({ chatModel: ${JSON.stringify(path)}, ...${JSON.stringify(TEST_LOAD)} });
      c.load().then(() => {
        c.chat(${JSON.stringify({ ...spin, timeoutMs: 600_000 })}).catch(() => undefined);
        console.log('PID ' + c.pid);
      });`;
      const parent = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      parent.stdout.on('data', (d: Buffer) => (out += d.toString()));
      let enginePid: number | undefined;
      try {
        await waitFor(() => /PID \d+/.test(out), 60_000, 'the engine to load');
        enginePid = Number(/PID (\d+)/.exec(out)![1]);
        // Blocked: it burns CPU in the template while its event loop is stopped.
        const before = cpuTicks(enginePid);
        await waitFor(() => cpuTicks(enginePid!) > before + 50, 30_000, 'the engine to spin in the template');
        parent.kill('SIGKILL');
        await waitFor(() => !isAlive(enginePid!), 10_000, 'the orphaned engine to exit');
      } finally {
        parent.kill('SIGKILL');
        if (enginePid && isAlive(enginePid)) process.kill(enginePid, 'SIGKILL');
      }
    },
  );
});
