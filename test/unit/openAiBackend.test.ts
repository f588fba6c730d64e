// The OpenAI-compatible backend against a small server on 127.0.0.1 that answers as vLLM's
// OpenAI-compatible server does (its /v1/models with max_model_len, its streamed /v1/completions,
// its 404 for a model it does not serve). vLLM needs a GPU and cannot run here; the real
// OpenAI-compatible server of the suite is llama-server's /v1 (test/server/serverBackends.test.ts).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CompletionPipeline } from '../../src/core/completion/completionPipeline';
import { LinesDocument } from '../../src/core/completion/documentWindow';
import { OpenAiBackend } from '../../src/core/remote/openAiBackend';
import { ServerError } from '../../src/core/remote/serverError';
import { startLocalServer, type LocalServer } from '../helpers/localServer';

const ANSWER = 'items.reduce((sum, item) => sum + item.price, 0);';
const MODELS = ['Qwen/Qwen2.5-Coder-1.5B', 'meta-llama/Llama-3.2-3B-Instruct'];

let vllm: LocalServer;
before(async () => {
  vllm = await startLocalServer((req, res) => {
    if (req.headers.authorization !== 'Bearer team-key') {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"Unauthorized"}');
      return;
    }
    if (req.method === 'GET' && req.url === '/v1/models') {
      const data = MODELS.map((id) => ({ id, object: 'model', owned_by: 'vllm', max_model_len: 32768 }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data }));
      return;
    }
    const body = JSON.parse(req.body) as { model: string };
    if (!MODELS.includes(body.model)) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          object: 'error',
          message: `The model \`${body.model}\` does not exist.`,
          type: 'NotFoundError',
          param: null,
          code: 404,
        }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (const piece of ANSWER.match(/.{1,8}/g)!)
      res.write(
        `data: ${JSON.stringify({ object: 'text_completion', choices: [{ index: 0, text: piece, finish_reason: null }] })}\n\n`,
      );
    const usage = { prompt_tokens: 40, completion_tokens: 12, prompt_tokens_details: { cached_tokens: 32 } };
    res.write(`data: ${JSON.stringify({ choices: [{ index: 0, text: '', finish_reason: 'stop' }] })}\n\n`);
    res.end(`data: ${JSON.stringify({ choices: [], usage })}\n\ndata: [DONE]\n\n`);
  });
});
after(() => vllm.close());

function backend(model?: string, apiKey = 'team-key'): OpenAiBackend {
  return new OpenAiBackend({ backend: 'openai', endpoint: `${vllm.url}/v1`, model, apiKey });
}

async function failure(p: Promise<unknown>): Promise<ServerError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ServerError, `a ServerError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a failure');
}

describe('OpenAI-compatible backend (against a server answering as vLLM does)', () => {
  test("reads the model's family from the id the server reports, and its context from max_model_len", async () => {
    const facts = await backend('Qwen/Qwen2.5-Coder-1.5B').probe('completion');
    assert.equal(facts.family, 'qwen');
    assert.equal(facts.contextSize, 32768);
    assert.equal(facts.fim?.prefix, '<|fim_prefix|>');
  });

  test("completes through /v1/completions with the family's raw FIM prompt, counting the cached tokens as reused", async () => {
    const b = backend('Qwen/Qwen2.5-Coder-1.5B');
    const pipeline = new CompletionPipeline({ engine: b, settings: { prefetch: false } });
    try {
      pipeline.setModel(b.completionModel(await b.probe('completion')));
      vllm.requests.length = 0;
      const doc = new LinesDocument(
        'file:///w/cart.ts',
        'typescript',
        ['function total(items) {', '  return ', '}'],
        1,
      );
      const shown = await pipeline.provide({ doc, position: { line: 1, character: 9 }, triggerKind: 'invoke' });
      assert.equal(shown?.insertText, ANSWER);
      const sent = vllm.requests.find((r) => r.url === '/v1/completions');
      const body = JSON.parse(sent!.body) as { model: string; prompt: string; stream: boolean };
      assert.equal(body.model, 'Qwen/Qwen2.5-Coder-1.5B');
      assert.equal(body.stream, true);
      // Qwen2.5-Coder's repository-level format; the cursor line's start goes after <|fim_middle|>, so
      // that what comes before it stays the same while the user types on that line.
      assert.equal(
        body.prompt,
        '<|repo_name|>workspace\n<|file_sep|>w/cart.ts\n<|fim_prefix|>function total(items) {\n<|fim_suffix|>\n}<|fim_middle|>  return ',
      );
      const stats = pipeline.stats.snapshot();
      assert.equal(stats.promptTokens, 40);
      assert.equal(stats.evaluatedTokens, 8);
    } finally {
      pipeline.dispose();
      b.dispose();
    }
  });

  test('a model the server does not serve is named with the ones it serves, and Select Model is the way out', async () => {
    const e = await failure(backend('Qwen/Qwen2.5-Coder-7B').probe('completion'));
    assert.equal(e.code, 'unknownModel');
    assert.equal(
      e.message,
      `127.0.0.1:${vllm.port} does not serve the model "Qwen/Qwen2.5-Coder-7B" (it serves: ${MODELS.join(', ')}). Pick one with "Alembic: Select Model…".`,
    );
    assert.deepEqual(e.remedies, ['selectModel', 'openSettings']);
  });

  test('a chat (instruct) model offered for completions is refused with what to do', async () => {
    const e = await failure(backend('meta-llama/Llama-3.2-3B-Instruct').probe('completion'));
    assert.equal(e.code, 'noFim');
    assert.match(e.message, /name its template in alembic\.server\.fimTemplate; if it is a chat \(instruct\) model/);
    // The same model is fine for chat.
    assert.equal((await backend('meta-llama/Llama-3.2-3B-Instruct').probe('chat')).id, MODELS[1]);
  });

  test('a wrong API key is refused with the way to set the right one', async () => {
    const e = await failure(backend(undefined, 'wrong').probe('completion'));
    assert.equal(e.code, 'unauthorized');
    assert.match(
      e.message,
      /refused the API key \(HTTP 401: "Unauthorized"\)\. Set the right key with "Alembic: Set API Key…"/,
    );
  });
});
