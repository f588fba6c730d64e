// Tool calls through the real engine on the Qwen-vocabulary test model: node-llama-cpp's function
// calling in Qwen's <tool_call> format, the arguments generated under the grammar of the tool's
// schema, and the result sent back as a `tool` message.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ChatMessage, ChatTool } from '../../src/core/engine/protocol';
import type { EngineClient } from '../../src/engine/client/engineClient';
import { CHAT_TEXT, TOOL_ANSWER, TOOL_ARGUMENTS, TOOL_NAME, TOOL_TRIGGER } from '../fixtures/testModelScripts';
import { startEngine } from '../helpers/engineHarness';
import { testModelPath } from '../helpers/testModel';

const WEATHER: ChatTool = {
  name: TOOL_NAME,
  description: 'Tells the weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};
const OTHER: ChatTool = {
  name: 'read_file',
  description: 'Reads a file',
  parameters: { type: 'object', properties: { path: { type: 'string' } } },
};
const question: ChatMessage = { role: 'user', content: `What is the ${TOOL_TRIGGER} in Paris?` };
const chat = (messages: ChatMessage[], tools?: ChatTool[]) =>
  client.chat({ messages, tools, maxTokens: 200, timeoutMs: 60_000, temperature: 0 });

let client: EngineClient;

describe('tool calls in the engine', () => {
  before(async () => {
    const qwen = testModelPath('qwen');
    client = startEngine({}, { completionModel: qwen, chatModel: qwen }).client;
    await client.load();
  });
  after(async () => {
    await client?.dispose();
  });

  test('the model calls the offered tool with arguments that match its schema, and the answer ends there', async () => {
    const result = await chat([question], [OTHER, WEATHER]);
    assert.equal(result.stopReason, 'toolCalls');
    assert.equal(result.toolCalls?.length, 1);
    assert.equal(result.toolCalls![0]!.name, TOOL_NAME);
    assert.deepEqual(result.toolCalls![0]!.arguments, TOOL_ARGUMENTS);
    assert.match(result.toolCalls![0]!.id, /^call_/);
  });

  test("the tool's result goes back as a tool message and the model answers with it", async () => {
    const first = await chat([question], [WEATHER]);
    const call = first.toolCalls![0]!;
    const result = await chat(
      [
        question,
        { role: 'assistant', content: '', toolCalls: [call] },
        { role: 'tool', toolCallId: call.id, content: '{"forecast": "sunny"}' },
      ],
      [WEATHER],
    );
    assert.equal(result.text, TOOL_ANSWER);
    assert.equal(result.stopReason, 'eos');
    assert.equal(result.toolCalls, undefined);
  });

  test('with tools offered, a question that needs none gets a plain answer', async () => {
    const result = await chat([{ role: 'user', content: 'Write a function that adds two numbers.' }], [WEATHER]);
    assert.equal(result.text, CHAT_TEXT);
    assert.equal(result.toolCalls, undefined);
  });

  test('a conversation that breaks the call/result pairing is refused as a bad request', async () => {
    await assert.rejects(
      chat([question, { role: 'tool', toolCallId: 'nope', content: 'x' }], [WEATHER]),
      (e: unknown) => (e as { code?: string }).code === 'badRequest' && /answers no call/.test((e as Error).message),
    );
    await assert.rejects(
      chat(
        [
          question,
          { role: 'assistant', content: '', toolCalls: [{ id: 'c', name: TOOL_NAME, arguments: {} }] },
          question,
        ],
        [WEATHER],
      ),
      (e: unknown) => /result of tool call c/.test((e as Error).message),
    );
    await assert.rejects(chat([question], [{ name: 'bad name', parameters: {} }]), (e: unknown) =>
      /not a valid tool name/.test((e as Error).message),
    );
  });
});
