import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { contextOverride } from '../../src/core/bench/llamaServer';
import { llamaVscodeServerFlags } from '../../src/core/bench/llamaVscode/request';
import { runCli } from '../cli/runCli';
import { llamaServerPath, serverMetrics, withTestServer } from '../helpers/llamaServer';
import { cacheFile, testModelPath } from '../helpers/testModel';

// `alembic bench replay --strategy llama.vscode` against a real llama-server on the test model.
// Short replays: the figures are checked against the server's own counters, never for speed.
// The server gets the context of the 1.5B model the test model stands in for: with the test
// model's own 8192 and its one-character tokens, llama.vscode's ring of chunks soon overflows it.
const SERVER_CONTEXT = 32768;
const replayArgs = (model: string, ...more: string[]) => [
  'bench',
  'replay',
  '--model',
  model,
  '--threads',
  '1',
  '--gpu',
  'off',
  '--file',
  'src/core/completion/promptAssembler.ts',
  '--file',
  'src/core/bench/typist.ts',
  '--from-line',
  '60',
  '--chars',
  '60',
  '--seed',
  '3',
  '--strategy',
  'llama.vscode',
  '--json',
  ...more,
];

describe('bench replay --strategy llama.vscode', () => {
  test('reports as evaluated exactly the prompt tokens the server says it processed (the sum of its timings.prompt_n)', async () => {
    await withTestServer(
      {
        model: testModelPath(),
        flags: [
          ...llamaVscodeServerFlags(SERVER_CONTEXT),
          ...contextOverride({ architecture: 'llama', contextLength: 8192 }, SERVER_CONTEXT),
          '--metrics',
        ],
      },
      async (server) => {
        const run = await runCli(replayArgs(testModelPath(), '--server-url', server.url, '--accept', 'oracle:0.5'), {
          timeoutMs: 300_000,
        });
        assert.equal(run.code, 0, run.stderr);
        const r = JSON.parse(run.stdout);
        const metrics = await serverMetrics(server);
        assert.equal(r.strategy, 'llama.vscode');
        assert.equal(r.errors, 0, r.firstError);
        assert.equal(r.intact, true);
        assert.ok(r.modelCalls > 0);
        assert.equal(r.evaluatedTokens, metrics.prompt_tokens_total, 'the server counted the same prompt tokens');
        assert.equal(r.generatedTokens, metrics.tokens_predicted_total, 'and the same generated tokens');
        assert.ok(r.evaluatedTokens < r.promptTokens, "the server's KV cache was reused");
        assert.equal(r.evaluatedPerKey, Math.round((r.evaluatedTokens / r.keystrokes) * 100) / 100);
        assert.ok(r.prefetches > 0, 'future-suggestion requests after shown suggestions');
        assert.ok(r.acceptances > 0, 'the oracle made suggestions worth taking');
        assert.ok(r.events.switch === 4 && r.events.save > 0);
        assert.equal(r.contextSize, SERVER_CONTEXT);
      },
    );
  });

  test("starts its own llama-server with llama.vscode's recommended flags, and stops it", async () => {
    llamaServerPath(); // built before the CLI looks for it
    const model = cacheFile('server-bench-model.gguf', '');
    copyFileSync(testModelPath(), model);
    const run = await runCli([...replayArgs(model), '--sim-hw', 'gpu', '--server-context', String(SERVER_CONTEXT)], {
      timeoutMs: 300_000,
    });
    assert.equal(run.code, 0, run.stderr);
    const r = JSON.parse(run.stdout);
    assert.match(r.server, /^llama-server \S+ .*-ub 1024 -b 1024 --ctx-size 32768 --cache-reuse 256/);
    assert.equal(r.contextSize, SERVER_CONTEXT);
    assert.match(r.timing, /^sim-hw gpu \(6000 prompt \/ 150 generated tok\/s\)$/);
    assert.equal(r.errors, 0, r.firstError);
    assert.ok(r.pauses.count > 0 && r.pauses.latencyMs.p50 > 0);
    const processes = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout;
    assert.ok(!processes.includes(model), 'no llama-server left running');
  });

  test('without a llama-server it says how to get one, before loading anything', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'alembic-no-server-'));
    try {
      const run = await runCli(replayArgs(testModelPath(), '--strategy', 'alembic'), {
        env: { ALEMBIC_LLAMA_SERVER: '', ALEMBIC_CACHE_DIR: empty },
      });
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /needs a llama-server: run `npm run build-llama-server`/);
      assert.doesNotMatch(run.stderr, /^alembic: \d+ keystrokes/m, 'nothing ran');
      const wrong = await runCli(replayArgs(testModelPath(), '--llama-server', '/nonexistent/llama-server'));
      assert.equal(wrong.code, 2);
      assert.match(wrong.stderr, /--llama-server \/nonexistent\/llama-server: no such file/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
