// The slot an editor claims on a llama-server: one nobody used yet, else an old idle one, never a
// busy one; the /slots answer read as llama-server writes it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chooseSlot, parseSlots, slotTakenOver, type SlotInfo } from '../../src/core/remote/slotChoice';

const slot = (id: number, lastTask?: number, processing = false): SlotInfo => ({
  id,
  processing,
  ...(lastTask !== undefined && { lastTask }),
});

describe('chooseSlot', () => {
  test('takes a slot no request has used yet, whichever the random pick lands on', () => {
    const slots = [slot(0, 12), slot(1), slot(2, 3), slot(3)];
    assert.equal(
      chooseSlot(slots, () => 0),
      1,
    );
    assert.equal(
      chooseSlot(slots, () => 0.99),
      3,
    );
  });

  test('when every slot has been used, takes one of the older half of the idle ones', () => {
    const slots = [slot(0, 40), slot(1, 7), slot(2, 30, true), slot(3, 9), slot(4, 50)];
    const picks = new Set([0, 0.3, 0.6, 0.99].map((r) => chooseSlot(slots, () => r)));
    assert.deepEqual([...picks].sort(), [1, 3]);
  });

  test('never takes a busy slot, and leaves the choice to the server when all are busy', () => {
    assert.equal(
      chooseSlot([slot(0, undefined, true), slot(1, 4)], () => 0),
      1,
    );
    assert.equal(
      chooseSlot([slot(0, 1, true), slot(1, 2, true)], () => 0),
      -1,
    );
    assert.equal(chooseSlot([]), -1);
  });
});

describe('chooseSlot, moving away from a shared slot', () => {
  test('never takes back the slot the window is leaving, even when it is the only unused one', () => {
    const slots = [slot(0, 5), slot(1), slot(2, 9)];
    for (const r of [0, 0.5, 0.99])
      assert.notEqual(
        chooseSlot(slots, () => r, 1),
        1,
      );
    assert.equal(
      chooseSlot([slot(0, 5, true), slot(1)], () => 0, 1),
      -1,
    );
  });
});

describe('slotTakenOver', () => {
  const previous = { prompt: 'a'.repeat(1000), promptTokens: 400 };

  test('says another window used the slot when a prompt with the same start reused under half of it', () => {
    assert.equal(slotTakenOver(previous, `${'a'.repeat(1000)}b`, 12), true);
    assert.equal(slotTakenOver(previous, `${'a'.repeat(900)}c`, 150), true);
  });

  test('says nothing is wrong when the slot still held most of the shared start', () => {
    assert.equal(slotTakenOver(previous, `${'a'.repeat(1000)}b`, 399), false);
    assert.equal(slotTakenOver(previous, `${'a'.repeat(900)}c`, 200), false);
  });

  test('says nothing when the prompts share too little for a low reuse to mean anything', () => {
    assert.equal(slotTakenOver(previous, `b${'a'.repeat(999)}`, 0), false, 'a new start');
    assert.equal(slotTakenOver(previous, `${'a'.repeat(100)}b`, 0), false, 'about 40 shared tokens');
    assert.equal(slotTakenOver({ prompt: 'abc', promptTokens: 3 }, 'abcd', 0), false, 'a short prompt');
    assert.equal(slotTakenOver(undefined, 'abc', 0), false, 'no request answered yet');
  });
});

describe('parseSlots', () => {
  test("reads llama-server's /slots: a slot that ran no task has no id_task", () => {
    const body = [
      { id: 0, n_ctx: 2048, is_processing: false },
      { id: 1, n_ctx: 2048, is_processing: true, id_task: 17, n_prompt_tokens: 26 },
    ];
    assert.deepEqual(parseSlots(body), [
      { id: 0, processing: false },
      { id: 1, processing: true, lastTask: 17 },
    ]);
  });

  test('is undefined for an answer that is not a slot list', () => {
    assert.equal(
      parseSlots({ error: { code: 501, message: 'This server does not support slots endpoint.' } }),
      undefined,
    );
    assert.equal(parseSlots([{ n_ctx: 2048 }]), undefined);
  });
});
