import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { beforeAfter, unifiedHunk } from '../../src/core/nes/diffText';
import { EditHistory, type HistoryDocument, type TextChange } from '../../src/core/nes/editHistory';
import { diffLines, regionEdits } from '../../src/core/nes/lineDiff';

/** A document that applies changes the way an editor does and reports them as VS Code would. */
class Doc implements HistoryDocument {
  constructor(
    readonly uri: string,
    public lines: string[],
    readonly path = uri.replace('file:///', ''),
  ) {}
  get lineCount() {
    return this.lines.length;
  }
  lineAt(i: number) {
    return this.lines[i]!;
  }
  /** Replaces [from, to) by text and returns the change in the old coordinates. */
  edit(from: [number, number], to: [number, number], text: string): TextChange {
    const head = this.lines[from[0]]!.slice(0, from[1]);
    const tail = this.lines[to[0]]!.slice(to[1]);
    this.lines.splice(from[0], to[0] - from[0] + 1, ...`${head}${text}${tail}`.split('\n'));
    return { range: { start: { line: from[0], character: from[1] }, end: { line: to[0], character: to[1] } }, text };
  }
  /** Types `text` one character at a time at (line, column). */
  type(history: EditHistory, line: number, column: number, text: string): void {
    for (let i = 0; i < text.length; i++)
      history.onUserChange(this, [this.edit([line, column + i], [line, column + i], text[i]!)]);
  }
}

const code = () => ['function area(w, h) {', '  return w * h;', '}', '', 'area(2, 3);', 'area(4, 5);'];

