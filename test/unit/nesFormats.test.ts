// Each next-edit format's prompt, compared with the exact text its model was trained on. The
// expected texts are written out by hand from each family's reference (cited per test), so a change
// to a format shows up here as a diff of the prompt.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ContextSnippet } from '../../src/core/completion/extraContext';
import { LinesDocument } from '../../src/core/completion/documentWindow';
import type { EditRecord } from '../../src/core/nes/editHistory';
import { detectNextEditFamily } from '../../src/core/nes/families';
import { instinctFormat } from '../../src/core/nes/formats/instinctFormat';
import { INSTINCT_SYSTEM_PROMPT, INSTINCT_USER_PROMPT_PREFIX } from '../../src/core/nes/formats/instinctPrompts';
import { sweepFormat } from '../../src/core/nes/formats/sweepFormat';
import { zetaFormat } from '../../src/core/nes/formats/zetaFormat';
import { promptText, type NesContext } from '../../src/core/nes/nesPrompt';

const LINES = [
  'function total(cart) {',
  '  let sum = 0;',
  '  for (const entry of cart.items) sum += item.price;',
  '  return sum;',
  '}',
];

/** The user renamed `item` to `entry` on line 2 (zero-based); the cursor is after the rename. */
const RENAME: EditRecord = {
  uri: 'file:///w/src/cart.js',
  path: 'src/cart.js',
  oldStart: 2,
  newStart: 2,
  oldLines: ['  for (const item of cart.items) sum += item.price;'],
  newLines: ['  for (const entry of cart.items) sum += item.price;'],
  above: ['  let sum = 0;'],
  below: ['  return sum;'],
  at: 0,
};

const SNIPPET: ContextSnippet = {
  uri: 'file:///w/src/prices.js',
  path: 'src/prices.js',
  languageId: 'javascript',
  startLine: 0,
  text: 'export const TAX = 0.2;\nexport function net(p) { return p / (1 + TAX); }\n',
  tokens: 30,
};

function context(over: Partial<NesContext> = {}): NesContext {
  const doc = new LinesDocument('file:///w/src/cart.js', 'javascript', LINES, 3, 'src/cart.js');
  return {
    doc,
    path: 'src/cart.js',
    cursor: { line: 2, character: 18 },
    edits: [RENAME],
    snippets: [SNIPPET],
    ...over,
  };
}

