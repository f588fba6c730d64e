import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { SETTING_DEFAULTS } from '../../src/core/settings';
import { GgufValueType } from '../fixtures/ggufWriter';
import { CHAT_TEXT, CHAT_THOUGHT } from '../fixtures/makeTestModel';
import { parseGguf, serializeGguf } from '../helpers/ggufEditor';
import { cacheFile, testModelPath } from '../helpers/testModel';
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

  test('a file that is not a usable model exits 2, as inspect and complete do', async () => {
    const notGguf = cacheFile('cli-chat-notes.gguf', 'hello world');
    const run = await runCli(['chat', ...engineArgs(), '--model', notGguf, 'Hello']);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /cli-chat-notes\.gguf: This is not a GGUF model file/);
  });

  test("a file llama.cpp refuses exits 2 with llama.cpp's reason, without control characters and capped", async () => {
    // A byte-level BPE vocabulary with an unknown pre-tokenizer name: the pre-check leaves that to
    // llama.cpp, which refuses it with the name in its message; here the name is 300 kB with
    // terminal escape sequences in it.
    const g = parseGguf(readFileSync(testModelPath()));
    const str = (text: string) => ({ type: GgufValueType.STRING, value: Buffer.from(text) }) as const;
    g.metadata.set('tokenizer.ggml.model', str('gpt2'));
    g.metadata.set('tokenizer.ggml.merges', {
      type: GgufValueType.ARRAY,
      itemType: GgufValueType.STRING,
      items: [Buffer.from('a b')],
    });
    g.metadata.set('tokenizer.ggml.pre', str(`\u001b]0;owned\u0007\u001b[2J${'x'.repeat(300_000)}`));
    const model = cacheFile('cli-chat-hostile-pre.gguf', serializeGguf(g));
    const run = await runCli(['chat', ...engineArgs(), '--model', model, 'Hello']);
    assert.equal(run.code, 2, run.stderr.slice(0, 2000));
    assert.match(run.stderr, /unknown pre-tokenizer type/);
    assert.doesNotMatch(run.stderr, /\u001b/);
    assert.ok(run.stderr.length < 5000, `${run.stderr.length} characters on stderr`);
    assert.match(run.stderr, /more characters\)/);
  });

  test("uses the extension's chat defaults (maximum tokens, temperature, timeout)", async () => {
    const run = await runCli(['chat', '--help']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, new RegExp(`--max-tokens <n> .*default ${SETTING_DEFAULTS['chat.maxTokens']}\\b`));
    assert.match(run.stdout, new RegExp(`--temperature <t> .*default ${SETTING_DEFAULTS['chat.temperature']}\\)`));
    assert.match(
      run.stdout,
      new RegExp(`--timeout <ms> .*default ${SETTING_DEFAULTS['chat.timeoutSeconds'] * 1000}\\)`),
    );
  });

  test('without a prompt it is a usage error', async () => {
    const run = await runCli(['chat', ...engineArgs()]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /a prompt is required/);
  });
});
