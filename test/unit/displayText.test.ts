// The one sanitizer for untrusted model strings shown to people (the CLI, VS Code notifications).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { displayChunk, displayText } from '../../src/core/util/displayText';

describe('displayText', () => {
  test('removes colour, cursor, title (OSC) and hyperlink sequences and keeps the words', () => {
    const hostile =
      '\u001b[31mRed\u001b[0m \u001b]0;owned\u0007Title \u001b]8;;https://evil.example\u001b\\link\u001b]8;;\u001b\\ \u001b[2J\u001b[HEnd';
    assert.equal(displayText(hostile), 'Red Title link End');
  });

  test('removes C0 and C1 controls (the 8-bit CSI too), DEL and carriage returns, and keeps line feeds and tabs', () => {
    assert.equal(displayText('a\u0000b\u0007c\rd\u007fe\u009b31mf\u0085g\n\th'), 'abcdefg\n\th');
  });

  test('removes bidirectional overrides that would reorder what is read', () => {
    assert.equal(displayText('admin\u202e\u2066txt.exe\u2069'), 'admintxt.exe');
  });

  test('turns line feeds and tabs into spaces for one-line labels', () => {
    assert.equal(displayText('Qwen\n\tCoder', { multiline: false }), 'Qwen Coder');
  });

  test('cuts a 210 kB message to the cap and says how much was left out', () => {
    const text = displayText('x'.repeat(210_000), { maxChars: 2000 });
    assert.ok(text.length < 2100, `${text.length} characters`);
    assert.match(text, /^x{2000}… \(208,000 more characters\)$/);
  });

  test('never cuts a surrogate pair in half nor leaves a lone surrogate', () => {
    const text = displayText(`${'a'.repeat(9)}🙂🙂`, { maxChars: 10 });
    assert.ok(text.startsWith('a'.repeat(9) + '…'), text);
    assert.equal(displayText('\ud800x'), '\ufffdx');
  });

  test('leaves ordinary text, Unicode included, unchanged', () => {
    const text = 'Qwen2.5-Coder 1.5B — 漢字 🙂 "quoted"';
    assert.equal(displayText(text), text);
  });
});

describe('displayChunk', () => {
  test('makes an escape sequence split across two chunks harmless', () => {
    assert.equal(displayChunk('answer \u001b') + displayChunk('[2Jmore'), 'answer [2Jmore');
    assert.equal(displayChunk('line\n\tindented\r'), 'line\n\tindented');
  });
});
