import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HttpError, engineFailure } from '../../src/core/serve/httpError';
import { parseChatRequest, parseCompletionRequest, parseInfillRequest } from '../../src/core/serve/serveRequests';

const status = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof HttpError);
    return { status: e.status, param: e.param, message: e.message };
  }
  assert.fail('expected an HttpError');
};

describe('serve request bodies', () => {
  test('an OpenAI chat request becomes the engine conversation, tool calls and results included', () => {
    const r = parseChatRequest({
      model: 'anything',
      messages: [
        { role: 'developer', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather ' },
            { type: 'text', text: 'in Paris?' },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'c1', content: 'sunny' },
      ],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
      max_completion_tokens: 50,
      temperature: 0,
      stop: 'END',
      stream: true,
      stream_options: { include_usage: true },
    });
    assert.deepEqual(r.messages, [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'get_weather', arguments: { city: 'Paris' } }] },
      { role: 'tool', content: 'sunny', toolCallId: 'c1' },
    ]);
    assert.equal(r.tools?.[0]?.name, 'get_weather');
    assert.equal(r.maxTokens, 50);
    assert.equal(r.temperature, 0);
    assert.deepEqual(r.stop, ['END']);
    assert.equal(r.stream, true);
    assert.equal(r.includeUsage, true);
  });

  test('tool_choice "none" drops the tools and a named function keeps only that one', () => {
    const tools = [
      { type: 'function', function: { name: 'a' } },
      { type: 'function', function: { name: 'b' } },
    ];
    const messages = [{ role: 'user', content: 'x' }];
    assert.equal(parseChatRequest({ messages, tools, tool_choice: 'none' }).tools, undefined);
    assert.deepEqual(
      parseChatRequest({ messages, tools, tool_choice: { type: 'function', function: { name: 'b' } } }).tools?.map(
        (t) => t.name,
      ),
      ['b'],
    );
    assert.equal(
      status(() => parseChatRequest({ messages, tools, tool_choice: { function: { name: 'c' } } })).param,
      'tool_choice',
    );
  });

  test('fields that would be silently wrong are refused with the field named', () => {
    const messages = [{ role: 'user', content: 'x' }];
    assert.equal(status(() => parseChatRequest({ messages, n: 2 })).param, 'n');
    assert.equal(
      status(() => parseChatRequest({ messages, response_format: { type: 'json_object' } })).param,
      'response_format',
    );
    assert.equal(status(() => parseChatRequest({ messages, temperature: 5 })).param, 'temperature');
    assert.equal(status(() => parseChatRequest({ messages, max_tokens: 0 })).param, 'max_tokens');
    assert.equal(status(() => parseChatRequest({ messages: [] })).param, 'messages');
    assert.equal(
      status(() => parseChatRequest({ messages: [{ role: 'wizard', content: 'x' }] })).param,
      'messages[0].role',
    );
    assert.equal(status(() => parseChatRequest({ messages: [{ role: 'tool', content: 'x' }] })).status, 400);
    assert.match(status(() => parseChatRequest([1, 2])).message, /JSON object/);
    assert.equal(status(() => parseCompletionRequest({ prompt: [1, 2, 3] })).param, 'prompt');
    assert.equal(status(() => parseCompletionRequest({ prompt: 'x', echo: true })).param, 'echo');
  });

  test('a tool whose arguments are not JSON, or whose schema cannot be a grammar, is refused', () => {
    const call = { id: 'c', type: 'function', function: { name: 'f', arguments: '{oops' } };
    assert.equal(
      status(() => parseChatRequest({ messages: [{ role: 'assistant', content: '', tool_calls: [call] }] })).param,
      'messages[0].tool_calls[0].function.arguments',
    );
    const tools = [{ type: 'function', function: { name: 'f', parameters: { $ref: '#/nowhere' } } }];
    assert.equal(
      status(() => parseChatRequest({ messages: [{ role: 'user', content: 'x' }], tools })).param,
      'tools[0].function.parameters',
    );
  });

  test('text completions default to 16 tokens and take a one-string prompt array; /infill takes llama-server fields', () => {
    const c = parseCompletionRequest({ prompt: ['def f():'], suffix: '\n', max_tokens: null });
    assert.equal(c.prompt, 'def f():');
    assert.equal(c.suffix, '\n');
    assert.equal(c.maxTokens, 16);
    const i = parseInfillRequest({
      input_prefix: 'a',
      input_suffix: 'b',
      prompt: 'c',
      input_extra: [{ filename: 'x.js', text: 'y' }, { text: 'z' }],
      n_predict: -1,
    });
    assert.deepEqual(i.extra, [
      { filename: 'x.js', text: 'y' },
      { filename: 'tmp', text: 'z' },
    ]);
    assert.equal(i.middleStart, 'c');
    assert.equal(i.maxTokens, undefined, 'n_predict -1 leaves the cap to the context');
  });

  test('engine failures map to the status a client can act on', () => {
    const coded = (code: string) => Object.assign(new Error(code), { code });
    assert.equal(engineFailure(coded('promptTooLong')).code, 'context_length_exceeded');
    assert.equal(engineFailure(coded('promptTooLong')).status, 400);
    assert.equal(engineFailure(coded('crashed')).status, 503);
    assert.equal(engineFailure(coded('noFim')).status, 400);
    assert.equal(engineFailure(new Error('?')).status, 500);
  });
});
