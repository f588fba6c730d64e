import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { settle } from '../../src/core/completion/clock';
import { LinesDocument } from '../../src/core/completion/documentWindow';
import { setup, typed } from '../helpers/completionFixtures';

const shapes = (n: number) =>
  new LinesDocument('file:///repo/shapes.py', 'python', [
    `class Shape${n}:`,
    '    def __init__(self, r):',
    '        self.r = r',
  ]);

describe('completions turned off', () => {
  test('with automatic completions off, typing, editor events and idle time cause no engine call at all', async () => {
    const { engine, pipeline, clock } = setup({ idlePrefillMs: 1000, prefetch: true });
    engine.reply = () => 'math.pi * r * r';
    await pipeline.provide({ ...typed(''), triggerKind: 'invoke' }); // the last target exists
    await clock.advance(5000);
    const before = { calls: engine.calls.length, prefills: engine.prefills.length };
    pipeline.setAutomatic(false);
    for (let i = 0; i < 5; i++) {
      pipeline.extraContext.onSave(shapes(i), 1); // the ring changes: a prefill would follow
      pipeline.extraContext.onEditorSwitch(shapes(i + 10), 0);
      assert.equal(await pipeline.provide(typed('m'.repeat(i + 1))), null);
      await clock.advance(3000);
    }
    assert.deepEqual({ calls: engine.calls.length, prefills: engine.prefills.length }, before);
  });

  test('turning automatic completions off stops the background work already scheduled or running', async () => {
    const { engine, pipeline, clock } = setup({ idlePrefillMs: 1000 });
    const running = pipeline.provide({ ...typed(''), triggerKind: 'invoke' });
    await settle();
    pipeline.extraContext.onSave(shapes(1), 1); // schedules a prefill after the pause
    pipeline.setAutomatic(false);
    assert.equal(engine.last.signal.aborted, true, 'the running generation was stopped');
    await running;
    await clock.advance(5000);
    assert.equal(engine.prefills.length, 0);
  });

  test('an explicit request is still answered while automatic completions are off, with no prefetch after it', async () => {
    const { engine, pipeline, clock } = setup({ prefetch: true });
    engine.reply = () => 'math.pi * r * r';
    pipeline.setAutomatic(false);
    const s = await pipeline.provide({ ...typed(''), triggerKind: 'invoke' });
    assert.equal(s?.insertText, 'math.pi * r * r');
    await clock.advance(5000);
    assert.equal(engine.calls.length, 1, 'no prefetch');
    pipeline.setAutomatic(true);
    assert.equal((await pipeline.provide(typed('math'))) !== null, true, 'on again: typed-ahead serves');
  });
});
