import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { selectRegion, splitLines, Typist, type KeyKind, type TypistFile } from '../../src/core/bench/typist';
import { REPO_ROOT } from '../helpers/testModel';

const SOURCE = [
  'import { readFile } from "node:fs/promises";',
  '',
  'export async function total(path: string): Promise<number> {',
  '  const items = JSON.parse(await readFile(path, "utf8"));',
  '  if (items.length === 0) {',
  '    return 0;',
  '  }',
  '  return items.reduce((sum: number, item: { price: number }) => sum + item.price, 0);',
  '}',
  '',
  'export const names = ["a", "b"].map((n) => n.toUpperCase());',
].join('\n');

function fileOf(text: string): TypistFile {
  return { uri: 'file:///repo/src/total.ts', languageId: 'typescript', relativePath: 'src/total.ts', text };
}

function textOf(typist: Typist): string {
  const doc = typist.doc;
  return Array.from({ length: doc.lineCount }, (_, i) => doc.lineAt(i)).join('\n');
}

/** Types everything, recording each key with the delay before it. */
function typeAll(typist: Typist): Array<{ delay: number; kind: KeyKind; char: string; line: string }> {
  const keys: Array<{ delay: number; kind: KeyKind; char: string; line: string }> = [];
  while (!typist.done) {
    const delay = typist.delayBeforeNext();
    const char = typist.upcoming[0] ?? '';
    const kind = typist.press();
    keys.push({ delay, kind, char, line: typist.doc.lineAt(typist.cursor.line) });
  }
  return keys;
}

