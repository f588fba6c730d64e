// One engine for every window: EngineClients in shared mode (as windows are) on the real engine
// host (dist/engineHost.js) and engine process, each test in its own short runtime folder.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ChatChunk, PromptSegment } from '../../src/core/engine/protocol';
import { encodeFrame, FrameReader, type FromSharedEngine } from '../../src/core/engine/sharedProtocol';
import { EngineClientError, type EngineClient } from '../../src/engine/client/engineClient';
import { sharedPaths, type SharedPaths } from '../../src/engine/shared/rendezvous';
import { SharedEngineLink } from '../../src/engine/shared/sharedEngineLink';
import { silentLogger } from '../../src/core/util/logger';
import { CHAT_TEXT, FIM_ANSWER, LOOP_TRIGGER } from '../fixtures/makeTestModel';
import { startEngine } from '../helpers/engineHarness';
import { isAlive, waitFor } from '../helpers/processWatch';
import { requireBuiltEngine } from '../helpers/testModel';

const fim = (prefix: string): PromptSegment[] => [
  { special: '<|fim_prefix|>' },
  { text: prefix },
  { special: '<|fim_suffix|>' },
  { special: '<|fim_middle|>' },
];
const quick = { segments: fim('let total = '), maxTokens: 16, timeoutMs: 20_000 };
const runaway = { segments: fim(`// ${LOOP_TRIGGER}\n`), maxTokens: 1_000_000, timeoutMs: 60_000 };
const hostPath = () => join(dirname(requireBuiltEngine()), 'engineHost.js');

function freshPaths(): SharedPaths {
  return sharedPaths(mkdtempSync(join(tmpdir(), 'alb-')));
}

function windowClient(paths: SharedPaths, version = '1.0.0', label = 'window') {
  return startEngine({ shared: { paths, hostPath: hostPath(), version, label, idleExitMs: 1500 } }).client;
}

/** The host's own figures, through a connection of the test's own. */
async function hostStatus(paths: SharedPaths) {
  const link = await SharedEngineLink.connect({
    paths,
    hostPath: hostPath(),
    enginePath: requireBuiltEngine(),
    version: '1.0.0',
    label: 'test',
    log: silentLogger,
  });
  try {
    return await link.hostStatus();
  } finally {
    await link.stop();
  }
}

async function disposeAll(paths: SharedPaths, ...clients: EngineClient[]): Promise<void> {
  await Promise.all(clients.map((c) => c.dispose()));
  // The host exits on its own once the last client left (idleExitMs); wait for it so that no test leaves one behind.
  await waitFor(() => !isAliveSocket(paths), 20_000).catch(() => undefined);
  rmSync(paths.dir, { recursive: true, force: true });
}

function isAliveSocket(paths: SharedPaths): boolean {
  try {
    return statSync(paths.socket).isSocket();
  } catch {
    return false;
  }
}

