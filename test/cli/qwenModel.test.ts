// The `alembic` command line on the Qwen-vocabulary test model (Qwen2.5-Coder's real BPE, metadata
// and chat template): the template-sensitive commands behave as on a user's Qwen2.5-Coder file.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { CHAT_TEXT, CHAT_THOUGHT, FIM_ANSWER } from '../fixtures/makeTestModel';
import { testModelPath } from '../helpers/testModel';
import { engineArgs, runCli } from './runCli';

const dir = mkdtempSync(join(tmpdir(), 'alembic-cli-qwen-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('alembic on the Qwen-vocabulary test model', () => {
  test('inspect reads it as a Qwen2.5-Coder conversion: qwen2, gpt2 BPE, FIM ids from the metadata', async () => {
    const run = await runCli(['inspect', testModelPath('qwen'), '--json']);
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout);
    assert.equal(summary.architecture, 'qwen2');
    assert.match(summary.name, /^Qwen2\.5 Coder /);
    assert.equal(summary.tokenizerModel, 'gpt2');
    assert.equal(summary.vocabSize, 151_936);
    assert.deepEqual(summary.eosToken, { id: 151_645, text: '<|im_end|>' });
    assert.equal(summary.fimSource, 'metadata');
    assert.deepEqual(summary.fimTokenIds, {
      prefix: 151_659,
      suffix: 151_661,
      middle: 151_660,
      pad: 151_662,
      repoName: 151_663,
      fileSeparator: 151_664,
    });
    assert.match(summary.chatTemplate, /You are Qwen, created by Alibaba Cloud/);
    assert.deepEqual(summary.warnings, []);
  });

  test('complete prints the scripted suggestion from a repository-level FIM prompt', async () => {
    const file = join(dir, 'total.ts');
    writeFileSync(
      file,
      ['export function total(items: { price: number }[]): number {', '  return ', '}', ''].join('\n'),
    );
    const run = await runCli([
      'complete',
      ...engineArgs('qwen'),
      '--file',
      file,
      '--line',
      '2',
      '--column',
      '10',
      '--json',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    assert.equal(out.text, FIM_ANSWER);
    assert.equal(out.stopReason, 'eos');
    assert.ok(out.generatedTokens < FIM_ANSWER.length / 2, `${out.generatedTokens} tokens: BPE pieces, not characters`);
  });

  test('chat streams the answer to stdout and its <think> block to stderr', async () => {
    const run = await runCli(['chat', ...engineArgs('qwen'), 'Write a function that adds two numbers.']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `${CHAT_TEXT}\n`);
    assert.ok(!run.stdout.includes('<think>'));
    assert.ok(run.stderr.includes(CHAT_THOUGHT), run.stderr);
  });
});
