import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  commitMessagePrompt,
  docsPrompt,
  editPrompt,
  explainPrompt,
  fixPrompt,
  testsPrompt,
  type CodeSelection,
} from '../../src/core/actions/actionPrompts';
import { extractCode, fencedBlocks, reindent, replacementFor } from '../../src/core/actions/answerParsing';
import { parseCommitMessage, trimDiff } from '../../src/core/actions/commitMessage';
import { docConvention } from '../../src/core/actions/docConventions';
import { detectTestFramework, testPathFor } from '../../src/core/actions/testFramework';

const sel: CodeSelection = {
  path: 'src/cart.ts',
  languageId: 'typescript',
  code: 'function total(items) {\n  return 0;\n}',
  startLine: 10,
  endLine: 12,
  surrounding: 'export class Cart {}',
};

describe('action prompts', () => {
  test('explain names the file, the lines and the code, and asks for an explanation', () => {
    const p = explainPrompt(sel);
    assert.equal(p.title, 'Explain src/cart.ts lines 10-12');
    assert.match(p.messages[1]!.content, /from src\/cart\.ts lines 10-12/);
    assert.match(p.messages[1]!.content, /```typescript\nfunction total\(items\) \{\n  return 0;\n\}\n```/);
    assert.match(p.messages[1]!.content, /For context only/);
  });

  test('titles name a file outside the workspace by its name, the prompt by its full path', () => {
    const p = explainPrompt({ ...sel, path: '/tmp/scratch/notes.js' });
    assert.equal(p.title, 'Explain notes.js lines 10-12');
    assert.match(p.messages[1]!.content, /from \/tmp\/scratch\/notes\.js lines 10-12/);
  });

  test('edit carries the instruction and asks for one fenced block only', () => {
    const p = editPrompt(sel, 'sum the prices');
    assert.match(p.messages[0]!.content, /exactly one fenced code block/);
    assert.match(p.messages[1]!.content, /following this instruction: sum the prices/);
  });

  test('docs follow the language convention: JSDoc for TypeScript, docstrings for Python, GoDoc for Go', () => {
    assert.match(docsPrompt(sel).messages[1]!.content, /JSDoc/);
    assert.match(
      docsPrompt({ ...sel, languageId: 'python' }).messages[1]!.content,
      /docstring[\s\S]*first statement inside/,
    );
    assert.match(
      docsPrompt({ ...sel, languageId: 'go' }).messages[1]!.content,
      /GoDoc comment starting with the identifier/,
    );
    assert.equal(docConvention('cobol').placement, 'above');
  });

  test('tests name the framework and where the file goes', () => {
    const p = testsPrompt(sel, {
      framework: 'Vitest',
      hint: "import { it } from 'vitest';",
      testPath: 'test/cart.test.ts',
    });
    assert.match(p.messages[1]!.content, /with Vitest/);
    assert.match(p.messages[1]!.content, /saved as test\/cart\.test\.ts/);
  });

  test('fix lists each diagnostic with its source, code and related information', () => {
    const p = fixPrompt(sel, [
      {
        severity: 'error',
        message: "Cannot find name 'itemz'.",
        source: 'ts',
        code: '2304',
        line: 11,
        related: [{ path: 'src/a.ts', line: 3, message: 'declared here' }],
      },
    ]);
    assert.match(p.messages[1]!.content, /- line 11, error \(ts 2304\): Cannot find name 'itemz'\./);
    assert.match(p.messages[1]!.content, /related: src\/a\.ts:3: declared here/);
  });

  test('the commit message prompt asks for Conventional Commits and includes the diff and the note', () => {
    const p = commitMessagePrompt('diff --git a/x b/x', 'the diff was trimmed');
    assert.match(p.messages[0]!.content, /Conventional Commits/);
    assert.match(p.messages[1]!.content, /Note: the diff was trimmed[\s\S]*```diff\ndiff --git a\/x b\/x\n```/);
  });
});

