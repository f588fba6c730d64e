import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LinesDocument } from '../../src/core/completion/documentWindow';
import { CommittedSnippets, ExtraContext, jaccard } from '../../src/core/completion/extraContext';

function file(name: string, n: number, text = (i: number) => `export const ${name}${i} = ${i};`): LinesDocument {
  return new LinesDocument(
    `file:///repo/src/${name}.ts`,
    'typescript',
    Array.from({ length: n }, (_, i) => text(i)),
  );
}

describe('extra context', () => {
  test('a copied range becomes a snippet rendered with its path, lines ending in line breaks', () => {
    const extra = new ExtraContext();
    assert.equal(extra.add(file('util', 10), 2, 5), true);
    const [s] = extra.snippets();
    assert.equal(s!.path, 'repo/src/util.ts');
    assert.equal(s!.text, 'export const util2 = 2;\nexport const util3 = 3;\nexport const util4 = 4;\n');
    assert.equal(extra.version, 1);
  });

  test('a snippet nearly identical to one held (Jaccard > 0.9) is skipped so the prompt front stays put', () => {
    const extra = new ExtraContext();
    const a = file('a', 64);
    extra.add(a, 0, 40);
    const edited = file('a', 64, (i) => (i === 39 ? 'export const changed = 1;' : `export const a${i} = ${i};`));
    assert.equal(extra.add(edited, 0, 40), false);
    assert.equal(extra.snippets().length, 1);
    assert.equal(extra.version, 1);
    assert.equal(extra.add(file('b', 64), 0, 40), true);
  });

  test('new snippets are appended and the oldest evicted, so earlier snippets keep their order', () => {
    const extra = new ExtraContext({ maxChunks: 3 });
    for (const name of ['a', 'b', 'c', 'd']) extra.add(file(name, 10), 0, 10);
    assert.deepEqual(
      extra.snippets().map((s) => s.path),
      ['repo/src/b.ts', 'repo/src/c.ts', 'repo/src/d.ts'],
    );
  });

  test('the token budget evicts the oldest snippets and a snippet larger than the budget is refused', () => {
    const extra = new ExtraContext({ tokenBudget: 250 });
    extra.add(file('a', 30), 0, 30);
    extra.add(file('b', 30), 0, 30);
    assert.ok(extra.snippets().reduce((t, s) => t + s.tokens, 0) <= 250);
    assert.deepEqual(
      extra.snippets().map((s) => s.path),
      ['repo/src/b.ts'],
    );
    const wide = file('wide', 64, (i) => `export const w${i} = '${'x'.repeat(60)}';`);
    assert.equal(extra.add(wide, 0, 64), false);
  });

  test('a chunk never exceeds 64 lines', () => {
    const extra = new ExtraContext({ tokenBudget: 10_000 });
    extra.onCopy(file('big', 500), 0, 400);
    assert.equal(extra.snippets()[0]!.text.split('\n').length - 1, 64);
  });

  test('editing far from the previous edit keeps the place left as a snippet; nearby edits do not', () => {
    const extra = new ExtraContext({ tokenBudget: 10_000 });
    const doc = file('main', 400);
    extra.onEdit(doc, 100);
    extra.onEdit(doc, 110);
    assert.equal(extra.snippets().length, 0);
    extra.onEdit(doc, 300);
    assert.equal(extra.snippets().length, 1);
    assert.equal(extra.snippets()[0]!.startLine, 110 - 32);
  });

  test('a cursor jump to another file keeps the place left', () => {
    const extra = new ExtraContext({ tokenBudget: 10_000 });
    extra.onCursorMove(file('one', 50), 10);
    extra.onCursorMove(file('two', 50), 10);
    assert.deepEqual(
      extra.snippets().map((s) => s.path),
      ['repo/src/one.ts'],
    );
  });

  test('listeners hear about changes and the version counts them', () => {
    const extra = new ExtraContext();
    let heard = 0;
    const off = extra.onDidChange(() => heard++);
    extra.onSave(file('s', 20), 5);
    extra.clear();
    off.dispose();
    extra.onSave(file('t', 20), 5);
    assert.equal(heard, 2);
    assert.equal(extra.version, 3);
  });

  test('Jaccard similarity of line sets', () => {
    assert.equal(jaccard(new Set(['a', 'b']), new Set(['a', 'b'])), 1);
    assert.equal(jaccard(new Set(['a', 'b']), new Set(['b', 'c'])), 1 / 3);
  });

  test('blank or one-line snippets are not worth a place', () => {
    const extra = new ExtraContext();
    assert.equal(extra.add(new LinesDocument('file:///e.ts', 'typescript', ['', 'x', '']), 0, 3), false);
  });

  test('a save of the file being completed takes no snippet of the lines the prompt shows, but does of lines outside them', () => {
    const extra = new ExtraContext({ tokenBudget: 8000 });
    const doc = file('edited', 400);
    extra.setWindow({ uri: doc.uri, firstLine: 96, endLine: 217 });
    extra.onSave(doc, 200);
    extra.onSave(doc, 120);
    assert.equal(extra.version, 0, 'both chunks overlap the window');
    extra.onSave(doc, 330);
    assert.equal(extra.snippets().length, 1, 'a place far below the window is worth a snippet');
    extra.onSave(file('other', 100), 50);
    assert.equal(extra.snippets().length, 2, 'another file is always outside the window');
  });

  test('a place left that the window shows is held back until the window is elsewhere, then kept', () => {
    const extra = new ExtraContext({ tokenBudget: 8000 });
    const doc = file('edited', 400);
    extra.setWindow({ uri: doc.uri, firstLine: 96, endLine: 217 });
    extra.onEditorSwitch(doc, 200);
    extra.onCursorMove(doc, 200);
    extra.onCursorMove(file('other', 100), 10);
    assert.equal(extra.version, 0, 'the prompt shows those lines already');
    extra.setWindow({ uri: doc.uri, firstLine: 96, endLine: 218 });
    assert.equal(extra.version, 0, 'back in the same window: still nothing to add');
    extra.setWindow({ uri: 'file:///repo/src/other.ts', firstLine: 0, endLine: 40 });
    assert.deepEqual(
      extra.snippets().map((s) => [s.path, s.startLine]),
      [['repo/src/edited.ts', 168]],
      'completing in the other file, the place left becomes a snippet, once',
    );
    extra.setWindow({ uri: 'file:///repo/src/other.ts', firstLine: 0, endLine: 41 });
    assert.equal(extra.snippets().length, 1);
  });

  test("a look at another file and back adds that file's place, not the lines the window shows", () => {
    const extra = new ExtraContext(); // the default budget: one 64-line snippet
    const edited = file('edited', 400);
    const other = file('other', 400, (i) => `int other${i}();`);
    extra.add(
      file('held', 100, (i) => `def held${i}(): pass`),
      0,
      60,
    );
    extra.setWindow({ uri: edited.uri, firstLine: 96, endLine: 217 });
    extra.onEditorSwitch(edited, 200); // to the other file…
    extra.onCursorMove(other, 300); // …a click there…
    extra.onEditorSwitch(other, 300); // …and back
    extra.onCursorMove(edited, 200);
    assert.deepEqual(
      extra.snippets().map((s) => s.path),
      ['repo/src/held.ts', 'repo/src/other.ts'],
    );
  });

  test('prompts see the ring as of the last commit', () => {
    const extra = new ExtraContext();
    const committed = new CommittedSnippets(extra);
    extra.add(file('a', 10), 0, 10);
    assert.equal(committed.pending, true);
    assert.equal(committed.snippets().length, 0);
    committed.commit();
    assert.equal(committed.pending, false);
    assert.deepEqual(
      committed.snippets().map((s) => s.path),
      ['repo/src/a.ts'],
    );
  });
});
