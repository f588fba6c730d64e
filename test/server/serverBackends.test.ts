// The server backends against a real llama-server (built from node-llama-cpp's own llama.cpp) on
// 127.0.0.1, serving the Qwen-vocabulary test model, whose FIM tokens and chat template the server
// knows as it would know Qwen2.5-Coder's: completion and chat on the command line, through
// llama-server's own API and its OpenAI-compatible one, /infill, the pinned slot (and leaving it
// when another client takes it over), and a cancelled
// answer stopping on the server.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CompletionPipeline } from '../../src/core/completion/completionPipeline';
import { LinesDocument } from '../../src/core/completion/documentWindow';
import { LlamaServerBackend } from '../../src/core/remote/llamaServerBackend';
import { CHAT_TEXT, CHAT_THOUGHT, FIM_ANSWER, LOOP_TRIGGER } from '../fixtures/testModelScripts';
import { runCli } from '../cli/runCli';
import { startTestServer, type LlamaServer } from '../helpers/llamaServer';
import { testModelPath } from '../helpers/testModel';

let server: LlamaServer;
const dir = mkdtempSync(join(tmpdir(), 'alembic-server-'));
const file = join(dir, 'total.ts');
writeFileSync(file, ['export function total(items: { price: number }[]): number {', '  return ', '}', ''].join('\n'));
const at = ['--file', file, '--line', '2', '--column', '10'];

before(async () => {
  server = await startTestServer({ model: testModelPath('qwen'), flags: ['-c', '4096', '--parallel', '2'] });
});
after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function slots(): Promise<{ id: number; is_processing: boolean; next_token?: { n_decoded: number }[] }[]> {
  return (await fetch(`${server.url}/slots`)).json() as never;
}

