import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { validateWebviewMessage } from '../../src/core/chat/webviewMessageValidator';
import { LIMITS, WEBVIEW_COMMANDS } from '../../src/core/chat/webviewProtocol';

const accepted = (m: unknown) => {
  const r = validateWebviewMessage(m);
  assert.ok(r.ok, `expected ${JSON.stringify(m).slice(0, 200)} to be accepted: ${r.ok ? '' : r.reason}`);
};
const rejected = (m: unknown, reason?: RegExp) => {
  const r = validateWebviewMessage(m);
  if (r.ok) assert.fail(`expected ${String(JSON.stringify(m)).slice(0, 200)} to be rejected`);
  if (reason) assert.match(r.reason, reason);
};

describe('webview message validation', () => {
  test('accepts every well-formed message type', () => {
    accepted({ type: 'ready' });
    accepted({ type: 'send', requestId: 'r1-abc', text: 'Explain this', attachmentIds: ['a1', 'a2'] });
    accepted({ type: 'stop', requestId: 'r1-abc' });
    accepted({ type: 'addAttachment', kind: 'file' });
    accepted({ type: 'removeAttachment', id: 'a1' });
    accepted({ type: 'codeAction', action: 'apply', turnId: 't1', block: 0 });
    accepted({ type: 'openLink', url: 'https://example.com/docs?a=1' });
    for (const command of WEBVIEW_COMMANDS) accepted({ type: 'command', command });
  });

  test('drops a message of an unknown type and names the type in the reason', () => {
    rejected({ type: 'runCommand', command: 'workbench.action.quit' }, /unknown message type "runCommand"/);
    rejected({ type: 'constructor' }, /unknown message type/);
    rejected({ type: '__proto__' }, /unknown message type/);
    rejected({ text: 'no type' }, /unknown message type/);
  });

  test('drops values that are not plain objects', () => {
    for (const m of [null, undefined, 'ready', 42, ['ready'], new Date()]) rejected(m);
  });

  test('drops a message whose fields have the wrong types', () => {
    rejected({ type: 'send', requestId: 7, text: 'x', attachmentIds: [] }, /requestId is not a string/);
    rejected({ type: 'send', requestId: 'r1', text: { toString: 'x' }, attachmentIds: [] }, /text is not a string/);
    rejected({ type: 'send', requestId: 'r1', text: 'x', attachmentIds: 'a1' }, /attachmentIds is not an array/);
    rejected({ type: 'send', requestId: 'r1', text: 'x', attachmentIds: [1] }, /not a plain id/);
    rejected({ type: 'codeAction', action: 'apply', turnId: 't1', block: '0' }, /block is not an integer/);
    rejected({ type: 'codeAction', action: 'apply', turnId: 't1', block: 1.5 }, /block is not an integer/);
    rejected({ type: 'codeAction', action: 'apply', turnId: 't1', block: -1 }, /block is not an integer/);
  });

  test('drops a message with a missing field', () => {
    rejected({ type: 'send', requestId: 'r1', text: 'x' }, /missing field attachmentIds/);
    rejected({ type: 'stop' }, /missing field requestId/);
  });

  test('drops a message with a field its type does not have', () => {
    rejected({ type: 'ready', path: '../../etc/passwd' }, /unexpected field "path"/);
    rejected(
      { type: 'codeAction', action: 'insert', turnId: 't1', block: 0, code: 'rm -rf /' },
      /unexpected field "code"/,
    );
    rejected({ type: 'stop', requestId: 'r1', __proto__x: 1 }, /unexpected field/);
  });

  test('drops a 50 MB payload by its length without copying it', () => {
    const huge = 'x'.repeat(50 * 1024 * 1024);
    const started = performance.now();
    rejected({ type: 'send', requestId: 'r1', text: huge, attachmentIds: [] }, /longer than/);
    assert.ok(performance.now() - started < 50, 'the check should not read the payload');
    accepted({ type: 'send', requestId: 'r1', text: 'x'.repeat(LIMITS.maxInputChars), attachmentIds: [] });
  });

  test('drops too many attachments and over-long or path-like ids', () => {
    rejected(
      { type: 'send', requestId: 'r1', text: 'x', attachmentIds: Array.from({ length: 17 }, (_, i) => `a${i}`) },
      /more than 16/,
    );
    rejected({ type: 'removeAttachment', id: '../../secret' }, /not a plain id/);
    rejected({ type: 'removeAttachment', id: 'a'.repeat(65) }, /not a plain id/);
    rejected({ type: 'stop', requestId: '' }, /not a plain id/);
  });

  test('accepts only http and https links to open', () => {
    for (const url of [
      'javascript:alert(1)',
      'command:workbench.action.quit',
      'file:///etc/passwd',
      'vscode://x',
      'data:text/html,x',
      'not a url',
    ]) {
      rejected({ type: 'openLink', url });
    }
    rejected({ type: 'openLink', url: `https://x/${'a'.repeat(3000)}` }, /longer than/);
    accepted({ type: 'openLink', url: 'http://127.0.0.1:8080/x' });
  });

  test('accepts only the enumerated commands and actions, never a command id', () => {
    rejected({ type: 'command', command: 'workbench.action.terminal.new' }, /is not one of/);
    rejected({ type: 'codeAction', action: 'run', turnId: 't1', block: 0 }, /is not one of/);
    rejected({ type: 'addAttachment', kind: 'path' }, /is not one of/);
  });
});
