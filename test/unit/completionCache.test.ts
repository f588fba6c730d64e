import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  autoClosedBy,
  CompletionCache,
  entryKey,
  identify,
  typedSince,
} from '../../src/core/completion/completionCache';
import { LinesDocument, type Position } from '../../src/core/completion/documentWindow';
import { buildCompletionContext, type LayoutBudgets } from '../../src/core/completion/promptLayout';
import { TokenEstimator } from '../../src/core/completion/tokenEstimate';

const BUDGETS: LayoutBudgets = { prefixTokens: 512, suffixTokens: 128, extraContextTokens: 0, maxTokens: 64 };
const estimator = new TokenEstimator();

const FILE = ['import math', '', 'def circle_area(r):', '    return ', '', 'def square_area(a):', '    return a * a'];

function idAt(lines: string[], position: Position, model = 'qwen-1.5b', languageId = 'python') {
  const doc = new LinesDocument('file:///geo.py', languageId, lines);
  return identify(model, buildCompletionContext(doc, position, BUDGETS, estimator));
}

/** `text` typed after "    return ", with `after` right of the cursor (what the editor auto-closed). */
function typing(text: string, after = '') {
  const lines = [...FILE];
  lines[3] = `    return ${text}${after}`;
  return idAt(lines, { line: 3, character: 11 + text.length });
}

describe('completion cache', () => {
  test('a repeated request is a hit: store and lookup build the same key from separately built contexts', () => {
    const cache = new CompletionCache();
    cache.set(typing(''), { text: 'math.pi * r * r', multiline: false });
    const again = typing('');
    assert.equal(entryKey(again), entryKey(typing('')));
    assert.deepEqual(cache.get(again), { text: 'math.pi * r * r', multiline: false });
  });

  test('serves the remainder of a cached completion when the user types its first characters', () => {
    const cache = new CompletionCache();
    cache.set(typing(''), { text: 'math.pi * r * r', multiline: false });
    assert.equal(cache.get(typing('math.')), undefined);
    const hit = cache.lookupTypedAhead(typing('math.'));
    assert.deepEqual(hit && { remainder: hit.remainder, typed: hit.typed }, {
      remainder: 'pi * r * r',
      typed: 'math.',
    });
  });

  test('typed-ahead misses when the typed characters diverge from the suggestion or complete it', () => {
    const cache = new CompletionCache();
    cache.set(typing(''), { text: 'math.pi * r * r', multiline: false });
    assert.equal(cache.lookupTypedAhead(typing('math.tau')), undefined);
    assert.equal(cache.lookupTypedAhead(typing('math.pi * r * r')), undefined);
  });

  test('typed-ahead survives the closers an editor inserts for typed brackets and quotes', () => {
    const cache = new CompletionCache();
    cache.set(typing(''), { text: 'round(math.pi * r * r, 2)', multiline: false });
    const hit = cache.lookupTypedAhead(typing('round(', ')'));
    assert.deepEqual(hit && { remainder: hit.remainder, autoClosed: hit.autoClosed }, {
      remainder: 'math.pi * r * r, 2)',
      autoClosed: ')',
    });
    assert.equal(
      cache.lookupTypedAhead(typing('round(', ']')),
      undefined,
      'a different text after the cursor is a different context',
    );
    assert.equal(autoClosedBy('f("a'), '")');
    assert.equal(autoClosedBy('f(a)'), '');
  });

  test('typed-ahead walks back at most 64 characters', () => {
    const cache = new CompletionCache();
    const long = 'x'.repeat(80);
    cache.set(typing(''), { text: `${long} + 1`, multiline: false });
    assert.ok(cache.lookupTypedAhead(typing('x'.repeat(64))));
    assert.equal(cache.lookupTypedAhead(typing('x'.repeat(65))), undefined);
  });

  test('an edit inside the window invalidates the entry; an edit far below the window does not', () => {
    const cache = new CompletionCache();
    cache.set(typing(''), { text: 'math.pi * r * r', multiline: false });
    const edited = [...FILE];
    edited[0] = 'import numpy as np';
    assert.equal(cache.get(idAt(edited, { line: 3, character: 11 })), undefined, 'the prefix window changed');
    const belowEdited = [...FILE, ...Array.from({ length: 60 }, (_, i) => `x${i} = ${i}`)];
    belowEdited[66] = 'x59 = "changed"';
    assert.ok(cache.get(idAt(belowEdited, { line: 3, character: 11 })), 'the edit is outside both windows');
  });

  test('an edit in the suffix window invalidates the entry', () => {
    const cache = new CompletionCache();
    cache.set(typing(''), { text: 'math.pi * r * r', multiline: false });
    const edited = [...FILE];
    edited[4] = '    # radius in metres';
    assert.equal(cache.get(idAt(edited, { line: 3, character: 11 })), undefined);
  });

  test('the key covers the model and the language', () => {
    const cache = new CompletionCache();
    cache.set(typing(''), { text: 'math.pi * r * r', multiline: false });
    assert.equal(cache.get(idAt(FILE, { line: 3, character: 11 }, 'other-model')), undefined);
    assert.equal(cache.get(idAt(FILE, { line: 3, character: 11 }, 'qwen-1.5b', 'ruby')), undefined);
    assert.ok(cache.get(idAt(FILE, { line: 3, character: 11 })));
  });

  test('typedSince tells how a context extends another on the same line', () => {
    assert.equal(typedSince(typing('ma'), typing('math')), 'th');
    assert.equal(typedSince(typing('math'), typing('ma')), undefined);
    assert.equal(typedSince(typing(''), idAt(FILE, { line: 6, character: 4 })), undefined);
    assert.equal(typedSince(typing(''), typing('f(', ')')), 'f(');
    assert.equal(typedSince(typing(''), typing('f', ')')), undefined);
  });

  test('the cache holds at most its capacity, evicting the least recently used', () => {
    const cache = new CompletionCache(2);
    cache.set(typing('a'), { text: '1', multiline: false });
    cache.set(typing('b'), { text: '2', multiline: false });
    cache.get(typing('a'));
    cache.set(typing('c'), { text: '3', multiline: false });
    assert.equal(cache.size, 2);
    assert.ok(cache.get(typing('a')));
    assert.equal(cache.get(typing('b')), undefined);
    cache.clear();
    assert.equal(cache.size, 0);
  });
});
