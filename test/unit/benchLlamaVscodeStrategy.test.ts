import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../src/core/completion/clock';
import { LinesDocument, type Position } from '../../src/core/completion/documentWindow';
import type { EditorView, Workspace } from '../../src/core/bench/editorEvents';
import { LlamaVscodeStrategy } from '../../src/core/bench/llamaVscode/llamaVscodeStrategy';
import { ScriptedInfill } from '../helpers/scriptedInfill';

const TEXT = ['function total(items) {', '  let sum = 0;', '  ', '}'];
const doc = (lines = TEXT, version = 1) => new LinesDocument('file:///repo/t.js', 'javascript', lines, version, 't.js');
const at = (line: number, character: number): Position => ({ line, character });

function setup() {
  const clock = new ManualClock();
  const server = new ScriptedInfill();
  const strategy = new LlamaVscodeStrategy({ client: server, clock, seed: 1 });
  return { clock, server, strategy };
}

describe('the llama.vscode strategy', () => {
  test('a keystroke during a request waits for it, polling every 150 ms, and the running request is never cancelled', async () => {
    const { clock, server, strategy } = setup();
    const first = new AbortController();
    const a = strategy.request({ doc: doc(), position: at(2, 2), signal: first.signal });
    await clock.advance(0);
    assert.equal(server.calls.length, 1);
    first.abort(); // VS Code cancels the first call's token: llama.vscode's HTTP request goes on
    const b = strategy.request({ doc: doc(undefined, 2), position: at(2, 2), signal: new AbortController().signal });
    await clock.advance(450);
    assert.equal(server.calls.length, 1, 'the second request waits for the first');
    server.calls[0]!.respond(ScriptedInfill.results('return sum;'));
    assert.equal((await a)?.insertText, 'return sum;', 'the first answer still arrives (and is cached)');
    await clock.advance(150);
    assert.equal((await b)?.source, 'cache', 'the second is the same context: answered from the cache');
    strategy.dispose();
  });

  test('a waiting request whose token is cancelled gives up without asking the server', async () => {
    const { clock, server, strategy } = setup();
    void strategy.request({ doc: doc(), position: at(2, 2), signal: new AbortController().signal });
    await clock.advance(0);
    const waiting = new AbortController();
    const w = strategy.request({ doc: doc(undefined, 2), position: at(1, 5), signal: waiting.signal });
    waiting.abort();
    await clock.advance(150);
    assert.equal(await w, null);
    assert.equal(server.calls.length, 1);
    strategy.dispose();
  });

  test('after a shown suggestion it asks for the future one, which it can cache only from a single answer', async () => {
    for (const shape of ['list', 'object'] as const) {
      const { clock, server, strategy } = setup();
      server.answer = (body) => {
        const content = body.prompt === '' ? '  return sum;' : '\n  // done';
        return shape === 'list' ? ScriptedInfill.results(content, content) : { content };
      };
      const shown = await strategy.request({ doc: doc(), position: at(2, 2), signal: new AbortController().signal });
      assert.equal(shown?.insertText, 'return sum;', 'the indentation the prompt left out is stripped');
      await clock.advance(0);
      assert.equal(server.calls.length, 2, `${shape}: the future request`);
      assert.equal(server.bodies[1]!.prompt, '  return sum;', 'the line as it is after accepting');
      assert.equal(strategy.counters().prefetches, 1);
      const accepted = doc(['function total(items) {', '  let sum = 0;', '  return sum;', '}'], 2);
      const next = await strategy.request({ doc: accepted, position: at(2, 13), signal: new AbortController().signal });
      if (shape === 'object') assert.equal(next?.insertText, '\n  // done', 'the future answer, from the cache');
      // n_cmpl 3 answers a list, which the extension does not cache: after Tab the typed-ahead
      // lookup finds an empty remainder of the accepted suggestion and shows nothing.
      else assert.equal(next, null);
      await clock.advance(0);
      assert.ok(
        server.bodies.slice(2).every((b) => b.prompt !== '  return sum;'),
        'no request for the accepted position (only, after a shown one, the next future suggestion)',
      );
      strategy.dispose();
    }
  });

  test('typing the start of a shown suggestion is answered without the server', async () => {
    const { clock, server, strategy } = setup();
    server.answer = () => ScriptedInfill.results('sum = 0;');
    const lines = ['function f() {', '  let ', '}'];
    await strategy.request({ doc: doc(lines), position: at(1, 6), signal: new AbortController().signal });
    await clock.advance(0);
    const calls = server.calls.length;
    const typed = doc(['function f() {', '  let su', '}'], 2);
    const s = await strategy.request({ doc: typed, position: at(1, 8), signal: new AbortController().signal });
    assert.equal(s?.insertText, 'm = 0;');
    assert.equal(s?.source, 'typedAhead');
    assert.equal(strategy.counters().typedAheadHits, 1);
    await clock.advance(0);
    // The server is asked only for the future suggestion again (a list answer was never cached).
    assert.deepEqual(
      server.bodies.slice(calls).map((b) => b.prompt),
      ['  let sum = 0;'],
    );
    strategy.dispose();
  });

  test('an editor switch queues chunks that reach the ring after 3 s idle, evaluated ahead with n_predict 0 and sent with the next request', async () => {
    const { clock, server, strategy } = setup();
    server.answer = () => ScriptedInfill.results('x');
    const other = new LinesDocument(
      'file:///repo/other.js',
      'javascript',
      Array.from({ length: 100 }, (_, i) => `const v${i} = ${i};`),
    );
    const to: EditorView = { doc: other, line: 50, dirty: false };
    const workspace: Workspace = { active: () => to };
    strategy.onEditor({ kind: 'switch', from: { doc: doc(), line: 2, dirty: true }, to }, workspace);
    assert.ok(strategy.ring.queued.length >= 1);
    await clock.advance(4000);
    const update = server.bodies.find((b) => b.n_predict === 0);
    assert.ok(update, 'the ring update request');
    assert.equal((update.input_extra as unknown[]).length, strategy.ring.chunks.length);
    await strategy.request({ doc: doc(), position: at(1, 5), signal: new AbortController().signal });
    const last = server.bodies[server.bodies.length - 1]!;
    assert.deepEqual(last.input_extra, strategy.ring.chunks);
    assert.match((last.input_extra as Array<{ filename: string }>)[0]!.filename, /other\.js$/);
    strategy.dispose();
  });
});
