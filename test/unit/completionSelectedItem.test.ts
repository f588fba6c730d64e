import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InsertedTextDocument, LinesDocument } from '../../src/core/completion/documentWindow';
import { extendingItem, withSelectedItem } from '../../src/core/completion/selectedItem';
import { setup, typed } from '../helpers/completionFixtures';

describe('ghost text beside the suggest widget', () => {
  test('the document with the selected item accepted has the item in place of its range, the cursor after it', () => {
    const doc = new LinesDocument('file:///a.js', 'javascript', ['function f(items) {', '  return it)', '}'], 3);
    const { doc: edited, position } = withSelectedItem(doc, {
      range: { start: { line: 1, character: 9 }, end: { line: 1, character: 11 } },
      text: 'items',
    });
    assert.deepEqual(
      Array.from({ length: edited.lineCount }, (_, i) => edited.lineAt(i)),
      ['function f(items) {', '  return items)', '}'],
    );
    assert.deepEqual(position, { line: 1, character: 14 });
    assert.equal(edited.version, 4);
  });

  test('a replaced range that spans lines, and an item of several lines, keep the lines below in place', () => {
    const doc = new LinesDocument('file:///a.js', 'javascript', ['a', 'bXX', 'YYc', 'd']);
    const edited = new InsertedTextDocument(doc, { line: 1, character: 1 }, '1\n2\n3', { line: 2, character: 2 });
    assert.deepEqual(
      Array.from({ length: edited.lineCount }, (_, i) => edited.lineAt(i)),
      ['a', 'b1', '2', '3c', 'd'],
    );
  });

  test("the model is asked after the item and the ghost text starts with the item's text over its range", async () => {
    const { engine, pipeline } = setup();
    engine.reply = () => '.pi * r * r';
    const { doc } = typed('ma'); // "    return ma" on line 3, the widget offers "math"
    const item = { range: { start: { line: 3, character: 11 }, end: { line: 3, character: 13 } }, text: 'math' };
    const at = withSelectedItem(doc, item);
    const suggestion = await pipeline.provide({ ...at, triggerKind: 'invoke' });
    assert.ok(engine.last.prompt.endsWith('<|fim_middle|>    return math'), engine.last.prompt);
    assert.ok(suggestion);
    const shown = extendingItem(item, suggestion);
    assert.equal(shown.insertText, 'math.pi * r * r');
    assert.ok(shown.insertText.startsWith(item.text), 'VS Code shows only a completion that extends the item');
    assert.deepEqual(shown.range, item.range);
  });

  test('arrowing back to the same item is answered from the cache', async () => {
    const { engine, pipeline } = setup();
    engine.reply = () => '.pi';
    const { doc } = typed('ma');
    const item = { range: { start: { line: 3, character: 11 }, end: { line: 3, character: 13 } }, text: 'math' };
    await pipeline.provide({ ...withSelectedItem(doc, item), triggerKind: 'invoke' });
    const again = await pipeline.provide({ ...withSelectedItem(doc, item), triggerKind: 'invoke' });
    assert.equal(again?.source, 'cache');
    assert.equal(engine.calls.length, 1);
  });
});
