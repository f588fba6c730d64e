import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { GgufValueType } from '../fixtures/ggufWriter';
import { parseGguf, serializeGguf } from '../helpers/ggufEditor';
import { CLI_PATH, testModelPath } from '../helpers/testModel';
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

  test("shows a model's name without its escape sequences, on one line and cut to 200 characters", async () => {
    const g = parseGguf(readFileSync(testModelPath()));
    const name = `\u001b]0;owned\u0007\u001b[31mEvil\u001b[0m\r\nModel ${'x'.repeat(10_000)}`;
    g.metadata.set('general.name', { type: GgufValueType.STRING, value: Buffer.from(name) });
    const path = join(dir, 'hostile-name.gguf');
    writeFileSync(path, serializeGguf(g));
    const run = await runCli(['inspect', path]);
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stdout, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    const line = run.stdout.split('\n').find((l) => l.startsWith('Name'))!;
    assert.match(line, /^Name\s+Evil Model x+… \(\d[\d,]* more characters\)$/);
    assert.ok(line.length < 260, `${line.length} characters`);
  });

  test('ends quietly when the reader of its output goes away (alembic inspect … | head)', async () => {
    const child = spawn(process.execPath, [CLI_PATH, 'inspect', testModelPath(), '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy(); // the pipe's reader is gone before anything is written: EPIPE
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(stderr, '');
    assert.equal(code, 0);
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