describe('the shared engine', () => {
  test('two windows starting at once get one host, one engine process and one model load, and both get completions', async () => {
    const paths = freshPaths();
    const a = windowClient(paths);
    const b = windowClient(paths);
    try {
      const [ra, rb] = await Promise.all([a.complete(quick), b.complete(quick)]);
      assert.equal(ra.text, FIM_ANSWER);
      assert.equal(rb.text, FIM_ANSWER);
      assert.ok(a.pid && a.pid === b.pid, `one engine process: ${a.pid} and ${b.pid}`);
      const status = await hostStatus(paths);
      assert.equal(status.engineStarts, 1);
      assert.equal(status.modelLoads, 1, 'the second window found the model loaded');
      assert.equal(status.enginePid, a.pid);
      assert.equal(status.clients.filter((c) => c.label === 'window').length, 2);
      assert.equal((statSync(paths.dir).mode & 0o777).toString(8), '700');
      assert.equal((statSync(paths.token).mode & 0o777).toString(8), '600');
    } finally {
      await disposeAll(paths, a, b);
    }
  });

  test("each window gets only its own chunks and answers, while the other's chat streams", async () => {
    const paths = freshPaths();
    const a = windowClient(paths);
    const b = windowClient(paths);
    try {
      await Promise.all([a.load(), b.load()]);
      const chunksA: ChatChunk[] = [];
      const chunksB: ChatChunk[] = [];
      const chat = { messages: [{ role: 'user' as const, content: 'hello' }], maxTokens: 64, timeoutMs: 30_000 };
      const [answerA, completionB] = await Promise.all([
        a.chat(chat, { onChunk: (c) => chunksA.push(c) }),
        b.complete(quick),
      ]);
      assert.equal(answerA.text, CHAT_TEXT);
      assert.equal(completionB.text, FIM_ANSWER);
      assert.ok(chunksA.length > 1, `window A's answer streamed in ${chunksA.length} chunks`);
      const answerB = await b.chat(chat, { onChunk: (c) => chunksB.push(c) });
      assert.equal(answerB.text, CHAT_TEXT);
      assert.equal(chunksA.map((c) => c.text).join(''), chunksB.map((c) => c.text).join(''));
      assert.equal(chunksA.length + chunksB.length, chunksA.length * 2, 'no chunk went to both windows');
    } finally {
      await disposeAll(paths, a, b);
    }
  });

  test('killing the engine mid-request is seen by both windows, and both recover on one new engine', async () => {
    const paths = freshPaths();
    const a = windowClient(paths);
    const b = windowClient(paths);
    try {
      await Promise.all([a.load(), b.load()]);
      const first = a.pid!;
      const inFlight = a.complete(runaway);
      await new Promise((r) => setTimeout(r, 300));
      process.kill(first, 'SIGKILL');
      await assert.rejects(inFlight, (e: EngineClientError) => e.code === 'crashed' && /SIGKILL/.test(e.message));
      await waitFor(() => b.state.phase === 'crashed', 10_000);
      const [ra, rb] = await Promise.all([a.complete(quick), b.complete(quick)]);
      assert.equal(ra.text, FIM_ANSWER);
      assert.equal(rb.text, FIM_ANSWER);
      assert.ok(a.pid && a.pid !== first && a.pid === b.pid, `one new engine: ${first} → ${a.pid}, ${b.pid}`);
    } finally {
      await disposeAll(paths, a, b);
    }
  });

  test('a stale socket left by a killed host is replaced, and a wrong token is refused', async () => {
    const paths = freshPaths();
    writeFileSync(paths.socket, ''); // nothing listens there
    const a = windowClient(paths);
    try {
      assert.equal((await a.complete(quick)).text, FIM_ANSWER);
      const refused = await new Promise<FromSharedEngine>((resolve, reject) => {
        const socket = connect(paths.socket);
        const reader = new FrameReader<FromSharedEngine>(resolve, reject);
        socket.on('data', (d) => reader.push(d));
        socket.on('error', reject);
        socket.write(
          encodeFrame({ type: 'hello', token: 'f'.repeat(64), version: '1.0.0', pid: 1, label: 'intruder' }),
        );
      });
      assert.equal(refused.type, 'refused');
      assert.equal((refused as { reason: string }).reason, 'token');
    } finally {
      await disposeAll(paths, a);
    }
  });

  test('a newer Alembic replaces the engine once its running request is answered, never mid-request', async () => {
    const paths = freshPaths();
    const old = windowClient(paths, '1.0.0');
    const newer = windowClient(paths, '1.1.0');
    try {
      await old.load();
      const oldHost = (await hostStatus(paths)).hostPid;
      const oldEngine = old.pid!;
      let answered = false;
      const running = old.complete(runaway).finally(() => (answered = true));
      // Held mid-request: the engine is paused (SIGSTOP) until the newer window has connected.
      process.kill(oldEngine, 'SIGSTOP');
      const connecting = newer.load();
      connecting.catch(() => undefined); // awaited below; a failure above must not leave it unhandled
      try {
        await new Promise((r) => setTimeout(r, 1000));
        assert.equal(answered, false, 'the request is still running');
        assert.ok(isAlive(oldHost), 'the old host still serves the running request');
      } finally {
        process.kill(oldEngine, 'SIGCONT');
      }
      const result = await running; // answered, not failed as a crash
      assert.ok(['maxTokens', 'contextFull', 'eos'].includes(result.stopReason), result.stopReason);
      await connecting;
      const status = await hostStatus(paths);
      assert.notEqual(status.hostPid, oldHost);
      assert.equal(status.version, '1.1.0');
      await waitFor(() => !isAlive(oldHost), 10_000);
      assert.equal((await newer.complete(quick)).text, FIM_ANSWER);
      assert.equal((await old.complete(quick)).text, FIM_ANSWER, 'the older window reconnects to the newer engine');
    } finally {
      await disposeAll(paths, old, newer);
    }
  });

  test('the host exits once its last window has gone and the idle time has passed', async () => {
    const paths = freshPaths();
    const a = windowClient(paths);
    await a.load();
    const host = (await hostStatus(paths)).hostPid;
    const engine = a.pid!;
    await a.dispose();
    await waitFor(() => !isAlive(host) && !isAlive(engine), 15_000);
    rmSync(paths.dir, { recursive: true, force: true });
  });
});
