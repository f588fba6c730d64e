import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cutLine, type CompletionDocument } from '../../src/core/completion/documentWindow';
import { ExtraContext } from '../../src/core/completion/extraContext';
import { setup } from '../helpers/completionFixtures';

/** A 50 MB document without 50 MB of memory: code lines with a 250,000-character minified line
 * every tenth line (one shared string), counting the characters every read returns. */
class HugeDocument implements CompletionDocument {
  static readonly MINIFIED = `var a=${'[1,2,3],'.repeat(35_714)}0;`;
  readonly languageId = 'javascript';
  readonly version = 1;
  readonly lineCount = 2000;
  charsRead = 0;

  constructor(readonly uri = 'file:///repo/dist/bundle.js') {}

  get totalChars(): number {
    let total = 0;
    for (let i = 0; i < this.lineCount; i++) total += this.text(i).length + 1;
    return total;
  }

  lineAt(line: number, maxChars?: number): string {
    const read = cutLine(this.text(line), maxChars);
    this.charsRead += read.length;
    return read;
  }

  private text(line: number): string {
    if (line % 10 === 5) return HugeDocument.MINIFIED;
    return `  const value${line} = compute(${line}, options.scale);`;
  }
}

/** What one event may read: a chunk of 64 lines of at most 501 characters. */
const PER_EVENT = 64 * 501;

describe('extra context on a 50 MB document', () => {
  test('every feed event reads a bounded number of characters, whatever the size of the document', () => {
    const doc = new HugeDocument();
    assert.ok(doc.totalChars > 50_000_000, `the document has ${doc.totalChars} characters`);
    const other = new HugeDocument('file:///repo/dist/other.js');
    const extra = new ExtraContext({ tokenBudget: 100_000 });
    const events: Array<[string, () => void]> = [
      ['editor switch', () => extra.onEditorSwitch(doc, 1000)],
      ['save', () => extra.onSave(doc, 1500)],
      ['cursor jump', () => (extra.onCursorMove(doc, 10), extra.onCursorMove(doc, 900))],
      ['edit elsewhere', () => (extra.onEdit(doc, 20), extra.onEdit(doc, 1200))],
      ['visible range', () => extra.onVisible(doc, 300, 400)],
      ['copy', () => extra.onCopy(doc, 0, 1999)],
      ['jump to another file', () => extra.onCursorMove(other, 50)],
    ];
    for (const [name, fire] of events) {
      const before = doc.charsRead;
      fire();
      const read = doc.charsRead - before;
      assert.ok(read <= 2 * PER_EVENT, `${name} read ${read} characters`);
    }
    for (const s of extra.snippets()) assert.ok(s.text.length <= 16_000, `a snippet of ${s.text.length} characters`);
    assert.ok(
      extra.snippets().every((s) => !s.text.includes('[1,2,3],[1,2,3]')),
      'no minified line reaches the prompt',
    );
  });

  test('a snippet ends before an overlong line, keeping the code above it', () => {
    const extra = new ExtraContext({ tokenBudget: 100_000 });
    const doc = new HugeDocument();
    assert.equal(extra.add(doc, 0, 64), true);
    assert.equal(extra.snippets()[0]!.text.split('\n').length - 1, 5, 'lines 0-4, before the minified line 5');
  });

  test("a completion request next to minified lines reads only what the prompt's budget holds", async () => {
    const { engine, pipeline } = setup();
    engine.reply = () => 'x';
    const doc = new HugeDocument();
    await pipeline.provide({ doc, position: { line: 1003, character: 10 }, triggerKind: 'invoke' });
    assert.ok(doc.charsRead < 20_000, `read ${doc.charsRead} characters`);
  });
});