describe('answer parsing', () => {
  test('takes the code from a fenced block surrounded by prose', () => {
    assert.equal(extractCode('Here you go:\n\n```ts\nconst a = 1;\n```\nHope it helps.', 'typescript'), 'const a = 1;');
  });

  test('prefers the block in the file language, then the largest block', () => {
    const answer = '```bash\nnpm test\n```\n\n```ts\nexport const x = 1;\n```\n\n```\nlonger but untyped block\n```';
    assert.equal(extractCode(answer, 'typescript'), 'export const x = 1;');
    assert.equal(extractCode('```\na\n```\n```\nbbbb\n```'), 'bbbb');
  });

  test('accepts a bare answer and a truncated unclosed fence', () => {
    assert.equal(extractCode('return a + b;'), 'return a + b;');
    assert.equal(extractCode('```python\ndef f():\n    return 1'), 'def f():\n    return 1');
  });

  test('ignores the reasoning block of a reasoning model', () => {
    assert.equal(extractCode('<think>```js\nwrong()\n```</think>\n```js\nright();\n```', 'javascript'), 'right();');
  });

  test('handles tilde fences and longer backtick fences containing triple backticks', () => {
    assert.deepEqual(fencedBlocks('~~~py\nx = 1\n~~~'), [{ language: 'py', code: 'x = 1' }]);
    assert.equal(fencedBlocks('````md\n```js\ninner\n```\n````')[0]!.code, '```js\ninner\n```');
  });

  test('re-indents the code onto the indentation of the replaced text, keeping relative indents', () => {
    assert.equal(reindent('def f():\n    return 1', '    '), '    def f():\n        return 1');
    const original = '    total(items) {\n      return 0;\n    }\n';
    const answer = '```ts\ntotal(items) {\n  return items.length;\n}\n```';
    assert.equal(
      replacementFor(answer, original, 'typescript'),
      '    total(items) {\n      return items.length;\n    }\n',
    );
  });

  test('returns nothing for an answer without code', () => {
    assert.equal(extractCode('```\n\n```'), undefined);
    assert.equal(extractCode('<think>hmm</think>'), undefined);
  });
});

describe('test conventions', () => {
  test('detects the JavaScript framework from package.json, config files, or falls back to node:test', () => {
    assert.equal(
      detectTestFramework('typescript', [], JSON.stringify({ devDependencies: { vitest: '1' } })).framework,
      'Vitest',
    );
    assert.equal(detectTestFramework('javascript', ['jest.config.js'], '{}').framework, 'Jest');
    assert.equal(detectTestFramework('typescript', [], '{not json').framework, "Node's test runner");
    assert.equal(detectTestFramework('python', ['conftest.py']).framework, 'pytest');
  });

  test('puts the test file where the workspace keeps its tests', () => {
    assert.equal(testPathFor('src/cart.ts', 'typescript', ['test/unit/a.test.ts']), 'test/cart.test.ts');
    assert.equal(testPathFor('src/cart.ts', 'typescript', ['src/__tests__/a.test.ts']), 'src/__tests__/cart.test.ts');
    assert.equal(testPathFor('lib/cart.js', 'javascript', ['lib/a.spec.js']), 'lib/cart.spec.js');
    assert.equal(testPathFor('pkg/cart.go', 'go', []), 'pkg/cart_test.go');
    assert.equal(testPathFor('app/cart.py', 'python', ['tests/test_a.py']), 'tests/test_cart.py');
  });
});

describe('commit messages', () => {
  test('keeps small diffs whole', () => {
    assert.deepEqual(trimDiff('diff --git a/a b/a\n+x\n', 1000), {
      text: 'diff --git a/a b/a\n+x\n',
      omittedFiles: [],
      truncated: false,
    });
  });

  test('trims large diffs fairly per file, summarises lock files and says what was left out', () => {
    const big = (name: string, n: number) =>
      `diff --git a/${name} b/${name}\nindex 1..2\n--- a/${name}\n+++ b/${name}\n${'+line\n'.repeat(n)}`;
    const diff = big('src/a.ts', 400) + big('package-lock.json', 2000) + big('src/b.ts', 10);
    const trimmed = trimDiff(diff, 2000);
    assert.ok(trimmed.truncated);
    assert.ok(trimmed.text.length <= 2100, `length ${trimmed.text.length}`);
    assert.deepEqual(trimmed.omittedFiles.sort(), ['package-lock.json', 'src/a.ts']);
    assert.match(trimmed.text, /diff --git a\/src\/b\.ts[\s\S]*\+line/);
    assert.match(trimmed.text, /lock or generated file left out/);
  });

  test('extracts a conventional message from fenced, quoted or labelled answers', () => {
    assert.equal(
      parseCommitMessage('```\nfeat(cart): add totals\n\nSums prices.\n```'),
      'feat(cart): add totals\n\nSums prices.',
    );
    assert.equal(parseCommitMessage('Commit message: "fix: handle empty cart"'), 'fix: handle empty cart');
    assert.equal(
      parseCommitMessage('<think>look at diff</think>Sure! Here it is:\nrefactor: split module\n\nSmaller files.'),
      'refactor: split module\n\nSmaller files.',
    );
  });

  test('does not take a code block in a programming language for the message', () => {
    assert.equal(
      parseCommitMessage('Added a helper.\n\n```js\nfunction add() {}\n```\n\nIt sums.'),
      'Added a helper.\n\nIt sums.',
    );
  });
});
