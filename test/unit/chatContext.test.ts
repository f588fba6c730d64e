import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildUserContent,
  capText,
  describeAttachment,
  fence,
  formatDiagnostics,
  titleFrom,
} from '../../src/core/chat/chatPrompt';
import { estimateTokens, fitConversation } from '../../src/core/chat/contextWindow';
import type { ChatTurn } from '../../src/core/chat/conversation';

let n = 0;
const user = (text: string, content?: string): ChatTurn => ({
  id: `u${n++}`,
  role: 'user',
  text,
  createdAt: 0,
  ...(content ? { content } : {}),
});
const answer = (text: string, extra: Partial<ChatTurn> = {}): ChatTurn => ({
  id: `a${n++}`,
  role: 'assistant',
  text,
  createdAt: 0,
  status: 'done',
  ...extra,
});

describe('chat prompt', () => {
  test('states what was attached: the selection with its file and lines', () => {
    const content = buildUserContent('Why is this slow?', [
      {
        kind: 'selection',
        path: 'src/a.ts',
        languageId: 'typescript',
        startLine: 10,
        endLine: 20,
        text: 'for (;;) {}',
      },
    ]);
    assert.equal(
      content,
      "The user attached the selection from src/a.ts lines 10-20:\n```typescript\nfor (;;) {}\n```\n\nThe user's message:\nWhy is this slow?",
    );
  });

  test('describes a file, one selected line and diagnostics in words', () => {
    assert.equal(
      describeAttachment({ kind: 'file', path: 'cart.js', text: '' }),
      'The user attached the file cart.js:',
    );
    assert.equal(
      describeAttachment({ kind: 'selection', path: 'a.py', startLine: 3, endLine: 3, text: '' }),
      'The user attached the selection from a.py line 3:',
    );
    assert.equal(
      describeAttachment({ kind: 'diagnostics', path: 'a.py', text: '' }),
      'The user attached the problems (diagnostics) VS Code reports in a.py:',
    );
  });

  test('sends a message without attachments as typed', () => {
    assert.equal(buildUserContent('hello', []), 'hello');
  });

  test('fences code that itself contains a fence with a longer fence', () => {
    assert.equal(fence('```js\nx\n```', 'md'), '````md\n```js\nx\n```\n````');
  });

  test('cuts a long attachment in the middle and says how much was left out', () => {
    const content = buildUserContent('q', [{ kind: 'file', path: 'big.txt', text: 'a'.repeat(30_000) + 'END' }]);
    assert.ok(content.length < 26_000);
    assert.match(content, /characters left out/);
    assert.ok(content.includes('END'), 'the end of the file is kept');
    assert.equal(capText('short', 10).cut, 0);
  });

  test('lists diagnostics most severe first', () => {
    const text = formatDiagnostics([
      { severity: 'warning', line: 2, message: 'unused x' },
      { severity: 'error', line: 9, message: "Cannot find name 'y'.", source: 'ts' },
    ]);
    assert.equal(text, "- line 9: error (ts): Cannot find name 'y'.\n- line 2: warning: unused x");
  });

  test('titles a conversation with the first line of its first message', () => {
    assert.equal(titleFrom('  Explain the cart\nmore'), 'Explain the cart');
    assert.equal(titleFrom('x'.repeat(100)).length, 60);
    assert.equal(titleFrom('  '), 'New Chat');
  });
});

describe('context window', () => {
  test('sends the system prompt, earlier exchanges and the new message in order', () => {
    const fitted = fitConversation({
      system: 'SYS',
      turns: [user('q1'), answer('a1'), user('q2', 'FULL q2')],
      contextSize: 4096,
      maxAnswerTokens: 512,
    });
    assert.deepEqual(fitted.messages, [
      { role: 'system', content: 'SYS' },
      { role: 'user', content: 'q1' },
      { role: 'assistant', content: 'a1' },
      { role: 'user', content: 'FULL q2' },
    ]);
    assert.equal(fitted.droppedTurns, 0);
  });

  test('keeps only the answer of a reasoning model in later turns', () => {
    const fitted = fitConversation({
      system: 'S',
      turns: [user('q1'), answer('<think>\nplan\n</think>\n\nthe answer', { thought: 'plan' }), user('q2')],
      contextSize: 4096,
      maxAnswerTokens: 256,
    });
    assert.equal(fitted.messages[2]!.content, 'the answer');
  });

  test('drops the oldest exchanges whole when a long chat outgrows the context, never failing', () => {
    const turns: ChatTurn[] = [];
    for (let i = 0; i < 200; i++)
      turns.push(user(`question ${i} ${'x'.repeat(300)}`), answer(`answer ${i} ${'y'.repeat(300)}`));
    turns.push(user('last question'));
    const fitted = fitConversation({ system: 'S', turns, contextSize: 2048, maxAnswerTokens: 2048 });
    assert.ok(fitted.estimatedTokens <= 2048 - 512, `estimated ${fitted.estimatedTokens} tokens`);
    assert.ok(fitted.droppedTurns > 100);
    assert.equal(fitted.messages.at(-1)!.content, 'last question');
    assert.match(fitted.messages.at(-2)!.content, /^answer 199/, 'the latest exchange is kept');
    assert.equal(fitted.messages[1]!.role, 'user', 'history starts with a question');
    for (let i = 1; i < fitted.messages.length; i++)
      assert.equal(fitted.messages[i]!.role, i % 2 ? 'user' : 'assistant');
  });

  test('shortens a latest message that alone is larger than the context', () => {
    const fitted = fitConversation({
      system: 'S',
      turns: [user('big', 'z'.repeat(100_000) + 'TAIL')],
      contextSize: 2048,
      maxAnswerTokens: 512,
    });
    assert.ok(fitted.shortened);
    assert.ok(estimateTokens(fitted.messages[1]!.content) < 2048 - 512);
    assert.ok(fitted.messages[1]!.content.endsWith('TAIL'));
  });

  test('leaves out questions that got no answer and answers that are empty', () => {
    const fitted = fitConversation({
      system: 'S',
      turns: [user('q1'), answer('', { status: 'error', error: 'no model' }), user('q2'), user('q3')],
      contextSize: 4096,
      maxAnswerTokens: 256,
    });
    assert.deepEqual(
      fitted.messages.map((m) => m.content),
      ['S', 'q3'],
    );
    assert.equal(fitted.droppedTurns, 3);
  });

  test('keeps a partial, interrupted answer as context', () => {
    const fitted = fitConversation({
      system: 'S',
      turns: [user('q1'), answer('half an ans', { status: 'interrupted' }), user('go on')],
      contextSize: 4096,
      maxAnswerTokens: 256,
    });
    assert.equal(fitted.messages[2]!.content, 'half an ans');
  });
});
