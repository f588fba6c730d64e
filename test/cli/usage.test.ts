import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runCli } from './runCli';

describe('alembic usage', () => {
  test('an unknown command exits 2 with the list of commands', async () => {
    const run = await runCli(['frobnicate']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /unknown command "frobnicate"/);
    assert.match(run.stderr, /usage: alembic <command>/);
    for (const command of ['inspect', 'complete', 'chat', 'models', 'download', 'bench'])
      assert.match(run.stderr, new RegExp(`^  ${command} `, 'm'));
  });

  test('no command at all exits 2 with the usage; --help exits 0 with it', async () => {
    const bare = await runCli([]);
    assert.equal(bare.code, 2);
    assert.match(bare.stdout, /usage: alembic <command>/);
    const help = await runCli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /usage: alembic <command>/);
  });

  test("an unknown option exits 2 with the command's own help", async () => {
    const run = await runCli(['inspect', '--bogus', 'x']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /unknown option --bogus/);
    assert.match(run.stderr, /usage: alembic inspect/);
  });

  test("a command's --help says what it takes and exits 0", async () => {
    const complete = await runCli(['complete', '--help']);
    assert.equal(complete.code, 0);
    assert.match(complete.stdout, /--line <n> --column <n>/);
    assert.match(complete.stdout, /1-based/);
    const bench = await runCli(['bench', '--help']);
    assert.equal(bench.code, 0);
    assert.match(bench.stdout, /alembic bench replay/);
    assert.match(bench.stdout, /naive/);
  });

  test('bench without "replay" or with a wrong strategy is a usage error', async () => {
    const none = await runCli(['bench']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /there are: replay, team/);
    const wrong = await runCli([
      'bench',
      'replay',
      '--model',
      'm.gguf',
      '--file',
      'package.json',
      '--strategy',
      'fast',
    ]);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /--strategy must be one of alembic, naive, sliding, llama.vscode or all/);
  });
});
