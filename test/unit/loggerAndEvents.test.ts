import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../src/core/completion/clock';
import { CompletionPipeline } from '../../src/core/completion/completionPipeline';
import { Emitter } from '../../src/core/util/emitter';
import { createLogger, type LogLevel } from '../../src/core/util/logger';
import { QWEN_MODEL, typed } from '../helpers/completionFixtures';

function recording(): { lines: string[]; sink: (level: LogLevel, line: string) => void } {
  const lines: string[] = [];
  return { lines, sink: (level, line) => lines.push(`${level} ${line}`) };
}

describe('logger and events', () => {
  test('a child logger tags its lines once, nested children with a path, and errors carry their message', () => {
    const { lines, sink } = recording();
    const log = createLogger(sink);
    log.child('completion').info('ready');
    log.child('engine').child('llama').warn('slow');
    log.error('failed', new Error('boom'));
    assert.equal(lines[0], 'info [completion] ready');
    assert.equal(lines[1], 'warn [engine/llama] slow');
    assert.match(lines[2]!, /^error failed: Error: boom/);
  });

  test("the completion pipeline's lines carry the tag its caller gave, not a second one of its own", async () => {
    const { lines, sink } = recording();
    const pipeline = new CompletionPipeline({
      engine: {
        complete: () => Promise.reject(Object.assign(new Error('the engine fell over'), { code: 'internal' })),
      },
      clock: new ManualClock(),
      settings: { prefetch: false },
      log: createLogger(sink).child('completion'),
    });
    pipeline.setModel(QWEN_MODEL);
    await pipeline.provide({ ...typed(''), triggerKind: 'invoke' });
    assert.deepEqual(lines, ['warn [completion] completion failed: the engine fell over']);
  });

  test('Emitter.fire reports a listener that throws, and still calls the listeners after it', () => {
    const reported: string[] = [];
    const emitter = new Emitter<number>({ error: (message, e) => reported.push(`${message}: ${String(e)}`) });
    const heard: number[] = [];
    emitter.event(() => {
      throw new Error('listener bug');
    });
    emitter.event((n) => heard.push(n));
    emitter.fire(7);
    assert.deepEqual(heard, [7]);
    assert.deepEqual(reported, ['an event listener failed: Error: listener bug']);
  });

  test('an event subscription is a Disposable: after dispose the listener hears nothing', () => {
    const emitter = new Emitter<string>();
    const heard: string[] = [];
    const sub = emitter.event((s) => heard.push(s));
    emitter.fire('a');
    sub.dispose();
    emitter.fire('b');
    assert.deepEqual(heard, ['a']);
  });
});
