import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { FIM_ANSWER, LOOP_TRIGGER } from '../fixtures/makeTestModel';
import { CLI_PATH } from '../helpers/testModel';
import { engineArgs, runCli } from './runCli';

const dir = mkdtempSync(join(tmpdir(), 'alembic-cli-complete-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'total.ts');
writeFileSync(file, ['export function total(items: { price: number }[]): number {', '  return ', '}', ''].join('\n'));
// The cursor after "  return " on line 2: columns are 1-based, so the end of the line is its length + 1.
const at = ['--file', file, '--line', '2', '--column', '10'];

describe('alembic complete', () => {
  test("prints the model's suggestion and a final newline, nothing else", async () => {
    const run = await runCli(['complete', ...engineArgs(), ...at]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `${FIM_ANSWER}\n`);
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
    assert.match(missing.stderr, /cannot read --file .*absent\.ts: there is no such file/);
    assert.doesNotMatch(missing.stderr, /ENOENT/);
    const noLine = await runCli(['complete', ...engineArgs(), '--file', file, '--column', '1']);
    assert.equal(noLine.code, 2);
    assert.match(noLine.stderr, /--line is required/);
  });

  test('exits 1 with the cause when the engine crashes in the middle of the generation', async () => {
    // A comment with the test model's loop trigger: it generates until the cap (thousands of
    // tokens, a few seconds), and the engine process is killed while it does.
    const loop = join(dir, 'loop.js');
    writeFileSync(loop, `// ${LOOP_TRIGGER}\n\n`);
    const args = ['complete', ...engineArgs(), '--context-size', '16384', '--verbose', '--max-tokens', '100000'];
    const child = spawn(
      process.execPath,
      [CLI_PATH, ...args, '--timeout', '60000', '--file', loop, '--line', '2', '--column', '1'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const killed = new Promise<number>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        // The --verbose line "[info] [completion] loaded <model> …" says the model is in.
        const loadedLine = /^\[info\] .*\bloaded /m;
        const wasLoaded = loadedLine.test(stderr);
        stderr += d.toString();
        if (wasLoaded || !loadedLine.test(stderr)) return;
        // Generating now: kill the engine (the CLI's child) a little later, mid-generation.
        setTimeout(() => {
          const engine = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(child.pid)], { encoding: 'utf8' })
            .split('\n')
            .find((l) => l.includes('engine.js'));
          if (!engine) return reject(new Error(`no engine process under the CLI: ${stderr}`));
          const pid = Number(engine.trim().split(/\s+/)[0]);
          process.kill(pid, 'SIGKILL');
          resolve(pid);
        }, 300);
      });
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    // A CLI that ended before the engine was killed fails the test rather than leaving it pending.
    const tooEarly = new Promise<never>((_, reject) =>
      setImmediate(() => reject(new Error(`the CLI ended before the engine was killed: ${stderr}`))),
    );
    await Promise.race([killed, tooEarly]);
    assert.equal(code, 1, stderr);
    assert.match(stderr, /the engine failed during the completion: .*stopped unexpectedly \(killed by SIGKILL\)/);
    assert.equal(stdout, '');
  });

  test('a chat-only model exits 2 and says it cannot fill in the middle', async () => {
    const run = await runCli(['complete', ...engineArgs('chatOnly'), ...at]);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /has no fill-in-the-middle tokens; pick a code completion model/);
  });
});
