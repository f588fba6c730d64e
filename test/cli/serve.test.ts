// `alembic serve` on the test models, called the way other tools call it: with the official
// OpenAI client for Node (the `openai` package, nothing stubbed) and with plain HTTP requests for
// llama-server's /infill, the caps and the errors.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { CHAT_TEXT, CHAT_THOUGHT, FIM_ANSWER, LOOP_TEXT, LOOP_TRIGGER } from '../fixtures/makeTestModel';
import { TOOL_ANSWER, TOOL_ARGUMENTS, TOOL_NAME, TOOL_TRIGGER } from '../fixtures/testModelScripts';
import { engineArgs } from './runCli';
import { startServe, type Serve } from './serveProcess';

const WEATHER_TOOL = {
  type: 'function' as const,
  function: {
    name: TOOL_NAME,
    description: 'Tells the weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

describe('alembic serve on the test model', () => {
  let serve: Serve;
  let client: OpenAI;
  const post = (path: string, body: unknown, token = serve.token) =>
    fetch(`${serve.url}${path}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  before(async () => {
    serve = await startServe([...engineArgs(), '--max-body-mb', '0.05', '--max-concurrent', '2']);
    client = new OpenAI({ baseURL: `${serve.url}/v1`, apiKey: serve.token, maxRetries: 0 });
  });
  after(async () => {
    assert.equal(await serve?.stop(), 0, 'Ctrl-C (SIGTERM) stops it cleanly');
  });

  test('prints the token once and keeps it in a file only the user can read', () => {
    assert.ok(serve.stdout().includes(serve.token), 'the new token is shown');
    assert.equal(statSync(serve.tokenFile).mode & 0o777, 0o600);
  });

  test('the OpenAI client lists the model and gets the chat answer without its reasoning', async () => {
    const models = await client.models.list();
    assert.deepEqual(
      models.data.map((m) => m.id),
      ['test-model'],
    );
    const answer = await client.chat.completions.create({
      model: 'test-model',
      messages: [{ role: 'user', content: 'Write a function that adds two numbers.' }],
    });
    assert.equal(answer.choices[0]!.message.content, CHAT_TEXT);
    assert.equal((answer.choices[0]!.message as { reasoning_content?: string }).reasoning_content, CHAT_THOUGHT);
    assert.equal(answer.choices[0]!.finish_reason, 'stop');
    assert.ok(answer.usage!.prompt_tokens > 0 && answer.usage!.completion_tokens > 0);
  });

  test('the OpenAI client gets the same answer streamed, piece by piece, with the usage at the end', async () => {
    const stream = await client.chat.completions.create({
      model: 'test-model',
      messages: [{ role: 'user', content: 'Write a function that adds two numbers.' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let pieces = 0;
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (choice?.delta.content) {
        text += choice.delta.content;
        pieces++;
      }
      finish = choice?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    assert.equal(text, CHAT_TEXT);
    assert.ok(pieces > 1, `the answer came in ${pieces} pieces`);
    assert.equal(finish, 'stop');
    assert.ok(usage && usage.completion_tokens > 0);
  });

  test('a text completion with a suffix fills in the middle, and /infill does as llama-server does', async () => {
    const completion = await client.completions.create({
      model: 'test-model',
      prompt: 'function total(items) {\n  return ',
      suffix: '\n}\n',
      max_tokens: 64,
    });
    assert.equal(completion.choices[0]!.text, FIM_ANSWER);
    const infill = await post('/infill', {
      input_prefix: 'function total(items) {\n  return ',
      input_suffix: '\n}\n',
      input_extra: [{ filename: 'cart.js', text: 'const items = [];\n' }],
      n_predict: 64,
    });
    assert.equal(infill.status, 200);
    const body = (await infill.json()) as { content: string; stop: boolean; tokens_evaluated: number };
    assert.equal(body.content, FIM_ANSWER);
    assert.equal(body.stop, true);
    assert.ok(body.tokens_evaluated > 0);
  });

  test('a wrong or missing token is refused with 401, on every endpoint', async () => {
    const wrong = new OpenAI({ baseURL: `${serve.url}/v1`, apiKey: 'alembic-not-the-token', maxRetries: 0 });
    await assert.rejects(wrong.models.list(), (e: unknown) => e instanceof OpenAI.AuthenticationError);
    for (const path of ['/health', '/v1/models']) {
      const res = await fetch(`${serve.url}${path}`);
      assert.equal(res.status, 401, path);
      assert.equal(res.headers.get('www-authenticate'), 'Bearer');
    }
    const res = await post('/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }] }, 'wrong');
    assert.equal(res.status, 401);
  });

  test('a body over the cap gets 413, bad JSON 400 with its reason, an unknown endpoint 404', async () => {
    const big = await post('/v1/chat/completions', {
      messages: [{ role: 'user', content: 'x'.repeat(100_000) }],
    });
    assert.equal(big.status, 413);
    const broken = await post('/v1/chat/completions', '{"messages": [');
    assert.equal(broken.status, 400);
    const image = await post('/v1/chat/completions', {
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'http://127.0.0.1:9/x.png' } }] }],
    });
    assert.equal(image.status, 400);
    assert.match(((await image.json()) as { error: { message: string } }).error.message, /only text content parts/);
    const unknown = await fetch(`${serve.url}/v1/embeddings`, { headers: { Authorization: `Bearer ${serve.token}` } });
    assert.equal(unknown.status, 404);
  });

  test('closing the connection mid-answer aborts the generation in the engine', async () => {
    const logFrom = serve.stderr().length;
    const controller = new AbortController();
    const res = await fetch(`${serve.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${serve.token}` },
      body: JSON.stringify({
        messages: [{ role: 'user', content: `Go on ${LOOP_TRIGGER}` }],
        stream: true,
        max_tokens: 2000,
      }),
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    let seen = '';
    while (!seen.includes(LOOP_TEXT.trim())) {
      const { value, done } = await reader.read();
      assert.ok(!done, `the stream ended before the runaway answer started: ${seen}`);
      seen += new TextDecoder().decode(value);
    }
    controller.abort();
    // Its log line says why it ended: "abort" when the client left, "maxTokens" had it run to its cap.
    const line = await serve.waitForLog(/^\[serve\] chat: (abort|maxTokens|timeout),/, logFrom);
    assert.match(line, /chat: abort,/, 'the engine stopped because the client left, not at its cap');
  });

  test('generations past --max-concurrent get 429 while the others run', async () => {
    const controllers = [new AbortController(), new AbortController()];
    const runaway = (c: AbortController) =>
      fetch(`${serve.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${serve.token}` },
        body: JSON.stringify({ messages: [{ role: 'user', content: LOOP_TRIGGER }], stream: true, max_tokens: 2000 }),
        signal: c.signal,
      });
    const running = await Promise.all(controllers.map(runaway));
    assert.deepEqual(
      running.map((r) => r.status),
      [200, 200],
    );
    const third = await post('/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(third.status, 429);
    assert.equal(third.headers.get('retry-after'), '1');
    controllers.forEach((c) => c.abort());
  });
});

describe('alembic serve on the Qwen-vocabulary test model', () => {
  let serve: Serve;
  let client: OpenAI;
  before(async () => {
    serve = await startServe(engineArgs('qwen'));
    client = new OpenAI({ baseURL: `${serve.url}/v1`, apiKey: serve.token, maxRetries: 0 });
  });
  after(async () => {
    await serve?.stop();
  });

  test('a tool call round trip: the model calls the tool with arguments that match its schema, then uses the result', async () => {
    const question: OpenAI.ChatCompletionMessageParam = {
      role: 'user',
      content: `What is the ${TOOL_TRIGGER} in Paris?`,
    };
    const first = await client.chat.completions.create({ model: 'any', messages: [question], tools: [WEATHER_TOOL] });
    const choice = first.choices[0]!;
    assert.equal(choice.finish_reason, 'tool_calls');
    const call = choice.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
    assert.equal(call.function.name, TOOL_NAME);
    assert.deepEqual(JSON.parse(call.function.arguments), TOOL_ARGUMENTS);
    const second = await client.chat.completions.create({
      model: 'any',
      tools: [WEATHER_TOOL],
      messages: [
        question,
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: '{"forecast": "sunny"}' },
      ],
    });
    assert.equal(second.choices[0]!.message.content, TOOL_ANSWER);
    assert.equal(second.choices[0]!.finish_reason, 'stop');
  });

  test('a streamed tool call arrives as one tool_calls delta and ends with finish_reason tool_calls', async () => {
    const stream = await client.chat.completions.create({
      model: 'any',
      messages: [{ role: 'user', content: `What is the ${TOOL_TRIGGER} in Paris?` }],
      tools: [WEATHER_TOOL],
      stream: true,
    });
    const calls: OpenAI.ChatCompletionChunk.Choice.Delta.ToolCall[] = [];
    let finish: string | null = null;
    for await (const chunk of stream) {
      calls.push(...(chunk.choices[0]?.delta.tool_calls ?? []));
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    assert.equal(finish, 'tool_calls');
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.function?.name, TOOL_NAME);
    assert.deepEqual(JSON.parse(calls[0]!.function!.arguments!), TOOL_ARGUMENTS);
  });

  test('a tool whose schema cannot be a grammar is refused with 400 before anything streams', async () => {
    await assert.rejects(
      client.chat.completions.create({
        model: 'any',
        messages: [{ role: 'user', content: 'hi' }],
        tools: [
          {
            type: 'function',
            function: { name: 'bad', parameters: { type: 'object', properties: { a: { $ref: '#/$defs/missing' } } } },
          },
        ],
        stream: true,
      }),
      (e: unknown) => e instanceof OpenAI.BadRequestError && /does not define/.test(e.message),
    );
  });
});