describe('edit history', () => {
  test('typing a word is one edit, rendered as a unified diff hunk with context', () => {
    const history = new EditHistory({ contextLines: 1 });
    const doc = new Doc('file:///a.js', code());
    history.observe(doc);
    doc.type(history, 0, 18, ', unit');
    const edits = history.edits();
    assert.equal(edits.length, 1);
    assert.deepEqual(edits[0]!.oldLines, ['function area(w, h) {']);
    assert.deepEqual(edits[0]!.newLines, ['function area(w, h, unit) {']);
    assert.equal(
      unifiedHunk(edits[0]!),
      ['@@ -1,2 +1,2 @@', '-function area(w, h) {', '+function area(w, h, unit) {', '   return w * h;'].join('\n'),
    );
  });

  test('edits a few lines apart merge; an edit far away or in another file starts a new one', () => {
    const history = new EditHistory({ mergeLines: 2, contextLines: 0 });
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i}`);
    const doc = new Doc('file:///b.txt', lines);
    const other = new Doc('file:///c.txt', ['x']);
    history.observe(doc);
    history.observe(other);
    doc.type(history, 3, 6, 'a');
    doc.type(history, 5, 6, 'b'); // two lines below: merged
    assert.equal(history.edits().length, 1);
    assert.deepEqual(history.edits()[0]!.newLines, ['line 3a', 'line 4', 'line 5b']);
    doc.type(history, 20, 0, 'c'); // far: a new edit
    other.type(history, 0, 1, 'y'); // another file: a new edit
    assert.deepEqual(
      history.edits().map((e) => [e.path, e.newStart, e.newLines.join('|')]),
      [
        ['b.txt', 3, 'line 3a|line 4|line 5b'],
        ['b.txt', 20, 'cline 20'],
        ['c.txt', 0, 'xy'],
      ],
    );
    assert.equal(history.latestFor('file:///b.txt')!.newStart, 20);
  });

  test('a line break typed inside the edit grows its region, and a deletion is diffed against the lines it removed', () => {
    const history = new EditHistory({ contextLines: 0 });
    const doc = new Doc('file:///d.js', code());
    history.observe(doc);
    history.onUserChange(doc, [doc.edit([1, 15], [1, 15], '\n  // area')]);
    history.onUserChange(doc, [doc.edit([4, 0], [5, 0], '')]); // delete "area(2, 3);\n", 2 lines below
    const [edit] = history.edits();
    assert.deepEqual(edit!.oldLines, ['  return w * h;', '}', '', 'area(2, 3);']);
    assert.deepEqual(edit!.newLines, ['  return w * h;', '  // area', '}', 'area(2, 3);']);
  });

  test('typing and deleting the same text again leaves no edit', () => {
    const history = new EditHistory();
    const doc = new Doc('file:///e.js', code());
    history.observe(doc);
    doc.type(history, 4, 0, 'x');
    history.onUserChange(doc, [doc.edit([4, 0], [4, 1], '')]);
    assert.equal(history.edits().length, 0);
  });

  test('the count of edits is bounded and the oldest go first', () => {
    const history = new EditHistory({ maxEdits: 3, mergeLines: 0 });
    const doc = new Doc(
      'file:///f.txt',
      Array.from({ length: 100 }, (_, i) => `l${i}`),
    );
    history.observe(doc);
    for (const line of [0, 10, 20, 30, 40]) doc.type(history, line, 0, '#');
    assert.deepEqual(
      history.edits().map((e) => e.newStart),
      [20, 30, 40],
    );
  });

  test('a huge paste is capped in lines and line length', () => {
    const history = new EditHistory({ maxLinesPerEdit: 10, maxLineChars: 20 });
    const doc = new Doc('file:///g.txt', ['start', 'end']);
    history.observe(doc);
    const pasted = Array.from({ length: 1000 }, (_, i) => `pasted line ${i} ${'x'.repeat(50)}`).join('\n');
    history.onUserChange(doc, [doc.edit([1, 0], [1, 0], `${pasted}\n`)]);
    const [edit] = history.edits();
    assert.equal(edit!.newLines.length, 10);
    assert.ok(edit!.newLines.includes('...'));
    assert.ok(edit!.newLines.every((l) => l.length <= 21));
  });

  test('a change the user did not make resets the file’s history, and other files keep theirs', () => {
    const history = new EditHistory();
    const a = new Doc('file:///h.js', code());
    const b = new Doc('file:///i.js', code());
    history.observe(a);
    history.observe(b);
    a.type(history, 4, 0, 'x');
    b.type(history, 4, 0, 'y');
    a.lines = ['reloaded from disk'];
    history.onExternalChange(a);
    assert.deepEqual(
      history.edits().map((e) => e.path),
      ['i.js'],
    );
    a.type(history, 0, 0, 'z');
    assert.deepEqual(history.latestFor('file:///h.js')!.newLines, ['zreloaded from disk']);
  });

  test('several changes in one event (multiple cursors) are applied bottom-up', () => {
    const history = new EditHistory({ contextLines: 0 });
    const doc = new Doc('file:///j.js', code());
    history.observe(doc);
    // Rename w to width on lines 0 and 1 at once (VS Code reports both in old coordinates).
    const before = doc.lines.slice();
    doc.lines[1] = '  return width * h;';
    doc.lines[0] = 'function area(width, h) {';
    history.onUserChange(doc, [
      { range: { start: { line: 0, character: 14 }, end: { line: 0, character: 15 } }, text: 'width' },
      { range: { start: { line: 1, character: 9 }, end: { line: 1, character: 10 } }, text: 'width' },
    ]);
    const [edit] = history.edits();
    assert.deepEqual(edit!.oldLines, before.slice(0, 2));
    assert.deepEqual(edit!.newLines, doc.lines.slice(0, 2));
  });

  test('before/after blocks carry the context lines on both sides', () => {
    const history = new EditHistory({ contextLines: 1 });
    const doc = new Doc('file:///k.js', code());
    history.observe(doc);
    doc.type(history, 1, 9, 'x');
    assert.deepEqual(beforeAfter(history.edits()[0]!), {
      original: 'function area(w, h) {\n  return w * h;\n}',
      updated: 'function area(w, h) {\n  return xw * h;\n}',
    });
  });
});

describe('line diffs', () => {
  test('changed runs are found between unchanged lines', () => {
    assert.deepEqual(diffLines(['a', 'b', 'c', 'd'], ['a', 'B', 'c', 'd', 'e']), [
      { oldStart: 1, oldEnd: 2, newStart: 1, newEnd: 2 },
      { oldStart: 4, oldEnd: 4, newStart: 4, newEnd: 5 },
    ]);
  });

  test('a rename inside a line becomes an edit of just the name, one edit per changed line', () => {
    const edits = regionEdits(['let a = item;', 'use(item);'], ['let a = entry;', 'use(entry);'], 10);
    assert.deepEqual(
      edits.map((e) => [e.range.start, e.range.end, e.oldText, e.text]),
      [
        [{ line: 10, character: 8 }, { line: 10, character: 12 }, 'item', 'entry'],
        [{ line: 11, character: 4 }, { line: 11, character: 8 }, 'item', 'entry'],
      ],
    );
    const apart = regionEdits(['item', 'x', 'item'], ['entry', 'x', 'entry'], 0);
    assert.deepEqual(
      apart.map((e) => [e.range.start.line, e.range.start.character, e.range.end.character, e.text]),
      [
        [0, 0, 4, 'entry'],
        [2, 0, 4, 'entry'],
      ],
    );
  });

  test('lines added or removed at the end of the region edit across the last line break', () => {
    const [added] = regionEdits(['a', 'b'], ['a', 'b', 'c'], 0);
    assert.deepEqual(
      [added!.range.start, added!.range.end, added!.text],
      [{ line: 1, character: 1 }, { line: 1, character: 1 }, '\nc'],
    );
    const [removed] = regionEdits(['a', 'b', 'c'], ['a'], 0);
    assert.deepEqual(
      [removed!.range.start, removed!.range.end, removed!.oldText, removed!.text],
      [{ line: 0, character: 1 }, { line: 2, character: 1 }, '\nb\nc', ''],
    );
  });
});
