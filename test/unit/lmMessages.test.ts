import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LM_ROLE, LmMessageError, messageText, toChatMessages, toChatTools } from '../../src/core/lm/lmMessages';

// Shaped as VS Code's parts are (LanguageModelTextPart, ToolCallPart, ToolResultPart, DataPart).
const text = (value: string) => ({ value });
const call = (callId: string, name: string, input: object) => ({ callId, name, input });
const result = (callId: string, ...content: unknown[]) => ({ callId, content });

describe("VS Code's language-model messages as the engine's conversation", () => {
  test('a tool round trip becomes user, assistant with its call, the tool result, then the follow-up', () => {
    const messages = toChatMessages([
      { role: LM_ROLE.user, content: [text('What is the weather in '), text('Paris?')] },
      { role: LM_ROLE.assistant, content: [text('Let me look.'), call('c1', 'get_weather', { city: 'Paris' })] },
      { role: LM_ROLE.user, content: [result('c1', text('sunny'), text(', 21 °C')), text('And tomorrow?')] },
    ]);
    assert.deepEqual(messages, [
      { role: 'user', content: 'What is the weather in Paris?' },
      {
        role: 'assistant',
        content: 'Let me look.',
        toolCalls: [{ id: 'c1', name: 'get_weather', arguments: { city: 'Paris' } }],
      },
      { role: 'tool', toolCallId: 'c1', content: 'sunny, 21 °C' },
      { role: 'user', content: 'And tomorrow?' },
    ]);
  });

  test('a user message holding only tool results adds no empty user turn; a system role is kept', () => {
    const messages = toChatMessages([
      { role: LM_ROLE.system, content: [text('Be brief.')] },
      { role: LM_ROLE.user, content: [text('q')] },
      { role: LM_ROLE.assistant, content: [call('c', 'f', {})] },
      { role: LM_ROLE.user, content: [result('c', text('done'))] },
    ]);
    assert.deepEqual(
      messages.map((m) => m.role),
      ['system', 'user', 'assistant', 'tool'],
    );
  });

  test('text data parts are read, images are refused with a clear message', () => {
    const json = { mimeType: 'application/json', data: new TextEncoder().encode('{"a":1}') };
    assert.equal(toChatMessages([{ role: LM_ROLE.user, content: [json] }])[0]!.content, '{"a":1}');
    const image = { mimeType: 'image/png', data: new Uint8Array([137, 80]) };
    assert.throws(() => toChatMessages([{ role: LM_ROLE.user, content: [image] }]), LmMessageError);
  });

  test('tools keep their names, descriptions and input schemas; counting text covers calls and results', () => {
    assert.deepEqual(toChatTools([{ name: 'f', description: 'does f', inputSchema: { type: 'object' } }]), [
      { name: 'f', description: 'does f', parameters: { type: 'object' } },
    ]);
    assert.equal(toChatTools([]), undefined);
    assert.equal(
      messageText({ role: LM_ROLE.assistant, content: [text('a'), call('c', 'f', { x: 1 }), result('c', text('r'))] }),
      'af {"x":1}r',
    );
  });
});
