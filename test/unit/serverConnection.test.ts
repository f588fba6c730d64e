// A feature's link to its server: the health check at start, after a failure and again until the
// server is back, and requests failing at once (with the server's message) while it is down.
// The backend here is a scripted one: the real ones are tested against real servers.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CompleteResult } from '../../src/core/engine/protocol';
import { emptyAccounting, type ServerBackend, type ServerModelFacts } from '../../src/core/remote/serverBackend';
import { ServerConnection, type ConnectionState } from '../../src/core/remote/serverConnection';
import { ServerError } from '../../src/core/remote/serverError';
import { createLogger } from '../../src/core/util/logger';

const FACTS: ServerModelFacts = {
  id: 'm',
  name: 'm',
  contextSize: 4096,
  fim: null,
  serverInfill: true,
  hasChatTemplate: true,
};

function scripted() {
  const script = {
    up: true,
    probes: 0,
    completes: 0,
    backend: {
      kind: 'llama-server',
      endpoint: new URL('http://127.0.0.1:8080'),
      probe: async () => {
        script.probes++;
        if (!script.up) throw new ServerError('unreachable', 'Nothing answers at 127.0.0.1:8080 (connection refused).');
        return FACTS;
      },
      listModels: async () => [],
      chat: async () => assert.fail('not used'),
      completionModel: () => assert.fail('not used'),
      complete: async (): Promise<CompleteResult> => {
        script.completes++;
        if (!script.up) throw new ServerError('unreachable', 'Nothing answers at 127.0.0.1:8080 (connection refused).');
        return { text: 'x', stopReason: 'eos', replayed: false, accounting: emptyAccounting() };
      },
      dispose: () => undefined,
    } as unknown as ServerBackend,
  };
  return script;
}

function phases(connection: ServerConnection): ConnectionState['phase'][] {
  const seen: ConnectionState['phase'][] = [];
  connection.onDidChange((s) => seen.push(s.phase));
  return seen;
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(condition(), 'the condition did not come true in time');
}

describe('server connection', () => {
  test('checks the server at start and is ready with its facts', async () => {
    const s = scripted();
    const c = new ServerConnection(s.backend, 'completion');
    assert.deepEqual(await c.ready(), FACTS);
    assert.equal(c.state.phase, 'ready');
    c.dispose();
  });

  test('a failed request checks the server; while it is down, requests fail at once with its message', async () => {
    const s = scripted();
    const c = new ServerConnection(s.backend, 'completion', { recheckDelaysMs: [60_000] });
    await c.ready();
    const seen = phases(c);
    s.up = false;
    await assert.rejects(
      c.complete({ segments: [], maxTokens: 1, timeoutMs: 100 }, new AbortController().signal),
      /connection refused/,
    );
    await until(() => c.state.phase === 'error');
    assert.deepEqual(seen, ['checking', 'error']);
    assert.match(c.state.error!.message, /Nothing answers at 127\.0\.0\.1:8080/);
    const calls = s.completes;
    await assert.rejects(
      c.complete({ segments: [], maxTokens: 1, timeoutMs: 100 }, new AbortController().signal),
      /connection refused/,
    );
    assert.equal(s.completes, calls, 'no request reached the server while it was down');
    c.dispose();
  });

  test('checks again with a growing pause, and serves again once the server is back', async () => {
    const s = scripted();
    s.up = false;
    const c = new ServerConnection(s.backend, 'chat', { recheckDelaysMs: [20, 40] });
    await until(() => c.state.phase === 'error');
    await until(() => s.probes >= 3);
    s.up = true;
    await until(() => c.state.phase === 'ready');
    const result = await c.complete({ segments: [], maxTokens: 1, timeoutMs: 100 }, new AbortController().signal);
    assert.equal(result.text, 'x');
    c.dispose();
  });

  test('a failed request and the recovery are logged once each through the Logger it was given, with its one tag', async () => {
    const s = scripted();
    const lines: string[] = [];
    const log = createLogger((level, line) => lines.push(`${level} ${line}`)).child('server');
    const c = new ServerConnection(s.backend, 'completion', { recheckDelaysMs: [60_000], log });
    await c.ready();
    s.up = false;
    await assert.rejects(c.complete({ segments: [], maxTokens: 1, timeoutMs: 100 }, new AbortController().signal));
    await until(() => c.state.phase === 'error');
    s.up = true;
    assert.equal((await c.check()).phase, 'ready');
    assert.deepEqual(lines, [
      'warn [server] completion request to 127.0.0.1:8080 failed: Nothing answers at 127.0.0.1:8080 (connection refused).',
      'info [server] 127.0.0.1:8080 answers again',
    ]);
    c.dispose();
  });

  test('Retry checks at once', async () => {
    const s = scripted();
    s.up = false;
    const c = new ServerConnection(s.backend, 'chat', { recheckDelaysMs: [60_000] });
    await until(() => c.state.phase === 'error');
    s.up = true;
    assert.equal((await c.check()).phase, 'ready');
    c.dispose();
  });
});
