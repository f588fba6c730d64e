import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../src/core/completion/clock';
import { LinesDocument } from '../../src/core/completion/documentWindow';
import { ChunkRing, jaccard } from '../../src/core/bench/llamaVscode/chunkRing';
import {
  infillRequest,
  LLAMA_VSCODE_CONFIG,
  localContext,
  ringUpdateRequest,
} from '../../src/core/bench/llamaVscode/request';
import { ResultCache } from '../../src/core/bench/llamaVscode/resultCache';
import {
  completionsOf,
  removeLeadingSpaces,
  shouldDiscard,
  suggestionLines,
  updateSuggestion,
} from '../../src/core/bench/llamaVscode/suggestions';
import { createRandom } from '../../src/core/bench/random';

const lines = (n: number, f = (i: number) => `line ${i};`) => Array.from({ length: n }, (_, i) => f(i));
const docOf = (text: string[], uri = 'file:///repo/a.ts') => new LinesDocument(uri, 'typescript', text, 1, 'a.ts');

describe("llama.vscode's request", () => {
  test('sends the 256 lines above as the prefix, the cursor line up to the cursor as the prompt, and the rest plus 64 lines below as the suffix', () => {
    const doc = docOf(lines(1000));
    const ctx = localContext(doc, { line: 500, character: 4 });
    const prefix = ctx.inputPrefix.split('\n');
    assert.equal(prefix.length, 257, '256 lines, each followed by a line break');
    assert.equal(prefix[0], 'line 244;');
    assert.equal(prefix[255], 'line 499;');
    assert.equal(ctx.prompt, 'line');
    assert.equal(ctx.inputSuffix, [' 500;', ...lines(1000).slice(501, 565), ''].join('\n'));
  });

  test('leaves a line of only indentation out of the prompt and strips that many spaces from what it shows', () => {
    const doc = docOf(['def f():', '    ', 'x = 1']);
    const ctx = localContext(doc, { line: 1, character: 4 });
    assert.equal(ctx.prompt, '');
    assert.equal(ctx.spacesToRemove, 4);
    assert.equal(ctx.nindent, 4);
    assert.equal(removeLeadingSpaces('    return 1', ctx.spacesToRemove), 'return 1');
  });

  test('the /infill body carries the fields and samplers llama.vscode sends', () => {
    const doc = docOf(['function f() {', '  return ', '}']);
    const ctx = localContext(doc, { line: 1, character: 9 });
    const chunks = [{ text: 'const a = 1;\n', time: 5, filename: '/repo/b.ts' }];
    assert.deepEqual(infillRequest(ctx, chunks, ctx.nindent), {
      id_slot: 0,
      input_prefix: 'function f() {\n',
      input_suffix: '\n}\n',
      input_extra: chunks,
      prompt: '  return ',
      n_predict: 128,
      n_cmpl: 3,
      top_k: 40,
      top_p: 0.99,
      stream: false,
      samplers: ['top_k', 'top_p', 'infill'],
      cache_prompt: true,
      n_indent: 2,
      t_max_prompt_ms: 500,
      t_max_predict_ms: 500,
    });
    assert.equal('n_indent' in infillRequest(ctx, [], 0), false, 'no n_indent on an unindented line');
  });

  test('a ring update evaluates the chunks alone and generates nothing', () => {
    const body = ringUpdateRequest([{ text: 'x\n', time: 0, filename: 'f' }]);
    assert.equal(body.n_predict, 0);
    assert.equal(body.input_prefix, '');
    assert.equal(body.prompt, '');
    assert.deepEqual(body.samplers, []);
    assert.equal(body.t_max_predict_ms, 1);
  });
});

describe("llama.vscode's filtering of suggestions", () => {
  const doc = docOf(['if (a) {', '  b(', '  c();', '}']);
  const at = { line: 1, character: 4 };

  test('discards a suggestion that repeats the next line or is only the rest of the line', () => {
    assert.equal(shouldDiscard(['c();'], doc, { line: 1, character: 2 }, '  ', ''), true, 'repeats the next line');
    assert.equal(shouldDiscard([')'], doc, at, '  b(', ')'), true, 'only the text right of the cursor');
    assert.equal(shouldDiscard([' '], doc, at, '  b(', ''), true, 'blank');
    assert.equal(shouldDiscard(['x)'], doc, at, '  b(', ')'), false);
  });

  test('with text right of the cursor keeps only the first line, cut before that text', () => {
    assert.equal(updateSuggestion(['x, y)'], ')'), 'x, y');
    assert.equal(updateSuggestion(['x', 'y'], ')'), 'x');
    assert.equal(updateSuggestion(['x', 'y'], ''), 'x\ny');
  });

  test('trailing blank lines are dropped and repeated answers of n_cmpl are shown once', () => {
    assert.deepEqual(suggestionLines('a\nb\n\n  \n'), ['a', 'b']);
    assert.deepEqual(completionsOf([{ content: 'a' }, { content: 'a' }, { content: 'b' }]), ['a', 'b']);
    assert.deepEqual(completionsOf({ content: 'c' }), ['c']);
  });
});

