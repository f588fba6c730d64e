import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fakeGguf, startRangeServer, type RangeServer } from '../helpers/rangeServer';
import { runCli } from './runCli';

describe('alembic download', () => {
  let server: RangeServer;
  const dir = mkdtempSync(join(tmpdir(), 'alembic-cli-download-'));
  before(async () => {
    server = await startRangeServer(fakeGguf(512 * 1024));
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('downloads a GGUF URL into --dir, with progress lines on stderr, and exits 0', async () => {
    const target = join(dir, 'ok');
    const run = await runCli(['download', server.url, '--dir', target]);
    assert.equal(run.code, 0, run.stderr);
    const path = join(target, 'model.gguf');
    assert.ok(existsSync(path));
    assert.deepEqual(readFileSync(path), server.payload);
    assert.deepEqual(
      readdirSync(target).sort(),
      ['model.gguf', 'model.gguf.verified'],
      'no partial or lock file is left behind, only the record of what was verified',
    );
    assert.match(run.stdout, /^Downloaded: .*model\.gguf$/m);
    assert.match(run.stdout, /no SHA-256 known to verify against/);
    const progress = run.stderr.split('\n').filter(Boolean);
    assert.ok(progress.length >= 2, run.stderr);
  });

  test('without --dir, downloads into the models folder the extension lists, which alembic models names', async () => {
    // The extension and the CLI both take the folder from src/core/models/modelsFolder.ts; on Linux
    // it is under $XDG_CACHE_HOME, which this test points at a scratch folder.
    const env = { XDG_CACHE_HOME: join(dir, 'cache'), ALEMBIC_MODELS_DIR: '' };
    const folder = join(dir, 'cache', 'alembic', 'models');
    const run = await runCli(['download', server.url], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(readFileSync(join(folder, 'model.gguf')), server.payload);
    const again = await runCli(['download', server.url], { env });
    assert.match(again.stdout, /^Already downloaded: .*model\.gguf$/m);
    const models = JSON.parse((await runCli(['models', '--gpu', 'off', '--json'], { env })).stdout);
    assert.equal(models.modelsFolder, folder);
  });

  test('checks the file against --sha256 and says so', async () => {
    const run = await runCli(['download', server.url, '--dir', join(dir, 'sha'), '--sha256', server.sha256]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`SHA-256 verified \\(${server.sha256}\\)`));
  });

  test('a missing file (HTTP 404) exits 1 with a message that says so, and leaves nothing', async () => {
    const missing = await startRangeServer(fakeGguf(1024), { status: 404 });
    try {
      const target = join(dir, 'missing');
      const run = await runCli(['download', missing.url, '--dir', target]);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /not found on 127\.0\.0\.1:\d+ \(HTTP 404\)/);
      assert.equal(existsSync(join(target, 'model.gguf')), false);
    } finally {
      await missing.close();
    }
  });

  test('something that is neither a catalog id nor a URL is a usage error', async () => {
    const run = await runCli(['download', 'no-such-model']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /unknown model "no-such-model"; known ids: /);
  });
});
