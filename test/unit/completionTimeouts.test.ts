import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { settle } from '../../src/core/completion/clock';
import { timeoutWarning } from '../../src/core/completion/completionStats';
import { setup, typed } from '../helpers/completionFixtures';

/** One explicit request whose generation the engine ends with `stopReason`. */
async function answered(
  { engine, pipeline }: ReturnType<typeof setup>,
  text: string,
  stopReason: 'timeout' | 'abort' | 'eos',
  at = typed(''),
) {
  const pending = pipeline.provide({ ...at, triggerKind: 'invoke' });
  await settle();
  engine.last.respond(text, stopReason);
  return pending;
}

describe('completion timeouts', () => {
  test('a generation cut by its timeout is not cached: the next request at the same place asks the model again', async () => {
    const s = setup();
    assert.equal(await answered(s, '', 'timeout'), null);
    s.engine.reply = () => 'math.pi * r * r';
    const again = await s.pipeline.provide({ ...typed(''), triggerKind: 'invoke' });
    assert.equal(s.engine.calls.length, 2, 'the model was asked again');
    assert.equal(again?.insertText, 'math.pi * r * r');
    assert.equal(again?.source, 'model');
  });

  test('what a timed-out generation wrote is shown to the request that waited for it, and only once', async () => {
    const s = setup();
    assert.equal((await answered(s, 'math.pi', 'timeout'))?.insertText, 'math.pi');
    s.engine.reply = () => 'math.pi * r * r';
    assert.equal((await s.pipeline.provide({ ...typed(''), triggerKind: 'invoke' }))?.insertText, 'math.pi * r * r');
    assert.equal(s.engine.calls.length, 2);
  });

  test('a generation the engine ended as aborted leaves nothing in the cache', async () => {
    const s = setup();
    assert.equal(await answered(s, 'math', 'abort'), null);
    s.engine.reply = () => 'math.pi * r * r';
    assert.equal((await s.pipeline.provide({ ...typed(''), triggerKind: 'invoke' }))?.source, 'model');
    assert.equal(s.engine.calls.length, 2);
  });

  test('the stats count timed-out answers among the recent ones, with the timeout they ran with', async () => {
    const s = setup({ timeoutMs: 3000 });
    await answered(s, '', 'timeout', typed('a'));
    await answered(s, 'b * b', 'eos', typed('b'));
    await answered(s, '', 'timeout', typed('c'));
    await answered(s, '', 'timeout', typed('d'));
    const t = s.pipeline.stats.snapshot().timeouts;
    assert.deepEqual(t, { answers: 4, timedOut: 3, timeoutMs: 3000 });
    assert.equal(timeoutWarning(t), '3 of the last 4 suggestions timed out after 3.0 s');
  });

  test('a new timeout setting or another model starts the count again', async () => {
    const s = setup({ timeoutMs: 3000 });
    await answered(s, '', 'timeout', typed('a'));
    await answered(s, '', 'timeout', typed('b'));
    assert.equal(s.pipeline.stats.snapshot().timeouts.timedOut, 2);
    s.pipeline.updateSettings({ timeoutMs: 8000 }, { rebuild: false });
    assert.deepEqual(s.pipeline.stats.snapshot().timeouts, { answers: 0, timedOut: 0, timeoutMs: 3000 });
    await answered(s, '', 'timeout', typed('c'));
    assert.equal(s.pipeline.stats.snapshot().timeouts.timeoutMs, 8000, 'the new timeout reaches the engine');
    assert.equal(s.engine.last.params.timeoutMs, 8000);
  });

  test('the warning needs at least two timeouts, and at least half of the recent answers', () => {
    assert.equal(timeoutWarning({ answers: 1, timedOut: 1, timeoutMs: 3000 }), undefined);
    assert.equal(timeoutWarning({ answers: 5, timedOut: 2, timeoutMs: 3000 }), undefined);
    assert.equal(
      timeoutWarning({ answers: 4, timedOut: 2, timeoutMs: 500 }),
      '2 of the last 4 suggestions timed out after 500 ms',
    );
    assert.equal(
      timeoutWarning({ answers: 6, timedOut: 6, timeoutMs: 60_000 }),
      '6 of the last 6 suggestions timed out after 1 min 0 s',
    );
  });
});
