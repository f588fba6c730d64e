import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkBatcher, type Piece, type Timers } from '../../src/core/chat/chunkBatcher';

function manualTimers(): Timers & { fire(): void; pending: number } {
  const queue = new Map<number, () => void>();
  let next = 1;
  return {
    setTimeout: (run) => (queue.set(next, run), next++),
    clearTimeout: (handle) => queue.delete(handle as number),
    fire: () => [...queue.entries()].forEach(([id, run]) => (queue.delete(id), run())),
    get pending() {
      return queue.size;
    },
  };
}

describe('chunk batcher', () => {
  test('merges pieces of the same segment into one message after the delay', () => {
    const timers = manualTimers();
    const out: Piece[] = [];
    const batcher = new ChunkBatcher((p) => out.push(p), 25, timers);
    for (const t of ['He', 'll', 'o']) batcher.push({ segment: 'text', text: t });
    assert.deepEqual(out, []);
    timers.fire();
    assert.deepEqual(out, [{ segment: 'text', text: 'Hello' }]);
  });

  test('keeps reasoning and answer apart and in order', () => {
    const timers = manualTimers();
    const out: Piece[] = [];
    const batcher = new ChunkBatcher((p) => out.push(p), 25, timers);
    batcher.push({ segment: 'thought', text: 'hmm ' });
    batcher.push({ segment: 'thought', text: 'ok' });
    batcher.push({ segment: 'text', text: 'Answer' });
    batcher.flush();
    assert.deepEqual(out, [
      { segment: 'thought', text: 'hmm ok' },
      { segment: 'text', text: 'Answer' },
    ]);
    assert.equal(timers.pending, 0, 'a flush cancels the timer');
  });

  test('flushes on demand before the answer ends and ignores empty pieces', () => {
    const out: Piece[] = [];
    const batcher = new ChunkBatcher((p) => out.push(p), 25, manualTimers());
    batcher.push({ segment: 'text', text: '' });
    batcher.flush();
    assert.deepEqual(out, []);
    batcher.push({ segment: 'text', text: 'x' });
    batcher.flush();
    batcher.flush();
    assert.deepEqual(out, [{ segment: 'text', text: 'x' }]);
  });

  test('drops what is pending when the view gets the whole turn in a snapshot instead', () => {
    const timers = manualTimers();
    const out: Piece[] = [];
    const batcher = new ChunkBatcher((p) => out.push(p), 25, timers);
    batcher.push({ segment: 'text', text: 'already in the snapshot' });
    batcher.drop();
    timers.fire();
    batcher.push({ segment: 'text', text: 'after' });
    batcher.flush();
    assert.deepEqual(out, [{ segment: 'text', text: 'after' }]);
  });
});
