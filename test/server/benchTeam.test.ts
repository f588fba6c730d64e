// `alembic bench team` against a real llama-server with a slot per user: a short run of 1 and 2
// simulated editors, each typing through its own pipeline and connection. The figures must add up
// (the server's own counters against the replay's), and each editor must keep a slot of its own.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseSlots } from '../../src/core/remote/slotChoice';
import { runCli } from '../cli/runCli';
import { startTestServer, type LlamaServer } from '../helpers/llamaServer';
import { testModelPath } from '../helpers/testModel';

interface TeamJson {
  server: string;
  runs: {
    users: number;
    serverEvaluated?: number;
    result: {
      keystrokes: number;
      evaluatedTokens: number;
      evaluatedPerKeystroke: number;
      busyShare: number;
      fairness: { p99Min: number; p99Max: number; spread: number };
      users: { user: number; keystrokes: number; modelCalls: number; errors: number; firstError?: string }[];
    };
  }[];
}

let server: LlamaServer;
before(async () => {
  server = await startTestServer({
    model: testModelPath(),
    flags: ['-c', String(2 * 4096), '--parallel', '2', '--metrics'],
  });
});
after(() => server?.stop());

describe('alembic bench team (real llama-server)', () => {
  test('replays 1 and then 2 typing users, each in a slot of its own, with figures that add up', async () => {
    const run = await runCli(
      [
        'bench',
        'team',
        '--endpoint',
        server.url,
        '--users',
        '1,2',
        '--duration',
        '4',
        '--chars',
        '60',
        '--file',
        'src/core/completion/completionPipeline.ts',
        '--json',
      ],
      { timeoutMs: 90_000 },
    );
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as TeamJson;
    assert.match(report.server, /test-model on llama-server at 127\.0\.0\.1:\d+ \(2 slots\), 4 s per run/);
    assert.deepEqual(
      report.runs.map((r) => r.users),
      [1, 2],
    );
    for (const { users, result, serverEvaluated } of report.runs) {
      assert.equal(result.users.length, users);
      for (const u of result.users) {
        assert.equal(u.errors, 0, u.firstError);
        assert.ok(u.keystrokes > 0 && u.modelCalls > 0, JSON.stringify(u));
      }
      assert.equal(
        result.keystrokes,
        result.users.reduce((a, u) => a + u.keystrokes, 0),
      );
      assert.ok(result.evaluatedTokens > 0 && result.busyShare > 0 && result.busyShare <= 1, JSON.stringify(result));
      // The server also evaluates the prompts of requests cancelled before their first token,
      // which return no counts: its own total is at least the replay's.
      assert.ok(serverEvaluated !== undefined && serverEvaluated >= result.evaluatedTokens, `${serverEvaluated}`);
      assert.ok(result.fairness.p99Min <= result.fairness.p99Max);
    }
    const slots = parseSlots(await (await fetch(`${server.url}/slots`)).json());
    assert.deepEqual(
      slots?.map((s) => s.lastTask !== undefined),
      [true, true],
      'both slots served requests',
    );
  });
});
