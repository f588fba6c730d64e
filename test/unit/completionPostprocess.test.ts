import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LinesDocument } from '../../src/core/completion/documentWindow';
import { postprocessCompletion, type RuleContext } from '../../src/core/completion/postprocess';
import { buildCompletionContext } from '../../src/core/completion/promptLayout';
import { shouldCompleteMultiline } from '../../src/core/completion/multiline';
import { TokenEstimator } from '../../src/core/completion/tokenEstimate';

/** The rule context at the `|` in `code`, read the way the pipeline reads it. */
function at(code: string, languageId = 'typescript', overrides: Partial<RuleContext> = {}): RuleContext {
  const lines = code.split('\n');
  const line = lines.findIndex((l) => l.includes('|'));
  const character = lines[line]!.indexOf('|');
  lines[line] = lines[line]!.replace('|', '');
  const doc = new LinesDocument('file:///x', languageId, lines);
  const ctx = buildCompletionContext(
    doc,
    { line, character },
    { prefixTokens: 1024, suffixTokens: 256, extraContextTokens: 0, maxTokens: 128 },
    new TokenEstimator(),
  );
  return { ...ctx, multiline: shouldCompleteMultiline(ctx), maxLines: 12, truncated: false, ...overrides };
}

function run(raw: string, ctx: RuleContext): string | null {
  return postprocessCompletion(raw, ctx).text;
}

