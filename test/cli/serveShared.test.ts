// `alembic serve` beside the editors: while their shared engine runs, serve uses it (one model copy
// for the editors and the tools). The "editor" here is an EngineClient in shared mode, as a VS Code
// window's is, in a runtime folder of the test's own.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import OpenAI from 'openai';
import { silentLogger } from '../../src/core/util/logger';
import { sharedPaths } from '../../src/engine/shared/rendezvous';
import { SharedEngineLink } from '../../src/engine/shared/sharedEngineLink';
import { CHAT_TEXT } from '../fixtures/makeTestModel';
import { startEngine } from '../helpers/engineHarness';
import { isAlive, waitFor } from '../helpers/processWatch';
import { requireBuiltEngine } from '../helpers/testModel';
import { startServe } from './serveProcess';

const VERSION: string = require('../../package.json').version;

describe('alembic serve beside the editors', () => {
  test("without --model, serve uses the editors' shared engine and its loaded model: no second engine, no second load", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'alr-'));
    const paths = sharedPaths(dir);
    const hostPath = join(dirname(requireBuiltEngine()), 'engineHost.js');
    const editor = startEngine({
      shared: { paths, hostPath, version: VERSION, label: 'editor', idleExitMs: 1000 },
    }).client;
    let serve;
    try {
      await editor.load();
      serve = await startServe([], undefined, dir);
      assert.match(serve.stdout(), /Using the shared engine/);
      const client = new OpenAI({ baseURL: `${serve.url}/v1`, apiKey: serve.token, maxRetries: 0 });
      const models = await client.models.list();
      assert.deepEqual(
        models.data.map((m) => m.id),
        ['test-model'],
      );
      const answer = await client.chat.completions.create({
        model: 'test-model',
        messages: [{ role: 'user', content: 'hello' }],
        max_tokens: 64,
      });
      assert.equal(answer.choices[0]!.message.content, CHAT_TEXT);
      const link = await SharedEngineLink.connect({
        paths,
        hostPath,
        enginePath: requireBuiltEngine(),
        version: VERSION,
        label: 'test',
        log: silentLogger,
      });
      const status = await link.hostStatus();
      await link.stop();
      assert.equal(status.engineStarts, 1);
      assert.equal(status.modelLoads, 1, 'serve found the model loaded');
      assert.ok(status.clients.some((c) => c.label === 'alembic serve'));
      assert.equal(status.enginePid, editor.pid);
    } finally {
      assert.equal(await serve?.stop(), 0);
      const engine = editor.pid;
      await editor.dispose();
      if (engine) await waitFor(() => !isAlive(engine), 15_000);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