describe("llama.vscode's result cache", () => {
  test('serves what was typed since a cached suggestion was made as its remainder (typed-ahead)', () => {
    const cache = new ResultCache();
    cache.put(ResultCache.key('P\n', 'S\n', 'ret'), ['urn total;', 'urn 0;']);
    assert.deepEqual(cache.lookup('P\n', 'S\n', 'ret'), { completions: ['urn total;', 'urn 0;'], typedAhead: false });
    assert.deepEqual(cache.lookup('P\n', 'S\n', 'retur'), { completions: ['n total;', 'n 0;'], typedAhead: true });
    assert.deepEqual(cache.lookup('P\n', 'S\n', 'return t'), { completions: ['otal;'], typedAhead: true });
    assert.equal(cache.lookup('P\n', 'S\n', 'rex'), undefined, 'typed something else');
    assert.equal(cache.lookup('Q\n', 'S\n', 'retur'), undefined, 'another context above');
  });

  test('holds 250 entries and evicts the least recently used', () => {
    const cache = new ResultCache();
    for (let i = 0; i < LLAMA_VSCODE_CONFIG.maxCacheKeys; i++) cache.put(`k${i}`, [`v${i}`]);
    assert.deepEqual(cache.get('k0'), ['v0']); // now the most recent
    cache.put('new', ['n']);
    assert.equal(cache.size, 250);
    assert.equal(cache.get('k1'), undefined, 'the least recently used went');
    assert.deepEqual(cache.get('k0'), ['v0']);
  });
});

describe("llama.vscode's ring of extra chunks", () => {
  const ring = (clock = new ManualClock()) => ({ clock, ring: new ChunkRing(clock, createRandom(1)) });

  test('queues a chunk around the cursor of a saved document and moves it into the ring after 3 s of idleness', async () => {
    const { clock, ring: r } = ring();
    const doc = docOf(lines(200));
    r.pickAround(100, { doc, dirty: true });
    assert.equal(r.queued.length, 0, 'never from a document with unsaved changes');
    r.pickAround(100, { doc, dirty: false });
    assert.equal(r.queued.length, 1);
    const chunk = r.queued[0]!.text.split('\n');
    assert.equal(chunk.length, 33, 'a 32-line slice of the 65 lines around the cursor');
    r.lastCompletionStart = clock.now();
    await clock.advance(2000);
    assert.equal(r.periodicUpdate(), false, 'a completion started less than 3 s ago');
    await clock.advance(1000);
    assert.equal(r.periodicUpdate(), true);
    assert.equal(r.chunks.length, 1);
    assert.equal(r.queued.length, 0);
    assert.equal(r.chunks[0]!.filename, '/repo/a.ts');
  });

  test('replaces a held chunk by a nearly equal one and skips an exact repeat', () => {
    const { ring: r } = ring();
    const doc = docOf(lines(20));
    r.pickChunk(lines(20), true, true, { doc, dirty: false });
    r.pickChunk(lines(20), true, true, { doc, dirty: false });
    assert.equal(r.queued.length, 1, 'the same chunk twice is kept once');
    const nearly = lines(20).map((l, i) => (i === 0 ? 'changed;' : l));
    assert.ok(jaccard(lines(20), nearly) > 0.9);
    r.pickChunk(nearly, true, true, { doc, dirty: false });
    assert.equal(r.queued.length, 1);
    assert.equal(r.queued[0]!.text, nearly.join('\n') + '\n');
    assert.equal(r.evictions, 1);
  });

  test('after a completion far from the last pick, takes chunks from far above and below the cursor', () => {
    const { ring: r } = ring();
    const doc = docOf(lines(3000));
    r.afterCompletion(1500, { doc, dirty: true });
    assert.equal(r.queued.length, 2);
    const first = Number(/line (\d+);/.exec(r.queued[0]!.text)![1]);
    const second = Number(/line (\d+);/.exec(r.queued[1]!.text)![1]);
    assert.ok(first >= 1500 - 1024 && first < 1500 - 256, `above: ${first}`);
    assert.ok(second >= 1500 + 64 && second <= 1500 + 128, `below: ${second}`);
    r.afterCompletion(1520, { doc, dirty: true });
    assert.equal(r.queued.length, 2, 'no new chunks within 32 lines of the last pick');
  });
});