describe('post-processing', () => {
  test('stops where the output reaches the text after the cursor', () => {
    assert.equal(run('hello, world";', at('const s = "|";')), 'hello, world');
    assert.equal(run('items.length; i++) {', at('for (let i = 0; i < |; i++) {')), 'items.length');
  });

  test('closes only brackets the completion opened: a closer the rest of the line supplies is cut', () => {
    assert.equal(run('a, b)', at('console.log(|)')), 'a, b');
    assert.equal(run('compute(a, b))', at('console.log(|)')), 'compute(a, b)');
    assert.equal(run('user.id], 1)', at('map.set([|], 1)')), 'user.id');
  });

  test('keeps a closer for a bracket opened before the cursor when nothing after the cursor closes it', () => {
    assert.equal(run('a, b);', at('console.log(|')), 'a, b);');
  });

  test('drops the block closer the next line already has (Go)', () => {
    const ctx = at('func sum(xs []int) int {\n\t|\n}', 'go');
    assert.equal(ctx.multiline, true);
    assert.equal(
      run('total := 0\n\tfor _, x := range xs {\n\t\ttotal += x\n\t}\n\treturn total\n}', ctx),
      'total := 0\n\tfor _, x := range xs {\n\t\ttotal += x\n\t}\n\treturn total',
    );
  });

  test('inside an auto-closed block ({|}), the body keeps the closer on its own line', () => {
    const ctx = at('const area = (r) => {|}');
    assert.equal(ctx.multiline, true);
    assert.equal(run('\n  return Math.PI * r * r;\n}', ctx), '\n  return Math.PI * r * r;\n');
  });

  test('cuts at a line that copies the next line of the document', () => {
    const ctx = at('def area(r):\n    |\n    return result', 'python');
    assert.equal(run('result = 3.14159 * r * r\n    return result\n', ctx), 'result = 3.14159 * r * r');
  });

  test('drops a suggestion that repeats the code right after the cursor', () => {
    assert.equal(run('return cache.get(key);', at('function get(key) {\n  |\n  return cache.get(key);\n}')), null);
    assert.equal(run('urn cache.get(key);', at('function get(key) {\n  ret|\n  return cache.get(key);\n}')), null);
  });

  test('drops a suggestion that rewrites the line above', () => {
    assert.equal(
      run('const total = items.reduce((a, b) => a + b, 0);', at('const total = items.reduce((a, b) => a + b, 0);\n|')),
      null,
    );
    assert.equal(run('}', at('  }\n|')), '}', 'short closers may legitimately repeat');
  });

  test('stops runaway repetition of lines', () => {
    const ctx = at('const config = {\n  |\n};', 'typescript');
    assert.equal(run("name: 'a',\n  name: 'a',\n  name: 'a',\n  name: 'a',", ctx), "name: 'a',");
    assert.equal(run('x: 1,\n  y: 2,\n  x: 1,\n  y: 2,\n  x: 1,\n  y: 2,', ctx), 'x: 1,\n  y: 2,');
  });

  test('stops runaway repetition within a line', () => {
    assert.equal(run('value = foo(foo(foo(foo(foo(foo(foo(foo(', at('|', 'python')), 'value =');
    assert.equal(
      run('a_very_long_but_unrepeated_identifier_name', at('x = |', 'python')),
      'a_very_long_but_unrepeated_identifier_name',
    );
    assert.equal(run('// ' + '='.repeat(60), at('|')), '// ' + '='.repeat(60), 'a separator comment is not runaway');
    assert.equal(run('x'.repeat(200), at('s = |', 'python')), null);
  });

  test('strips reasoning, including an unterminated <think> block', () => {
    assert.equal(run('<think>the user wants a sum</think>\nsum(xs)', at('total = |', 'python')), 'sum(xs)');
    assert.equal(run('len(xs)<think>maybe they want', at('n = |', 'python')), 'len(xs)');
  });

  test('cuts at a special token instead of showing it', () => {
    assert.equal(run('return a + b;<|file_sep|>src/other.ts', at('function add(a, b) {\n  |\n}')), 'return a + b;');
    assert.equal(run('return a + b;<｜fim▁end｜>junk', at('function add(a, b) {\n  |\n}')), 'return a + b;');
    assert.equal(run('x + 1<EOT>', at('y = |', 'python')), 'x + 1');
  });

  test('gives a single line unless the cursor starts a block', () => {
    const midBlock = at('function f(x) {\n  const y = x + 1;\n  |\n  return y;\n}');
    assert.equal(midBlock.multiline, false);
    assert.equal(run('console.log(y);\n  console.log(x);', midBlock), 'console.log(y);');
    const endOfLine = at('const x = |');
    assert.equal(
      run('\nfoo();', endOfLine),
      null,
      'a single-line place where the model starts a new line gets nothing',
    );
  });

  test('offers several lines on a blank line after an opening bracket, capped at maxLines', () => {
    const ctx = at('if (ready) {\n  |\n}', 'javascript', { maxLines: 2 });
    assert.equal(ctx.multiline, true);
    assert.equal(run('start();\n  wait();\n  stop();', ctx), 'start();\n  wait();');
  });

  test('offers several lines after a Python colon and at the end of an opening line', () => {
    assert.equal(at('def parse(text):\n    |', 'python').multiline, true);
    assert.equal(at('for x in xs:|', 'python').multiline, true);
    assert.equal(at('const f = () => {|}').multiline, true);
    assert.equal(at('const f = 1 + |').multiline, false);
  });

  test('drops the unfinished last line of a generation cut by a cap', () => {
    const ctx = at('class A {\n  |\n}', 'typescript', { truncated: true });
    assert.equal(
      run('constructor() {\n    this.items = [];\n    this.cou', ctx),
      'constructor() {\n    this.items = [];',
    );
  });

  test('re-bases indentation to tabs in a file indented with tabs', () => {
    const ctx = at('func main() {\n\tif ok {\n\t\t|\n\t}\n}', 'go');
    assert.equal(run('x := 1\n        y := 2', { ...ctx, multiline: true }), 'x := 1\n\t\ty := 2');
  });

  test('re-bases tabs to the width of a file indented with two spaces', () => {
    const ctx = at('function f() {\n  if (a) {\n    |\n  }\n}');
    assert.equal(run('g();\n\t\th();', { ...ctx, multiline: true }), 'g();\n    h();');
  });

  test('Tab keeps indenting: a whitespace-only suggestion on a blank line is dropped', () => {
    assert.equal(run('    ', at('function f() {\n|\n}')), null);
    assert.equal(run('\n\n', at('function f() {\n  |\n}')), null);
  });

  test('trims trailing whitespace and blank lines', () => {
    assert.equal(run('return 1;  \n\n', at('function f() {\n  |\n}')), 'return 1;');
  });

  test('reports which rule dropped a suggestion', () => {
    assert.deepEqual(
      postprocessCompletion('return cache.get(key);', at('function get(key) {\n  |\n  return cache.get(key);\n}')),
      { text: null, droppedBy: 'dropIfRepeatsSuffix' },
    );
  });
});
