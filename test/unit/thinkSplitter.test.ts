import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { stripThoughts, ThinkSplitter, type SplitPiece } from '../../src/core/chat/thinkSplitter';

function feed(chunks: string[]): { pieces: SplitPiece[]; splitter: ThinkSplitter } {
  const splitter = new ThinkSplitter();
  const pieces = [...chunks.flatMap((c) => splitter.push(c)), ...splitter.end()];
  return { pieces, splitter };
}

const joined = (pieces: SplitPiece[], segment: 'text' | 'thought') =>
  pieces
    .filter((p) => p.segment === segment)
    .map((p) => p.text)
    .join('');

describe('ThinkSplitter', () => {
  test('separates a leading think block from the answer', () => {
    const { pieces, splitter } = feed(['<think>\nweigh options\n</think>\n\nThe answer.']);
    assert.equal(joined(pieces, 'thought').trim(), 'weigh options');
    assert.equal(joined(pieces, 'text'), 'The answer.');
    assert.equal(splitter.thought, 'weigh options');
    assert.equal(splitter.answer, 'The answer.');
  });

  test('recognizes tags cut across streamed chunks', () => {
    const { pieces } = feed(['<thi', 'nk>plan', ' more</th', 'ink>', 'Done', '.']);
    assert.equal(joined(pieces, 'thought'), 'plan more');
    assert.equal(joined(pieces, 'text'), 'Done.');
  });

  test('treats text before a lone closing tag as thought when the template opened the block', () => {
    const { pieces } = feed(['I should add them</think>', '\n\nUse a + b.']);
    assert.equal(joined(pieces, 'thought'), 'I should add them');
    assert.equal(joined(pieces, 'text'), 'Use a + b.');
  });

  test('corrects the final answer when a lone closing tag arrives after text was streamed', () => {
    const { splitter } = feed(['I should add them', '</think>', '\n\nUse a + b.']);
    assert.equal(splitter.thought, 'I should add them');
    assert.equal(splitter.answer, 'Use a + b.');
  });

  test('passes an answer without reasoning straight through, chunk by chunk', () => {
    const splitter = new ThinkSplitter();
    assert.deepEqual(splitter.push('Hello '), [{ segment: 'text', text: 'Hello ' }]);
    assert.deepEqual(splitter.push('world'), [{ segment: 'text', text: 'world' }]);
    assert.deepEqual(splitter.end(), []);
  });

  test('holds back only a possible tag prefix and releases it at the end', () => {
    const splitter = new ThinkSplitter();
    assert.deepEqual(splitter.push('a < b and x <th'), [{ segment: 'text', text: 'a < b and x ' }]);
    assert.deepEqual(splitter.end(), [{ segment: 'text', text: '<th' }]);
  });

  test('keeps an unterminated think block as thought', () => {
    const { pieces, splitter } = feed(['<think>still going']);
    assert.equal(joined(pieces, 'thought'), 'still going');
    assert.equal(splitter.answer, '');
  });

  test('stripThoughts keeps only the answer of a stored message', () => {
    assert.equal(stripThoughts('<think>x</think>\nfinal'), 'final');
    assert.equal(stripThoughts('plain answer'), 'plain answer');
  });
});
