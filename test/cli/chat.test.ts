import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CHAT_TEXT, CHAT_THOUGHT } from '../fixtures/makeTestModel';
import { engineArgs, runCli } from './runCli';

describe('alembic chat', () => {
  test('streams the answer to stdout without its think block, which goes to stderr', async () => {
    const run = await runCli(['chat', ...engineArgs(), 'Write a function that adds two numbers.']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `${CHAT_TEXT}\n`);
    assert.ok(!run.stdout.includes('<think>'));
    assert.ok(run.stderr.includes(CHAT_THOUGHT), run.stderr);
    assert.match(run.stderr, /\[eos: \d+ tokens/);
  });

  test('with --json, gives the answer, the thought and the token accounting', async () => {
    const run = await runCli(['chat', ...engineArgs(), '--json', 'Write a function that adds two numbers.']);
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    assert.equal(out.text, CHAT_TEXT);
    assert.equal(out.thought, CHAT_THOUGHT);
    assert.equal(out.stopReason, 'eos');
    assert.ok(out.accounting.promptTokens > 0);
    assert.equal(out.accounting.evaluatedTokens + out.accounting.reusedTokens, out.accounting.promptTokens);
    assert.ok(out.accounting.generatedTokens > 0);
  });

  test('without a prompt it is a usage error', async () => {
    const run = await runCli(['chat', ...engineArgs()]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /a prompt is required/);
  });
});
