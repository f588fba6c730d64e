// The Ollama backend against a stand-in written from Ollama's API documentation
// (test/helpers/ollamaStandIn.ts): Ollama cannot be installed here, so these tests check the
// protocol as documented, not a real Ollama.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CompletionPipeline } from '../../src/core/completion/completionPipeline';
import { LinesDocument } from '../../src/core/completion/documentWindow';
import { OllamaBackend } from '../../src/core/remote/ollamaBackend';
import { ServerError } from '../../src/core/remote/serverError';
import { startOllamaStandIn, type OllamaStandIn } from '../helpers/ollamaStandIn';

let ollama: OllamaStandIn;
before(async () => {
  ollama = await startOllamaStandIn([
    { name: 'qwen2.5-coder:1.5b-base', capabilities: ['completion', 'insert'], family: 'qwen2', contextLength: 32768 },
    { name: 'my-coder:latest', capabilities: ['completion', 'insert'], family: 'llama', contextLength: 4096 },
    { name: 'llama3.2-instruct:3b', capabilities: ['completion', 'tools'], family: 'llama', contextLength: 131072 },
    { name: 'deepseek-r1:7b', capabilities: ['completion', 'thinking'], family: 'qwen2', contextLength: 131072 },
  ]);
});
after(() => ollama.close());

function backend(model?: string, extra: Partial<ConstructorParameters<typeof OllamaBackend>[0]> = {}): OllamaBackend {
  return new OllamaBackend({ backend: 'ollama', endpoint: ollama.url, model, ...extra });
}

const doc = new LinesDocument(
  'file:///w/cart.ts',
  'typescript',
  ['function total(items) {', '  return ', '}'],
  1,
  'cart.ts',
);
const cursor = { line: 1, character: 9 };

async function complete(b: OllamaBackend): Promise<string | undefined> {
  const facts = await b.probe('completion');
  const pipeline = new CompletionPipeline({ engine: b, settings: { prefetch: false } });
  try {
    pipeline.setModel(b.completionModel(facts));
    return (await pipeline.provide({ doc, position: cursor, triggerKind: 'invoke' }))?.insertText;
  } finally {
    pipeline.dispose();
  }
}

describe('Ollama backend (against a stand-in written from the API docs)', () => {
  test('lists the models of /api/tags with their size and quantization', async () => {
    const models = await backend().listModels();
    assert.deepEqual(
      models.map((m) => m.id),
      ['qwen2.5-coder:1.5b-base', 'my-coder:latest', 'llama3.2-instruct:3b', 'deepseek-r1:7b'],
    );
    assert.equal(models[0]!.detail, '1.5B Q8_0');
  });

  test('completes with the raw FIM prompt of a known family, always sending num_ctx and keep_alive', async () => {
    ollama.bodies.length = 0;
    const text = await complete(backend('qwen2.5-coder:1.5b-base', { contextSize: 8192 }));
    assert.equal(text, 'items.reduce((sum, item) => sum + item.price, 0);');
    const body = ollama.bodies[0]!.body;
    assert.equal(body.raw, true);
    assert.match(
      String(body.prompt),
      /^<\|repo_name\|>.*<\|fim_prefix\|>function total\(items\) \{\n<\|fim_suffix\|>\n\}<\|fim_middle\|> {2}return $/s,
    );
    assert.equal(body.keep_alive, '30m');
    const options = body.options as Record<string, unknown>;
    assert.equal(options.num_ctx, 8192, "never Ollama's silent default of 2048");
    assert.equal(options.temperature, 0);
    assert.ok(Array.isArray(options.stop) && options.stop.includes('<|endoftext|>'));
  });

  test('asks for no more context than the model was trained for', async () => {
    const facts = await backend('my-coder', { contextSize: 16384 }).probe('chat');
    assert.equal(facts.contextSize, 4096);
  });

  test('fills in the middle through `suffix` for a model of unknown family whose template takes one', async () => {
    ollama.bodies.length = 0;
    const b = backend('my-coder');
    const facts = await b.probe('completion');
    assert.equal(facts.serverInfill, true);
    await complete(b);
    const body = ollama.bodies[0]!.body;
    assert.equal(body.raw, undefined);
    assert.equal(body.prompt, 'function total(items) {\n  return ');
    assert.equal(body.suffix, '\n}');
  });

  test('an instruct model offered for completions gets a clear message', async () => {
    await assert.rejects(backend('llama3.2-instruct:3b').probe('completion'), (e: ServerError) => {
      assert.equal(e.code, 'noFim');
      assert.match(
        e.message,
        /"llama3\.2-instruct:3b" on 127\.0\.0\.1:\d+ is an instruct \(chat\) model: it cannot fill in the middle\. Pick a base code model/,
      );
      assert.deepEqual(e.remedies, ['selectModel', 'openSettings']);
      return true;
    });
  });

  test('a model the server does not have is named with the ones it has', async () => {
    await assert.rejects(backend('qwen3-coder:30b').probe('completion'), (e: ServerError) => {
      assert.equal(e.code, 'unknownModel');
      assert.match(
        e.message,
        /does not serve the model "qwen3-coder:30b" \(it serves: qwen2\.5-coder:1\.5b-base, my-coder:latest/,
      );
      return true;
    });
  });

  test('streams a chat answer with its thinking apart, and counts from the final object', async () => {
    const b = backend('deepseek-r1:7b');
    await b.probe('chat');
    const chunks: string[] = [];
    const result = await b.chat(
      { messages: [{ role: 'user', content: 'Write a function' }], maxTokens: 100, timeoutMs: 5000 },
      { onChunk: (c) => chunks.push(`${c.segment}:${c.text}`) },
    );
    assert.equal(result.text, 'Here is a function.');
    assert.equal(result.thought, 'The user wants a function.');
    assert.equal(result.stopReason, 'eos');
    assert.equal(chunks[0], 'thought:The ');
    assert.ok(result.accounting.generatedTokens > 0 && result.accounting.promptTokens > 0);
    assert.equal((ollama.bodies.at(-1)!.body.options as Record<string, unknown>).num_ctx, 8192);
  });

  test('stopping an answer closes the connection, which is how Ollama learns to stop', async () => {
    const b = backend('deepseek-r1:7b');
    await b.probe('chat');
    ollama.pieceDelayMs = 50;
    const before = ollama.cancelled;
    const controller = new AbortController();
    try {
      const result = await b.chat(
        { messages: [{ role: 'user', content: 'Write a function' }], maxTokens: 100, timeoutMs: 5000 },
        { signal: controller.signal, onChunk: () => controller.abort() },
      );
      assert.equal(result.stopReason, 'abort');
      for (let i = 0; i < 100 && ollama.cancelled === before; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(ollama.cancelled, before + 1);
    } finally {
      ollama.pieceDelayMs = 1;
    }
  });

  test('a server that is not Ollama is told apart', async () => {
    const b = new OllamaBackend({ backend: 'ollama', endpoint: `${ollama.url}/v1` });
    await assert.rejects(b.probe('chat'), /has no \/api\/tags: is it an Ollama server\?/);
  });
});