describe('the benchmark typist', () => {
  test('selects whole lines from the start line until the character count is reached', () => {
    const lines = splitLines(SOURCE);
    const region = selectRegion(lines, 2, 100);
    assert.equal(region.startLine, 2);
    assert.equal(region.text, lines.slice(2, region.endLine).join('\n'));
    assert.ok(region.text.length + 1 >= 100, 'at least the characters asked for');
    assert.ok(lines.slice(2, region.endLine - 1).join('\n').length + 1 < 100, 'and not a line more');
    assert.equal(selectRegion(lines, 0, 1_000_000).endLine, lines.length, 'or to the end of the file');
    assert.throws(() => selectRegion(lines, lines.length, 10), /line 12 is outside the file \(1–11\)/);
  });

  test('starts on a line holding only the indentation of the first typed line, with the rest of the file below', () => {
    const typist = new Typist(fileOf(SOURCE), 4, 60, 1);
    const lines = splitLines(SOURCE);
    assert.equal(typist.doc.lineAt(4), '  ');
    assert.deepEqual(typist.cursor, { line: 4, character: 2 });
    assert.equal(typist.doc.lineAt(3), lines[3]);
    assert.equal(typist.doc.lineAt(5), lines[typist.region.endLine]);
    assert.equal(typist.doc.lineCount, lines.length - (typist.region.endLine - 4) + 1);
  });

  test('ends with the document equal to the original file, here and on a real source file', () => {
    for (const [text, from] of [
      [SOURCE, 0],
      [readFileSync(join(REPO_ROOT, 'src/core/completion/completionPipeline.ts'), 'utf8'), 100],
    ] as const) {
      const typist = new Typist(fileOf(text), from, 2000, 7);
      const keys = typeAll(typist);
      assert.equal(textOf(typist), text);
      assert.equal(typist.keystrokes, keys.length);
      assert.ok(keys.filter((k) => k.kind === 'clear').length <= 1, 'closers left behind are rare');
    }
  });

  test('is deterministic for a seed: the same keys, the same documents, the same delays', () => {
    const a = typeAll(new Typist(fileOf(SOURCE), 0, 500, 42));
    const b = typeAll(new Typist(fileOf(SOURCE), 0, 500, 42));
    const c = typeAll(new Typist(fileOf(SOURCE), 0, 500, 43));
    assert.deepEqual(a, b);
    assert.deepEqual(
      c.map((k) => k.line),
      a.map((k) => k.line),
      'another seed types the same text',
    );
    assert.notDeepEqual(
      c.map((k) => k.delay),
      a.map((k) => k.delay),
      'at another rhythm',
    );
  });

  test("presses Enter once for the line break and the next line's indentation", () => {
    const typist = new Typist(fileOf(SOURCE), 4, 40, 1); // '  if (items.length === 0) {' then '    return 0;'
    while (typist.upcoming[0] !== '\n') typist.press();
    assert.equal(typist.press(), 'enter');
    assert.deepEqual(typist.cursor, { line: 5, character: 4 });
    assert.equal(typist.doc.lineAt(5), '    ');
    assert.ok(typist.upcoming.startsWith('return 0;'));
  });

  test('auto-closes a bracket closed on the same line and types over the closer, but not one closed on a later line', () => {
    const typist = new Typist(fileOf(SOURCE), 4, 20, 1);
    const pressUntil = (typed: string) => {
      while (!typist.doc.lineAt(4).slice(0, typist.cursor.character).endsWith(typed)) typist.press();
    };
    pressUntil('if (');
    assert.equal(typist.doc.lineAt(4), '  if ()', 'the editor put the closer after the cursor');
    pressUntil('=== 0');
    assert.equal(typist.doc.lineAt(4), '  if (items.length === 0)');
    assert.equal(typist.press(), 'overtype');
    assert.equal(typist.doc.lineAt(4), '  if (items.length === 0)', 'typing over the closer changes nothing');
    typist.press();
    typist.press();
    assert.equal(typist.doc.lineAt(4), '  if (items.length === 0) {', 'the block opener stays open');
  });

  test('accepts only a suggestion that is exactly what it is about to type, and still ends on the original file', () => {
    const typist = new Typist(fileOf(SOURCE), 7, 200, 3);
    while (!typist.upcoming.startsWith('items.reduce')) typist.press();
    assert.equal(typist.canAccept('items.redux'), false);
    assert.equal(typist.canAccept(''), false);
    assert.equal(typist.canAccept('items'), true);
    const rest = typist.upcoming.slice(0, typist.upcoming.indexOf('\n}') + 2);
    assert.equal(typist.canAccept(rest), true, 'a multi-line suggestion that matches');
    typist.accept(rest);
    assert.equal(typist.acceptances, 1);
    assert.equal(typist.acceptedChars, rest.length);
    typeAll(typist);
    assert.equal(textOf(typist), SOURCE);
  });

  test('refuses a suggestion with brackets while the editor holds closers after the cursor', () => {
    const typist = new Typist(fileOf(SOURCE), 7, 200, 3);
    while (!typist.upcoming.startsWith('sum: number')) typist.press();
    assert.ok(typist.doc.lineAt(7).endsWith(')'), 'an auto-closed paren waits after the cursor');
    assert.equal(typist.canAccept('sum: number, item: {'), false);
    assert.equal(typist.canAccept('sum: number'), true);
  });

  test('types at 80–200 ms a character, slower after a line break, with a few long pauses', () => {
    const typist = new Typist(
      fileOf(readFileSync(join(REPO_ROOT, 'src/core/completion/completionPipeline.ts'), 'utf8')),
      0,
      3000,
      11,
    );
    const keys = typeAll(typist);
    const afterEnter = keys.filter((_, i) => i > 0 && keys[i - 1]!.kind === 'enter').map((k) => k.delay);
    const midWord = keys
      .filter((k, i) => i > 0 && /\w/.test(k.char) && /\w/.test(keys[i - 1]!.char))
      .map((k) => k.delay);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(
      keys.every((k) => k.delay >= 80 && k.delay <= 200 + 1200 + 6000),
      "every delay within the rhythm's bounds",
    );
    assert.ok(mean(afterEnter) > mean(midWord) + 300, `after Enter ${mean(afterEnter)} ms, typing ${mean(midWord)} ms`);
    const long = keys.filter((k) => k.delay >= 2000).length;
    assert.ok(long > 0 && long < keys.length * 0.05, `${long} long pauses in ${keys.length} keys`);
  });
});
