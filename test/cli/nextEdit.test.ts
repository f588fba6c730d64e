import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { afterUserEdit, NES_SCENARIOS } from '../../src/core/bench/nesScenarios';
import { engineArgs, runCli } from './runCli';

const dir = mkdtempSync(join(tmpdir(), 'alembic-cli-next-edit-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'cart.js');
const renamedLine = '  for (const entry of cart.items) sum += item.price;';
writeFileSync(file, ['function total(cart) {', renamedLine, '  return sum;', '}', ''].join('\n'));
const diff = join(dir, 'rename.diff');
writeFileSync(
  diff,
  [
    '--- a/cart.js',
    '+++ b/cart.js',
    '@@ -1,3 +1,3 @@',
    ' function total(cart) {',
    '-  for (const item of cart.items) sum += item.price;',
    '+  for (const entry of cart.items) sum += item.price;',
    '   return sum;',
    '',
  ].join('\n'),
);

describe('alembic next-edit on the Qwen-vocabulary model scripted for Sweep prompts', () => {
  const rename = NES_SCENARIOS.find((s) => s.name === 'rename')!;
  const renamed = join(dir, 'rename.js');
  writeFileSync(renamed, afterUserEdit(rename));
  const renameDiff = join(dir, 'rename-declaration.diff');
  writeFileSync(
    renameDiff,
    [
      '--- a/rename.js',
      '+++ b/rename.js',
      '@@ -1,3 +1,3 @@',
      ' function summarize(orders) {',
      '-  let total = 0;',
      '+  let sum = 0;',
      '   orders.forEach((order) => {',
      '',
    ].join('\n'),
  );

  test('prints the rename of the next uses as a unified diff', async () => {
    const run = await runCli([
      'next-edit',
      ...engineArgs('qwen'),
      '--file',
      renamed,
      '--edits',
      renameDiff,
      '--format',
      'sweep',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const removed = run.stdout.split('\n').filter((l) => l.startsWith('-') && !l.startsWith('---'));
    const added = run.stdout.split('\n').filter((l) => l.startsWith('+') && !l.startsWith('+++'));
    assert.deepEqual(removed, [
      '-    total += order.amount;',
      '-  const average = total / orders.length;',
      '-  return [total, average];',
    ]);
    assert.deepEqual(added, [
      '+    sum += order.amount;',
      '+  const average = sum / orders.length;',
      '+  return [sum, average];',
    ]);
  });

  test('bench replay --nes offers every expected edit of both sequences, with and without input lookup', async () => {
    const run = await runCli(['bench', 'replay', '--nes', ...engineArgs('qwen'), '--format', 'sweep'], {
      timeoutMs: 300_000,
    });
    assert.equal(run.code, 0, run.stderr);
    for (const scenario of ['rename', 'parameter'])
      for (const lookup of ['on', 'off'])
        assert.match(
          run.stdout,
          new RegExp(`\\| ${scenario} \\| ${lookup} \\| 3 of 3 \\| yes \\| 2 \\| 2 \\|`),
          run.stdout,
        );
    assert.match(run.stdout, /rename: input lookup [\d.]+× the tokens\/s without it/);
  });
});

describe('alembic next-edit', () => {
  test('with --json, runs the family’s prompt through the engine and reports the token accounting and drafts', async () => {
    const run = await runCli([
      'next-edit',
      ...engineArgs(),
      '--file',
      file,
      '--edits',
      diff,
      '--format',
      'sweep',
      '--json',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    assert.equal(out.family, 'sweep');
    assert.deepEqual(
      out.cursor,
      { line: 2, column: renamedLine.length + 1 },
      'the end of the diff’s last changed line',
    );
    assert.ok(out.promptTokens > 100, `prompt tokens ${out.promptTokens}`);
    assert.equal(out.evaluatedTokens + out.reusedTokens, out.promptTokens);
    assert.ok(out.draftTokens >= out.acceptedDraftTokens);
    assert.equal(typeof out.stopReason, 'string');
    assert.ok(Array.isArray(out.edits));
  });

  test('a model whose name says it is no next-edit model is refused with the reason and a way out', async () => {
    const run = await runCli(['next-edit', ...engineArgs(), '--file', file, '--edits', diff]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /is not a next-edit model/);
    assert.match(run.stderr, /--format/);
  });

  test('a malformed diff is refused with the line it is on', async () => {
    const bad = join(dir, 'bad.diff');
    writeFileSync(bad, '+++ b/cart.js\n@@ -1,2 +1,2 @@\n function total(cart) {\n*oops\n');
    const run = await runCli(['next-edit', ...engineArgs(), '--file', file, '--edits', bad, '--format', 'sweep']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /bad\.diff: line 4: expected a context/);
  });

  test('a diff of other files needs the cursor given, and a cursor outside the file is refused', async () => {
    const other = join(dir, 'other.diff');
    writeFileSync(other, '--- a/x.js\n+++ b/x.js\n@@ -1 +1 @@\n-a\n+b\n');
    const run = await runCli(['next-edit', ...engineArgs(), '--file', file, '--edits', other, '--format', 'sweep']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /is not in the diff: give --line and --column/);
    const outside = await runCli([
      'next-edit',
      ...engineArgs(),
      '--file',
      file,
      '--edits',
      other,
      '--format',
      'sweep',
      '--line',
      '40',
    ]);
    assert.equal(outside.code, 2);
    assert.match(outside.stderr, /--line 40 is outside/);
  });

  test('--help names the options', async () => {
    const run = await runCli(['next-edit', '--help']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /--edits <diff-file>/);
    assert.match(run.stdout, /--no-lookup/);
  });
});
