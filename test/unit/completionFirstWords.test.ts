import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { settle } from '../../src/core/completion/clock';
import type { RefinedSuggestion } from '../../src/core/completion/completionPipeline';
import { firstWords } from '../../src/core/completion/generationJobs';
import { setup, typed } from '../helpers/completionFixtures';

const RULES = {
  linePrefix: '    return ma',
  lineSuffix: '',
  nextLines: [],
  previousLines: [],
  multiline: false,
  maxLines: 1,
  truncated: true,
};

/** A request typed after "return ", its debounce waited out: the engine is writing its answer. */
async function writing(settings: Parameters<typeof setup>[0] = {}) {
  const fixture = setup(settings);
  const refined: RefinedSuggestion[] = [];
  fixture.pipeline.onDidRefine((r) => refined.push(r));
  const pending = fixture.pipeline.provide(typed('ma'));
  await fixture.clock.advance(293); // the debounce before any rhythm is known
  assert.equal(fixture.engine.calls.length, 1);
  return { ...fixture, pending, refined };
}

describe('completion first words', () => {
  test('the first words of an answer end at its last whole word: the word being written may go on', () => {
    assert.equal(firstWords('th.pi * r', RULES), 'th.pi *', 'post-processed: no trailing space');
    assert.equal(firstWords('th.pi', RULES), 'th.');
    assert.equal(firstWords('th', RULES), undefined, 'no whole word yet');
    assert.equal(firstWords('(', RULES), undefined, 'punctuation alone is not worth showing');
  });

  test('an answer still being written partialAfterMs after the key shows its first words, then its whole text on refresh', async () => {
    const { engine, pipeline, clock, pending, refined } = await writing();
    const call = engine.last;
    assert.ok(call.onPartial, 'the engine is asked to stream while its speed is unknown');
    call.stream('th.pi');
    await settle();
    await clock.advance(100); // 393 ms after the key: not yet
    call.stream('th.pi *');
    await settle();
    let shown: string | undefined;
    void pending.then((s) => (shown = s?.insertText));
    await settle();
    assert.equal(shown, undefined, 'nothing before partialAfterMs (400 ms)');
    await clock.advance(10);
    call.stream('th.pi * r');
    assert.equal((await pending)?.insertText, 'th.pi *', 'the first words, at the first token past 400 ms');
    assert.deepEqual(refined, [], 'the rest is still being written');
    call.respond('th.pi * r * r');
    await settle();
    assert.deepEqual(refined, [{ uri: 'file:///geo.py', version: 3, position: typed('ma').position }]);
    const whole = await pipeline.provide({ ...typed('ma'), triggerKind: 'refresh' });
    assert.equal(whole?.insertText, 'th.pi * r * r');
    assert.equal(engine.calls.length, 1, 'the refresh is answered from the cache');
    assert.equal(pipeline.stats.snapshot().partialShows, 1);
  });

  test('an answer finished before partialAfterMs shows whole, with no refresh', async () => {
    const { engine, pending, refined } = await writing();
    engine.last.stream('th.pi');
    engine.last.respond('th.pi * r');
    assert.equal((await pending)?.insertText, 'th.pi * r');
    await settle();
    assert.deepEqual(refined, []);
  });

  test('an explicit request waits for the whole answer: the engine is not asked to stream', async () => {
    const { engine, pipeline } = setup();
    const pending = pipeline.provide({ ...typed('ma'), triggerKind: 'invoke' });
    await settle();
    assert.equal(engine.last.onPartial, undefined);
    engine.last.respond('th.pi * r');
    assert.equal((await pending)?.insertText, 'th.pi * r');
  });

  test('a refresh never calls the model: with nothing cached there, it answers nothing', async () => {
    const { engine, pipeline } = setup();
    assert.equal(await pipeline.provide({ ...typed('xyz'), triggerKind: 'refresh' }), null);
    await settle();
    assert.equal(engine.calls.length, 0);
  });

  test('with partialAfterMs 0 the engine is not asked to stream and only finished answers show', async () => {
    const { engine, pending } = await writing({ partialAfterMs: 0 });
    assert.equal(engine.last.onPartial, undefined);
    engine.last.respond('th.pi * r');
    assert.equal((await pending)?.insertText, 'th.pi * r');
  });

  test('first words the request could not take (a newer key stopped the answer) are not served later', async () => {
    const { engine, pipeline, clock } = await writing();
    await clock.advance(110);
    const call = engine.last;
    call.stream('th.pi * r');
    await settle();
    // A key that cannot use the answer stops it; the context it was for is asked again later.
    void pipeline.provide({ ...typed('mb', 4), triggerKind: 'invoke' });
    await settle();
    assert.ok(call.signal.aborted);
    engine.reply = () => 'x * x';
    const again = await pipeline.provide({ ...typed('ma', 5), triggerKind: 'invoke' });
    assert.equal(again?.insertText, 'x * x', 'the model is asked again, not the stale first words served');
  });
});
