// The command line's server options without a real server: addresses and key files checked before
// anything is sent, a server that is not there, and Ollama's protocol end to end against the
// stand-in written from Ollama's API documentation (Ollama cannot be installed here).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CHAT_TEXT, FIM_ANSWER } from '../fixtures/testModelScripts';
import { startOllamaStandIn, type OllamaStandIn } from '../helpers/ollamaStandIn';
import { startSilentServer } from '../helpers/localServer';
import { runCli } from './runCli';

const dir = mkdtempSync(join(tmpdir(), 'alembic-cli-server-'));
const file = join(dir, 'total.ts');
writeFileSync(file, ['export function total(items: { price: number }[]): number {', '  return ', '}', ''].join('\n'));
const at = ['--file', file, '--line', '2', '--column', '10'];
let ollama: OllamaStandIn;
before(async () => {
  ollama = await startOllamaStandIn([
    { name: 'qwen2.5-coder:1.5b-base', capabilities: ['completion', 'insert'], family: 'qwen2', contextLength: 32768 },
  ]);
  ollama.chat = { thinking: '', content: CHAT_TEXT };
});
after(async () => {
  await ollama.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('alembic with --endpoint', () => {
  test('refuses plain http to another machine before sending anything (exit 2)', async () => {
    const run = await runCli(['complete', '--endpoint', 'http://gpu-box:8080', ...at]);
    assert.equal(run.code, 2);
    assert.match(
      run.stderr,
      /gpu-box:8080 is reached over plain http.*Use https:\/\/gpu-box:8080, or an SSH tunnel to 127\.0\.0\.1/,
    );
  });

  test('an unknown backend or template is a usage error', async () => {
    const backend = await runCli(['chat', '--endpoint', 'http://127.0.0.1:9', '--backend', 'tgi', 'hi']);
    assert.equal(backend.code, 2);
    assert.match(backend.stderr, /--backend must be one of llama-server, openai, ollama, got "tgi"/);
    const template = await runCli(['complete', '--endpoint', 'http://127.0.0.1:9', '--fim-template', 'gpt', ...at]);
    assert.equal(template.code, 2);
    assert.match(template.stderr, /--fim-template must be one of qwen, deepseek/);
  });

  test('a missing API key file exits 2 with its name, and the key never appears in the output', async () => {
    const missing = await runCli([
      'complete',
      '--endpoint',
      'http://127.0.0.1:9',
      '--api-key-file',
      join(dir, 'nope'),
      ...at,
    ]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read the API key file .*nope: ENOENT/);
    const keyFile = join(dir, 'key');
    writeFileSync(keyFile, 'sk-secret-123\n');
    const silent = await startSilentServer();
    await silent.close();
    const refused = await runCli([
      'complete',
      '--endpoint',
      `http://127.0.0.1:${silent.port}`,
      '--api-key-file',
      keyFile,
      ...at,
    ]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /Nothing answers at 127\.0\.0\.1:\d+ \(connection refused\)/);
    assert.ok(!refused.stderr.includes('sk-secret-123') && !refused.stdout.includes('sk-secret-123'));
  });

  test('completes and chats through Ollama (against the stand-in)', async () => {
    const ollamaArgs = ['--endpoint', ollama.url, '--backend', 'ollama', '--model', 'qwen2.5-coder:1.5b-base'];
    const complete = await runCli(['complete', ...ollamaArgs, ...at]);
    assert.equal(complete.code, 0, complete.stderr);
    assert.equal(complete.stdout, `${FIM_ANSWER}\n`);
    const request = ollama.bodies.find((b) => b.path === '/api/generate')!.body;
    assert.equal(request.raw, true);
    assert.equal((request.options as { num_ctx: number }).num_ctx, 8192);
    const chat = await runCli(['chat', ...ollamaArgs, '--json', 'Write a function that adds two numbers']);
    assert.equal(chat.code, 0, chat.stderr);
    assert.equal(JSON.parse(chat.stdout).text, CHAT_TEXT);
  });

  test('a model Ollama does not have is named with the ones it has (exit 1)', async () => {
    const run = await runCli([
      'complete',
      '--endpoint',
      ollama.url,
      '--backend',
      'ollama',
      '--model',
      'codellama:7b',
      ...at,
    ]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /does not serve the model "codellama:7b" \(it serves: qwen2\.5-coder:1\.5b-base\)/);
  });
});
