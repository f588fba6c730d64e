import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { FIM_ANSWER } from '../fixtures/makeTestModel';
import { engineArgs, runCli } from './runCli';

const dir = mkdtempSync(join(tmpdir(), 'alembic-cli-complete-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'total.ts');
writeFileSync(file, ['export function total(items: { price: number }[]): number {', '  return ', '}', ''].join('\n'));
// The cursor after "  return " on line 2: columns are 1-based, so the end of the line is its length + 1.
const at = ['--file', file, '--line', '2', '--column', '10'];

describe('alembic complete', () => {
  test("prints the model's suggestion and nothing else", async () => {
    const run = await runCli(['complete', ...engineArgs(), ...at]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, FIM_ANSWER);
  });

  test("with --json, gives the suggestion with the engine's token accounting for it", async () => {
    const run = await runCli(['complete', ...engineArgs(), ...at, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    assert.equal(out.text, FIM_ANSWER);
    assert.equal(out.source, 'model');
    assert.equal(out.multiline, false);
    assert.equal(out.stopReason, 'eos');
    for (const field of [
      'promptTokens',
      'evaluatedTokens',
      'reusedTokens',
      'generatedTokens',
      'timeToFirstTokenMs',
      'tokensPerSecond',
      'totalMs',
    ]) {
      assert.equal(typeof out[field], 'number', field);
    }
    assert.ok(out.promptTokens > 50, `a prompt of ${out.promptTokens} tokens holds the file`);
    assert.equal(out.evaluatedTokens + out.reusedTokens, out.promptTokens, 'a fresh engine evaluates the whole prompt');
    assert.ok(out.generatedTokens > 0);
  });

  test("a line outside the file exits 2 with the file's range, before any model is loaded", async () => {
    const run = await runCli(['complete', ...engineArgs(), '--file', file, '--line', '9', '--column', '1']);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /--line 9 is outside .*total\.ts \(lines 1–4\)/);
  });

  test("a column past the end of the line exits 2 with the line's range", async () => {
    const run = await runCli(['complete', ...engineArgs(), '--file', file, '--line', '2', '--column', '11']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--column 11 is outside line 2 .*\(columns 1–10\)/);
  });

  test('a missing file or a missing position is a usage error (exit 2)', async () => {
    const missing = await runCli([
      'complete',
      ...engineArgs(),
      '--file',
      join(dir, 'absent.ts'),
      '--line',
      '1',
      '--column',
      '1',
    ]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read .*absent\.ts: ENOENT/);
    const noLine = await runCli(['complete', ...engineArgs(), '--file', file, '--column', '1']);
    assert.equal(noLine.code, 2);
    assert.match(noLine.stderr, /--line is required/);
  });

  test('a chat-only model exits 2 and says it cannot fill in the middle', async () => {
    const run = await runCli(['complete', ...engineArgs('chatOnly'), ...at]);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /has no fill-in-the-middle tokens; pick a code completion model/);
  });
});