describe('next-edit prompt formats', () => {
  test(
    'Sweep: related files, the edit as original/updated, then original, current and an open updated ' +
      'block (Zed sweep_prompt.rs build_prompt, run_model ordering)',
    () => {
      const prompt = sweepFormat.build(context());
      assert.equal(
        promptText(prompt.segments),
        '<|file_sep|>src/prices.js\n' +
          'export const TAX = 0.2;\n' +
          'export function net(p) { return p / (1 + TAX); }\n' +
          '<|file_sep|>src/cart.js.diff\n' +
          'original:\n' +
          '  let sum = 0;\n' +
          '  for (const item of cart.items) sum += item.price;\n' +
          '  return sum;\n' +
          'updated:\n' +
          '  let sum = 0;\n' +
          '  for (const entry of cart.items) sum += item.price;\n' +
          '  return sum;\n' +
          '<|file_sep|>original/src/cart.js\n' +
          'function total(cart) {\n' +
          '  let sum = 0;\n' +
          '  for (const item of cart.items) sum += item.price;\n' +
          '  return sum;\n' +
          '}\n' +
          '<|file_sep|>current/src/cart.js\n' +
          'function total(cart) {\n' +
          '  let sum = 0;\n' +
          '  for (const entry of cart.items) sum += item.price;\n' +
          '  return sum;\n' +
          '}\n' +
          '<|file_sep|>updated/src/cart.js\n',
      );
      // <|file_sep|> is Qwen2.5-Coder's own control token; everything else is plain text.
      assert.deepEqual(
        prompt.segments.filter((s) => 'special' in s).map((s) => ('special' in s ? s.special : '')),
        Array(5).fill('<|file_sep|>'),
      );
      assert.deepEqual(prompt.stop, ['<|file_sep|>', '</s>']);
      assert.deepEqual(prompt.region, { start: 0, end: 5, lines: LINES });
    },
  );

  test('Sweep: the window is ten lines above and below the cursor, and the answer is read up to the next file separator', () => {
    const long = Array.from({ length: 40 }, (_, i) => `line ${i}`);
    const doc = new LinesDocument('file:///w/a.txt', 'plaintext', long, 1, 'a.txt');
    const prompt = sweepFormat.build({
      doc,
      path: 'a.txt',
      cursor: { line: 20, character: 0 },
      edits: [],
      snippets: [],
    });
    assert.equal(prompt.region.start, 10);
    assert.equal(prompt.region.end, 31);
    assert.ok(promptText(prompt.segments).startsWith('<|file_sep|>original/a.txt\nline 10\n'));
    assert.deepEqual(prompt.parse('x\ny\n<|file_sep|>junk'), ['x', 'y']);
    assert.equal(prompt.parse(''), null);
  });

  test(
    'Zeta: the zeta1 instruction, the edit as a diff, the excerpt with region and cursor markers ' +
      '(Zed zeta_prompt.rs mod zeta1, zeta1/input_excerpt.rs)',
    () => {
      const prompt = zetaFormat.build(context());
      assert.equal(
        promptText(prompt.segments),
        '### Instruction:\n' +
          'You are a code completion assistant and your task is to analyze user edits and then rewrite an ' +
          'excerpt that the user provides, suggesting the appropriate edits within the excerpt, taking ' +
          'into account the cursor location.\n' +
          '\n' +
          '### User Edits:\n' +
          '\n' +
          'User edited src/cart.js:\n' +
          '```diff\n' +
          '@@ -2,3 +2,3 @@\n' +
          '   let sum = 0;\n' +
          '-  for (const item of cart.items) sum += item.price;\n' +
          '+  for (const entry of cart.items) sum += item.price;\n' +
          '   return sum;\n' +
          '```\n' +
          '\n' +
          '### User Excerpt:\n' +
          '\n' +
          '```src/cart.js\n' +
          '<|start_of_file|>\n' +
          '<|editable_region_start|>\n' +
          'function total(cart) {\n' +
          '  let sum = 0;\n' +
          '  for (const entry<|user_cursor_is_here|> of cart.items) sum += item.price;\n' +
          '  return sum;\n' +
          '}\n' +
          '<|editable_region_end|>\n' +
          '```\n' +
          '\n' +
          '### Response:\n',
      );
      assert.equal(
        prompt.segments.some((s) => 'special' in s),
        false,
      );
      assert.deepEqual(prompt.stop, ['<|editable_region_end|>']);
      assert.deepEqual(
        prompt.parse(
          '```src/cart.js\n<|editable_region_start|>\na\nb<|user_cursor_is_here|>c\n<|editable_region_end|>',
        ),
        ['a', 'bc'],
      );
    },
  );

  test('Zeta: a region smaller than the file leaves context lines outside the markers', () => {
    const long = Array.from({ length: 400 }, (_, i) => `const value${i} = compute(${i}, "padding padding");`);
    const doc = new LinesDocument('file:///w/v.js', 'javascript', long, 1, 'v.js');
    const prompt = zetaFormat.build({
      doc,
      path: 'v.js',
      cursor: { line: 200, character: 0 },
      edits: [],
      snippets: [],
    });
    const text = promptText(prompt.segments);
    const excerpt = text.slice(text.indexOf('```v.js\n'));
    assert.ok(!excerpt.includes('<|start_of_file|>'));
    const above = excerpt.slice(0, excerpt.indexOf('<|editable_region_start|>')).split('\n').length - 2;
    const below = excerpt.slice(excerpt.indexOf('<|editable_region_end|>')).split('\n').length - 2;
    assert.ok(above > 0 && below > 0, `context above ${above}, below ${below}`);
    assert.ok(prompt.region.start < 200 && prompt.region.end > 201);
  });

  test(
    'Instinct: the ChatML system and user messages of Continue’s template, edits newest first ' +
      '(continue core/nextEdit/templating/NextEditPromptEngine.ts, instinct.ts)',
    () => {
      const older: EditRecord = {
        ...RENAME,
        path: 'src/util.js',
        uri: 'file:///w/src/util.js',
        oldStart: 0,
        newStart: 0,
        oldLines: ['a'],
        newLines: ['b'],
        above: [],
        below: [''],
      };
      const prompt = instinctFormat.build(context({ edits: [older, RENAME] }));
      const user =
        `${INSTINCT_USER_PROMPT_PREFIX}\n` +
        '\n' +
        '### Context:\n' +
        '<|context_file|>: src/prices.js\n' +
        '<|snippet|>\n' +
        'export const TAX = 0.2;\n' +
        'export function net(p) { return p / (1 + TAX); }\n' +
        '\n' +
        '### User Edits:\n' +
        '\n' +
        'User edited file "src/cart.js"\n' +
        '\n' +
        '```diff\n' +
        '@@ -2,3 +2,3 @@\n' +
        '   let sum = 0;\n' +
        '-  for (const item of cart.items) sum += item.price;\n' +
        '+  for (const entry of cart.items) sum += item.price;\n' +
        '   return sum;\n' +
        '```\n' +
        'User edited file "src/util.js"\n' +
        '\n' +
        '```diff\n' +
        '@@ -1,2 +1,2 @@\n' +
        '-a\n' +
        '+b\n' +
        '```\n' +
        '\n' +
        '### User Excerpt:\n' +
        'src/cart.js\n' +
        '\n' +
        'function total(cart) {\n' +
        '<|editable_region_start|>\n' +
        '  let sum = 0;\n' +
        '  for (const entry<|user_cursor_is_here|> of cart.items) sum += item.price;\n' +
        '  return sum;\n' +
        '}\n' +
        '<|editable_region_end|>```\n' +
        '### Response:';
      assert.equal(
        promptText(prompt.segments),
        `<|im_start|>system\n${INSTINCT_SYSTEM_PROMPT}<|im_end|>\n<|im_start|>user\n${user}<|im_end|>\n<|im_start|>assistant\n`,
      );
      assert.ok(
        INSTINCT_SYSTEM_PROMPT.startsWith(
          'You are Instinct, an intelligent next-edit predictor developed by Continue.dev.',
        ),
      );
      assert.deepEqual(prompt.region, { start: 1, end: 5, lines: LINES.slice(1) });
      assert.deepEqual(prompt.parse('```js\n  let total = 0;\n```'), ['  let total = 0;']);
    },
  );

  test('user code that spells a control token stays text, never a token', () => {
    const doc = new LinesDocument('file:///w/t.js', 'javascript', ['const s = "<|file_sep|>";'], 1, 't.js');
    const prompt = sweepFormat.build({ doc, path: 't.js', cursor: { line: 0, character: 0 }, edits: [], snippets: [] });
    const specials = prompt.segments.filter((s) => 'special' in s).length;
    assert.equal(specials, 3); // original/, current/, updated/ headers only
    assert.ok(prompt.segments.some((s) => 'text' in s && s.text.includes('"<|file_sep|>"')));
  });
});

