import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { testModelPath } from '../helpers/testModel';
import { runCli } from './runCli';

const dir = mkdtempSync(join(tmpdir(), 'alembic-cli-inspect-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('alembic inspect', () => {
  test('describes the test model: llama architecture, fill-in-the-middle tokens, exit 0', async () => {
    const run = await runCli(['inspect', testModelPath()]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Architecture\s+llama$/m);
    assert.match(run.stdout, /^Fill-in-middle\s+yes: "<\|fim_prefix\|>"/m);
    assert.equal(run.stderr, '');
  });

  test('prints the same facts as JSON with --json', async () => {
    const run = await runCli(['inspect', testModelPath(), '--json']);
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout);
    assert.equal(summary.architecture, 'llama');
    assert.equal(summary.fim.prefix, '<|fim_prefix|>');
    assert.equal(typeof summary.chatTemplate, 'string');
  });

  test('says that a chat-only model has no fill-in-the-middle', async () => {
    const run = await runCli(['inspect', testModelPath('chatOnly')]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Fill-in-middle\s+no$/m);
  });

  // Bad files are refused from a bounded read of their start, without loading anything: at once.
  const badFiles: Array<[string, () => string, RegExp]> = [
    [
      'a text file',
      () => {
        const p = join(dir, 'notes.gguf');
        writeFileSync(p, 'hello world');
        return p;
      },
      /not a GGUF model file/,
    ],
    [
      'a truncated model',
      () => {
        const p = join(dir, 'cut.gguf');
        writeFileSync(p, readFileSync(testModelPath()).subarray(0, 200));
        return p;
      },
      /truncated or corrupt/,
    ],
    ['a missing file', () => join(dir, 'absent.gguf'), /No file at/],
  ];
  for (const [what, make, reason] of badFiles) {
    test(`refuses ${what} with exit 2, the path and the reason, in under a second`, async () => {
      const path = make();
      const run = await runCli(['inspect', path]);
      assert.equal(run.code, 2);
      assert.equal(run.stdout, '');
      assert.ok(run.stderr.includes(path), run.stderr);
      assert.match(run.stderr, reason);
      assert.ok(run.ms < 1000, `${Math.round(run.ms)} ms`);
    });
  }
});