describe('llama-server backend (real llama-server)', () => {
  test('alembic complete --endpoint fills in the middle through the server', async () => {
    const run = await runCli(['complete', '--endpoint', server.url, ...at, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    assert.equal(out.text, FIM_ANSWER);
    assert.equal(out.model, 'test-model-qwen');
    assert.ok(out.promptTokens > 20 && out.evaluatedTokens > 0, JSON.stringify(out));
  });

  test('alembic chat --endpoint streams the answer, its reasoning apart', async () => {
    const run = await runCli(['chat', '--endpoint', server.url, '--json', 'Write a function that adds two numbers']);
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    assert.equal(out.text, CHAT_TEXT);
    assert.equal(out.thought, CHAT_THOUGHT);
    assert.equal(out.stopReason, 'eos');
  });

  test("the OpenAI-compatible backend completes and chats through llama-server's /v1", async () => {
    // The model id (".cache/test-model-qwen.gguf") names no code family: the template is given.
    const openai = ['--endpoint', `${server.url}/v1`, '--backend', 'openai', '--fim-template', 'qwen'];
    const complete = await runCli(['complete', ...openai, ...at]);
    assert.equal(complete.code, 0, complete.stderr);
    assert.equal(complete.stdout, `${FIM_ANSWER}\n`);
    const chat = await runCli(['chat', ...openai, '--json', 'Write a function that adds two numbers']);
    assert.equal(chat.code, 0, chat.stderr);
    assert.equal(JSON.parse(chat.stdout).text, CHAT_TEXT);
    const unnamed = await runCli(['complete', '--endpoint', `${server.url}/v1`, '--backend', 'openai', ...at]);
    assert.equal(unnamed.code, 1);
    assert.match(
      unnamed.stderr,
      /does not know how to fill in the middle with ".*test-model-qwen\.gguf".*alembic\.server\.fimTemplate/,
    );
  });

  test('keeps its slot while the user types, so the server reuses the prompt it holds', async () => {
    const backend = new LlamaServerBackend({ backend: 'llama-server', endpoint: server.url });
    const pipeline = new CompletionPipeline({ engine: backend, settings: { prefetch: false } });
    try {
      pipeline.setModel(backend.completionModel(await backend.probe('completion')));
      assert.equal(pipeline.template?.family, 'qwen', "the server's tokens are Qwen2.5-Coder's");
      const lines = ['function total(items) {', '  let sum = 0;', '  return ', '}'];
      const first = await pipeline.provide({
        doc: new LinesDocument('file:///w/a.js', 'javascript', lines, 1, 'a.js'),
        position: { line: 2, character: 9 },
        triggerKind: 'invoke',
      });
      assert.equal(first?.insertText, FIM_ANSWER);
      const slot = backend.pinnedSlot;
      assert.notEqual(slot, undefined);
      const before = pipeline.stats.snapshot();
      lines[2] = '  return s';
      await pipeline.provide({
        doc: new LinesDocument('file:///w/a.js', 'javascript', lines, 2, 'a.js'),
        position: { line: 2, character: 10 },
        triggerKind: 'invoke',
      });
      const after = pipeline.stats.snapshot();
      assert.equal(backend.pinnedSlot, slot);
      const evaluated = after.evaluatedTokens - before.evaluatedTokens;
      const prompt = after.promptTokens - before.promptTokens;
      assert.ok(evaluated > 0 && evaluated < prompt / 2, `a keystroke re-evaluated ${evaluated} of ${prompt} tokens`);
    } finally {
      pipeline.dispose();
      backend.dispose();
    }
  });

  test('moves to another slot when another client evicted the prompt its slot held', async () => {
    // Without the server's RAM prompt cache, which restores a prompt a later request evicted when
    // the requests come one after another (it does not save a team typing at once: bench team).
    const own = await startTestServer({
      model: testModelPath('qwen'),
      flags: ['-c', '4096', '--parallel', '2', '--cache-ram', '0'],
    });
    const backend = new LlamaServerBackend({ backend: 'llama-server', endpoint: own.url });
    const code = Array.from({ length: 40 }, (_, i) => `const value${i} = total([{ price: ${i} }]);`).join('\n');
    const complete = (text: string) =>
      backend.complete({ segments: [{ text }], maxTokens: 2, timeoutMs: 30_000 }, new AbortController().signal);
    try {
      await backend.probe('completion');
      await complete(code);
      const slot = backend.pinnedSlot;
      assert.notEqual(slot, undefined);
      await complete(`${code}\nconst`);
      assert.equal(backend.pinnedSlot, slot, 'its own next keystroke keeps the slot');
      assert.equal(backend.slotMoves, 0);
      // Another editor pinned to the same slot (two windows that claimed in the same instant).
      const other = Array.from({ length: 40 }, (_, i) => `let other${i} = ${i} * 2;`).join('\n');
      const res = await fetch(`${own.url}/completion`, {
        method: 'POST',
        body: JSON.stringify({ prompt: other, id_slot: slot, n_predict: 1, cache_prompt: true }),
      });
      assert.equal(res.status, 200);
      await complete(`${code}\nconst v`);
      assert.equal(backend.slotMoves, 1, 'the low reuse showed the slot was taken over');
      await complete(`${code}\nconst va`);
      assert.notEqual(backend.pinnedSlot, undefined);
      assert.notEqual(backend.pinnedSlot, slot, 'the next request claimed another slot');
    } finally {
      backend.dispose();
      await own.stop();
    }
  });

  test('code that spells a special token reaches the model as text, not as that token', async () => {
    const backend = new LlamaServerBackend({ backend: 'llama-server', endpoint: server.url });
    try {
      await backend.probe('completion');
      const spelled = 'x = "<|fim_middle|>"';
      const literal = (
        (await (
          await fetch(`${server.url}/tokenize`, {
            method: 'POST',
            body: JSON.stringify({ content: spelled, parse_special: false }),
          })
        ).json()) as { tokens: number[] }
      ).tokens;
      const result = await backend.complete(
        {
          segments: [
            { special: '<|fim_prefix|>' },
            { text: spelled },
            { special: '<|fim_suffix|>' },
            { special: '<|fim_middle|>' },
          ],
          maxTokens: 1,
          timeoutMs: 10_000,
        },
        new AbortController().signal,
      );
      assert.equal(result.accounting.promptTokens, 3 + literal.length);
      assert.ok(literal.length > 3, 'spelled out, the token is several tokens');
    } finally {
      backend.dispose();
    }
  });

  test("fills in the middle through /infill when told to let the server apply the model's format", async () => {
    const run = await runCli(['complete', '--endpoint', server.url, '--fim-template', 'server', ...at]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `${FIM_ANSWER}\n`);
  });

  test('stopping an answer closes the connection and the server stops generating', async () => {
    const backend = new LlamaServerBackend({ backend: 'llama-server', endpoint: server.url });
    try {
      await backend.probe('chat');
      const controller = new AbortController();
      let chunks = 0;
      const result = await backend.chat(
        { messages: [{ role: 'user', content: `Go on ${LOOP_TRIGGER}` }], maxTokens: 100_000, timeoutMs: 60_000 },
        { signal: controller.signal, onChunk: () => ++chunks === 5 && controller.abort() },
      );
      assert.equal(result.stopReason, 'abort');
      const stoppedBy = Date.now() + 5000;
      while ((await slots()).some((s) => s.is_processing)) {
        assert.ok(Date.now() < stoppedBy, 'a slot was still generating 5 s after the connection closed');
        await new Promise((r) => setTimeout(r, 50));
      }
      const decoded = (await slots()).map((s) => s.next_token?.[0]?.n_decoded ?? 0);
      // Unstopped, it would run to the slot's 2048-token context at several hundred tokens a second.
      assert.ok(Math.max(...decoded) < 200, `the runaway answer stopped at once (${decoded.join(', ')} tokens)`);
    } finally {
      backend.dispose();
    }
  });
});
