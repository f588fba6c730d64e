import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { planApply, textForInsert } from '../../src/core/chat/applyPlan';

const apply = (text: string, code: string, selection?: [number, number]) => {
  const plan = planApply(
    { text, selectionStart: selection?.[0] ?? 0, selectionEnd: selection?.[1] ?? selection?.[0] ?? 0 },
    code,
  );
  return { plan, result: text.slice(0, plan.start) + plan.newText + text.slice(plan.end) };
};

describe('apply plan', () => {
  test('replaces the selection, indented like it', () => {
    const text = 'class A {\n  m() {\n    return 1;\n  }\n}\n';
    const start = text.indexOf('    return');
    const end = text.indexOf('\n  }') + 1;
    const { plan, result } = apply(text, 'return 2;', [start, end]);
    assert.equal(plan.kind, 'selection');
    assert.equal(result, 'class A {\n  m() {\n    return 2;\n  }\n}\n');
  });

  test('replaces the function the code block redefines', () => {
    const text =
      'const x = 1;\n\nfunction add(a, b) {\n  return a - b;\n}\n\nfunction sub(a, b) {\n  return a - b;\n}\n';
    const { plan, result } = apply(text, 'function add(a, b) {\n  return a + b;\n}');
    assert.equal(plan.kind, 'declaration');
    assert.equal(plan.description, 'function add');
    assert.equal(
      result,
      'const x = 1;\n\nfunction add(a, b) {\n  return a + b;\n}\n\nfunction sub(a, b) {\n  return a - b;\n}\n',
    );
  });

  test('keeps the export of the function it replaces, and braces inside strings do not confuse it', () => {
    const text = "export function f() {\n  const s = '}';\n  return s;\n}\nexport function g() {}\n";
    const { result } = apply(text, 'function f() {\n  return "{";\n}');
    assert.equal(result, 'export function f() {\n  return "{";\n}\nexport function g() {}\n');
  });

  test('replaces a Python function by its indented block', () => {
    const text =
      'import os\n\nclass Cart:\n    def total(self):\n        return 0\n\n    def count(self):\n        return 1\n';
    const { plan, result } = apply(text, 'def total(self):\n    return sum(self.items)');
    assert.equal(plan.kind, 'declaration');
    assert.equal(
      result,
      'import os\n\nclass Cart:\n    def total(self):\n        return sum(self.items)\n\n    def count(self):\n        return 1\n',
    );
  });

  test('replaces the whole file when the block is about as long as the file', () => {
    const { plan, result } = apply('a\nb\nc\n', 'x\ny\nz');
    assert.equal(plan.kind, 'file');
    assert.equal(result, 'x\ny\nz\n');
    assert.equal(apply('', 'hello()').plan.kind, 'file');
  });

  test('otherwise inserts at the cursor with the indentation of its line', () => {
    const text = 'function main() {\n  \n  run();\n  stop();\n  end();\n  more();\n}\n';
    const cursor = text.indexOf('  \n') + 2;
    const { plan, result } = apply(text, 'if (x) {\n  y();\n}', [cursor, cursor]);
    assert.equal(plan.kind, 'cursor');
    assert.equal(result, 'function main() {\n  if (x) {\n    y();\n  }\n  run();\n  stop();\n  end();\n  more();\n}\n');
  });

  test('inserts mid-line code with its later lines indented like the line', () => {
    assert.equal(textForInsert('    const v = ', 14, 'f(\n  1)'), 'f(\n      1)');
  });
});