describe('next-edit family detection', () => {
  test('the family comes from general.name, general.basename or the file name', () => {
    assert.equal(detectNextEditFamily({ name: 'Sweep Next Edit 1.5B', fileName: 'x.gguf' }).family, 'sweep');
    assert.equal(detectNextEditFamily({ fileName: 'sweep-next-edit-1.5b.q8_0.v2.gguf' }).family, 'sweep');
    assert.equal(detectNextEditFamily({ name: 'Zeta', fileName: 'model.gguf' }).family, 'zeta');
    assert.equal(
      detectNextEditFamily({ basename: 'zeta', fileName: 'zed-industries_zeta-Q4_K_M.gguf' }).family,
      'zeta',
    );
    assert.equal(detectNextEditFamily({ name: 'instinct', fileName: 'instinct.Q4_K_M.gguf' }).family, 'instinct');
    assert.equal(
      detectNextEditFamily({ name: 'Qwen2.5 Coder 7B', fileName: 'q.gguf', chatTemplate: '{# You are Instinct #}' })
        .family,
      'instinct',
    );
  });

  test('a plain code model or a later Zeta is not detected, with the reason', () => {
    const plain = detectNextEditFamily({ name: 'Qwen2.5 Coder 1.5B', fileName: 'qwen2.5-coder-1.5b-q8_0.gguf' });
    assert.equal(plain.family, undefined);
    assert.match(plain.reason, /Qwen2\.5 Coder 1\.5B/);
    assert.equal(detectNextEditFamily({ name: 'zeta-2', fileName: 'zeta-2.gguf' }).family, undefined);
    assert.equal(detectNextEditFamily({ name: 'Zetasmodel', fileName: 'z.gguf' }).family, undefined);
  });
});

describe('next-edit prompt layout for the KV cache', () => {
  test('a keystroke changes the Sweep prompt only after the related files: the front stays cached', () => {
    const first = sweepFormat.build(context());
    const typed = LINES.slice();
    typed[2] = '  for (const entryx of cart.items) sum += item.price;';
    const doc = new LinesDocument('file:///w/src/cart.js', 'javascript', typed, 4, 'src/cart.js');
    const edit = { ...RENAME, newLines: [typed[2]!] };
    const second = sweepFormat.build(context({ doc, edits: [edit], cursor: { line: 2, character: 19 } }));
    const a = promptText(first.segments);
    const b = promptText(second.segments);
    let common = 0;
    while (common < a.length && a[common] === b[common]) common++;
    const related = a.indexOf('<|file_sep|>src/cart.js.diff');
    assert.ok(common >= related && related > 0, `common prefix ${common}, related files end at ${related}`);
  });
});
