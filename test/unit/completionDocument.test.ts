import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  displayPath,
  indentWidth,
  InsertedTextDocument,
  LinesDocument,
} from '../../src/core/completion/documentWindow';

describe('completion documents', () => {
  const base = new LinesDocument('file:///repo/src/app/main.ts', 'typescript', ['function f() {', '  return ', '}'], 4);

  test('a document seen after inserting a multi-line suggestion has the right lines and cursor', () => {
    const doc = new InsertedTextDocument(base, { line: 1, character: 9 }, 'compute(\n    1,\n  );');
    assert.equal(doc.lineCount, 5);
    assert.deepEqual(
      Array.from({ length: doc.lineCount }, (_, i) => doc.lineAt(i)),
      ['function f() {', '  return compute(', '    1,', '  );', '}'],
    );
    assert.deepEqual(doc.end, { line: 3, character: 4 });
    assert.equal(doc.version, 5);
  });

  test('a single-line insertion keeps the text after the cursor', () => {
    const doc = new LinesDocument('file:///a.ts', 'typescript', ['call()']);
    const after = new InsertedTextDocument(doc, { line: 0, character: 5 }, 'x, y');
    assert.equal(after.lineAt(0), 'call(x, y)');
    assert.deepEqual(after.end, { line: 0, character: 9 });
    assert.deepEqual(doc.insert({ line: 0, character: 5 }, 'x').lineAt(0), 'call(x)');
  });

  test('the path shown to the model is the relative path, or the last segments of the uri', () => {
    assert.equal(displayPath(base), 'src/app/main.ts');
    assert.equal(displayPath({ uri: 'file:///c%3A/work/a%20b.py' }), 'c:/work/a b.py');
    assert.equal(displayPath({ uri: 'untitled:Untitled-1' }), 'Untitled-1');
    assert.equal(displayPath({ uri: 'file:///x/y.ts', relativePath: 'pkg/y.ts' }), 'pkg/y.ts');
  });

  test('indentation width counts a tab to the next tab stop', () => {
    assert.equal(indentWidth('\t  x'), 6);
    assert.equal(indentWidth('    x', 2), 4);
    assert.equal(indentWidth('x'), 0);
  });

  test('reading a line outside the document is an error, not an empty line', () => {
    assert.throws(() => base.lineAt(3), RangeError);
  });
});
