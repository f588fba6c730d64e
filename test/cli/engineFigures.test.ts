// What `alembic complete --json` says about the engine it ran: the completion context, its KV
// cache, and how the thread count was chosen (measured with the default --threads, or the flag).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { FIM_ANSWER } from '../fixtures/makeTestModel';
import { testModelPath } from '../helpers/testModel';
import { runCli } from './runCli';

const dir = mkdtempSync(join(tmpdir(), 'alembic-cli-figures-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'total.ts');
writeFileSync(file, ['export function total(items: { price: number }[]): number {', '  return ', '}', ''].join('\n'));
const at = ['--file', file, '--line', '2', '--column', '10', '--json'];
const model = ['--model', testModelPath(), '--context-size', '2048', '--gpu', 'off'];

describe('alembic complete --json and the engine', () => {
  test('reports the completion context, its KV cache and the thread count measured at load', async () => {
    const run = await runCli(['complete', ...model, ...at]);
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    assert.equal(out.text, FIM_ANSWER);
    assert.equal(out.contextSize, 2048, 'the completion context: its 4096, capped by --context-size');
    assert.equal(out.kvCacheBytes, 2048 * 1 * 8 * 128 * 2);
    assert.equal(out.threads.source, 'measured');
    assert.ok(out.threads.measured.length >= 1);
    assert.ok(out.threads.measured.some((m: { threads: number }) => m.threads === out.threads.count));
  });

  test('--threads chooses the count instead', async () => {
    const run = await runCli(['complete', ...model, '--threads', '1', ...at]);
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    assert.deepEqual([out.threads.count, out.threads.source], [1, 'setting']);
  });
});
