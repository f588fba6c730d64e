import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { startLlamaServer } from '../../src/core/bench/llamaServer';
import { llamaVscodeServerFlags } from '../../src/core/bench/llamaVscode/request';
import { FIM_ANSWER } from '../fixtures/makeTestModel';
import { llamaServerPath, withTestServer } from '../helpers/llamaServer';
import { cacheFile, testModelPath } from '../helpers/testModel';

/** Whether a process with this id is alive. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the llama-server test helper', () => {
  test('starts llama-server on 127.0.0.1 on a free port, ready for /infill, and stops it', async () => {
    let pid = -1;
    await withTestServer({ model: testModelPath(), flags: llamaVscodeServerFlags() }, async (server) => {
      pid = server.pid;
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal((await fetch(`${server.url}/health`)).status, 200);
      const response = await fetch(`${server.url}/infill`, {
        method: 'POST',
        body: JSON.stringify({
          input_prefix: 'function total(items) {\n  return ',
          input_suffix: '\n}\n',
          n_predict: 32,
        }),
      });
      const answer = (await response.json()) as { content: string; timings: { prompt_n: number } };
      assert.equal(answer.content, FIM_ANSWER, "the test model's scripted fill-in-the-middle answer");
      assert.ok(answer.timings.prompt_n > 0);
    });
    assert.equal(alive(pid), false, 'the server process is gone');
  });

  test('stops the server also when the test body throws', async () => {
    let pid = -1;
    await assert.rejects(
      withTestServer({ model: testModelPath() }, async (server) => {
        pid = server.pid;
        throw new Error('the test failed');
      }),
      /the test failed/,
    );
    assert.equal(alive(pid), false);
  });

  test('a model llama-server refuses fails the start with its log, and leaves no process behind', async () => {
    const bad = cacheFile('server-refused.gguf', Buffer.concat([Buffer.from('GGUF'), Buffer.alloc(64, 7)]));
    await assert.rejects(
      startLlamaServer({ binary: llamaServerPath(), model: bad, threads: 1 }),
      (e: Error) =>
        /exited \(code \d+\) before it was ready/.test(e.message) && /llama-server's last lines/.test(e.message),
    );
    const processes = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout;
    assert.ok(!processes.includes(bad), 'no llama-server left running on the refused model');
  });
});
