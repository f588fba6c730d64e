// Servers that go wrong, each with a real llama-server on 127.0.0.1: a wrong or missing API key
// (--api-key), a server that stalls (stopped with SIGSTOP: the kernel still accepts connections),
// an answer larger than the cap, a prompt larger than the server's context, and a server that is
// restarted in the middle of a session. Each must end in a message that says what happened and
// what to do, and Alembic must pick the server up again once it is back.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { LlamaServerBackend } from '../../src/core/remote/llamaServerBackend';
import { ServerConnection } from '../../src/core/remote/serverConnection';
import { ServerError } from '../../src/core/remote/serverError';
import { LOOP_TRIGGER } from '../fixtures/testModelScripts';
import { runCli } from '../cli/runCli';
import { startLlamaServer } from '../../src/core/bench/llamaServer';
import { llamaServerPath, startTestServer, withTestServer } from '../helpers/llamaServer';
import { testModelPath } from '../helpers/testModel';

const dir = mkdtempSync(join(tmpdir(), 'alembic-bad-server-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'total.ts');
writeFileSync(file, ['export function total(items: { price: number }[]): number {', '  return ', '}', ''].join('\n'));
const at = ['--file', file, '--line', '2', '--column', '10'];
const model = () => testModelPath();

async function failure(p: Promise<unknown>): Promise<ServerError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ServerError, `a ServerError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a failure');
}

describe('bad servers (real llama-server)', () => {
  test("a wrong or missing API key is refused with the server's words and the way to set it", async () => {
    await withTestServer({ model: model(), flags: ['-c', '2048', '--api-key', 'right-key'] }, async (server) => {
      const keyFile = join(dir, 'key');
      writeFileSync(keyFile, 'wrong-key\n');
      const wrong = await runCli(['complete', '--endpoint', server.url, '--api-key-file', keyFile, ...at]);
      assert.equal(wrong.code, 1);
      assert.match(
        wrong.stderr,
        /refused the API key \(HTTP 401: "Invalid API Key"\)\. Set the right key with "Alembic: Set API Key…"/,
      );
      const none = await runCli(['complete', '--endpoint', server.url, ...at]);
      assert.equal(none.code, 1);
      assert.match(none.stderr, /needs an API key \(HTTP 401: "Invalid API Key"\)/);
      writeFileSync(keyFile, 'right-key\n');
      const right = await runCli(['complete', '--endpoint', server.url, '--api-key-file', keyFile, ...at]);
      assert.equal(right.code, 0, right.stderr);
      assert.ok(right.stdout.length > 0);
    });
  });

  test('a server that stalls is reported as stuck once the stall timeout passes', async () => {
    await withTestServer({ model: model(), flags: ['-c', '2048'] }, async (server) => {
      const backend = new LlamaServerBackend({ backend: 'llama-server', endpoint: server.url, stallTimeoutMs: 500 });
      await backend.probe('completion');
      process.kill(server.pid, 'SIGSTOP');
      try {
        const e = await failure(backend.probe('completion'));
        assert.equal(e.code, 'stalled');
        assert.match(
          e.message,
          /accepted the connection but sent nothing for 0\.5 s: the server is stuck or overloaded/,
        );
        assert.deepEqual(e.remedies, ['retry', 'openSettings', 'showLog']);
      } finally {
        process.kill(server.pid, 'SIGCONT');
        backend.dispose();
      }
    });
  });

  test('an answer larger than the cap is cut off, and the server stops writing it', async () => {
    await withTestServer({ model: model(), flags: ['-c', '2048'] }, async (server) => {
      const backend = new LlamaServerBackend({
        backend: 'llama-server',
        endpoint: server.url,
        maxResponseBytes: 8 * 1024,
      });
      try {
        await backend.probe('chat');
        const e = await failure(
          backend.chat({
            messages: [{ role: 'user', content: `Go on ${LOOP_TRIGGER}` }],
            maxTokens: 100_000,
            timeoutMs: 60_000,
          }),
        );
        assert.equal(e.code, 'tooLarge');
        assert.match(
          e.message,
          /sent a reply larger than 8\.0 KB; Alembic stopped reading it\. Raise alembic\.server\.maxResponseKB/,
        );
        const stoppedBy = Date.now() + 5000;
        for (;;) {
          const slots = (await (await fetch(`${server.url}/slots`)).json()) as { is_processing: boolean }[];
          if (!slots.some((s) => s.is_processing)) break;
          assert.ok(Date.now() < stoppedBy, 'the server went on generating');
          await new Promise((r) => setTimeout(r, 50));
        }
      } finally {
        backend.dispose();
      }
    });
  });

  test("a conversation larger than the server's context says so with both sizes", async () => {
    await withTestServer({ model: model(), flags: ['-c', '1024'] }, async (server) => {
      const backend = new LlamaServerBackend({ backend: 'llama-server', endpoint: server.url });
      try {
        await backend.probe('chat');
        const e = await failure(
          backend.chat({
            messages: [{ role: 'user', content: 'word '.repeat(3000) }],
            maxTokens: 10,
            timeoutMs: 30_000,
          }),
        );
        assert.equal(e.code, 'promptTooLong');
        assert.match(
          e.message,
          /does not fit the server's context \(HTTP 400: "request \(\d+ tokens\) exceeds the available context size \(1024 tokens\)/,
        );
        assert.equal(e.details.contextSize, 1024);
        assert.deepEqual(e.remedies, ['newChat', 'openSettings']);
      } finally {
        backend.dispose();
      }
    });
  });

  test('a server restarted mid-session is unreachable for a while, then used again without the user doing anything', async () => {
    let server = await startTestServer({ model: model(), flags: ['-c', '2048'] });
    const connection = new ServerConnection(
      new LlamaServerBackend({ backend: 'llama-server', endpoint: server.url }),
      'completion',
      {
        recheckDelaysMs: [200],
      },
    );
    const request = () =>
      connection.complete(
        {
          segments: [
            { special: '<|fim_prefix|>' },
            { text: 'a' },
            { special: '<|fim_suffix|>' },
            { special: '<|fim_middle|>' },
          ],
          maxTokens: 4,
          timeoutMs: 10_000,
        },
        new AbortController().signal,
      );
    const phase = () => connection.state.phase;
    try {
      await connection.ready();
      assert.ok((await request()).accounting.promptTokens > 0);
      const port = server.port;
      await server.stop();
      const e = await failure(request());
      assert.equal(e.code, 'unreachable');
      assert.match(e.message, /closed the connection|Nothing answers at 127\.0\.0\.1/);
      for (let i = 0; i < 100 && phase() !== 'error'; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(phase(), 'error');
      assert.match(connection.state.error!.message, /Nothing answers at 127\.0\.0\.1:\d+ \(connection refused\)/);
      // The same address, as a restarted server has.
      server = await startLlamaServer({
        binary: llamaServerPath(),
        model: model(),
        flags: ['-c', '2048'],
        threads: 1,
        port,
      });
      const backBy = Date.now() + 10_000;
      while (phase() !== 'ready') {
        assert.ok(Date.now() < backBy, 'the connection did not come back');
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok((await request()).accounting.promptTokens > 0);
    } finally {
      connection.dispose();
      await server.stop();
    }
  });
});
