import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { MODEL_CATALOG } from '../../src/core/models/catalog';
import { runCli } from './runCli';

describe('alembic models', () => {
  test('lists every catalog model and marks the ones recommended for this machine', async () => {
    const run = await runCli(['models', '--gpu', 'off']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^This machine: /m);
    for (const m of MODEL_CATALOG) assert.ok(run.stdout.includes(m.id), m.id);
    const marked = run.stdout.split('\n').flatMap((l) => /^\* (\S+)\s{2,}/.exec(l)?.[1] ?? []);
    const { recommendation } = JSON.parse((await runCli(['models', '--gpu', 'off', '--json'])).stdout);
    assert.deepEqual(new Set(marked), new Set([recommendation.completion, recommendation.chat]));
    assert.match(run.stdout, /^\* recommended here/m);
  });

  test('with --json, the machine, the recommendation and the catalog parse as JSON', async () => {
    const run = await runCli(['models', '--gpu', 'off', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    assert.equal(out.machine.backend, 'cpu');
    const ids = out.catalog.map((m: { id: string }) => m.id);
    assert.deepEqual(
      ids,
      MODEL_CATALOG.map((m) => m.id),
    );
    assert.ok(ids.includes(out.recommendation.completion));
    assert.ok(ids.includes(out.recommendation.chat));
    assert.equal(typeof out.recommendation.reason, 'string');
  });

  test('marks the catalog models already in the shared models folder as downloaded', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'alembic-cli-models-'));
    try {
      const model = MODEL_CATALOG[0]!;
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, model.fileName), 'GGUF');
      const env = { ALEMBIC_MODELS_DIR: folder };
      const out = JSON.parse((await runCli(['models', '--gpu', 'off', '--json'], { env })).stdout);
      assert.equal(out.modelsFolder, folder);
      assert.deepEqual(out.downloaded, [model.id]);
      const text = (await runCli(['models', '--gpu', 'off'], { env })).stdout;
      assert.match(text, new RegExp(`${model.id}\\s.*\\(downloaded\\)$`, 'm'));
      assert.match(text, new RegExp(`^Models folder: ${folder}$`, 'm'));
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
